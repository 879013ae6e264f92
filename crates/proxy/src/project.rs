//! What a browser receives: a backend's answer, projected per call into a typed [`Body`]
//! built from the validated fields of the answer's shape only: a channel's `_id`, `name`,
//! `channelId`, `channelType`, `isConnected`, `picture`, `disconnectedAt` (plus a list's
//! paging), an account's `name`, `channelId`, `picture`, an authorization's `https:` URL. An
//! item that does not validate is dropped (and counted in the log line); an answer of the wrong
//! shape is a 502 that says so. The pipeline's later steps change the typed body (marks, the
//! ticket, the QR code), and it is serialized once, as the answer is written.
//!
//! Errors keep Socialchat's status, and its messages only when they show nothing secret (see
//! [`crate::secret_shape`]); otherwise a fixed sentence for the status. No code path copies
//! upstream JSON to the browser.
#![deny(clippy::wildcard_enum_match_arm)]

use std::fmt;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use socialchat_api::channel::{channel_status, find_channel, Paging};
use socialchat_api::{
    AccountPage, ApiError, AuthorizeResponse, Channel, ChannelList, ChannelType, Parsed,
    PartnerCall,
};

use crate::call::RawAnswer;
use crate::problem::Source;
use crate::secret_shape;

/// What stands in for a secret cut out of a text.
pub const REDACTED: &str = "[redacted]";

/// Secrets shorter than this are not looked for: cutting a two-letter "token" out of every
/// sentence would garble the texts and protect nothing (real keys and tokens are long).
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

    /// Whether `text` holds a secret as it is.
    fn holds_secret(&self, text: &str) -> bool {
        self.secrets.iter().any(|secret| text.contains(secret))
    }

    /// Cuts every secret out of `text`.
    fn scrub(&self, text: &mut String) {
        for secret in &self.secrets {
            if text.contains(secret) {
                *text = text.replace(secret, REDACTED);
            }
        }
    }

    fn scrub_channel(&self, channel: &mut Channel) {
        self.scrub(&mut channel.name);
        for text in [
            &mut channel.channel_id,
            &mut channel.picture,
            &mut channel.disconnected_at,
            &mut channel.qrcode,
        ]
        .into_iter()
        .flatten()
        {
            self.scrub(text);
        }
        if let ChannelType::Other(name) = &mut channel.channel_type {
            self.scrub(name);
        }
    }

    /// The page with the secrets cut out of its texts; an account whose `channelId` holds one
    /// is dropped (it could not be connected), and so is a cursor that holds one. Returns how
    /// many accounts went.
    fn scrub_accounts(&self, page: &mut AccountPage) -> usize {
        let before = page.accounts.len();
        page.accounts
            .retain(|account| !self.holds_secret(account.channel_id.as_str()));
        for account in &mut page.accounts {
            self.scrub(&mut account.name);
            if let Some(picture) = &mut account.picture {
                self.scrub(picture);
            }
        }
        if page
            .next_offset
            .as_ref()
            .is_some_and(|offset| self.holds_secret(offset.as_str()))
        {
            page.next_offset = None;
        }
        before - page.accounts.len()
    }

    /// Socialchat's message, when it shows nothing secret-shaped.
    fn message(&self, message: &str) -> Option<String> {
        (!secret_shape::reveals_secret(message, &self.secrets)).then(|| message.to_owned())
    }
}

/// An error answer, in Socialchat's shape: `{statusCode, message, originalMessage?, source}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    pub status_code: u16,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_message: Option<String>,
    pub source: Source,
}

/// What a browser receives for one call, typed until it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// `GET …/channel`: a page (when Socialchat answered one) or a bare list.
    Channels(ChannelList),
    /// `GET …/channel/{_id}`: the channel, with its QR code while it waits for its scan; and,
    /// for the poll that sees a new WhatsApp number scanned, the receipt of its connection.
    Channel {
        channel: Channel,
        receipt: Option<String>,
    },
    /// `GET …/{kind}/authorize`.
    Authorize {
        url: String,
    },
    /// `GET …/{kind}/account`, each account marked with what the company already has.
    Accounts(AccountPage),
    /// A connect or reconnect: the channel, the receipt of its connection, and for a new
    /// WhatsApp number the ticket its creator polls it with (its receipt comes with its scan).
    Connected {
        channel: Channel,
        ticket: Option<String>,
        receipt: Option<String>,
    },
    Error(ErrorBody),
}

