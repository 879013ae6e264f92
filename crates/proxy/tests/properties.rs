//! Property tests of what the proxy lets through, both ways:
//! - the projection: whatever a channel, account or error document holds besides the
//!   allowlisted fields (secrets under any key, in nested objects and arrays, in odd casings,
//!   very long), none of it reaches the browser, and the API key and the call's token are cut
//!   out of the messages that do;
//! - the validation: of random requests (paths, queries, bodies, methods), exactly those that
//!   are one of the widget's calls with valid input reach the backend, as that call.

use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::http::Request;
use proptest::prelude::*;
use serde_json::{json, Value};
use socialchat_api::{ChannelKind, ChannelType};
use socialchat_proxy::app::{router, ServerFlags, ServerOptions};
use socialchat_proxy::call::{Answer, Backend, PartnerCall, RawAnswer};
use socialchat_proxy::project::{project_answer, Projection};
use tower::ServiceExt;

const KEY: &str = "sk-live-partner-api-key-0123456789";
const TOKEN: &str = "EAAB-facebook-user-token-9876543210";

/// The calls whose answers are projected, as the widget sends them.
fn calls() -> Vec<PartnerCall> {
    let instagram =
        r#"{"channelId":"17841400000000001","token":"EAAB-facebook-user-token-9876543210"}"#;
    let requests: [(&str, &str, Option<String>, &str); 7] = [
        ("GET", "/partner/channel", None, ""),
        ("GET", "/partner/channel/65f0a1b2c3d4e5f6a7b8c901", None, ""),
        ("GET", "/partner/channel/instagram/authorize", None, ""),
        (
            "GET",
            "/partner/channel/instagram/account",
            Some(format!("token={TOKEN}")),
            "",
        ),
        ("POST", "/partner/channel/instagram", None, instagram),
        (
            "POST",
            "/partner/channel/webchat",
            None,
            r#"{"name":"Toko","websiteUrl":"https://toko.example"}"#,
        ),
        (
            "POST",
            "/partner/channel/instagram/65f0a1b2c3d4e5f6a7b8c901",
            None,
            r#"{"token":"EAAB-facebook-user-token-9876543210"}"#,
        ),
    ];
    requests
        .iter()
        .map(|(method, path, query, body)| {
            PartnerCall::from_request(method, path, query.as_deref(), body.as_bytes())
                .expect("the widget's call")
        })
        .collect()
}

/// Keys under which upstream documents could carry secrets, in the casings seen in the wild.
fn secret_key() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "token",
        "Token",
        "TOKEN",
        "accessToken",
        "access_token",
        "ACCESS_TOKEN",
        "pageAccessToken",
        "botToken",
        "bot_token",
        "apiKey",
        "api_key",
        "x-api-key",
        "password",
        "secret",
        "clientSecret",
        "webhookSecret",
        "session",
        "credentials",
        "auth",
        "Authorization",
        "refreshToken",
        "appSecret",
        "signature",
        "cookie",
    ])
    .prop_map(str::to_owned)
}

/// A secret: a marker that cannot occur by chance, of any length up to 5,000 characters.
fn secret() -> impl Strategy<Value = String> {
    (0u32..u32::MAX, 0usize..5000).prop_map(|(n, len)| format!("S3CRET{n:010}{}", "x".repeat(len)))
}

/// A value holding secrets somewhere inside: under secret-looking keys, in arrays, nested.
fn with_secrets() -> impl Strategy<Value = Value> {
    let leaf = (secret_key(), secret()).prop_map(|(k, s)| json!({ k: s }));
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..4).prop_map(Value::Array),
            (secret_key(), inner.clone(), secret_key(), secret())
                .prop_map(|(k, v, k2, s)| json!({ k: v, k2: s })),
        ]
    })
}

/// A document of the API's shapes (valid or not), with secrets beside its fields and inside
/// its `additionalData`.
fn document() -> impl Strategy<Value = Value> {
    let channel = (
        prop::sample::select(vec![
            "instagram",
            "messenger",
            "whatsapp-unofficial",
            "telegram",
            "webchat",
        ]),
        any::<bool>(),
        with_secrets(),
        with_secrets(),
        secret_key(),
        secret(),
    )
        .prop_map(|(kind, connected, extra, data, key, s)| {
            let mut doc = json!({
                "_id": "65f0a1b2c3d4e5f6a7b8c901", "name": "Toko Batik Sari", "channelType": kind,
                "channelId": "17841400000000001", "isConnected": connected,
                "picture": "https://cdn.example/p.jpg", "extra": extra,
                "additionalData": { "qrcode": "2@abc,def", "nested": data },
            });
            doc.as_object_mut().unwrap().insert(key, json!(s));
            doc
        })
        .boxed();
    prop_oneof![
        // One channel, a list of them (page or array), a connect's answer.
        channel.clone(),
        prop::collection::vec(channel.clone(), 0..4).prop_map(|docs| json!({
            "docs": docs, "totalDocs": 3, "page": 1, "limit": 10, "totalPages": 1,
            "hasNextPage": false, "hasPrevPage": false,
        })),
        prop::collection::vec(channel.clone(), 0..4).prop_map(Value::Array),
        channel.clone().prop_map(|c| json!({ "message": "ok", "data": c })),
        // An account page and an authorization URL, with secrets beside their fields.
        (with_secrets(), with_secrets()).prop_map(|(a, b)| json!({
            "docs": [{ "name": "Toko", "channelId": "17841400000000001", "picture": "https://cdn.example/p.jpg", "more": a }],
            "hasNextPage": true, "nextOffset": "abc", "more": b,
        })),
        with_secrets().prop_map(|s| json!({ "url": "https://www.facebook.com/dialog/oauth?x=1", "more": s })),
        // Anything with secrets.
        with_secrets(),
    ]
}

