//! What goes wrong when talking to Socialchat: a body that is not what the API promised
//! ([`ParseError`]), and a non-2xx answer ([`ApiError`]) with the status and whatever message
//! Socialchat gave (partner-api.md, "Errors").

use std::fmt;

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::lenient::Text;
use crate::refusal::RefusalCode;

/// A response body that is not of the documented shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unexpected {what} from Socialchat: {detail}")]
pub struct ParseError {
    /// What was being read: "account page", "channel list", ...
    pub what: &'static str,
    /// What was wrong with it, for logs and the error event; never shown raw to a user.
    pub detail: String,
}

impl ParseError {
    pub fn new(what: &'static str, detail: impl Into<String>) -> Self {
        ParseError {
            what,
            detail: detail.into(),
        }
    }
}

/// Parses a JSON body into `T`, bounding its size first and never panicking.
#[cfg(feature = "json")]
pub(crate) fn parse_json<T: de::DeserializeOwned>(
    what: &'static str,
    body: &str,
) -> Result<T, ParseError> {
    if body.len() > crate::MAX_BODY_BYTES {
        return Err(ParseError::new(
            what,
            format!("body of {} bytes is over the limit", body.len()),
        ));
    }
    serde_json::from_str(body).map_err(|e| ParseError::new(what, without_values(&e.to_string())))
}

#[cfg(feature = "json")]
/// A JSON error's message without the values it quotes (serde says `invalid type: string
/// "<the whole string>"`, which may be a token), and not longer than a line.
fn without_values(message: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in message.chars() {
        match (c, quoted) {
            ('"', false) => {
                quoted = true;
                out.push_str("\"…");
            }
            ('"', true) => {
                quoted = false;
                out.push('"');
            }
            (_, true) => {}
            (c, false) => out.push(c),
        }
    }
    out.chars().take(200).collect()
}

/// The longest upstream message kept; a longer one is cut, so that an HTML error page or a huge
/// body cannot flood an event, a log or the screen.
pub const MAX_MESSAGE_CHARS: usize = 300;

/// A non-2xx answer from Socialchat (or from the proxy in front of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// Socialchat's `message` (often Indonesian), or `error` when there is no `message`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Socialchat's `originalMessage` (English), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_message: Option<String>,
    /// The proxy's stable `code` for its own refusals (`session-expired`, `kind-not-allowed`,
    /// ...), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// An error answer's body as it comes, any deserializer (JSON text in the proxy, a JavaScript
/// value in the widget), each field read leniently.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    #[serde(default)]
    message: Message,
    #[serde(default)]
    error: Message,
    #[serde(default)]
    original_message: Message,
    #[serde(default)]
    code: Text,
}

/// A message: a string as it is, a list of strings (NestJS validation errors) joined with
/// `; `, anything else absent.
#[derive(Default)]
struct Message(Option<String>);

