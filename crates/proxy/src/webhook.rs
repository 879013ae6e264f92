//! `--connected-webhook URL`: the partner's backend hears of each channel connected or
//! reconnected from the proxy, not from the browser (whose `socialchat:connected` event any page
//! can fake). After each success the proxy POSTs
//! `{"event": "channel.connected", "sub", "reconnected", "channel", "timestamp"}` (or
//! `channel.created` for a new WhatsApp number, whose `channel.connected` follows from the poll
//! that sees its QR code scanned; deliveries are at least once), signed with
//! `X-Socialchat-Signature: sha256=<hex HMAC-SHA256 of the raw body with the session secret>`
//! (the GitHub/Stripe convention) and `X-Socialchat-Timestamp`, tried up to three times with a
//! growing pause, without ever delaying the widget's answer.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, HeaderName, HeaderValue, Method, Uri};
use serde_json::json;
use socialchat_api::Channel;

use crate::client::{http_url, Failure, HttpClient};
use crate::session::Sessions;

/// How many times a delivery is tried.
pub const TRIES: u32 = 3;
/// The pause before the second try; each later pause is three times longer.
const FIRST_PAUSE: Duration = Duration::from_millis(500);
/// The longest wait for the partner's backend to answer one try.
const TRY_TIMEOUT: Duration = Duration::from_secs(5);
/// Deliveries in flight at once; beyond, an event is dropped and logged, so that a backend that
/// never answers cannot make the proxy hold ever more sockets.
pub const MAX_IN_FLIGHT: usize = 64;
/// The most of the backend's answer read (only its status counts).
const ANSWER_BYTES: usize = 64 * 1024;
/// How many channels' `channel.connected` from a poll this process remembers having sent.
const REMEMBERED: usize = 4096;

/// What the backend is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A channel connected or reconnected.
    Connected,
    /// A WhatsApp number created and waiting for the scan of its QR code.
    Created,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Connected => "channel.connected",
            Event::Created => "channel.created",
        }
    }
}

pub struct Webhook {
    url: Uri,
    client: Arc<HttpClient>,
    sessions: Arc<Sessions>,
    in_flight: Arc<tokio::sync::Semaphore>,
    /// The channels whose scan was already told (a poll may see it more than once).
    told: std::sync::Mutex<std::collections::VecDeque<String>>,
}

impl Webhook {
    pub fn new(url: &str, sessions: Arc<Sessions>) -> Result<Webhook, String> {
        let parsed = http_url(url).ok_or_else(|| {
            format!("--connected-webhook must be an http(s) URL of your backend, not {url:?}")
        })?;
        Ok(Webhook {
            url: parsed,
            client: Arc::new(HttpClient::new(TRY_TIMEOUT)?),
            sessions,
            in_flight: Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT)),
            told: Default::default(),
        })
    }

    /// Sends `channel.connected` for a channel a poll found connected, once per channel in this
    /// process (other replicas may send it again: deliveries are at least once).
    pub fn channel_scanned(&self, sub: Option<&str>, channel: &Channel) {
        let id = channel.id.as_str().to_owned();
        {
            let mut told = self.told.lock().unwrap_or_else(|e| e.into_inner());
            if told.contains(&id) {
                return;
            }
            if told.len() == REMEMBERED {
                told.pop_front();
            }
            told.push_back(id);
        }
        self.channel_event(Event::Connected, sub, false, channel);
    }

    /// Sends `event` about `channel` in the background.
    pub fn channel_event(
        &self,
        event: Event,
        sub: Option<&str>,
        reconnected: bool,
        channel: &Channel,
    ) {
        let timestamp = crate::session::now();
        let body = json!({
            "event": event.as_str(),
            "sub": sub,
            "reconnected": reconnected,
            "channel": channel,
            "timestamp": timestamp,
        })
        .to_string();
        let Ok(permit) = self.in_flight.clone().try_acquire_owned() else {
            metrics::counter!(crate::observe::names::WEBHOOK_DELIVERIES, "event" => event.as_str(), "outcome" => "dropped").increment(1);
            tracing::warn!(
                "webhook {} dropped: {MAX_IN_FLIGHT} deliveries already in flight",
                event.as_str()
            );
            return;
        };
        let signature = self.sessions.sign(body.as_bytes());
        let client = self.client.clone();
        let url = self.url.clone();
        let name = event.as_str();
        tokio::spawn(async move {
            let _permit = permit;
            let mut pause = FIRST_PAUSE;
            let headers = [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ),
                (
                    HeaderName::from_static("x-socialchat-signature"),
                    HeaderValue::from_str(&signature)
                        .unwrap_or(HeaderValue::from_static("sha256=")),
                ),
                (
                    HeaderName::from_static("x-socialchat-timestamp"),
                    HeaderValue::from(timestamp),
                ),
            ];
            let body = axum::body::Bytes::from(body);
            for attempt in 1..=TRIES {
                let sent = client
                    .send(
                        Method::POST,
                        url.clone(),
                        &headers,
                        Some(body.clone()),
                        TRY_TIMEOUT,
                        ANSWER_BYTES,
                    )
                    .await;
                let outcome = match sent {
                    Ok(answer) if (200..300).contains(&answer.status) => {
                        metrics::counter!(crate::observe::names::WEBHOOK_DELIVERIES, "event" => name, "outcome" => "delivered").increment(1);
                        tracing::info!("webhook {name} delivered (try {attempt})");
                        return;
                    }
                    Ok(answer) => format!("HTTP {}", answer.status),
                    Err(Failure::Timeout) => "no answer".to_owned(),
                    Err(Failure::TooLarge) => "an answer too large".to_owned(),
                    Err(_) => "could not connect".to_owned(),
                };
                if attempt == TRIES {
                    metrics::counter!(crate::observe::names::WEBHOOK_DELIVERIES, "event" => name, "outcome" => "failed").increment(1);
                    tracing::warn!("webhook {name} failed after {TRIES} tries: {outcome}");
                    return;
                }
                tokio::time::sleep(pause).await;
                pause *= 3;
            }
        });
    }
}
