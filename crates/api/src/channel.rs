//! The company's existing channels, from `GET /partner/channel`, and the projection that keeps
//! their secrets on the server.
//!
//! A Socialchat channel can carry `token.accessToken`, `createdBy.email` and `additionalData`.
//! [`Channel`] holds only the fields the widget shows, each validated, so serializing a parsed
//! channel *is* the projection the proxy applies before anything reaches a browser: an
//! allowlist, never a scrub of known secret names.

use std::fmt;

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::account::{sanitize_picture, MAX_NAME_CHARS};
#[cfg(feature = "json")]
use crate::error::{parse_json, ParseError};
use crate::input::{ChannelId, ChannelRecordId};
use crate::lenient::{Count, Flag, Item, Parsed, Text};

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
    /// A WhatsApp channel's QR code, as a `data:image/…;base64,` URL: only on
    /// `GET /partner/channel/{_id}` (see [`ChannelWire::into_status`]), never in a list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qrcode: Option<String>,
}

/// One channel as it comes; read on its own, so that one odd channel is dropped, not the list.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelWire {
    #[serde(rename = "_id")]
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    channel_id: Text,
    #[serde(default)]
    channel_type: Option<ChannelType>,
    // Socialchat documents isConnected on every channel; if it is ever missing, "not connected"
    // is the safe reading: the widget then offers a Reconnect, which is harmless.
    #[serde(default)]
    is_connected: Option<bool>,
    #[serde(default)]
    picture: Text,
    #[serde(default)]
    disconnected_at: Text,
    /// Socialchat keeps the QR code in `additionalData.qrcode` (and secrets beside it).
    #[serde(default)]
    additional_data: QrHolder,
    /// The proxy's own answer carries it at the top.
    #[serde(default)]
    qrcode: Text,
}

/// Whatever `additionalData` holds, of which only `qrcode` is read (as text); anything else,
/// or another type altogether, is skipped without being kept.
#[derive(Default)]
struct QrHolder(Option<String>);