impl<'de> Deserialize<'de> for Message {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Message;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a message")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Message, E> {
                Ok(Message(Some(v.to_owned())))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Message, A::Error> {
                let mut parts = Vec::new();
                while let Some(Text(part)) = seq.next_element::<Text>()? {
                    parts.extend(part);
                }
                Ok(Message(Some(parts.join("; "))))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Message, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Message(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Message, E> {
                Ok(Message(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Message, E> {
                Ok(Message(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Message, E> {
                Ok(Message(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Message, E> {
                Ok(Message(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Message, E> {
                Ok(Message(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Message, E> {
                Ok(Message(None))
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Message, D::Error> {
                d.deserialize_any(self)
            }
        }
        d.deserialize_any(V)
    }
}

/// A `code` as the proxy writes them: a short word of lower-case letters and dashes.
fn code_text(Text(code): Text) -> Option<String> {
    code.filter(|code| {
        (1..=40).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
    })
}

/// A message as text, cut to [`MAX_MESSAGE_CHARS`]; blank becomes `None`.
fn message_text(Message(text): Message) -> Option<String> {
    let text = text?;
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    Some(truncate_chars(text, MAX_MESSAGE_CHARS))
}

/// Cuts `text` to at most `max` characters, marking the cut with an ellipsis.
pub fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}

impl ApiError {
    /// Reads an error answer from JSON text (see [`ApiError::from_body`]).
    #[cfg(feature = "json")]
    pub fn from_response(status: u16, body: &str) -> ApiError {
        let parsed: Option<ErrorBody> = if body.len() <= crate::MAX_BODY_BYTES {
            serde_json::from_str(body).ok()
        } else {
            None
        };
        ApiError::from_body(status, parsed)
    }

    /// Reads an error answer: Socialchat's `{statusCode, message, originalMessage}`, a body with
    /// only `error`, or no JSON at all (`None`: then only the status is known).
    pub fn from_body(status: u16, body: Option<ErrorBody>) -> ApiError {
        let (message, original_message, code) = match body {
            Some(b) => {
                let original = message_text(b.original_message);
                let message = message_text(b.message).or_else(|| message_text(b.error));
                (message, original, code_text(b.code))
            }
            None => (None, None, None),
        };
        ApiError {
            status,
            message,
            original_message,
            code,
        }
    }

    /// The best technical description: the upstream message, or the English one, or the status.
    pub fn detail(&self) -> String {
        self.message
            .clone()
            .or_else(|| self.original_message.clone())
            .unwrap_or_else(|| format!("HTTP {}", self.status))
    }

    /// 401: the token (or, at the proxy, the API key) is unknown or has expired.
    pub fn is_unauthorized(&self) -> bool {
        self.status == 401
    }

    /// The proxy's refusal, when the answer's `code` is one of them.
    pub fn refusal(&self) -> Option<RefusalCode> {
        self.code.as_deref().and_then(RefusalCode::parse)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_error_body_keeps_both_messages() {
        let body = r#"{ "statusCode": 403, "message": "Autentikasi tidak sah, silahkan login", "originalMessage": "Unauthorized" }"#;
        let e = ApiError::from_response(403, body);
        assert_eq!(e.status, 403);
        assert_eq!(
            e.message.as_deref(),
            Some("Autentikasi tidak sah, silahkan login")
        );
        assert_eq!(e.original_message.as_deref(), Some("Unauthorized"));
        assert_eq!(e.detail(), "Autentikasi tidak sah, silahkan login");
    }

    #[test]
    fn a_body_without_json_keeps_only_the_status() {
        let e = ApiError::from_response(502, "<html><body>Bad Gateway</body></html>");
        assert_eq!(
            e,
            ApiError {
                status: 502,
                message: None,
                original_message: None,
                code: None
            }
        );
        assert_eq!(e.detail(), "HTTP 502");
        assert_eq!(ApiError::from_response(500, "").detail(), "HTTP 500");
    }

    #[test]
    fn the_proxys_code_is_kept_when_it_is_a_plain_word() {
        let e = ApiError::from_response(
            401,
            r#"{"statusCode":401,"message":"the session has expired","code":"session-expired"}"#,
        );
        assert_eq!(e.code.as_deref(), Some("session-expired"));
        for odd in [r#"{"code":"<b>"}"#, r#"{"code":7}"#, r#"{"code":""}"#] {
            assert_eq!(ApiError::from_response(401, odd).code, None, "{odd}");
        }
    }

    #[test]
    fn the_proxys_refusal_is_read_from_its_code() {
        let e = ApiError::from_response(401, r#"{"statusCode":401,"code":"session-expired"}"#);
        assert_eq!(e.refusal(), Some(RefusalCode::SessionExpired));
        let newer = ApiError::from_response(401, r#"{"statusCode":401,"code":"session-revoked"}"#);
        assert_eq!(newer.refusal(), None, "a code of a newer proxy");
        assert_eq!(ApiError::from_response(401, "{}").refusal(), None);
    }

    #[test]
    fn an_error_field_serves_when_there_is_no_message() {
        let e = ApiError::from_response(400, r#"{"error":"Bad Request"}"#);
        assert_eq!(e.message.as_deref(), Some("Bad Request"));
    }

    #[test]
    fn validation_message_lists_are_joined_and_odd_types_ignored() {
        let e = ApiError::from_response(
            400,
            r#"{"message":["token must be a string","channelId should not be empty"]}"#,
        );
        assert_eq!(
            e.message.as_deref(),
            Some("token must be a string; channelId should not be empty")
        );
        let e =
            ApiError::from_response(400, r#"{"message":{"nested":true},"originalMessage":null}"#);
        assert_eq!(e.message, None);
        assert_eq!(e.original_message, None);
        let e = ApiError::from_response(400, r#"{"message":"   "}"#);
        assert_eq!(e.message, None);
    }

    #[test]
    fn a_huge_message_is_cut() {
        let body = format!(r#"{{"message":"{}"}}"#, "x".repeat(1_000_000));
        let e = ApiError::from_response(500, &body);
        let message = e.message.unwrap();
        assert_eq!(message.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(message.ends_with('…'));
    }

    #[test]
    fn truncation_respects_multibyte_characters() {
        assert_eq!(truncate_chars("héllo wörld", 4), "héll…");
        assert_eq!(truncate_chars("🙂🙂", 2), "🙂🙂");
    }
}