impl Serialize for Body {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Body::Channels(list) => match &list.paging {
                Some(paging) => ChannelPage {
                    paging,
                    docs: &list.channels,
                }
                .serialize(serializer),
                None => {
                    let mut seq = serializer.serialize_seq(Some(list.channels.len()))?;
                    for channel in &list.channels {
                        seq.serialize_element(channel)?;
                    }
                    seq.end()
                }
            },
            Body::Channel { channel, receipt } => WithProof {
                channel,
                ticket: &None,
                receipt,
            }
            .serialize(serializer),
            Body::Authorize { url } => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("url", url)?;
                map.end()
            }
            Body::Accounts(page) => {
                let mut map = serializer.serialize_map(Some(3))?;
                map.serialize_entry("docs", &page.accounts)?;
                map.serialize_entry("hasNextPage", &page.has_next_page())?;
                map.serialize_entry("nextOffset", &page.next_offset.as_ref().map(|o| o.as_str()))?;
                map.end()
            }
            Body::Connected {
                channel,
                ticket,
                receipt,
            } => WithProof {
                channel,
                ticket,
                receipt,
            }
            .serialize(serializer),
            Body::Error(error) => error.serialize(serializer),
        }
    }
}

#[derive(Serialize)]
struct ChannelPage<'a> {
    #[serde(flatten)]
    paging: &'a Paging,
    docs: &'a [Channel],
}

/// A channel with what proves it is the caller's: a ticket, a receipt.
#[derive(Serialize)]
struct WithProof<'a> {
    #[serde(flatten)]
    channel: &'a Channel,
    #[serde(skip_serializing_if = "Option::is_none")]
    ticket: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    receipt: &'a Option<String>,
}

impl fmt::Display for Body {
    /// The body as the browser receives it: JSON text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&serde_json::to_string(self).map_err(|_| fmt::Error)?)
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

/// What the browser will receive: a status, a typed body, and what the log line and the
/// headers need.
#[derive(Debug)]
pub struct Projected {
    pub status: StatusCode,
    pub body: Body,
    dropped: usize,
    retry_after: Option<HeaderValue>,
}

impl Projected {
    pub fn new(status: StatusCode, body: Body) -> Projected {
        Projected {
            status,
            body,
            dropped: 0,
            retry_after: None,
        }
    }

    /// The proxy's own error about an answer it could not pass on.
    pub fn error(status: StatusCode, message: &str) -> Projected {
        Projected::new(
            status,
            Body::Error(ErrorBody {
                status_code: status.as_u16(),
                message: message.to_owned(),
                original_message: None,
                source: Source::Proxy,
            }),
        )
    }

    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }
}

impl IntoResponse for Projected {
    fn into_response(self) -> Response {
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
        Ok((body, dropped)) => Projected {
            dropped,
            ..Projected::new(status, body)
        },
        Err(problem) => unreadable(text, &problem, projection),
    }
}

/// An answer that could not be read into its shape: a 502 that says why, unless the reason
/// quotes something secret-shaped of the answer (then only that it is of the wrong shape).
fn unreadable(text: &str, problem: &str, projection: &Projection) -> Projected {
    let message = if serde_json::from_str::<serde::de::IgnoredAny>(text).is_err() {
        "Socialchat answered with something that is not JSON".to_owned()
    } else {
        projection.message(problem).unwrap_or_else(|| {
            "unexpected answer from Socialchat: it is not of the documented shape".to_owned()
        })
    };
    Projected::error(StatusCode::BAD_GATEWAY, &message)
}

