//! What operators see of the proxy: its log (through `tracing`, as text lines or one JSON
//! object per line, levels from `RUST_LOG`), its Prometheus metrics (through `metrics` and
//! `metrics-exporter-prometheus`, on a listen address of their own), and the facts one request
//! leaves for both: its route template, the session's `sub`, the upstream's status.
//!
//! Nothing here ever holds a token, a session, a bot token or the API key: the log line and the
//! metrics are built from the route template (never the path or query), the method, statuses,
//! durations and the `sub` the partner's backend chose for the user.

use std::net::SocketAddr;
use std::time::Duration;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// The metrics' names, in one place.
pub mod names {
    /// Counter: requests answered, by `route`, `method`, `status`.
    pub const REQUESTS: &str = "socialchat_proxy_requests_total";
    /// Histogram (seconds): Socialchat's answer time, by `route` (its template) and `outcome`
    /// (the status's class `2xx`…`5xx`, or `timeout`, `unreachable`, `too-large`).
    pub const UPSTREAM_SECONDS: &str = "socialchat_proxy_upstream_seconds";
    /// Gauge: requests being handled.
    pub const IN_FLIGHT: &str = "socialchat_proxy_in_flight_requests";
    /// Counter: calls the proxy answered itself, by `reason` (see [`super::Reason`]).
    pub const REJECTED: &str = "socialchat_proxy_rejected_total";
    /// Counter: webhook attempts, by `outcome` (`delivered`, `retry`, `failed`).
    pub const WEBHOOK_ATTEMPTS: &str = "socialchat_proxy_webhook_attempts_total";
    /// Gauge: webhook events waiting in the outbox.
    pub const OUTBOX_DEPTH: &str = "socialchat_proxy_outbox_pending";
    /// Gauge (seconds): how long the oldest waiting event has waited.
    pub const OUTBOX_OLDEST_SECONDS: &str = "socialchat_proxy_outbox_oldest_pending_seconds";
    /// Counter: webhook events that could not be written to the outbox.
    pub const OUTBOX_WRITE_FAILURES: &str = "socialchat_proxy_outbox_write_failures_total";
    /// Counter: GET calls to Socialchat tried a second time after a failed connection.
    pub const UPSTREAM_RETRIES: &str = "socialchat_proxy_upstream_retries_total";
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    Text,
    /// One JSON object per line: `timestamp`, `level`, `message`, and the event's fields.
    Json,
}

/// Installs the process's log: `RUST_LOG` (e.g. `info`, `socialchat_proxy=debug`) chooses the
/// levels, `info` when it is not set. Called once, by `main`, which keeps the returned guard
/// until it exits: dropping it writes out what is still queued.
///
/// Lines are written by tracing-appender's writer thread, not by the request's; a full queue
/// makes the request wait, it loses no line.
pub fn init_logging(format: LogFormat) -> tracing_appender::non_blocking::WorkerGuard {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("socialchat-proxy-log")
        // The writer thread writes whatever has queued up in one go (it flushes once the queue
        // is empty): one write to stderr per line cost a fifth of the proxy's throughput.
        .finish(std::io::BufWriter::new(std::io::stderr()));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false);
    let _ = match format {
        LogFormat::Text => builder.compact().try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .try_init(),
    };
    guard
}

/// Installs the metrics recorder and serves its `/metrics` on `listen`, apart from the proxy's
/// own address so that it is not exposed with it. Returns the address it listens on.
pub async fn serve_metrics(listen: SocketAddr) -> Result<SocketAddr, String> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(
            metrics_exporter_prometheus::Matcher::Full(names::UPSTREAM_SECONDS.into()),
            &[
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0,
            ],
        )
        .map_err(|e| format!("metrics: {e}"))?
        .install_recorder()
        .map_err(|e| format!("metrics: {e}"))?;
    describe();
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen} for --metrics-listen: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the metrics address: {e}"))?;
    let upkeep = handle.clone();
    tokio::spawn(async move {
        // Histograms are summarised as they are rendered; between scrapes they are kept small.
        let mut every = tokio::time::interval(Duration::from_secs(5));
        loop {
            every.tick().await;
            upkeep.run_upkeep();
        }
    });
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || render(handle.clone())),
    );
    // The same connection limits as the proxy's own listener: a scraper that sends half a
    // request, or opens connections by the thousand, holds nothing for long.
    let limits = crate::server::ConnectionLimits {
        header_read: Duration::from_secs(10),
        idle: Duration::from_secs(75),
        max_connections: 64,
        shutdown_grace: Duration::ZERO,
    };
    tokio::spawn(crate::server::serve(
        listener,
        app,
        limits,
        std::future::pending(),
    ));
    Ok(addr)
}

async fn render(handle: PrometheusHandle) -> impl axum::response::IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        names::REQUESTS,
        "Requests answered, by route, method and status."
    );
    describe_histogram!(
        names::UPSTREAM_SECONDS,
        Unit::Seconds,
        "Socialchat's answer time, by route and outcome."
    );
    describe_gauge!(names::IN_FLIGHT, "Requests being handled.");
    describe_counter!(
        names::REJECTED,
        "Calls the proxy answered itself, by reason: validation, origin, session, forbidden, rate-limit, concurrency."
    );
    describe_counter!(
        names::WEBHOOK_ATTEMPTS,
        "Webhook attempts, by outcome: delivered, retry, failed."
    );
    describe_gauge!(names::OUTBOX_DEPTH, "Webhook events waiting in the outbox.");
    describe_gauge!(
        names::OUTBOX_OLDEST_SECONDS,
        Unit::Seconds,
        "How long the oldest waiting webhook event has waited."
    );
    describe_counter!(
        names::OUTBOX_WRITE_FAILURES,
        "Webhook events that could not be written to the outbox (each logged whole)."
    );
    describe_counter!(
        names::UPSTREAM_RETRIES,
        "GET calls to Socialchat tried again after a failed connection."
    );
}

/// Why the proxy answered a widget's call itself instead of forwarding it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Not one of the widget's calls, or not a valid one (path, method, query, body).
    Validation,
    /// From a page of another site.
    Origin,
    /// No session, or not a valid one.
    Session,
    /// A valid session that does not allow this call.
    Forbidden,
    /// Over a rate limit.
    RateLimit,
    /// Over `--max-concurrency` calls at once (load shedding).
    Concurrency,
}

impl Reason {
    pub fn name(self) -> &'static str {
        match self {
            Reason::Validation => "validation",
            Reason::Origin => "origin",
            Reason::Session => "session",
            Reason::Forbidden => "forbidden",
            Reason::RateLimit => "rate-limit",
            Reason::Concurrency => "concurrency",
        }
    }

    pub fn count(self) {
        metrics::counter!(names::REJECTED, "reason" => self.name()).increment(1);
    }
}

/// What one widget's call leaves for its log line and its metrics, filled in as it goes
/// through the pipeline and carried on the response as an extension.
#[derive(Debug, Clone, Default)]
pub struct CallFacts {
    /// The route's template (`/partner/channel/{kind}/account`), once recognised.
    pub route: Option<&'static str>,
    /// The session's `sub`, once verified.
    pub sub: Option<String>,
    /// Socialchat's status, when it was called.
    pub upstream_status: Option<u16>,
}
