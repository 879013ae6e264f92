//! What a browser receives: a backend's answer, projected per call through an allowlist. Every
//! answer is read into its typed shape and what leaves the proxy is built from the validated
//! fields of that shape only: a channel's `_id`, `name`, `channelId`, `channelType`,
//! `isConnected`, `picture`, `disconnectedAt` (plus a list's paging), an account's `name`,
//! `channelId`, `picture`, an authorization's `https:` URL. An item that does not validate is
//! dropped (and counted in the log line); an answer of the wrong shape is a 502 that says so.
//! Errors keep Socialchat's status and messages, with the API key and the call's token cut out
//! of them. No code path copies upstream JSON to the browser.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use socialchat_api::channel::{channel_status, find_channel, Paging};
use socialchat_api::{
    AccountPage, ApiError, AuthorizeResponse, Channel, ChannelList, ChannelRecordId, ChannelType,
    Parsed, PartnerCall,
};

use crate::call::RawAnswer;
use crate::problem::Source;

/// What stands in for a secret cut out of a message.
pub const REDACTED: &str = "[redacted]";

/// Secrets shorter than this are not looked for: cutting a two-letter "token" out of every
/// sentence would garble the messages and protect nothing (real keys and tokens are long).
const MIN_SECRET_LEN: usize = 8;

/// How many items of an answer were dropped because they did not validate; the request's log
/// line reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dropped(pub usize);

/// What the projection must know besides the answer.
pub struct Projection<'a> {
    /// Texts that must never reach a browser (the API key, the call's token).
    secrets: Vec<&'a str>,
    /// Whether an authorization URL that is not `https:` is the backend's own (the sandbox's
    /// dialog on plain HTTP).
    own_authorize_url: &'a (dyn Fn(&str) -> bool + Sync),
}

impl<'a> Projection<'a> {
    pub fn new(
        secrets: Vec<&'a str>,
        own_authorize_url: &'a (dyn Fn(&str) -> bool + Sync),
    ) -> Self {
        Projection {
            secrets: secrets
                .into_iter()
                .filter(|s| s.len() >= MIN_SECRET_LEN)
                .collect(),
            own_authorize_url,
        }
    }

    /// Cuts every secret out of `text`.
    fn redact(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for secret in &self.secrets {
            if text.contains(secret) {
                text = text.replace(secret, REDACTED);
            }
        }
        text
    }

