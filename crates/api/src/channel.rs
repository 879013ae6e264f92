//! The company's existing channels, from `GET /partner/channel`, and the projection that keeps
//! their secrets on the server.
//!
//! A Socialchat channel can carry `token.accessToken`, `createdBy.email` and `additionalData`.
//! [`Channel`] holds only the fields the widget shows, so serializing a parsed channel *is* the
//! projection the proxy applies before anything reaches a browser.

use serde::{Deserialize, Serialize};

use crate::account::sanitize_picture;
use crate::error::{parse_json, ParseError};
use crate::input::ChannelRecordId;

/// What kind of channel a Socialchat channel is; kinds this crate does not know are kept by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ChannelType {
    Linkchat,
    Webchat,
    Messenger,
    Instagram,
    Telegram,
    WhatsappUnofficial,
    Other(String),
}

impl ChannelType {
    pub fn as_str(&self) -> &str {
        match self {
            ChannelType::Linkchat => "linkchat",
            ChannelType::Webchat => "webchat",
            ChannelType::Messenger => "messenger",
            ChannelType::Instagram => "instagram",
            ChannelType::Telegram => "telegram",
            ChannelType::WhatsappUnofficial => "whatsapp-unofficial",
            ChannelType::Other(name) => name,
        }
    }

    pub fn from_name(name: &str) -> ChannelType {
        match name {
            "linkchat" => ChannelType::Linkchat,
            "webchat" => ChannelType::Webchat,
            "messenger" => ChannelType::Messenger,
            "instagram" => ChannelType::Instagram,
            "telegram" => ChannelType::Telegram,
            "whatsapp-unofficial" => ChannelType::WhatsappUnofficial,
            other => ChannelType::Other(other.to_owned()),
        }
    }
}

impl Serialize for ChannelType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ChannelType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Ok(ChannelType::from_name(&name))
    }
}

/// A channel as the widget sees it: exactly the fields it shows, nothing secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Channel {
    #[serde(rename = "_id")]
    pub id: ChannelRecordId,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    pub channel_type: ChannelType,
    pub is_connected: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disconnected_at: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChannelWire {
    #[serde(rename = "_id")]
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    channel_id: Option<serde_json::Value>,
    #[serde(default)]
    channel_type: Option<ChannelType>,
    // Socialchat documents isConnected on every channel; if it is ever missing, "not connected"
    // is the safe reading: the widget then offers a Reconnect, which is harmless.
    #[serde(default)]
    is_connected: Option<bool>,
    #[serde(default)]
    picture: Option<String>,
    #[serde(default)]
    disconnected_at: Option<serde_json::Value>,
}

impl ChannelWire {
    fn into_channel(self) -> Result<Channel, String> {
        let id = ChannelRecordId::new(self.id).map_err(|e| e.to_string())?;
        let channel_id = match self.channel_id {
            Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s),
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let disconnected_at = match self.disconnected_at {
            Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s),
            _ => None,
        };
        Ok(Channel {
            id,
            name: self.name.unwrap_or_default().trim().to_owned(),
            channel_id,
            channel_type: self
                .channel_type
                .unwrap_or_else(|| ChannelType::Other(String::new())),
            is_connected: self.is_connected.unwrap_or(false),
            picture: sanitize_picture(self.picture),
            disconnected_at,
        })
    }
}

/// The mongoose-paginate fields of a channel list page; all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Paging {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_docs: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_pages: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_prev_page: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_next_page: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev_page: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page: Option<u64>,
}

/// A list of channels: a mongoose-paginate page, or a bare array (then `paging` is `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelList {
    pub channels: Vec<Channel>,
    pub paging: Option<Paging>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ChannelListWire {
    Page {
        docs: Vec<ChannelWire>,
        #[serde(flatten)]
        paging: Box<PagingWire>,
    },
    Array(Vec<ChannelWire>),
}

/// Paging fields read leniently: a value of the wrong type is treated as absent, so one odd
/// counter never hides the channels.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PagingWire {
    #[serde(default)]
    total_docs: Option<serde_json::Value>,
    #[serde(default)]
    limit: Option<serde_json::Value>,
    #[serde(default)]
    total_pages: Option<serde_json::Value>,
    #[serde(default)]
    page: Option<serde_json::Value>,
    #[serde(default)]
    has_prev_page: Option<serde_json::Value>,
    #[serde(default)]
    has_next_page: Option<serde_json::Value>,
    #[serde(default)]
    prev_page: Option<serde_json::Value>,
    #[serde(default)]
    next_page: Option<serde_json::Value>,
}