fn object_with(mut value: Value, key: &str, extra: Value) -> Value {
    if let Some(map) = value.as_object_mut() {
        map.insert(key.into(), extra);
    }
    value
}

/// Every secret marker inside `value`.
fn markers(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::String(s) if s.starts_with("S3CRET") => found.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| markers(v, found)),
        Value::Object(map) => map.values().for_each(|v| markers(v, found)),
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_secret_in_a_document_reaches_the_browser(
        doc in document(),
        status in prop::sample::select(vec![200u16, 201, 400, 401, 404, 409, 500, 502]),
        call in prop::sample::select(calls()),
    ) {
        let mut secrets = Vec::new();
        markers(&doc, &mut secrets);
        let own = |_: &str| false;
        let projection = Projection::new(vec![KEY, TOKEN], &own);
        let answer = RawAnswer::new(status, Bytes::from(doc.to_string()));
        let body = project_answer(&call, answer, &projection).body.to_string();
        for secret in &secrets {
            prop_assert!(!body.contains(secret.as_str()), "a secret reached the browser: {body}");
        }
        prop_assert!(!body.contains("S3CRET"), "{body}");
    }

    #[test]
    fn the_key_and_the_token_are_cut_out_of_messages(
        before in "[a-zA-Z ]{0,20}",
        after in "[a-zA-Z ]{0,20}",
        status in prop::sample::select(vec![400u16, 401, 403, 404, 409, 422, 500, 503]),
        call in prop::sample::select(calls()),
        extra in with_secrets(),
    ) {
        let message = format!("{before}{KEY}{after}{TOKEN}");
        let doc = object_with(
            json!({ "message": message, "originalMessage": format!("{TOKEN} {KEY}"), "code": TOKEN }),
            "debug",
            extra,
        );
        let own = |_: &str| false;
        let projection = Projection::new(vec![KEY, TOKEN], &own);
        let body = project_answer(&call, RawAnswer::new(status, Bytes::from(doc.to_string())), &projection)
            .body
            .to_string();
        prop_assert!(!body.contains(KEY) && !body.contains(TOKEN), "{body}");
        prop_assert!(!body.contains("S3CRET"), "{body}");
    }
}

/// A backend that records every call that reaches it. A channel it is asked for is of
/// `channel_type`, so that a reconnect of that kind passes the proxy's check of the channel.
struct Recording {
    calls: Mutex<Vec<PartnerCall>>,
    channel_type: &'static str,
}

impl Backend for Recording {
    fn mode(&self) -> &'static str {
        "test"
    }

    fn call<'a>(&'a self, call: &'a PartnerCall) -> Answer<'a> {
        self.calls.lock().unwrap().push(call.clone());
        let body = match call {
            PartnerCall::Channel { id } => json!({
                "_id": id.as_str(), "name": "Toko", "channelType": self.channel_type, "isConnected": false,
            })
            .to_string(),
            _ => "[]".to_owned(),
        };
        Box::pin(async move { Ok(RawAnswer::new(200, Bytes::from(body))) })
    }
}

/// Whether `read` is one the proxy makes for `call` (see the validation test).
fn own_read(call: &PartnerCall, read: &PartnerCall) -> bool {
    match (call, read) {
        (PartnerCall::Reconnect { id, .. }, PartnerCall::Channel { id: named }) => id == named,
        (PartnerCall::Accounts { kind, .. }, PartnerCall::ChannelList { query }) => {
            query.search.is_none()
                && !query.channel_types.is_empty()
                && query
                    .channel_types
                    .iter()
                    .all(|t| kind.owns(&ChannelType::from_name(t)))
        }
        _ => false,
    }
}

/// The channel type a kind's channels have (`kind.owns` it).
fn channel_type(kind: Option<ChannelKind>) -> &'static str {
    [
        "instagram",
        "messenger",
        "whatsapp-unofficial",
        "telegram",
        "webchat",
    ]
    .into_iter()
    .find(|t| kind.is_some_and(|k| k.owns(&ChannelType::from_name(t))))
    .unwrap_or("instagram")
}

