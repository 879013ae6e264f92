//! Property tests of every parser in the api crate: whatever bytes or JSON arrive (from
//! Socialchat, a callback URL, a message from another window), parsing never panics; and
//! whatever a parser accepts is written back and read again to the same value (the proxy's
//! projection and the widget's messages are built by these writers and read by these readers).

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use socialchat_api::callback::{channel_of_callback, MessageWire};
use socialchat_api::{
    AccountPage, ApiError, CallbackMessage, ChannelKind, ChannelList, PartnerCall, Route,
};

/// Any JSON value, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Object keys: mostly the API's own, so that documents come close to valid ones.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "_id", "name", "channelId", "channelType", "isConnected", "picture", "docs",
            "hasNextPage", "nextOffset", "totalDocs", "page", "limit", "totalPages", "message",
            "originalMessage", "code", "disconnectedAt", "additionalData", "qrcode", "source",
            "kind", "channel", "token", "error", "error_reason", "error_description", "url",
        ])
        .prop_map(str::to_owned),
        1 => ".{0,12}",
    ]
}

/// Texts that look like the API's values: ids, names, URLs, and anything at all.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,20}",
        "[0-9a-f]{24}",
        "[A-Za-z0-9 _.-]{1,30}",
        "https://[a-z]{1,10}\\.example/[a-z0-9]{0,10}\\.jpg",
        ".{0,60}",
    ]
}

/// An object of the fields that are present.
fn object(fields: Vec<(&str, Option<Value>)>) -> Value {
    Value::Object(
        fields
            .into_iter()
            .filter_map(|(k, v)| Some((k.to_owned(), v?)))
            .collect(),
    )
}

/// An account document as Socialchat might send one, valid or not.
fn account_doc() -> impl Strategy<Value = Value> {
    (
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of(any_json()),
    )
        .prop_map(|(name, id, picture, extra)| {
            object(vec![
                ("name", name.map(Value::String)),
                ("channelId", id.map(Value::String)),
                ("picture", picture.map(Value::String)),
                ("extra", extra),
            ])
        })
}

