//! Webhooks: the partner's backend hears of each channel connected, created or reconnected from
//! the proxy, not from the browser (whose `socialchat:connected` event any page can fake).
//!
//! The wire format is Standard Webhooks v1, so that the partner verifies with an official
//! library (`standardwebhooks` on npm and PyPI, and for Rust, Go, Ruby, PHP, Java, .NET): a POST
//! of `{"type", "timestamp", "data": {sub, kind, reconnected, channel}}` with `webhook-id`
//! (stable across attempts: the receiver's key to deduplicate), `webhook-timestamp` (Unix
//! seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, one
//! per secret of `SOCIALCHAT_WEBHOOK_SECRET` (`whsec_…`, several space-separated while one is
//! rotated out).
//!
//! Every event is written to the durable [`Outbox`] before the call that caused it is answered,
//! and a delivery task sends it from there, at least once: at once, then on a schedule like
//! Svix's stretched over three days, with jitter, honouring `Retry-After`, each attempt at most
//! 15 s. What still fails after the schedule is kept as failed (see `socialchat-proxy webhooks`).

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{header, HeaderName, HeaderValue, Method, Uri};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::{Digest, Sha256};
use socialchat_api::{Channel, ChannelKind};
use tokio::sync::Notify;

use crate::client::{http_url, Failure, HttpClient};
use crate::observe::names;
use crate::outbox::{Attempted, NewEvent, Outbox, Stored};

/// The environment variable that holds the webhook's secret(s).
pub const SECRET_VAR: &str = "SOCIALCHAT_WEBHOOK_SECRET";

/// The prefix of a Standard Webhooks secret.
const SECRET_PREFIX: &str = "whsec_";

/// The shortest secret accepted, decoded: 128 bits (the specification asks for 24 to 64 bytes
/// when one is generated; a shorter one given by hand is refused below 16).
const MIN_SECRET_BYTES: usize = 16;

/// The longest one attempt may take.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(15);

/// The most of the backend's answer read (only its status and `Retry-After` count).
const ANSWER_BYTES: usize = 64 * 1024;

/// The pauses after each failed attempt (the first attempt is at once): Svix's (5 s, 5 min,
/// 30 min, 2 h, 5 h, 10 h, 10 h), then every 12 h until three days have passed.
pub const SCHEDULE_SECS: [u64; 11] = [
    5,
    5 * 60,
    30 * 60,
    2 * 3600,
    5 * 3600,
    10 * 3600,
    10 * 3600,
    12 * 3600,
    12 * 3600,
    12 * 3600,
    12 * 3600,
];

/// How long an event is leased to the replica that attempts it: longer than an attempt, so
/// that only a replica that died holding it lets another take it.
const LEASE: Duration = Duration::from_secs(60);

/// How often the delivery task looks for due events when nothing wakes it.
const POLL: Duration = Duration::from_secs(1);

/// Events attempted at once by one replica.
const BATCH: i64 = 32;

/// An event older than this, still undelivered, is warned about.
const OLD: Duration = Duration::from_secs(3600);

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

/// The secrets the webhook is signed with: every one of them signs each attempt, so that a
/// receiver that knows any of them accepts it while the old one is rotated out.
pub struct Secrets(Vec<Vec<u8>>);

impl Secrets {
    /// Reads `whsec_<base64>` secrets, separated by spaces.
    pub fn parse(text: &str) -> Result<Secrets, String> {
        let keys = text
            .split_whitespace()
            .map(|secret| {
                let key = secret
                    .strip_prefix(SECRET_PREFIX)
                    .and_then(|b64| STANDARD.decode(b64).ok())
                    .ok_or_else(|| {
                        format!(
                            "{SECRET_VAR} holds secrets like whsec_<base64>, separated by spaces \
                             (generate one: echo whsec_$(openssl rand -base64 32))"
                        )
                    })?;
                if key.len() < MIN_SECRET_BYTES {
                    return Err(format!(
                        "{SECRET_VAR}: a secret decodes to {} bytes; it must be at least \
                         {MIN_SECRET_BYTES} (generate one: echo whsec_$(openssl rand -base64 32))",
                        key.len()
                    ));
                }
                Ok(key)
            })
            .collect::<Result<Vec<_>, _>>()?;
        if keys.is_empty() {
            return Err(format!("{SECRET_VAR} is empty"));
        }
        Ok(Secrets(keys))
    }

    /// The secrets from [`SECRET_VAR`]; `Ok(None)` when it is not set.
    pub fn from_env() -> Result<Option<Secrets>, String> {
        match std::env::var(SECRET_VAR) {
            Ok(text) if !text.trim().is_empty() => Secrets::parse(&text).map(Some),
            _ => Ok(None),
        }
    }

