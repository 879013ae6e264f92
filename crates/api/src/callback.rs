//! The message the callback page sends to the widget, and the widget's acknowledgement.
//!
//! On the wire (through `postMessage` and `BroadcastChannel("socialchat-connect")`):
//! `{source: "socialchat-connect", kind: "callback", channel: "instagram", token: "…"}` or
//! `{source: "socialchat-connect", kind: "callback", channel: "instagram", error: "access_denied", errorReason?, errorDescription?}`.
//! The callback page builds it with [`CallbackMessage::from_callback_query`] and sends
//! [`CallbackMessage::to_wire`]; both sides read what arrives as a [`MessageWire`] (with any
//! deserializer: the widget reads the JavaScript value itself) and check it with
//! [`CallbackMessage::from_wire`], the one validation function of the protocol.

use serde::{Deserialize, Serialize};

use crate::error::truncate_chars;
use crate::input::Token;
use crate::kind::{ChannelKind, Connection};
use crate::lenient::Str;
use crate::query;

/// The `source` of every message of this protocol.
pub const MESSAGE_SOURCE: &str = "socialchat-connect";
/// The name of the BroadcastChannel the callback page also posts on.
pub const BROADCAST_CHANNEL: &str = "socialchat-connect";
/// The error code of a callback that came back with neither a token nor an error.
pub const MISSING_TOKEN: &str = "missing_token";
/// The error code of a callback whose token is not of a sane shape.
pub const INVALID_TOKEN: &str = "invalid_token";

const MAX_ERROR_CODE_CHARS: usize = 100;
const MAX_ERROR_TEXT_CHARS: usize = 300;

/// How an authorization ended, as the callback page saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackOutcome {
    /// Socialchat sent a token: the user allowed access.
    Authorized(Token),
    /// No token: the user declined, or the authorization failed.
    Declined(CallbackFailure),
}

/// What the callback page learned about a declined or failed authorization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackFailure {
    /// Facebook's `error` (`access_denied`, ...), or [`MISSING_TOKEN`] / [`INVALID_TOKEN`].
    pub error: String,
    /// Facebook's `error_reason` (`user_denied`, ...), when forwarded.
    pub reason: Option<String>,
    /// Facebook's `error_description`, when forwarded.
    pub description: Option<String>,
}

impl CallbackFailure {
    /// The user said no on Facebook (as far as the parameters tell).
    pub fn is_denied(&self) -> bool {
        self.error == "access_denied" || self.reason.as_deref() == Some("user_denied")
    }
}

/// A validated callback message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackMessage {
    pub channel: ChannelKind,
    pub outcome: CallbackOutcome,
}

/// Why a received message is not a valid callback message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// Not a message of this protocol at all (another script's message): ignore it quietly.
    #[error("not a socialchat-connect message")]
    Foreign,
    /// Claims to be ours but is malformed: ignore it and say so in the console.
    #[error("malformed socialchat-connect message: {0}")]
    Malformed(String),
}

/// A message of this protocol as it is sent: a callback message or an acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageOut {
    source: &'static str,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    channel: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_description: Option<String>,
}

/// A received message as it came: any object reads as one (each field a string or absent),
/// so that the checks, not the deserializer, decide.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageWire {
    #[serde(default)]
    source: Str,
    #[serde(default)]
    kind: Str,
    #[serde(default)]
    channel: Str,
    #[serde(default)]
    token: Str,
    #[serde(default)]
    error: Str,
    #[serde(default)]
    error_reason: Str,
    #[serde(default)]
    error_description: Str,
}

impl MessageWire {
    /// Whether it is the widget's acknowledgement.
    pub fn is_acknowledgement(&self) -> bool {
        self.source.0.as_deref() == Some(MESSAGE_SOURCE) && self.kind.0.as_deref() == Some("ack")
    }
}

fn clean(text: Option<&str>, max: usize) -> Option<String> {
    let text: String = text?.chars().filter(|c| !c.is_control()).collect();
    let text = text.trim();
    (!text.is_empty()).then(|| truncate_chars(text, max))
}

impl CallbackFailure {
    fn new(error: Option<&str>, reason: Option<&str>, description: Option<&str>) -> Self {
        CallbackFailure {
            error: clean(error, MAX_ERROR_CODE_CHARS).unwrap_or_else(|| MISSING_TOKEN.to_owned()),
            reason: clean(reason, MAX_ERROR_CODE_CHARS),
            description: clean(description, MAX_ERROR_TEXT_CHARS),
        }
    }
}