/// A channel document, valid or not.
fn channel_doc() -> impl Strategy<Value = Value> {
    (
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of(prop::sample::select(vec![
            "instagram",
            "messenger",
            "whatsapp-unofficial",
            "telegram",
            "webchat",
            "tiktok",
            "",
        ])),
        prop::option::of(any::<bool>()),
        prop::option::of(text()),
        prop::option::of(any_json()),
    )
        .prop_map(|(id, name, kind, connected, channel_id, extra)| {
            object(vec![
                ("_id", id.map(Value::String)),
                ("name", name.map(Value::String)),
                ("channelType", kind.map(|k| json!(k))),
                ("isConnected", connected.map(Value::Bool)),
                ("channelId", channel_id.map(Value::String)),
                ("additionalData", extra),
            ])
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_parser_panics_on_any_text(text in ".{0,300}", status in 100u16..600) {
        let _ = AccountPage::parse(&text);
        let _ = ChannelList::parse(&text);
        let _ = ApiError::from_response(status, &text);
        let _ = serde_json::from_str::<MessageWire>(&text).map(|w| CallbackMessage::from_wire(Some(w)));
        for kind in ChannelKind::ALL {
            let _ = CallbackMessage::from_callback_query(kind, &text);
        }
        let _ = channel_of_callback(&text, &text);
        let _ = Route::recognize(&text, &text);
        let _ = PartnerCall::from_request("GET", &text, Some(&text), text.as_bytes());
        let _ = PartnerCall::from_request("POST", &text, Some(&text), text.as_bytes());
    }

    #[test]
    fn no_parser_panics_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = AccountPage::parse(&text);
        let _ = ChannelList::parse(&text);
        let _ = ApiError::from_response(500, &text);
        for path in [
            "/partner/channel/instagram",
            "/partner/channel/telegram",
            "/partner/channel/whatsapp",
            "/partner/channel/webchat",
            "/partner/channel/instagram/65f0a1b2c3d4e5f6a7b8c901",
        ] {
            let _ = PartnerCall::from_request("POST", path, None, &bytes);
        }
    }

    #[test]
    fn no_parser_panics_on_any_json(value in any_json(), status in 100u16..600) {
        let text = value.to_string();
        let _ = AccountPage::parse(&text);
        let _ = ChannelList::parse(&text);
        let _ = ApiError::from_response(status, &text);
        let _ = serde_json::from_value::<MessageWire>(value).map(|w| CallbackMessage::from_wire(Some(w)));
    }

    #[test]
    fn an_account_page_read_is_written_and_read_back_the_same(
        docs in prop::collection::vec(account_doc(), 0..12),
        more in any::<bool>(),
        offset in text(),
    ) {
        let page = json!({ "docs": docs, "hasNextPage": more, "nextOffset": offset }).to_string();
        if let Ok(first) = AccountPage::parse(&page) {
            let again = AccountPage::parse(&first.value.to_json().to_string())
                .expect("its own JSON reads");
            prop_assert_eq!(again.dropped, 0);
            prop_assert_eq!(again.value, first.value);
        }
    }

    #[test]
    fn a_channel_list_read_is_written_and_read_back_the_same(
        docs in prop::collection::vec(channel_doc(), 0..12),
        paged in any::<bool>(),
        total in 0u32..1000,
    ) {
        let list = if paged {
            json!({ "docs": docs, "totalDocs": total, "page": 1, "limit": 10,
                    "totalPages": total / 10 + 1, "hasNextPage": total > 10, "hasPrevPage": false })
        } else {
            json!(docs)
        };
        if let Ok(first) = ChannelList::parse(&list.to_string()) {
            let again = ChannelList::parse(&first.value.to_json().to_string())
                .expect("its own JSON reads");
            prop_assert_eq!(again.dropped, 0);
            prop_assert_eq!(again.value, first.value);
        }
    }

    #[test]
    fn a_callback_read_from_its_url_is_sent_and_received_the_same(
        token in prop::option::of(text()),
        error in prop::option::of(text()),
        reason in prop::option::of(text()),
        description in prop::option::of(".{0,200}"),
        messenger in any::<bool>(),
    ) {
        let query = format!(
            "{}&unrelated=1",
            url_query(&[
                ("token", &token),
                ("error", &error),
                ("error_reason", &reason),
                ("error_description", &description),
            ])
        );
        let kind = if messenger { ChannelKind::Messenger } else { ChannelKind::Instagram };
        let message = CallbackMessage::from_callback_query(kind, &query);
        let wire = serde_json::to_value(message.to_wire()).unwrap();
        let received = CallbackMessage::from_wire(Some(serde_json::from_value(wire).unwrap()));
        prop_assert_eq!(received, Ok(message));
    }

    #[test]
    fn a_recognized_call_is_rebuilt_to_the_same_request(
        call in prop::sample::select(vec![
            ("GET", "/partner/channel", "page=2&limit=20&search=toko&channelTypes[]=instagram"),
            ("GET", "/partner/channel/65f0a1b2c3d4e5f6a7b8c901", ""),
            ("GET", "/partner/channel/instagram/authorize", ""),
            ("GET", "/partner/channel/messenger/account", "token=EAAB-token_1&nextOffset=abc"),
            ("GET", "/partner/channel/instagram/account", "token=t0ken.value"),
        ]),
        junk in ".{0,20}",
    ) {
        let (method, path, query) = call;
        for query in [query.to_owned(), format!("{query}&{junk}"), junk.clone()] {
            if let Ok(recognized) = PartnerCall::from_request(method, path, Some(&query), b"") {
                let again = PartnerCall::from_request(
                    recognized.method().as_str(),
                    &recognized.path(),
                    Some(&recognized.query_string()),
                    b"",
                );
                prop_assert_eq!(again, Ok(recognized));
            }
        }
    }
}

/// A query string of the pairs that are present, percent-encoded.
fn url_query(pairs: &[(&str, &Option<String>)]) -> String {
    pairs
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", encode(v))))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