impl PagingWire {
    fn into_paging(self) -> Paging {
        let n = |v: Option<serde_json::Value>| v.and_then(|v| v.as_u64());
        let b = |v: Option<serde_json::Value>| v.and_then(|v| v.as_bool());
        Paging {
            total_docs: n(self.total_docs),
            limit: n(self.limit),
            total_pages: n(self.total_pages),
            page: n(self.page),
            has_prev_page: b(self.has_prev_page),
            has_next_page: b(self.has_next_page),
            prev_page: n(self.prev_page),
            next_page: n(self.next_page),
        }
    }
}

impl ChannelList {
    /// Parses `GET /partner/channel`. Unknown fields are ignored, missing optional ones are
    /// absent; a channel without a sane `_id` makes the list an error.
    pub fn parse(body: &str) -> Result<ChannelList, ParseError> {
        const WHAT: &str = "channel list";
        let wire: ChannelListWire = parse_json(WHAT, body).map_err(|_| {
            ParseError::new(WHAT, "expected a page with docs or an array of channels")
        })?;
        let (docs, paging) = match wire {
            ChannelListWire::Page { docs, paging } => (docs, Some(paging.into_paging())),
            ChannelListWire::Array(docs) => (docs, None),
        };
        let channels = docs
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                c.into_channel()
                    .map_err(|e| ParseError::new(WHAT, format!("channel {i}: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ChannelList { channels, paging })
    }

    /// The list in the API's shape with only the fields the widget shows: a page if it came as
    /// a page, an array if it came as one.
    pub fn to_json(&self) -> serde_json::Value {
        let docs = serde_json::to_value(&self.channels).unwrap_or_default();
        match &self.paging {
            None => docs,
            Some(paging) => {
                let mut page = serde_json::to_value(paging).unwrap_or_default();
                if let Some(map) = page.as_object_mut() {
                    map.insert("docs".into(), docs);
                }
                page
            }
        }
    }

    /// The channels of one kind, e.g. the Instagram ones the widget lists.
    pub fn of_type<'a>(&'a self, kind: &'a ChannelType) -> impl Iterator<Item = &'a Channel> + 'a {
        self.channels
            .iter()
            .filter(move |c| &c.channel_type == kind)
    }
}

/// Finds the channel in a connect or reconnect answer, whose shape Socialchat does not
/// document: the answer itself, or its `data` or `channel` member.
pub fn find_channel(value: &serde_json::Value) -> Option<Channel> {
    let candidates = [Some(value), value.get("data"), value.get("channel")];
    candidates.into_iter().flatten().find_map(|v| {
        serde_json::from_value::<ChannelWire>(v.clone())
            .ok()
            .and_then(|wire| wire.into_channel().ok())
    })
}

/// The keys that may hold secrets or personal data somewhere in a Socialchat answer.
const SECRET_KEYS: [&str; 6] = [
    "token",
    "accessToken",
    "createdBy",
    "additionalData",
    "email",
    "refreshToken",
];

/// Projects any answer that may hold channels (connect and reconnect answers are not documented):
/// every object that looks like a channel (`_id` and `channelType`) is cut down to [`Channel`]'s
/// fields, and the secret keys are removed wherever else they stand.
pub fn project_channels(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Array(items) => Value::Array(items.into_iter().map(project_channels).collect()),
        Value::Object(map) => {
            let looks_like_channel = map.contains_key("_id") && map.contains_key("channelType");
            if looks_like_channel {
                let object = Value::Object(map);
                if let Ok(wire) = serde_json::from_value::<ChannelWire>(object.clone()) {
                    if let Ok(channel) = wire.into_channel() {
                        return serde_json::to_value(channel).unwrap_or_default();
                    }
                }
                // Not a channel after all: fall through to the key-by-key scrub.
                let Value::Object(map) = object else {
                    return Value::Null;
                };
                return scrub(map);
            }
            scrub(map)
        }
        other => other,
    }
}

fn scrub(map: serde_json::Map<String, serde_json::Value>) -> serde_json::Value {
    serde_json::Value::Object(
        map.into_iter()
            .filter(|(k, _)| !SECRET_KEYS.contains(&k.as_str()))
            .map(|(k, v)| (k, project_channels(v)))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn full_channel() -> serde_json::Value {
        json!({
            "_id": "65a0b1c2d3e4f5a6b7c8d9e0",
            "name": "Toko Batik Sari",
            "channelId": "17841400000000001",
            "channelType": "instagram",
            "isConnected": false,
            "isTimeout": true,
            "picture": "https://cdn.test/p.jpg",
            "status": "premium",
            "label": "Utama",
            "createdBy": {"_id": "u1", "email": "owner@toko.test"},
            "additionalData": {"pageAccessToken": "EAAB-secret"},
            "token": {"accessToken": "EAAB-secret"},
            "createdAt": "2026-01-01T00:00:00.000Z",
            "updatedAt": "2026-02-01T00:00:00.000Z",
            "disconnectedAt": "2026-03-01T00:00:00.000Z"
        })
    }

    #[test]
    fn a_mongoose_page_parses_with_its_paging() {
        let body = json!({
            "docs": [full_channel()],
            "totalDocs": 1, "limit": 10, "totalPages": 1, "page": 1,
            "hasPrevPage": false, "hasNextPage": false, "prevPage": null, "nextPage": null
        })
        .to_string();
        let list = ChannelList::parse(&body).unwrap();
        let c = &list.channels[0];
        assert_eq!(c.id.as_str(), "65a0b1c2d3e4f5a6b7c8d9e0");
        assert_eq!(c.name, "Toko Batik Sari");
        assert_eq!(c.channel_type, ChannelType::Instagram);
        assert!(!c.is_connected);
        assert_eq!(
            c.disconnected_at.as_deref(),
            Some("2026-03-01T00:00:00.000Z")
        );
        let paging = list.paging.unwrap();
        assert_eq!(paging.total_docs, Some(1));
        assert_eq!(paging.prev_page, None);
    }

    #[test]
    fn a_bare_array_parses_too() {
        let body =
            json!([{"_id": "a1", "channelType": "telegram", "isConnected": true}]).to_string();
        let list = ChannelList::parse(&body).unwrap();
        assert_eq!(list.paging, None);
        assert_eq!(list.channels[0].channel_type, ChannelType::Telegram);
        assert!(list.channels[0].is_connected);
        assert_eq!(list.channels[0].name, "");
    }

    #[test]
    fn unknown_channel_types_are_kept_by_name() {
        let body = json!([{"_id": "a1", "channelType": "tiktok"}]).to_string();
        let list = ChannelList::parse(&body).unwrap();
        assert_eq!(
            list.channels[0].channel_type,
            ChannelType::Other("tiktok".into())
        );
        assert_eq!(list.to_json()[0]["channelType"], "tiktok");
    }

    #[test]
    fn odd_paging_values_do_not_hide_the_channels() {
        let body = json!({"docs": [{"_id": "a1"}], "totalDocs": "many", "page": -1}).to_string();
        let list = ChannelList::parse(&body).unwrap();
        assert_eq!(list.channels.len(), 1);
        assert_eq!(list.paging.unwrap().total_docs, None);
    }

    #[test]
    fn projection_keeps_only_the_fields_the_widget_shows() {
        let body = json!({"docs": [full_channel()], "totalDocs": 1, "page": 1}).to_string();
        let projected = ChannelList::parse(&body).unwrap().to_json();
        let text = projected.to_string();
        for secret in [
            "EAAB-secret",
            "owner@toko.test",
            "createdBy",
            "additionalData",
            "premium",
            "Utama",
        ] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
        let mut keys: Vec<_> = projected["docs"][0]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "_id",
                "channelId",
                "channelType",
                "disconnectedAt",
                "isConnected",
                "name",
                "picture"
            ]
        );
        assert_eq!(projected["totalDocs"], 1);
    }