impl CallbackMessage {
    /// What the callback page makes of its query string: a token if there is a usable one,
    /// otherwise a failure with whatever error parameters came along (Socialchat may forward
    /// none of Facebook's; then it is [`MISSING_TOKEN`]).
    pub fn from_callback_query(channel: ChannelKind, query_string: &str) -> CallbackMessage {
        let pairs = query::parse(query_string);
        let get = |key| query::first(&pairs, key).filter(|v| !v.is_empty());
        let outcome = match get("token") {
            Some(token) => match Token::new(token) {
                Ok(token) => CallbackOutcome::Authorized(token),
                Err(_) => {
                    CallbackOutcome::Declined(CallbackFailure::new(Some(INVALID_TOKEN), None, None))
                }
            },
            None => CallbackOutcome::Declined(CallbackFailure::new(
                get("error"),
                get("error_reason"),
                get("error_description"),
            )),
        };
        CallbackMessage { channel, outcome }
    }

    /// The message as it is sent (`postMessage`, the BroadcastChannel, the redirect's handoff).
    pub fn to_wire(&self) -> MessageOut {
        let mut wire = MessageOut {
            source: MESSAGE_SOURCE,
            kind: "callback",
            channel: Some(self.channel.as_str()),
            token: None,
            error: None,
            error_reason: None,
            error_description: None,
        };
        match &self.outcome {
            CallbackOutcome::Authorized(token) => wire.token = Some(token.expose().to_owned()),
            CallbackOutcome::Declined(f) => {
                wire.error = Some(f.error.clone());
                wire.error_reason = f.reason.clone();
                wire.error_description = f.description.clone();
            }
        }
        wire
    }

    /// Validates a received message: it must be an object from this protocol (`None`: it was
    /// not an object at all), of kind `callback`, for a known channel, with either a sane token
    /// or an error.
    pub fn from_wire(wire: Option<MessageWire>) -> Result<CallbackMessage, ProtocolError> {
        let wire = wire.ok_or(ProtocolError::Foreign)?;
        if wire.source.0.as_deref() != Some(MESSAGE_SOURCE) {
            return Err(ProtocolError::Foreign);
        }
        let kind = wire.kind.0.unwrap_or_default();
        if kind != "callback" {
            return Err(ProtocolError::Malformed(format!(
                "unknown kind {:?}",
                truncate_chars(&kind, 40)
            )));
        }
        let channel: ChannelKind = wire
            .channel
            .0
            .unwrap_or_default()
            .parse()
            .map_err(|e: crate::InvalidInput| ProtocolError::Malformed(e.to_string()))?;
        if channel.connection() != Connection::Facebook {
            return Err(ProtocolError::Malformed(format!(
                "{channel} is not connected through an authorization"
            )));
        }
        let outcome = match (wire.token.0, wire.error.0) {
            (Some(token), None) => CallbackOutcome::Authorized(
                Token::new(token).map_err(|e| ProtocolError::Malformed(e.to_string()))?,
            ),
            (None, Some(error)) => CallbackOutcome::Declined(CallbackFailure::new(
                Some(&error),
                wire.error_reason.0.as_deref(),
                wire.error_description.0.as_deref(),
            )),
            (Some(_), Some(_)) => {
                return Err(ProtocolError::Malformed("both token and error".into()))
            }
            (None, None) => return Err(ProtocolError::Malformed("neither token nor error".into())),
        };
        Ok(CallbackMessage { channel, outcome })
    }
}

/// The channel kind of a callback page's URL: `?channel=` when given, else `messenger` when the
/// path says so, else `instagram` (so one `callback.html` can serve both kinds).
pub fn channel_of_callback(path: &str, query_string: &str) -> ChannelKind {
    let pairs = query::parse(query_string);
    if let Some(kind) = query::first(&pairs, "channel").and_then(|c| c.parse().ok()) {
        return kind;
    }
    if path.to_ascii_lowercase().contains("messenger") {
        ChannelKind::Messenger
    } else {
        ChannelKind::Instagram
    }
}