/// Paths near the widget's routes and far from them.
fn path() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        4 => prop::sample::select(vec![
            "partner", "channel", "instagram", "messenger", "whatsapp", "telegram", "webchat",
            "authorize", "account", "65f0a1b2c3d4e5f6a7b8c901", "tiktok", "..", ".", "%2e%2e",
            "%2F", "", "INSTAGRAM", "channel%00", "a;b", "ﬁ",
        ])
        .prop_map(str::to_owned),
        1 => "[a-zA-Z0-9_.%-]{0,30}",
    ];
    prop_oneof![
        3 => prop::sample::select(vec![
            "/partner/channel", "/partner/channel/65f0a1b2c3d4e5f6a7b8c901",
            "/partner/channel/instagram/authorize", "/partner/channel/messenger/account",
            "/partner/channel/instagram/account", "/partner/channel/instagram",
            "/partner/channel/telegram", "/partner/channel/webchat", "/partner/channel/whatsapp",
            "/partner/channel/instagram/65f0a1b2c3d4e5f6a7b8c901",
            "/partner/channel/telegram/65f0a1b2c3d4e5f6a7b8c901",
        ])
        .prop_map(str::to_owned),
        3 => prop::collection::vec(segment.clone(), 0..4)
            .prop_map(|rest| format!("/partner/channel/{}", rest.join("/"))),
        1 => prop::collection::vec(segment, 0..6).prop_map(|all| format!("/{}", all.join("/"))),
    ]
    .prop_map(|p| p.trim_end_matches('/').to_owned())
    .prop_filter("a path", |p| !p.is_empty())
}

fn query() -> impl Strategy<Value = Option<String>> {
    let pair = prop_oneof![
        prop::sample::select(vec![
            "token=EAAB-token_1",
            "token=",
            "token=a%20b",
            "nextOffset=abc",
            "nextOffset=",
            "page=2",
            "page=-1",
            "page=99999999999",
            "limit=20",
            "search=toko",
            "channelTypes[]=instagram",
            "channelTypes[]=x",
            "token=EAAB&token=other",
            "callback=https://evil.example",
        ])
        .prop_map(str::to_owned),
        "[a-zA-Z\\[\\]]{1,10}=[^&#]{0,20}",
    ];
    prop::option::of(prop::collection::vec(pair, 0..4).prop_map(|pairs| pairs.join("&")))
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::sample::select(vec![
            r#"{"channelId":"17841400000000001","token":"EAAB-token_1"}"#,
            r#"{"token":"EAAB-token_1"}"#,
            r#"{"token":"123456789:AAHk1q2w3e4r5t6y7u8i9o0pASDFGHJKLZX"}"#,
            r#"{"name":"Toko","websiteUrl":"https://toko.example"}"#,
            r#"{"name":"Toko","phone":"+62 812 3456 7890"}"#,
            r#"{"channelId":"1","token":"t","extra":{"x":1}}"#,
            "",
            "null",
            "[]",
            "{",
            "{\"token\":1}",
        ])
        .prop_map(|b| b.as_bytes().to_vec()),
        prop::collection::vec(any::<u8>(), 0..64),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn only_the_widgets_valid_calls_reach_the_backend(
        method in prop_oneof![
            3 => Just("GET"),
            3 => Just("POST"),
            1 => prop::sample::select(vec!["PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]),
        ],
        path in path(),
        query in query(),
        body in body(),
    ) {
        let expected = PartnerCall::from_request(method, &path, query.as_deref(), &body).ok();
        let backend = Arc::new(Recording {
            calls: Mutex::new(Vec::new()),
            channel_type: channel_type(expected.as_ref().and_then(PartnerCall::kind)),
        });
        let options = ServerOptions::from_flags(
            &ServerFlags {
            prefix: "/api/socialchat".into(),
            ..ServerFlags::default()
        },
        false,
    )
        .unwrap();
        let app = router(options, backend.clone());
        let uri = match &query {
            Some(q) => format!("/api/socialchat{path}?{q}"),
            None => format!("/api/socialchat{path}"),
        };
        let Ok(request) = Request::builder()
            .method(method)
            .uri(&uri)
            .header("content-type", "application/json")
            .body(Body::from(body.clone()))
        else {
            // Not even an HTTP request (hyper would refuse it before the proxy sees it).
            return Ok(());
        };
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let status = runtime.block_on(async { app.oneshot(request).await.unwrap().status() });
        let reached = backend.calls.lock().unwrap().clone();
        match expected {
            None => prop_assert!(reached.is_empty(), "{method} {uri} reached the backend: {reached:?} ({status})"),
            Some(call) => {
                // Besides the call itself, only the reads the proxy makes for it: before a
                // reconnect, the channel it names (whose kind must be the reconnect's); beside an
                // account page, the company's channels of that kind (to mark the accounts).
                if let PartnerCall::Reconnect { id, .. } = &call {
                    prop_assert_eq!(reached.first(), Some(&PartnerCall::Channel { id: id.clone() }), "{} {}", method, uri);
                }
                let (own, forwarded): (Vec<_>, Vec<_>) =
                    reached.iter().cloned().partition(|read| own_read(&call, read));
                prop_assert_eq!(forwarded, vec![call.clone()], "{} {} ({}): {:?}", method, uri, status, reached);
                prop_assert!(own.len() <= 1, "{method} {uri}: {reached:?}");
            }
        }
    }
}