impl<'de> Deserialize<'de> for QrHolder {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = QrHolder;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<QrHolder, A::Error> {
                let mut qr = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "qrcode" {
                        qr = map.next_value::<Text>()?.0;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(QrHolder(qr))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<QrHolder, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(QrHolder(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<QrHolder, E> {
                Ok(QrHolder(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<QrHolder, E> {
                Ok(QrHolder(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<QrHolder, E> {
                Ok(QrHolder(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<QrHolder, E> {
                Ok(QrHolder(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<QrHolder, E> {
                Ok(QrHolder(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<QrHolder, E> {
                Ok(QrHolder(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<QrHolder, E> {
                Ok(QrHolder(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// The longest QR code image accepted (a QR code PNG is a few KB).
pub const MAX_QR_LEN: usize = 200 * 1024;

/// A QR code image as a `data:` URL the widget can show, from what Socialchat gives: a `data:`
/// URL of a PNG, JPEG, GIF or WebP, or the bare base64 of one (told by its first bytes). Anything
/// else is `None`.
pub fn qr_image(text: &str) -> Option<String> {
    let text = text.trim();
    if text.len() > MAX_QR_LEN {
        return None;
    }
    let base64 = match text.strip_prefix("data:") {
        Some(rest) => {
            let (kind, data) = rest.split_once(";base64,")?;
            if !matches!(
                kind,
                "image/png" | "image/jpeg" | "image/gif" | "image/webp"
            ) {
                return None;
            }
            data
        }
        None => text,
    };
    let valid = !base64.is_empty()
        && base64
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
    if !valid {
        return None;
    }
    let head = decode_head(base64)?;
    let mime = if head.starts_with(&[0x89, b'P', b'N', b'G']) {
        "image/png"
    } else if head.starts_with(&[0xff, 0xd8, 0xff]) {
        "image/jpeg"
    } else if head.starts_with(b"GIF8") {
        "image/gif"
    } else if head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WEBP") {
        "image/webp"
    } else {
        return None;
    };
    Some(format!("data:{mime};base64,{base64}"))
}

/// The first twelve bytes of a base64 text (enough to tell an image's type by its signature).
fn decode_head(base64: &str) -> Option<Vec<u8>> {
    let value = |b: u8| -> Option<u32> {
        Some(match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let chars = base64.as_bytes().get(..16)?;
    let mut out = Vec::with_capacity(12);
    for quad in chars.chunks(4) {
        let n = quad
            .iter()
            .try_fold(0u32, |acc, &b| Some(acc << 6 | value(b)?))?;
        out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
    }
    Some(out)
}

impl ChannelWire {
    pub fn into_channel(self) -> Result<Channel, String> {
        let id = ChannelRecordId::new(self.id).map_err(|e| e.to_string())?;
        let name = self.name.unwrap_or_default();
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(format!("name is longer than {MAX_NAME_CHARS} characters"));
        }
        let channel_id = self
            .channel_id
            .0
            .filter(|s| !s.is_empty() && s.len() <= ChannelId::MAX_LEN);
        let disconnected_at = self
            .disconnected_at
            .0
            .filter(|s| !s.is_empty() && s.len() <= 64);
        Ok(Channel {
            id,
            name: name.trim().to_owned(),
            channel_id,
            channel_type: self
                .channel_type
                .unwrap_or_else(|| ChannelType::Other(String::new())),
            is_connected: self.is_connected.unwrap_or(false),
            picture: sanitize_picture(self.picture.0),
            disconnected_at,
            qrcode: None,
        })
    }

    /// The channel with its QR code, for `GET /partner/channel/{_id}`: the one route where
    /// anything of `additionalData` may pass, and then only a QR code image.
    pub fn into_status(self) -> Result<Channel, String> {
        let qr = self
            .additional_data
            .0
            .clone()
            .or_else(|| self.qrcode.0.clone())
            .and_then(|text| qr_image(&text));
        let mut channel = self.into_channel()?;
        channel.qrcode = qr;
        Ok(channel)
    }
}

/// The mongoose-paginate fields of a channel list page; all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Paging {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_docs: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_pages: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_prev_page: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_next_page: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev_page: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page: Option<u64>,
}

/// A list of channels: a mongoose-paginate page, or a bare array (then `paging` is `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelList {
    pub channels: Vec<Channel>,
    pub paging: Option<Paging>,
}

/// A channel list as it comes: a page (`docs` and paging fields, read leniently: a value of the
/// wrong type is absent, so one odd counter never hides the channels) or a bare array, with its
/// items kept as they are for [`ChannelList::from_wire`].
pub struct ChannelListWire<I> {
    pub docs: Vec<I>,
    pub paging: Option<Paging>,
}

impl<'de, I: Deserialize<'de>> Deserialize<'de> for ChannelListWire<I> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ListVisitor<I>(std::marker::PhantomData<I>);
        impl<'de, I: Deserialize<'de>> Visitor<'de> for ListVisitor<I> {
            type Value = ChannelListWire<I>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a page with docs or an array of channels")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut docs = Vec::new();
                while let Some(item) = seq.next_element()? {
                    docs.push(item);
                }
                Ok(ChannelListWire { docs, paging: None })
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut docs = None;
                let mut paging = Paging::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "docs" => docs = Some(map.next_value()?),
                        "totalDocs" => paging.total_docs = map.next_value::<Count>()?.0,
                        "limit" => paging.limit = map.next_value::<Count>()?.0,
                        "totalPages" => paging.total_pages = map.next_value::<Count>()?.0,
                        "page" => paging.page = map.next_value::<Count>()?.0,
                        "hasPrevPage" => paging.has_prev_page = map.next_value::<Flag>()?.0,
                        "hasNextPage" => paging.has_next_page = map.next_value::<Flag>()?.0,
                        "prevPage" => paging.prev_page = map.next_value::<Count>()?.0,
                        "nextPage" => paging.next_page = map.next_value::<Count>()?.0,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                let docs = docs.ok_or_else(|| de::Error::missing_field("docs"))?;
                Ok(ChannelListWire {
                    docs,
                    paging: Some(paging),
                })
            }
        }
        d.deserialize_any(ListVisitor(std::marker::PhantomData))
    }
}

impl ChannelList {
    /// Reads `GET /partner/channel`: unknown fields are ignored, missing optional ones are
    /// absent; a channel without a sane `_id` (or of another odd shape) is dropped and counted.
    pub fn from_wire<I: Item>(wire: ChannelListWire<I>) -> Parsed<ChannelList> {
        let total = wire.docs.len();
        let channels: Vec<Channel> = wire
            .docs
            .into_iter()
            .filter_map(|item| {
                item.read::<ChannelWire>()
                    .and_then(ChannelWire::into_channel)
                    .ok()
            })
            .collect();
        Parsed {
            dropped: total - channels.len(),
            value: ChannelList {
                channels,
                paging: wire.paging,
            },
        }
    }

    /// Reads a channel list from JSON text (see [`ChannelList::from_wire`]).
    #[cfg(feature = "json")]
    pub fn parse(body: &str) -> Result<Parsed<ChannelList>, ParseError> {
        const WHAT: &str = "channel list";
        let wire: ChannelListWire<serde_json::Value> = parse_json(WHAT, body).map_err(|_| {
            ParseError::new(WHAT, "expected a page with docs or an array of channels")
        })?;
        Ok(ChannelList::from_wire(wire))
    }

    /// The list in the API's shape with only the fields the widget shows: a page if it came as
    /// a page, an array if it came as one.
    #[cfg(feature = "json")]
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
}

/// The members of an answer where its channel may sit, besides the answer itself; and the
/// ticket the proxy adds to a new WhatsApp number's.
#[derive(Deserialize)]
#[serde(bound = "I: Item")]
struct Holders<I> {
    #[serde(default)]
    data: Option<I>,
    #[serde(default)]
    channel: Option<I>,
    #[serde(default)]
    ticket: Text,
    #[serde(default)]
    receipt: Text,
}

/// Where a channel may be in an answer whose shape Socialchat does not document: the answer
/// itself, or its `data` or `channel` member.
fn places<I: Item>(answer: I) -> (Vec<I>, Proofs) {
    let holders = answer.clone().read::<Holders<I>>().ok();
    let mut places = vec![answer];
    let mut proofs = Proofs::default();
    if let Some(h) = holders {
        places.extend(h.data);
        places.extend(h.channel);
        // `<expiry>.<hex>`: anything else is not the proxy's.
        proofs.ticket = h.ticket.0.filter(|t| {
            t.len() <= 200 && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')
        });
        // A JWT (base64url segments and dots): anything else is not the proxy's.
        proofs.receipt = h.receipt.0.filter(|r| {
            r.len() <= 4096
                && r.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        });
    }
    (places, proofs)
}

/// What the proxy adds to an answer about a channel the caller created or connected: the
/// ticket to poll a new WhatsApp number, the receipt of a connection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Proofs {
    ticket: Option<String>,
    receipt: Option<String>,
}

/// Reads the answer of `GET /partner/channel/{_id}`: the channel (itself, or in its `data` or
/// `channel` member), with its QR code when it has one.
pub fn channel_status<I: Item>(answer: I) -> Option<Channel> {
    ChannelStatus::read(answer).map(|status| status.channel)
}

/// What `GET /partner/channel/{_id}` answered: the channel, and for the poll that sees a new
/// WhatsApp number scanned, the receipt of its connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelStatus {
    pub channel: Channel,
    pub receipt: Option<String>,
}

impl ChannelStatus {
    pub fn read<I: Item>(answer: I) -> Option<ChannelStatus> {
        let (places, proofs) = places(answer);
        let channel = places.into_iter().find_map(|v| {
            v.read::<ChannelWire>()
                .ok()
                .and_then(|wire| wire.into_status().ok())
        })?;
        Some(ChannelStatus {
            channel,
            receipt: proofs.receipt,
        })
    }
}

/// Finds the channel in a connect or reconnect answer: the answer itself, or its `data` or
/// `channel` member. Only the channel's own validated fields are kept.
pub fn find_channel<I: Item>(answer: I) -> Option<Channel> {
    ConnectAnswer::read(answer).channel
}

/// What a connect or reconnect answered: the channel, if it held one, the ticket the proxy
/// adds to a new WhatsApp number's (which lets its creator poll it), and the receipt of the
/// connection (which the `socialchat:connected` event hands to the partner's page).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectAnswer {
    pub channel: Option<Channel>,
    pub ticket: Option<String>,
    pub receipt: Option<String>,
}

impl ConnectAnswer {
    pub fn read<I: Item>(answer: I) -> ConnectAnswer {
        let (places, proofs) = places(answer);
        ConnectAnswer {
            channel: places.into_iter().find_map(|v| {
                v.read::<ChannelWire>()
                    .ok()
                    .and_then(|wire| wire.into_channel().ok())
            }),
            ticket: proofs.ticket,
            receipt: proofs.receipt,
        }
    }
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
        let list = ChannelList::parse(&body).unwrap().value;
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
        let list = ChannelList::parse(&body).unwrap().value;
        assert_eq!(list.paging, None);
        assert_eq!(list.channels[0].channel_type, ChannelType::Telegram);
        assert!(list.channels[0].is_connected);
        assert_eq!(list.channels[0].name, "");
    }

    #[test]
    fn unknown_channel_types_are_kept_by_name() {
        let body = json!([{"_id": "a1", "channelType": "tiktok"}]).to_string();
        let list = ChannelList::parse(&body).unwrap().value;
        assert_eq!(
            list.channels[0].channel_type,
            ChannelType::Other("tiktok".into())
        );
        assert_eq!(list.to_json()[0]["channelType"], "tiktok");
    }

    #[test]
    fn odd_paging_values_do_not_hide_the_channels() {
        let body = json!({"docs": [{"_id": "a1"}], "totalDocs": "many", "page": -1}).to_string();
        let list = ChannelList::parse(&body).unwrap().value;
        assert_eq!(list.channels.len(), 1);
        assert_eq!(list.paging.unwrap().total_docs, None);
    }

    #[test]
    fn projection_keeps_only_the_fields_the_widget_shows() {
        let body = json!({"docs": [full_channel()], "totalDocs": 1, "page": 1}).to_string();
        let projected = ChannelList::parse(&body).unwrap().value.to_json();
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

    /// A 1×1 PNG, as base64.
    const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==";

    #[test]
    fn only_the_channel_route_passes_the_qr_code_and_nothing_else_of_additional_data() {
        let whatsapp = json!({
            "_id": "65b3c4d5e6f7a8b9c0d1e2f3", "name": "", "channelId": "", "channelType": "linkchat",
            "isConnected": false, "label": {"name": "Socialchat", "phone": "081234567890"},
            "additionalData": {"qrcode": PNG, "assistantId": "asst_secret", "virtualMachineId": "vm-secret"},
            "createdBy": {"email": "owner@toko.test"}, "token": {"accessToken": "EAAB-secret"}
        });
        let status = channel_status(whatsapp.clone()).unwrap();
        assert_eq!(
            status.qrcode.as_deref(),
            Some(format!("data:image/png;base64,{PNG}").as_str())
        );
        let text = serde_json::to_string(&status).unwrap();
        for secret in [
            "asst_secret",
            "vm-secret",
            "owner@",
            "EAAB",
            "081234567890",
            "label",
        ] {
            assert!(!text.contains(secret), "{secret}: {text}");
        }
        let in_list = ChannelList::parse(&format!("[{whatsapp}]")).unwrap().value;
        assert_eq!(in_list.channels[0].qrcode, None, "never in a list");
        assert!(!in_list.to_json().to_string().contains(PNG));
    }

    #[test]
    fn a_qr_code_must_be_an_image() {
        assert!(qr_image(PNG).is_some());
        assert!(qr_image(&format!("data:image/png;base64,{PNG}")).is_some());
        for bad in [
            "",
            "base64-image",
            "data:text/html;base64,PGh0bWw+",
            "PGh0bWw+PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0PjwvaHRtbD4=",
            "javascript:alert(1)",
            &format!("data:image/svg+xml;base64,{PNG}"),
            &"A".repeat(MAX_QR_LEN + 1),
        ] {
            assert_eq!(qr_image(bad), None, "{bad}");
        }
    }

    #[test]
    fn find_channel_reads_the_answer_or_its_data_member() {
        let direct = find_channel(full_channel()).unwrap();
        assert_eq!(direct.name, "Toko Batik Sari");
        assert_eq!(
            find_channel(json!({"_id": {"$oid": "65a0"}, "channelType": "instagram"})),
            None
        );
        let wrapped = find_channel(json!({"message": "ok", "data": full_channel()})).unwrap();
        assert_eq!(wrapped.id.as_str(), "65a0b1c2d3e4f5a6b7c8d9e0");
        assert_eq!(find_channel(json!({"message": "ok"})), None);
        assert_eq!(find_channel(json!("text")), None);
    }

    #[test]
    fn a_list_of_the_wrong_shape_is_an_error_never_a_panic() {
        for body in [
            "",
            "nope",
            "{}",
            "null",
            r#"{"docs":null}"#,
            r#"{"data":{"docs":[]}}"#,
            r#""docs""#,
        ] {
            assert!(ChannelList::parse(body).is_err(), "{body} must be refused");
        }
    }

    #[test]
    fn a_channel_that_does_not_validate_is_dropped_and_counted() {
        let huge_id = format!(r#"{{"_id":"{}"}}"#, "a".repeat(1 << 20));
        let long_name = format!(
            r#"{{"_id":"b1","name":"{}"}}"#,
            "n".repeat(MAX_NAME_CHARS + 1)
        );
        let bad = [
            r#"{"name":"no id","token":{"accessToken":"EAAB-secret"}}"#.to_owned(),
            r#"{"_id":""}"#.to_owned(),
            r#"{"_id":null}"#.to_owned(),
            r#"{"_id":"../x"}"#.to_owned(),
            r#"{"_id":{"$oid":"65a0"},"additionalData":{"pageAccessToken":"EAAB-secret"}}"#
                .to_owned(),
            r#"{"_id":"a","isConnected":"yes"}"#.to_owned(),
            "1".to_owned(),
            huge_id,
            long_name,
        ];
        let body = format!("[{},{}]", bad.join(","), full_channel());
        let parsed = ChannelList::parse(&body).unwrap();
        assert_eq!(parsed.dropped, bad.len());
        assert_eq!(parsed.value.channels.len(), 1);
        let out = parsed.value.to_json().to_string();
        assert!(
            !out.contains("EAAB-secret") && !out.contains("owner@"),
            "{out}"
        );
    }
}
