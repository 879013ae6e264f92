//! The accounts a token can connect: one page of
//! `GET /partner/channel/{kind}/account?token&nextOffset` (steps 6-8 of the guide).

use serde::{Deserialize, Serialize};

#[cfg(feature = "json")]
use crate::error::parse_json;
use crate::lenient::{Flag, Item, Parsed, Text};

use crate::error::ParseError;
use crate::input::{ChannelId, ChannelRecordId, NextOffset};

/// The longest account name kept; Instagram's own limit is far below it.
pub const MAX_NAME_CHARS: usize = 500;
/// The longest picture URL kept.
pub const MAX_PICTURE_LEN: usize = 4096;

/// An Instagram account (or Facebook Page) that can be connected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// The account's display name; plain text, never markup.
    pub name: String,
    /// The id to send back when connecting it.
    pub channel_id: ChannelId,
    /// An `http(s)` URL of its picture; `None` when missing, empty or of another scheme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    /// It already has a connected channel (the proxy tells, from the company's channels).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub connected: bool,
    /// It has a broken channel that the session may reconnect: that channel's `_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconnect: Option<ChannelRecordId>,
    /// It has a channel in the company that belongs to someone the session does not cover
    /// (another user's): the picker shows it, and does not offer it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub taken: bool,
}

impl Account {
    /// Whether it may be chosen to connect: it has no channel in the company yet (one already
    /// connected is not offered, a broken one of the session's is reconnected instead, and one
    /// of someone else's is not the session's to touch).
    pub fn connectable(&self) -> bool {
        !self.connected && self.reconnect.is_none() && !self.taken
    }
}

/// One page of connectable accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountPage {
    pub accounts: Vec<Account>,
    /// Where the next page starts: `Some` exactly when `hasNextPage` was true.
    pub next_offset: Option<NextOffset>,
}

/// One page of accounts as it comes: its items are kept as they are (JSON values in the proxy,
/// JavaScript values in the widget), to be read one by one by [`AccountPage::from_wire`].
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountPageWire<I> {
    pub docs: Vec<I>,
    #[serde(default)]
    pub has_next_page: Option<bool>,
    #[serde(default)]
    pub next_offset: Option<String>,
}

/// One account as it comes.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccountWire {
    name: String,
    /// Facebook ids are strings in the guide; a number is accepted too, in case a serializer
    /// somewhere turns them into one.
    channel_id: Text,
    #[serde(default)]
    picture: Text,
    #[serde(default)]
    connected: Flag,
    #[serde(default)]
    reconnect: Text,
    #[serde(default)]
    taken: Flag,
}

impl AccountWire {
    fn into_account(self) -> Result<Account, String> {
        let channel_id =
            ChannelId::new(self.channel_id.0.unwrap_or_default()).map_err(|e| e.to_string())?;
        if self.name.chars().count() > MAX_NAME_CHARS {
            return Err(format!("name is longer than {MAX_NAME_CHARS} characters"));
        }
        Ok(Account {
            name: self.name.trim().to_owned(),
            channel_id,
            picture: sanitize_picture(self.picture.0),
            connected: self.connected.0.unwrap_or(false),
            reconnect: self
                .reconnect
                .0
                .and_then(|id| ChannelRecordId::new(id).ok()),
            taken: self.taken.0.unwrap_or(false),
        })
    }
}

/// Keeps a picture only when it is a plausible `http(s)` URL: anything else (empty, `data:`,
/// `javascript:`) falls back to the initial the widget draws.
pub fn sanitize_picture(picture: Option<String>) -> Option<String> {
    let picture = picture?.trim().to_owned();
    let lower = picture.to_ascii_lowercase();
    let plausible = (lower.starts_with("https://") || lower.starts_with("http://"))
        && picture.len() <= MAX_PICTURE_LEN
        && !picture.chars().any(|c| c.is_whitespace() || c.is_control());
    plausible.then_some(picture)
}

impl AccountPage {
    /// Reads a page as the guide documents it. Unknown fields are ignored; a missing
    /// `hasNextPage` means there is no next page. Each account is read on its own: one without
    /// a sane `name` or `channelId` is dropped and counted, so one odd account never hides the
    /// others (nor passes on whatever else it held). A next page without an offset is an error.
    pub fn from_wire<I: Item>(wire: AccountPageWire<I>) -> Result<Parsed<AccountPage>, ParseError> {
        const WHAT: &str = "account page";
        let total = wire.docs.len();
        let accounts: Vec<Account> = wire
            .docs
            .into_iter()
            .filter_map(|item| {
                item.read::<AccountWire>()
                    .and_then(AccountWire::into_account)
                    .ok()
            })
            .collect();
        let dropped = total - accounts.len();
        let next_offset = if wire.has_next_page == Some(true) {
            let offset = wire.next_offset.unwrap_or_default();
            Some(
                NextOffset::new(offset)
                    .map_err(|e| ParseError::new(WHAT, format!("hasNextPage is true but {e}")))?,
            )
        } else {
            None
        };
        Ok(Parsed {
            value: AccountPage {
                accounts,
                next_offset,
            },
            dropped,
        })
    }

    /// Reads a page from JSON text (see [`AccountPage::from_wire`]).
    #[cfg(feature = "json")]
    pub fn parse(body: &str) -> Result<Parsed<AccountPage>, ParseError> {
        let wire: AccountPageWire<serde_json::Value> = parse_json("account page", body)?;
        AccountPage::from_wire(wire)
    }

    pub fn has_next_page(&self) -> bool {
        self.next_offset.is_some()
    }