    #[test]
    fn project_channels_scrubs_nested_and_unknown_shapes() {
        let answer = json!({
            "message": "ok",
            "data": full_channel(),
            "other": {"token": "t", "keep": 1, "list": [{"email": "x@y.test", "n": 2}]}
        });
        let projected = project_channels(answer);
        let text = projected.to_string();
        assert!(
            !text.contains("EAAB-secret") && !text.contains("x@y.test"),
            "{text}"
        );
        assert_eq!(projected["data"]["name"], "Toko Batik Sari");
        assert_eq!(projected["other"]["keep"], 1);
        assert_eq!(projected["other"]["list"][0]["n"], 2);
        assert_eq!(projected["message"], "ok");
    }

    #[test]
    fn find_channel_reads_the_answer_or_its_data_member() {
        let direct = find_channel(&full_channel()).unwrap();
        assert_eq!(direct.name, "Toko Batik Sari");
        let wrapped = find_channel(&json!({"message": "ok", "data": full_channel()})).unwrap();
        assert_eq!(wrapped.id.as_str(), "65a0b1c2d3e4f5a6b7c8d9e0");
        assert_eq!(find_channel(&json!({"message": "ok"})), None);
        assert_eq!(find_channel(&json!("text")), None);
    }

    #[test]
    fn malformed_lists_are_errors_never_panics() {
        let huge = format!(r#"[{{"_id":"{}"}}]"#, "a".repeat(1 << 20));
        for body in [
            "",
            "nope",
            "{}",
            "null",
            r#"{"docs":null}"#,
            r#"[{"name":"no id"}]"#,
            r#"[{"_id":""}]"#,
            r#"[{"_id":null}]"#,
            r#"[{"_id":"../x"}]"#,
            r#"[{"_id":"a","isConnected":"yes"}]"#,
            r#"[1,2]"#,
            &huge,
        ] {
            let short: String = body.chars().take(40).collect();
            assert!(ChannelList::parse(body).is_err(), "{short} must be refused");
        }
    }
}