/// The widget's answer to a callback message, so that the callback page closes only once the
/// message has arrived (and stays open, readable, when nobody answers).
pub fn acknowledgement() -> MessageOut {
    MessageOut {
        source: MESSAGE_SOURCE,
        kind: "ack",
        channel: None,
        token: None,
        error: None,
        error_reason: None,
        error_description: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ig() -> ChannelKind {
        ChannelKind::Instagram
    }

    /// What a receiver makes of `value`, as the widget does with a JavaScript value.
    fn read(value: &serde_json::Value) -> Result<CallbackMessage, ProtocolError> {
        CallbackMessage::from_wire(serde_json::from_value(value.clone()).ok())
    }

    fn sent(message: &CallbackMessage) -> serde_json::Value {
        serde_json::to_value(message.to_wire()).unwrap()
    }

    #[test]
    fn a_token_in_the_query_becomes_an_authorized_message() {
        let m = CallbackMessage::from_callback_query(ig(), "?token=abc.DEF-123");
        assert_eq!(
            m.outcome,
            CallbackOutcome::Authorized(Token::new("abc.DEF-123").unwrap())
        );
        assert_eq!(
            sent(&m),
            json!({"source":"socialchat-connect","kind":"callback","channel":"instagram","token":"abc.DEF-123"})
        );
    }

    #[test]
    fn facebooks_error_parameters_become_a_denial() {
        let m = CallbackMessage::from_callback_query(
            ig(),
            "?error=access_denied&error_reason=user_denied&error_description=Permissions+error",
        );
        let CallbackOutcome::Declined(f) = &m.outcome else {
            panic!("{m:?}")
        };
        assert!(f.is_denied());
        assert_eq!(f.description.as_deref(), Some("Permissions error"));
    }

    #[test]
    fn a_callback_without_token_or_error_is_a_failure_not_a_silence() {
        for q in ["", "?", "?token=", "?foo=bar"] {
            let m = CallbackMessage::from_callback_query(ig(), q);
            let CallbackOutcome::Declined(f) = &m.outcome else {
                panic!("{q}")
            };
            assert_eq!(f.error, MISSING_TOKEN);
            assert!(!f.is_denied());
        }
        let m = CallbackMessage::from_callback_query(ig(), "?token=has%20space");
        let CallbackOutcome::Declined(f) = &m.outcome else {
            panic!()
        };
        assert_eq!(f.error, INVALID_TOKEN);
    }

    #[test]
    fn messages_round_trip_through_validation() {
        for q in [
            "?token=t0k",
            "?error=access_denied&error_reason=user_denied",
            "",
        ] {
            let m = CallbackMessage::from_callback_query(ChannelKind::Messenger, q);
            assert_eq!(read(&sent(&m)), Ok(m));
        }
    }

    #[test]
    fn foreign_messages_are_told_apart_from_malformed_ones() {
        for foreign in [
            json!(null),
            json!("hi"),
            json!(42),
            json!({"type":"webpackOk"}),
            json!({"source":"react-devtools"}),
        ] {
            assert_eq!(read(&foreign), Err(ProtocolError::Foreign));
        }
        let base = json!({"source":"socialchat-connect","kind":"callback","channel":"instagram"});
        let with = |extra: serde_json::Value| {
            let mut v = base.clone();
            v.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            v
        };
        for malformed in [
            base.clone(),
            with(json!({"token":"a","error":"b"})),
            with(json!({"token":""})),
            with(json!({"token":"a b"})),
            with(json!({"token":"x".repeat(5000)})),
            with(json!({"token":7})),
            with(json!({"token":null})),
            with(json!({"channel":"whatsapp","token":"a"})),
            with(json!({"kind":"ack","token":"a"})),
            json!({"source":"socialchat-connect"}),
        ] {
            assert!(
                matches!(read(&malformed), Err(ProtocolError::Malformed(_))),
                "{malformed}"
            );
        }
    }

    #[test]
    fn error_texts_are_bounded_and_stripped_of_control_characters() {
        let long = "d".repeat(10_000);
        let m = CallbackMessage::from_callback_query(
            ig(),
            &format!("?error=x%0Ay&error_description={long}"),
        );
        let CallbackOutcome::Declined(f) = m.outcome else {
            panic!()
        };
        assert_eq!(f.error, "xy");
        assert_eq!(
            f.description.unwrap().chars().count(),
            MAX_ERROR_TEXT_CHARS + 1
        );
    }

    #[test]
    fn the_token_never_shows_in_debug_output() {
        let m = CallbackMessage::from_callback_query(ig(), "?token=supersecret");
        assert!(!format!("{m:?}").contains("supersecret"));
    }

    #[test]
    fn the_callback_page_tells_its_channel_from_its_url() {
        assert_eq!(
            channel_of_callback("/callback/instagram", "?token=x"),
            ChannelKind::Instagram
        );
        assert_eq!(
            channel_of_callback("/callback/messenger", "?token=x"),
            ChannelKind::Messenger
        );
        assert_eq!(
            channel_of_callback("/socialchat/callback.html", "?channel=messenger&token=x"),
            ChannelKind::Messenger
        );
        assert_eq!(
            channel_of_callback("/socialchat/callback.html", "?channel=bogus"),
            ChannelKind::Instagram
        );
    }

    #[test]
    fn acknowledgements_are_recognized() {
        let ack: MessageWire =
            serde_json::from_value(serde_json::to_value(acknowledgement()).unwrap()).unwrap();
        assert!(ack.is_acknowledgement());
        let callback: MessageWire =
            serde_json::from_value(json!({"source":"socialchat-connect","kind":"callback"}))
                .unwrap();
        assert!(!callback.is_acknowledgement());
    }
}