    /// The `webhook-signature` header's value for message `id` sent at `timestamp`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &str) -> String {
        self.0
            .iter()
            .map(|key| {
                let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key");
                mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
                format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A new event's id: `msg_` and 24 random hex digits.
pub fn new_id() -> String {
    format!("msg_{}", crate::random::hex(12))
}

/// The id of the `channel.connected` a scan of channel `id` causes: the same whichever poll, or
/// replica, sees the scan first, so that it is written once.
pub fn scan_id(id: &str) -> String {
    let digest = Sha256::digest(format!("socialchat-scan\n{id}").as_bytes());
    format!("msg_{}", &hex::encode(digest)[..24])
}

/// The payload's `data`.
#[derive(Serialize)]
struct Data<'a> {
    sub: Option<&'a str>,
    /// The widget's kind (`whatsapp`, never Socialchat's `linkchat`).
    kind: &'static str,
    reconnected: bool,
    channel: &'a Channel,
}

#[derive(Serialize)]
struct Payload<'a> {
    #[serde(rename = "type")]
    event_type: &'static str,
    timestamp: String,
    data: Data<'a>,
}

/// The event `id` of `event` about `channel`, as written to the outbox.
pub fn event(
    id: String,
    event: Event,
    sub: Option<&str>,
    kind: ChannelKind,
    reconnected: bool,
    channel: &Channel,
) -> NewEvent {
    let now = SystemTime::now();
    let payload = Payload {
        event_type: event.as_str(),
        timestamp: humantime::format_rfc3339_millis(now).to_string(),
        data: Data {
            sub,
            kind: kind.as_str(),
            reconnected,
            channel,
        },
    };
    NewEvent {
        id,
        event_type: event.as_str().to_owned(),
        body: serde_json::to_string(&payload).unwrap_or_default(),
        created_at: unix_secs(now),
    }
}

fn unix_secs(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Now, in Unix milliseconds (the outbox's times).
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The webhook: where it goes, how it is signed, and the outbox it is delivered from.
pub struct Webhooks {
    url: Uri,
    client: HttpClient,
    secrets: Secrets,
    outbox: Arc<Outbox>,
    /// The pauses after each failed attempt.
    schedule: Vec<Duration>,
    /// This replica's name on the leases it takes.
    owner: String,
    /// Rung when an event is written, so that its first attempt does not wait for the poll.
    written: Notify,
    /// When the soonest retry this replica scheduled is due (Unix ms), so that it is attempted
    /// on time rather than at the next poll.
    soonest: AtomicI64,
    /// Whether the last write to the outbox succeeded (`/readyz`).
    writable: AtomicBool,
}

impl Webhooks {
    pub fn new(
        url: &str,
        secrets: Secrets,
        outbox: Arc<Outbox>,
        schedule: Vec<Duration>,
    ) -> Result<Webhooks, String> {
        let url = http_url(url).ok_or_else(|| {
            format!("--webhook-url must be an http(s) URL of your backend, not {url:?}")
        })?;
        Ok(Webhooks {
            url,
            client: HttpClient::new(ATTEMPT_TIMEOUT)?,
            secrets,
            outbox,
            schedule,
            owner: format!("proxy-{}", crate::random::hex(8)),
            written: Notify::new(),
            soonest: AtomicI64::new(i64::MAX),
            writable: AtomicBool::new(true),
        })
    }

    /// Writes `event` to the outbox, to be delivered. When the write fails the event is not
    /// lost from sight: it is logged whole at error level (it can be replayed from the log),
    /// counted, and `/readyz` says not ready until the outbox takes writes again.
    pub async fn record(&self, event: &NewEvent) {
        match self.outbox.add(event, now_ms()).await {
            Ok(()) => {
                self.writable.store(true, Ordering::Relaxed);
                self.written.notify_one();
            }
            Err(why) => {
                self.writable.store(false, Ordering::Relaxed);
                metrics::counter!(names::OUTBOX_WRITE_FAILURES).increment(1);
                tracing::error!(
                    webhook_id = %event.id,
                    event = %event.event_type,
                    body = %event.body,
                    "webhook event NOT written to the outbox ({}): {why}; deliver it by hand",
                    self.outbox.label
                );
            }
        }
    }

    /// Whether the outbox takes writes: after a failed write, tried again here.
    pub async fn ready(&self) -> bool {
        if self.writable.load(Ordering::Relaxed) {
            return true;
        }
        let writable = self.outbox.writable(now_ms()).await.is_ok();
        self.writable.store(writable, Ordering::Relaxed);
        writable
    }

    /// Starts delivering from the outbox, and watching how much waits there.
    pub fn start(self: &Arc<Self>) {
        tokio::spawn(self.clone().deliver());
        tokio::spawn(self.clone().watch());
    }

    async fn deliver(self: Arc<Self>) {
        let mut unreadable_since: Option<std::time::Instant> = None;
        loop {
            let now = now_ms();
            let until = now + LEASE.as_millis() as i64;
            match self.outbox.lease(&self.owner, now, until, BATCH).await {
                Ok(events) if !events.is_empty() => {
                    let attempts = events.into_iter().map(|stored| {
                        let this = self.clone();
                        tokio::spawn(async move { this.attempt(stored).await })
                    });
                    for attempt in attempts.collect::<Vec<_>>() {
                        let _ = attempt.await;
                    }
                    continue;
                }
                Ok(_) => unreadable_since = None,
                Err(why) => {
                    // Once a minute while the database is unreachable, not once a poll.
                    if unreadable_since.is_none_or(|at| at.elapsed() >= Duration::from_secs(60)) {
                        unreadable_since = Some(std::time::Instant::now());
                        tracing::warn!(
                            "webhook deliveries: cannot read the outbox ({}): {why}",
                            self.outbox.label
                        );
                    }
                }
            }
            // Taken, not read: a retry scheduled by the batch just attempted must still count
            // after the lease that followed it found nothing due yet.
            let soonest = self.soonest.swap(i64::MAX, Ordering::Relaxed);
            let until_soonest =
                Duration::from_millis(soonest.saturating_sub(now_ms()).max(0) as u64);
            tokio::select! {
                () = self.written.notified() => {}
                () = tokio::time::sleep(POLL.min(until_soonest)) => {}
            }
        }
    }

    /// One attempt of `stored`, and what it leaves in the outbox.
    async fn attempt(&self, stored: Stored) {
        let event = &stored.event;
        let timestamp = unix_secs(SystemTime::now());
        let value =
            |text: &str| HeaderValue::from_str(text).unwrap_or(HeaderValue::from_static(""));
        let headers = [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (HeaderName::from_static("webhook-id"), value(&event.id)),
            (
                HeaderName::from_static("webhook-timestamp"),
                HeaderValue::from(timestamp),
            ),
            (
                HeaderName::from_static("webhook-signature"),
                value(&self.secrets.sign(&event.id, timestamp, &event.body)),
            ),
        ];
        let sent = self
            .client
            .send(
                Method::POST,
                self.url.clone(),
                &headers,
                Some(event.body.clone().into()),
                ATTEMPT_TIMEOUT,
                ANSWER_BYTES,
            )
            .await;
        let attempt = stored.attempts + 1;
        let (error, retry_after) = match sent {
            Ok(answer) if (200..300).contains(&answer.status) => {
                self.finish(event, Attempted::Delivered, "delivered").await;
                tracing::info!(
                    webhook_id = %event.id,
                    event = %event.event_type,
                    attempt,
                    "webhook delivered"
                );
                return;
            }
            Ok(answer) => (
                format!("HTTP {}", answer.status),
                answer
                    .headers
                    .get(header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(retry_after),
            ),
            Err(Failure::Timeout) => (
                format!("no answer within {} s", ATTEMPT_TIMEOUT.as_secs()),
                None,
            ),
            Err(Failure::TooLarge) => ("an answer too large".to_owned(), None),
            Err(failure) => (failure.to_string(), None),
        };
        match self.schedule.get((attempt - 1) as usize) {
            Some(pause) => {
                let pause = jitter(*pause).max(retry_after.unwrap_or_default());
                let next_ms = now_ms() + pause.as_millis() as i64;
                self.soonest.fetch_min(next_ms, Ordering::Relaxed);
                self.finish(
                    event,
                    Attempted::Retry {
                        next_ms,
                        error: &error,
                    },
                    "retry",
                )
                .await;
                tracing::warn!(
                    webhook_id = %event.id,
                    event = %event.event_type,
                    attempt,
                    "webhook not delivered ({error}): next attempt in {} s",
                    pause.as_secs()
                );
            }
            None => {
                self.finish(event, Attempted::Failed { error: &error }, "failed")
                    .await;
                tracing::error!(
                    webhook_id = %event.id,
                    event = %event.event_type,
                    attempt,
                    body = %event.body,
                    "webhook failed for good after {attempt} attempts ({error}): kept as failed; \
                     `socialchat-proxy webhooks retry {}` sends it again",
                    event.id
                );
            }
        }
    }

    async fn finish(&self, event: &NewEvent, outcome: Attempted<'_>, label: &'static str) {
        metrics::counter!(names::WEBHOOK_ATTEMPTS, "outcome" => label).increment(1);
        if let Err(why) = self
            .outbox
            .attempted(&event.id, &self.owner, outcome, now_ms())
            .await
        {
            // The lease runs out and the event is attempted again: at least once.
            tracing::warn!(
                webhook_id = %event.id,
                "webhook attempt not recorded in the outbox ({}): {why}",
                self.outbox.label
            );
        }
    }

    /// Every 10 s: how many events wait and for how long (metrics), and a warning while the
    /// oldest has waited over an hour (at most every 10 minutes).
    async fn watch(self: Arc<Self>) {
        let mut warned: Option<std::time::Instant> = None;
        loop {
            if let Ok((depth, oldest)) = self.outbox.pending().await {
                let age = oldest.map_or(0, |at| (unix_secs(SystemTime::now()) - at).max(0));
                metrics::gauge!(names::OUTBOX_DEPTH).set(depth as f64);
                metrics::gauge!(names::OUTBOX_OLDEST_SECONDS).set(age as f64);
                let due = warned.is_none_or(|at| at.elapsed() >= Duration::from_secs(600));
                if age as u64 > OLD.as_secs() && due {
                    warned = Some(std::time::Instant::now());
                    tracing::warn!(
                        "webhook outbox: {depth} event(s) undelivered, the oldest for {} min: \
                         is the backend at the webhook URL up?",
                        age / 60
                    );
                }
            }
            tokio::time::sleep(Duration::from_secs(10)).await;
        }
    }
}

/// `pause` give or take a tenth, so that the retries of many events spread out.
fn jitter(pause: Duration) -> Duration {
    let tenth = pause.as_millis() as u64 / 10;
    if tenth == 0 {
        return pause;
    }
    let offset = u64::from(crate::random::number()) % (2 * tenth + 1);
    Duration::from_millis(pause.as_millis() as u64 - tenth + offset)
}

/// A `Retry-After` as a wait: seconds or an HTTP date, at most a day.
fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    let wait = match value.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => httpdate::parse_http_date(value)
            .ok()?
            .duration_since(SystemTime::now())
            .unwrap_or_default(),
    };
    Some(wait.min(Duration::from_secs(24 * 3600)))
}

/// Reads `--webhook-retry-secs`: the pauses after each failed attempt, in seconds,
/// comma-separated.
pub fn parse_schedule(text: &str) -> Result<Vec<Duration>, String> {
    text.split(',')
        .map(|secs| {
            secs.trim()
                .parse::<u64>()
                .ok()
                .filter(|&s| s <= 7 * 24 * 3600)
                .map(Duration::from_secs)
                .ok_or_else(|| {
                    format!("--webhook-retry-secs takes seconds separated by commas (each at most a week), not {text:?}")
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_standard_webhooks_one_per_secret() {
        // The specification's own example (standard-webhooks, spec/standard-webhooks.md).
        let secrets = Secrets::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            secrets.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        let two = Secrets::parse(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw  whsec_c2Vjb25kLXNlY3JldC1vZi1hdC1sZWFzdC0xNg==",
        )
        .unwrap();
        let header = two.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn secrets_are_whsec_base64_and_long_enough() {
        for bad in [
            "",
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_!!",
            "whsec_c2hvcnQ=",
        ] {
            assert!(Secrets::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_schedule_lasts_three_days_and_a_scan_has_one_id() {
        let total: u64 = SCHEDULE_SECS.iter().sum();
        assert!(total >= 3 * 24 * 3600, "{total}");
        assert_eq!(
            scan_id("65a0b1c2d3e4f5a6b7c8d9e0"),
            scan_id("65a0b1c2d3e4f5a6b7c8d9e0")
        );
        assert_ne!(
            scan_id("65a0b1c2d3e4f5a6b7c8d9e0"),
            scan_id("65a0b1c2d3e4f5a6b7c8d9e1")
        );
        assert!(new_id().starts_with("msg_"));
        assert_eq!(parse_schedule("1, 2,3").unwrap().len(), 3);
        assert!(parse_schedule("1,x").is_err());
    }

    #[test]
    fn jitter_stays_within_a_tenth_and_retry_after_is_read() {
        for _ in 0..100 {
            let j = jitter(Duration::from_secs(100));
            assert!(
                j >= Duration::from_secs(90) && j <= Duration::from_secs(110),
                "{j:?}"
            );
        }
        assert_eq!(retry_after("30"), Some(Duration::from_secs(30)));
        assert_eq!(retry_after("999999"), Some(Duration::from_secs(24 * 3600)));
        assert_eq!(retry_after("soon"), None);
    }
}