/// An error Socialchat (or the sandbox) gave, passed on in Socialchat's shape: its messages
/// when they show nothing secret, else a fixed sentence for the status.
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
    // A message withheld leaves its mark in `originalMessage`, where Socialchat's own words go.
    let mut withheld = false;
    let message = match &error.message {
        Some(message) => projection.message(message).unwrap_or_else(|| {
            withheld = true;
            secret_shape::fixed_message(status.as_u16()).to_owned()
        }),
        None => format!("Socialchat answered HTTP {} without details", answer.status),
    };
    let original_message = error
        .original_message
        .as_deref()
        .map(|original| {
            projection.message(original).unwrap_or_else(|| {
                withheld = true;
                REDACTED.to_owned()
            })
        })
        .or_else(|| withheld.then(|| REDACTED.to_owned()));
    let mut projected = Projected::new(
        status,
        Body::Error(ErrorBody {
            status_code: status.as_u16(),
            message,
            original_message,
            source: Source::Socialchat,
        }),
    );
    if keeps_retry_after(status) {
        projected.retry_after = retry_after(answer.retry_after.as_deref());
    }
    projected
}

/// One page of the channel list, read for the proxy's own use (a session's channels, the
/// picker's marks); an answer that is not a list comes back as what the browser receives
/// instead.
pub fn channel_page(
    answer: RawAnswer,
    projection: &Projection,
) -> Result<Parsed<ChannelList>, Box<Projected>> {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
    let text = std::str::from_utf8(&answer.body).unwrap_or("");
    if !status.is_success() {
        return Err(Box::new(upstream_error(status, &answer, text, projection)));
    }
    ChannelList::parse(text).map_err(|e| Box::new(unreadable(text, &e.to_string(), projection)))
}

/// The channel list a session sees: its channels only, as one page whose paging fields say
/// exactly that.
pub fn session_channels(
    mut channels: Vec<Channel>,
    dropped: usize,
    projection: &Projection,
) -> Projected {
    channels
        .iter_mut()
        .for_each(|channel| projection.scrub_channel(channel));
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
    Projected {
        dropped,
        ..Projected::new(StatusCode::OK, Body::Channels(list))
    }
}

/// The answer read into its call's typed shape, with the secrets cut out of its texts.
fn typed(call: &PartnerCall, text: &str, projection: &Projection) -> Result<(Body, usize), String> {
    match call {
        PartnerCall::ChannelList { .. } => {
            let mut parsed = ChannelList::parse(text).map_err(|e| e.to_string())?;
            parsed
                .value
                .channels
                .iter_mut()
                .for_each(|channel| projection.scrub_channel(channel));
            Ok((Body::Channels(parsed.value), parsed.dropped))
        }
        PartnerCall::Accounts { .. } => {
            let mut parsed = AccountPage::parse(text).map_err(|e| e.to_string())?;
            let scrubbed = projection.scrub_accounts(&mut parsed.value);
            Ok((Body::Accounts(parsed.value), parsed.dropped + scrubbed))
        }
        PartnerCall::Authorize { .. } => {
            let mut url = AuthorizeResponse::parse(text)
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
            projection.scrub(&mut url);
            Ok((Body::Authorize { url }, 0))
        }
        PartnerCall::Channel { .. } => {
            let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
            let mut channel = channel_status(value).ok_or_else(|| {
                "unexpected answer from Socialchat: it holds no channel".to_owned()
            })?;
            projection.scrub_channel(&mut channel);
            Ok((
                Body::Channel {
                    channel,
                    receipt: None,
                },
                0,
            ))
        }
        PartnerCall::Connect { kind, .. } | PartnerCall::Reconnect { kind, .. } => {
            let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
            let mut channel = find_channel(value).ok_or_else(|| {
                "unexpected answer from Socialchat: it holds no channel (it may have been \
                 connected: reload the channel list)"
                    .to_owned()
            })?;
            if channel.channel_type == ChannelType::Other(String::new()) {
                // The route says which kind was connected when the answer does not.
                channel.channel_type = ChannelType::from_name(kind.channel_types()[0]);
            }
            projection.scrub_channel(&mut channel);
            Ok((
                Body::Connected {
                    channel,
                    ticket: None,
                    receipt: None,
                },
                0,
            ))
        }
    }
}

/// Whether a connect or reconnect answered only the channel's `_id` (as Socialchat documents
/// for WhatsApp and Telegram): then the proxy reads the whole channel before it answers.
pub fn only_an_id(channel: &Channel) -> bool {
    channel.name.is_empty() && channel.channel_id.is_none() && channel.picture.is_none()
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