    /// Cuts every secret out of every string of `value`.
    fn redact_value(&self, value: &mut Value) {
        match value {
            Value::String(s) => {
                if self.secrets.iter().any(|secret| s.contains(secret)) {
                    *s = self.redact(s);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.redact_value(v)),
            Value::Object(map) => map.values_mut().for_each(|v| self.redact_value(v)),
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

/// The statuses whose `Retry-After` is passed on.
fn keeps_retry_after(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE
}

/// A `Retry-After` worth passing on: seconds, or an HTTP date, nothing longer.
fn retry_after(value: Option<&str>) -> Option<HeaderValue> {
    let value = value?.trim();
    let plausible = !value.is_empty()
        && value.len() <= 40
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b' ' | b',' | b':'));
    plausible
        .then(|| HeaderValue::from_str(value).ok())
        .flatten()
}

/// What the browser will receive: a status, a JSON body built from validated fields, and what
/// the log line and the headers need.
pub struct Projected {
    pub status: StatusCode,
    pub body: Value,
    dropped: usize,
    retry_after: Option<HeaderValue>,
}

impl Projected {
    fn new(status: StatusCode, body: Value) -> Projected {
        Projected {
            status,
            body,
            dropped: 0,
            retry_after: None,
        }
    }

    fn error(
        status: StatusCode,
        source: Source,
        message: &str,
        original: Option<&str>,
    ) -> Projected {
        let mut body = json!({
            "statusCode": status.as_u16(),
            "message": message,
            "source": source.as_str(),
        });
        if let Some(original) = original {
            body["originalMessage"] = original.into();
        }
        Projected::new(status, body)
    }

    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }
}

impl IntoResponse for Projected {
    fn into_response(self) -> Response {
        // Straight into bytes (a `Value` always serializes; `Display` would go through a
        // formatter).
        let body = serde_json::to_vec(&self.body).unwrap_or_default();
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
        if let Some(value) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        if self.dropped > 0 {
            response.extensions_mut().insert(Dropped(self.dropped));
        }
        response
    }
}

/// Turns a backend's answer into what the browser receives.
pub fn project_answer(call: &PartnerCall, answer: RawAnswer, projection: &Projection) -> Projected {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
    let text = std::str::from_utf8(&answer.body).unwrap_or("");
    if !status.is_success() {
        return upstream_error(status, &answer, text, projection);
    }
    match typed(call, text, projection) {
        Ok((mut body, dropped)) => {
            projection.redact_value(&mut body);
            Projected {
                dropped,
                ..Projected::new(status, body)
            }
        }
        Err(problem) => unreadable(text, &problem),
    }
}

/// An answer that could not be read into its shape: a 502 that says why.
fn unreadable(text: &str, problem: &str) -> Projected {
    let message = if serde_json::from_str::<serde::de::IgnoredAny>(text).is_err() {
        "Socialchat answered with something that is not JSON"
    } else {
        problem
    };
    Projected::error(StatusCode::BAD_GATEWAY, Source::Proxy, message, None)
}

/// An error Socialchat (or the sandbox) gave, passed on in Socialchat's shape, with the secrets
/// cut out of its messages.
fn upstream_error(
    status: StatusCode,
    answer: &RawAnswer,
    text: &str,
    projection: &Projection,
) -> Projected {
    let error = ApiError::from_response(answer.status, text);
    let status = if status.is_client_error() || status.is_server_error() {
        status
    } else {
        // A redirect or an informational status is not something the widget can follow.
        StatusCode::BAD_GATEWAY
    };
    let message = match &error.message {
        Some(message) => projection.redact(message),
        None => format!("Socialchat answered HTTP {} without details", answer.status),
    };
    let original = error
        .original_message
        .as_deref()
        .map(|o| projection.redact(o));
    let mut projected = Projected::error(status, Source::Socialchat, &message, original.as_deref());
    if keeps_retry_after(status) {
        projected.retry_after = retry_after(answer.retry_after.as_deref());
    }
    projected
}

/// One page of the channel list, read for a session that sees only some channels; an answer
/// that is not a list comes back as what the browser receives instead.
pub fn channel_page(
    answer: RawAnswer,
    projection: &Projection,
) -> Result<Parsed<ChannelList>, Projected> {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
    let text = std::str::from_utf8(&answer.body).unwrap_or("");
    if !status.is_success() {
        return Err(upstream_error(status, &answer, text, projection));
    }
    ChannelList::parse(text).map_err(|e| unreadable(text, &e.to_string()))
}

/// The channel list a session sees: its channels only, as one page whose paging fields say
/// exactly that.
pub fn session_channels(
    channels: Vec<Channel>,
    dropped: usize,
    projection: &Projection,
) -> Projected {
    let count = channels.len() as u64;
    let list = ChannelList {
        channels,
        paging: Some(Paging {
            total_docs: Some(count),
            limit: Some(count),
            total_pages: Some(1),
            page: Some(1),
            has_prev_page: Some(false),
            has_next_page: Some(false),
            prev_page: None,
            next_page: None,
        }),
    };
    let mut body = list.to_json();
    projection.redact_value(&mut body);
    Projected {
        dropped,
        ..Projected::new(StatusCode::OK, body)
    }
}

/// The answer read into its call's typed shape, and back to JSON from its validated fields.
fn typed(
    call: &PartnerCall,
    text: &str,
    projection: &Projection,
) -> Result<(Value, usize), String> {
    match call {
        PartnerCall::ChannelList { .. } => {
            let parsed = ChannelList::parse(text).map_err(|e| e.to_string())?;
            Ok((parsed.value.to_json(), parsed.dropped))
        }
        PartnerCall::Accounts { .. } => {
            let parsed = AccountPage::parse(text).map_err(|e| e.to_string())?;
            Ok((parsed.value.to_json(), parsed.dropped))
        }
        PartnerCall::Authorize { .. } => {
            let url = AuthorizeResponse::parse(text)
                .map_err(|e| e.to_string())?
                .url;
            let secure = url
                .get(..8)
                .is_some_and(|s| s.eq_ignore_ascii_case("https://"));
            if !secure && !(projection.own_authorize_url)(&url) {
                return Err(
                    "unexpected authorize answer from Socialchat: the URL is not https".into(),
                );
            }
            Ok((serde_json::json!({ "url": url }), 0))
        }
        PartnerCall::Channel { .. } => {
            let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
            let channel = channel_status(value.clone()).ok_or_else(|| {
                "unexpected answer from Socialchat: it holds no channel".to_owned()
            })?;
            Ok((serde_json::to_value(channel).map_err(|e| e.to_string())?, 0))
        }
        PartnerCall::Connect { kind, .. } | PartnerCall::Reconnect { kind, .. } => {
            let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
            let mut channel = find_channel(value.clone()).ok_or_else(|| {
                "unexpected answer from Socialchat: it holds no channel (it may have been \
                 connected: reload the channel list)"
                    .to_owned()
            })?;
            if channel.channel_type == ChannelType::Other(String::new()) {
                // The route says which kind was connected when the answer does not.
                channel.channel_type = ChannelType::from_name(kind.channel_types()[0]);
            }
            Ok((serde_json::to_value(channel).map_err(|e| e.to_string())?, 0))
        }
    }
}

/// Whether a connect or reconnect answer held only the channel's `_id` (as Socialchat documents
/// for WhatsApp and Telegram): then the proxy reads the whole channel before it answers.
pub fn only_an_id(body: &Value) -> Option<ChannelRecordId> {
    let bare = body
        .get("name")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
        && body.get("channelId").is_none()
        && body.get("picture").is_none();
    bare.then(|| body.get("_id")?.as_str())
        .flatten()
        .and_then(|id| ChannelRecordId::new(id).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_passes_only_when_it_is_plausible() {
        assert_eq!(retry_after(Some("30")).unwrap(), "30");
        assert!(retry_after(Some("Wed, 21 Oct 2026 07:28:00 GMT")).is_some());
        assert!(retry_after(Some("30\r\nSet-Cookie: x")).is_none());
        assert!(retry_after(Some("")).is_none());
        assert!(retry_after(None).is_none());
    }
}
