//! The accounts a token can connect: one page of
//! `GET /partner/channel/{kind}/account?token&nextOffset` (steps 6-8 of the guide).

use serde::{Deserialize, Serialize};

use crate::error::{parse_json, ParseError};
use crate::input::{ChannelId, NextOffset};

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
}

/// One page of connectable accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountPage {
    pub accounts: Vec<Account>,
    /// Where the next page starts: `Some` exactly when `hasNextPage` was true.
    pub next_offset: Option<NextOffset>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccountPageWire {
    docs: Vec<AccountWire>,
    #[serde(default)]
    has_next_page: bool,
    #[serde(default)]
    next_offset: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccountWire {
    name: String,
    channel_id: IdWire,
    #[serde(default)]
    picture: Option<String>,
}

/// Facebook ids are strings in the guide; a number is accepted too, in case a serializer
/// somewhere turns them into one.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum IdWire {
    Text(String),
    Number(u64),
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
    /// Parses a page as the guide documents it. Unknown fields are ignored; a missing
    /// `hasNextPage` means there is no next page; an account without `name` or `channelId`, or a
    /// next page without an offset, is an error.
    pub fn parse(body: &str) -> Result<AccountPage, ParseError> {
        const WHAT: &str = "account page";
        let wire: AccountPageWire = parse_json(WHAT, body)?;
        let accounts = wire
            .docs
            .into_iter()
            .enumerate()
            .map(|(i, a)| {
                let id = match a.channel_id {
                    IdWire::Text(s) => s,
                    IdWire::Number(n) => n.to_string(),
                };
                let channel_id = ChannelId::new(id)
                    .map_err(|e| ParseError::new(WHAT, format!("account {i}: {e}")))?;
                if a.name.chars().count() > MAX_NAME_CHARS {
                    return Err(ParseError::new(
                        WHAT,
                        format!("account {i}: name is longer than {MAX_NAME_CHARS} characters"),
                    ));
                }
                Ok(Account {
                    name: a.name.trim().to_owned(),
                    channel_id,
                    picture: sanitize_picture(a.picture),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let next_offset = if wire.has_next_page {
            let offset = wire.next_offset.unwrap_or_default();
            Some(
                NextOffset::new(offset)
                    .map_err(|e| ParseError::new(WHAT, format!("hasNextPage is true but {e}")))?,
            )
        } else {
            None
        };
        Ok(AccountPage {
            accounts,
            next_offset,
        })
    }

    pub fn has_next_page(&self) -> bool {
        self.next_offset.is_some()
    }

    /// The page in the API's JSON shape (the sandbox answers with it).
    pub fn to_json(&self) -> serde_json::Value {
        let wire = AccountPageWire {
            docs: self
                .accounts
                .iter()
                .map(|a| AccountWire {
                    name: a.name.clone(),
                    channel_id: IdWire::Text(a.channel_id.as_str().to_owned()),
                    picture: a.picture.clone(),
                })
                .collect(),
            has_next_page: self.has_next_page(),
            next_offset: self.next_offset.as_ref().map(|o| o.as_str().to_owned()),
        };
        serde_json::to_value(wire).unwrap_or(serde_json::Value::Null)
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
        let page = AccountPage::parse(body).unwrap();
        assert_eq!(
            page.accounts,
            vec![Account {
                name: "Socialchat".into(),
                channel_id: ChannelId::new("11233412").unwrap(),
                picture: Some("https://cdn.facebook.com/image...".into()),
            }]
        );
        // hasNextPage false wins over a stale offset: there is no next page.
        assert!(!page.has_next_page());
    }

    #[test]
    fn a_next_page_carries_its_offset() {
        let body = r#"{"docs":[],"hasNextPage":true,"nextOffset":"abc=="}"#;
        let page = AccountPage::parse(body).unwrap();
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
        let page = AccountPage::parse(body).unwrap();
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
            let page = AccountPage::parse(&body).unwrap();
            assert_eq!(page.accounts[0].picture.as_deref(), kept, "{given}");
        }
    }

    #[test]
    fn names_stay_text_even_when_they_look_like_html() {
        let body =
            r#"{"docs":[{"name":"<img src=x onerror=alert(1)> Toko Kue 🍰","channelId":"7"}]}"#;
        let page = AccountPage::parse(body).unwrap();
        assert_eq!(
            page.accounts[0].name,
            "<img src=x onerror=alert(1)> Toko Kue 🍰"
        );
    }

    #[test]
    fn malformed_pages_are_errors_never_panics() {
        let huge = format!(
            r#"{{"docs":[{{"name":"{}","channelId":"1"}}]}}"#,
            "n".repeat(1 << 20)
        );
        let bad_bodies = [
            "",
            "not json",
            "<html>502</html>",
            "null",
            "[]",
            "{}",
            r#"{"docs":null}"#,
            r#"{"docs":"x"}"#,
            r#"{"docs":[null]}"#,
            r#"{"docs":[{"channelId":"1"}]}"#,
            r#"{"docs":[{"name":"A"}]}"#,
            r#"{"docs":[{"name":"A","channelId":""}]}"#,
            r#"{"docs":[{"name":"A","channelId":null}]}"#,
            r#"{"docs":[{"name":"A","channelId":-1}]}"#,
            r#"{"docs":[{"name":7,"channelId":"1"}]}"#,
            r#"{"docs":[],"hasNextPage":"yes"}"#,
            r#"{"docs":[],"hasNextPage":true,"nextOffset":5}"#,
            &huge,
        ];
        for body in bad_bodies {
            let short: String = body.chars().take(60).collect();
            assert!(AccountPage::parse(body).is_err(), "{short} must be refused");
        }
    }

    #[test]
    fn to_json_gives_back_the_wire_shape() {
        let body = r#"{"docs":[{"name":"A","channelId":"1","picture":"https://p.test/a.png"},{"name":"B","channelId":"2"}],"hasNextPage":true,"nextOffset":"n1"}"#;
        let page = AccountPage::parse(body).unwrap();
        let again = AccountPage::parse(&page.to_json().to_string()).unwrap();
        assert_eq!(page, again);
    }
}
