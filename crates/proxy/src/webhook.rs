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

use serde_json::json;

use crate::session::Sessions;

/// How many times a delivery is tried.
pub const TRIES: u32 = 3;
/// The pause before the second try; each later pause is three times longer.
const FIRST_PAUSE: Duration = Duration::from_millis(500);
/// The longest wait for the partner's backend to answer one try.
const TRY_TIMEOUT: Duration = Duration::from_secs(5);

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
    url: reqwest::Url,
    client: reqwest::Client,
    sessions: Arc<Sessions>,
}

impl Webhook {
    pub fn new(url: &str, sessions: Arc<Sessions>) -> Result<Webhook, String> {
        let parsed = reqwest::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some())
            .ok_or_else(|| {
                format!("--connected-webhook must be an http(s) URL of your backend, not {url:?}")
            })?;
        let client = reqwest::Client::builder()
            .timeout(TRY_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("socialchat-proxy/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the webhook's HTTP client: {e}"))?;
        Ok(Webhook {
            url: parsed,
            client,
            sessions,
        })
    }

    /// Sends `channel.connected` in the background.
    pub fn channel_connected(
        &self,
        sub: Option<&str>,
        reconnected: bool,
        channel: serde_json::Value,
    ) {
        self.channel_event(Event::Connected, sub, reconnected, channel);
    }

    /// Sends `event` about `channel` in the background.
    pub fn channel_event(
        &self,
        event: Event,
        sub: Option<&str>,
        reconnected: bool,
        channel: serde_json::Value,
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
        let signature = self.sessions.sign(body.as_bytes());
        let client = self.client.clone();
        let url = self.url.clone();
        tokio::spawn(async move {
            let mut pause = FIRST_PAUSE;
            for attempt in 1..=TRIES {
                let sent = client
                    .post(url.clone())
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .header("x-socialchat-signature", &signature)
                    .header("x-socialchat-timestamp", timestamp.to_string())
                    .body(body.clone())
                    .send()
                    .await;
                let outcome = match sent {
                    Ok(answer) if answer.status().is_success() => {
                        eprintln!("webhook channel.connected delivered (try {attempt})");
                        return;
                    }
                    Ok(answer) => format!("HTTP {}", answer.status().as_u16()),
                    Err(e) if e.is_timeout() => "no answer".to_owned(),
                    Err(_) => "could not connect".to_owned(),
                };
                if attempt == TRIES {
                    eprintln!("webhook channel.connected failed after {TRIES} tries: {outcome}");
                    return;
                }
                tokio::time::sleep(pause).await;
                pause *= 3;
            }
        });
    }
}