    /// The page in the API's JSON shape, built from its validated fields only.
    #[cfg(feature = "json")]
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "docs": self.accounts,
            "hasNextPage": self.has_next_page(),
            "nextOffset": self.next_offset.as_ref().map(|o| o.as_str()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guides_example_page_parses() {
        let body = r#"{
          "docs": [ { "name": "Socialchat", "channelId": "11233412", "picture": "https://cdn.facebook.com/image..." } ],
          "hasNextPage": false,
          "nextOffset": "0jHNnNKMFZAccKpZC8smLrmOKlVUNrV3s7Ok..."
        }"#;
        let page = AccountPage::parse(body).unwrap().value;
        assert_eq!(
            page.accounts,
            vec![Account {
                name: "Socialchat".into(),
                channel_id: ChannelId::new("11233412").unwrap(),
                picture: Some("https://cdn.facebook.com/image...".into()),
                connected: false,
                reconnect: None,
                taken: false,
            }]
        );
        // hasNextPage false wins over a stale offset: there is no next page.
        assert!(!page.has_next_page());
    }

    #[test]
    fn a_next_page_carries_its_offset() {
        let body = r#"{"docs":[],"hasNextPage":true,"nextOffset":"abc=="}"#;
        let page = AccountPage::parse(body).unwrap().value;
        assert_eq!(page.next_offset.unwrap().as_str(), "abc==");
    }

    #[test]
    fn a_next_page_without_an_offset_is_an_error_not_an_endless_loop() {
        for body in [
            r#"{"docs":[],"hasNextPage":true}"#,
            r#"{"docs":[],"hasNextPage":true,"nextOffset":null}"#,
            r#"{"docs":[],"hasNextPage":true,"nextOffset":""}"#,
        ] {
            let e = AccountPage::parse(body).unwrap_err();
            assert!(e.detail.contains("hasNextPage is true"), "{body}: {e}");
        }
    }

    #[test]
    fn unknown_fields_are_ignored_and_optional_ones_default() {
        let body = r#"{"docs":[{"name":"A","channelId":42,"extra":{"x":1}}],"totalDocs":1}"#;
        let page = AccountPage::parse(body).unwrap().value;
        assert_eq!(page.accounts[0].channel_id.as_str(), "42");
        assert_eq!(page.accounts[0].picture, None);
        assert!(!page.has_next_page());
    }

    #[test]
    fn pictures_that_are_not_http_urls_are_dropped() {
        for (given, kept) in [
            (r#""""#, None),
            ("null", None),
            (r#""javascript:alert(1)""#, None),
            (r#""data:image/png;base64,AAAA""#, None),
            (r#""https://x.test/a b.png""#, None),
            (
                r#""http://127.0.0.1/p.png""#,
                Some("http://127.0.0.1/p.png"),
            ),
        ] {
            let body = format!(r#"{{"docs":[{{"name":"A","channelId":"1","picture":{given}}}]}}"#);
            let page = AccountPage::parse(&body).unwrap().value;
            assert_eq!(page.accounts[0].picture.as_deref(), kept, "{given}");
        }
    }

    #[test]
    fn names_stay_text_even_when_they_look_like_html() {
        let body =
            r#"{"docs":[{"name":"<img src=x onerror=alert(1)> Toko Kue 🍰","channelId":"7"}]}"#;
        let page = AccountPage::parse(body).unwrap().value;
        assert_eq!(
            page.accounts[0].name,
            "<img src=x onerror=alert(1)> Toko Kue 🍰"
        );
    }

    #[test]
    fn a_page_of_the_wrong_shape_is_an_error_never_a_panic() {
        for body in [
            "",
            "not json",
            "<html>502</html>",
            "null",
            "[]",
            "{}",
            r#"{"docs":null}"#,
            r#"{"docs":"x"}"#,
            r#"{"data":{"docs":[]}}"#,
            r#"{"docs":[],"hasNextPage":"yes"}"#,
            r#"{"docs":[],"hasNextPage":true,"nextOffset":5}"#,
        ] {
            assert!(AccountPage::parse(body).is_err(), "{body} must be refused");
        }
    }

    #[test]
    fn an_account_that_does_not_validate_is_dropped_and_counted() {
        let huge = "n".repeat(MAX_NAME_CHARS + 1);
        let bad_items = [
            "null".to_owned(),
            "7".to_owned(),
            r#"{"channelId":"1"}"#.to_owned(),
            r#"{"name":"A"}"#.to_owned(),
            r#"{"name":"A","channelId":""}"#.to_owned(),
            r#"{"name":"A","channelId":null}"#.to_owned(),
            r#"{"name":"A","channelId":-1}"#.to_owned(),
            r#"{"name":"A","channelId":{"$oid":"1"}}"#.to_owned(),
            r#"{"name":7,"channelId":"1"}"#.to_owned(),
            format!(r#"{{"name":"{huge}","channelId":"1","pageAccessToken":"EAAB-secret"}}"#),
        ];
        let body = format!(
            r#"{{"docs":[{},{{"name":"Good","channelId":"9","access_token":"EAAB-secret"}}]}}"#,
            bad_items.join(",")
        );
        let parsed = AccountPage::parse(&body).unwrap();
        assert_eq!(parsed.dropped, bad_items.len());
        assert_eq!(parsed.value.accounts.len(), 1);
        assert_eq!(parsed.value.accounts[0].name, "Good");
        let out = parsed.value.to_json().to_string();
        assert!(!out.contains("EAAB-secret"), "{out}");
    }

    #[test]
    fn to_json_gives_back_the_wire_shape() {
        let body = r#"{"docs":[{"name":"A","channelId":"1","picture":"https://p.test/a.png"},{"name":"B","channelId":"2"}],"hasNextPage":true,"nextOffset":"n1"}"#;
        let page = AccountPage::parse(body).unwrap().value;
        let again = AccountPage::parse(&page.to_json().to_string())
            .unwrap()
            .value;
        assert_eq!(page, again);
    }
}
