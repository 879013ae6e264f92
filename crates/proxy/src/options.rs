//! The server's options: the flags `serve` and `sandbox` share, as the command line gives them
//! ([`ServerFlags`], whose clap attributes are the one place their defaults are written), and
//! the same after they are checked ([`ServerOptions`], what the server runs with).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, FromArgMatches};

use crate::limit::{self, RateLimit};
use crate::observe::LogFormat;
use crate::server::ConnectionLimits;
use crate::session::{self, Sessions};
use crate::webhook::Webhooks;

/// The flags of `serve` and `sandbox` that set up the server, before they are checked.
#[derive(Args, Debug, Clone)]
pub struct ServerFlags {
    /// Address to listen on (port 0 picks a free port; the chosen address is printed).
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
    /// Path under which the API routes are served.
    #[arg(long, default_value = "/api/socialchat")]
    pub prefix: String,
    /// Origin allowed to call the API from a browser (CORS, with credentials). Repeatable, or
    /// several separated by commas. None: same-origin use only.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    pub allow_origins: Vec<String>,
    /// Serve the widget's build output from this folder (and its callback page at
    /// /callback/instagram and /callback/messenger).
    #[arg(long = "static", value_name = "DIR")]
    pub static_dir: Option<PathBuf>,
    /// Longest wait for Socialchat, in seconds, before answering 504.
    #[arg(long, default_value_t = 20)]
    pub timeout_secs: u64,
    /// Most requests handled at once; more get 503 at once (load shedding).
    #[arg(long, default_value_t = 256)]
    pub max_concurrency: usize,
    /// Longest a client may take to send a request's headers, in seconds.
    #[arg(long, default_value_t = 10)]
    pub header_timeout_secs: u64,
    /// Longest a kept-alive connection may sit idle between requests, in seconds.
    #[arg(long, default_value_t = 75)]
    pub idle_timeout_secs: u64,
    /// Longest a client may take to send a request's body, in seconds.
    #[arg(long, default_value_t = 10)]
    pub body_timeout_secs: u64,
    /// Most client connections open at once; more wait until one closes.
    #[arg(long, default_value_t = 1000)]
    pub max_connections: usize,
    /// On SIGTERM, how long requests in flight may take to finish, in seconds.
    #[arg(long, default_value_t = 10)]
    pub shutdown_grace_secs: u64,
    /// How many threads serve requests; 0: one per CPU this process may use (a container's CPU
    /// limit included).
    #[arg(long, default_value_t = 0)]
    pub workers: usize,
    /// How many channels one user (a session's sub) may connect, create or reconnect per
    /// minute, all at once if they wish; 0: no limit.
    #[arg(long, default_value_t = limit::DEFAULT_CONNECTS_PER_MINUTE)]
    pub connects_per_minute: u32,
    /// How many calls one user (a session's sub) may make per minute, all at once if they
    /// wish; 0: no limit.
    #[arg(long, default_value_t = limit::DEFAULT_CALLS_PER_MINUTE)]
    pub calls_per_minute: u32,
    /// How many calls one client address may make per minute; 0: no limit.
    #[arg(long, default_value_t = limit::DEFAULT_CALLS_PER_MINUTE_PER_ADDRESS)]
    pub calls_per_minute_per_address: u32,
    /// How many proxies (load balancers) in front of this one append the client's address to
    /// X-Forwarded-For; 0 (the default): the connection's address is the client's.
    #[arg(long, default_value_t = 0)]
    pub trust_forwarded_for: usize,
    /// Log lines as text or as one JSON object per line (levels: RUST_LOG, default info).
    #[arg(long, value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// Serve Prometheus metrics at http://ADDRESS/metrics (apart from the proxy's address).
    #[arg(long, value_name = "ADDRESS")]
    pub metrics_listen: Option<SocketAddr>,
    /// The longest session accepted, from its iat to its exp, in seconds.
    #[arg(long, default_value_t = session::DEFAULT_MAX_TTL_SECS)]
    pub session_max_ttl_secs: u64,
    /// After each connect, creation or reconnect, POST a Standard Webhooks event to this URL of
    /// your backend (signed with SOCIALCHAT_WEBHOOK_SECRET), from a durable outbox, at least
    /// once.
    #[arg(long = "webhook-url", value_name = "URL")]
    pub webhook_url: Option<String>,
    /// Where webhook events wait to be delivered: sqlite:PATH (one replica) or
    /// postgres://USER:PASSWORD@HOST/DATABASE (replicas share it). Only with --webhook-url.
    #[arg(
        long,
        value_name = "URL",
        env = crate::outbox::URL_VAR,
        hide_env_values = true,
        default_value = crate::outbox::DEFAULT_URL
    )]
    pub outbox: String,
    /// The pauses after each failed webhook attempt, in seconds, comma-separated (default:
    /// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then 12 h four times: over three days).
    #[arg(long, value_name = "SECS,...")]
    pub webhook_retry_secs: Option<String>,
}

impl Default for ServerFlags {
    /// The documented defaults (the command line's own), listening on a free port of
    /// 127.0.0.1.
    fn default() -> Self {
        let command = ServerFlags::augment_args(clap::Command::new("defaults"));
        let mut flags = ServerFlags::from_arg_matches(&command.get_matches_from(["defaults"]))
            .expect("every server flag has a default");
        flags.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        flags
    }
}

/// The longest any of the server's waits may be set to, in seconds: a day (a timer set further
/// than the clock can count would fail).
pub const MAX_SECS: u64 = 24 * 60 * 60;

/// The most worker threads `--workers` may ask for.
pub const MAX_WORKERS: usize = 256;

/// The server's options, checked.
pub struct ServerOptions {
    pub listen: SocketAddr,
    pub prefix: String,
    pub allow_origins: Vec<String>,
    pub static_dir: Option<PathBuf>,
    pub timeout: Duration,
    pub max_concurrency: usize,
    /// How long a client may take to send a request's body.
    pub body_timeout: Duration,
    pub connections: ConnectionLimits,
    /// How many threads serve requests.
    pub workers: usize,
    /// Sandbox only: allow any `http://127.0.0.1:PORT` or `http://localhost:PORT` origin (the
    /// browser test runner's port is random).
    pub allow_local_origins: bool,
    /// The sessions every call must carry; `None`: no session check (`--no-session-check`, or
    /// a sandbox left open).
    pub sessions: Option<Arc<Sessions>>,
    /// Where webhook events go after each connect, creation or reconnect.
    pub webhooks: Option<Arc<Webhooks>>,
    /// How many connects, creations and reconnects one user may make per minute.
    pub connect_limit: Option<Arc<RateLimit>>,
    /// How many calls one user (a session's `sub`) may make per minute.
    pub call_limit: Option<Arc<RateLimit>>,
    /// How many calls one client address may make per minute.
    pub address_limit: Option<Arc<RateLimit>>,
    /// How many proxies in front of this one append to `X-Forwarded-For`.
    pub trust_forwarded_for: usize,
}

/// Whether `prefix` is a plain path: `/`-separated segments of letters, digits and `._~-`.
fn check_prefix(prefix: &str) -> Result<(), String> {
    if prefix.is_empty() {
        return Ok(());
    }
    let plain = prefix.starts_with('/')
        && prefix[1..].split('/').all(|segment| {
            !segment.is_empty()
                && segment != "."
                && segment != ".."
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'~' | b'-'))
        });
    if plain {
        Ok(())
    } else {
        Err(format!(
            "--prefix must be a path like /api/socialchat (segments of letters, digits and ._~-), not {prefix:?}"
        ))
    }
}

impl ServerOptions {
    /// Checks the flags; a wrong one is an error that names it and says what it should hold.
    /// `allow_local_origins` is the sandbox's `--allow-local-origins`.
    pub fn from_flags(
        flags: &ServerFlags,
        allow_local_origins: bool,
    ) -> Result<ServerOptions, String> {
        let prefix = flags.prefix.trim_end_matches('/').to_owned();
        check_prefix(&prefix)?;
        let mut allow_origins = Vec::new();
        for value in &flags.allow_origins {
            allow_origins.extend(
                socialchat_api::origin::parse_origin_list(value)
                    .map_err(|e| format!("--allow-origin takes origins: the value {e}"))?,
            );
        }
        if let Some(dir) = &flags.static_dir {
            if !dir.is_dir() {
                return Err(format!("--static {} is not a folder", dir.display()));
            }
        }
        let secs = |name: &str, value: u64| match value {
            0 => Err(format!("--{name} must be at least 1")),
            1..=MAX_SECS => Ok(Duration::from_secs(value)),
            _ => Err(format!("--{name} must be at most {MAX_SECS} (a day)")),
        };
        Ok(ServerOptions {
            listen: flags.listen,
            prefix,
            allow_origins,
            static_dir: flags.static_dir.clone(),
            timeout: secs("timeout-secs", flags.timeout_secs)?,
            max_concurrency: flags.max_concurrency.max(1),
            body_timeout: secs("body-timeout-secs", flags.body_timeout_secs)?,
            connections: ConnectionLimits {
                header_read: secs("header-timeout-secs", flags.header_timeout_secs)?,
                idle: secs("idle-timeout-secs", flags.idle_timeout_secs)?,
                max_connections: flags.max_connections.max(1),
                shutdown_grace: match flags.shutdown_grace_secs {
                    0 => Duration::ZERO,
                    value => secs("shutdown-grace-secs", value)?,
                },
            },
            workers: match flags.workers {
                // The CPUs this process may use, cgroup quotas (a container's limit) included.
                0 => std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_WORKERS)),
                n if n <= MAX_WORKERS => n,
                n => {
                    return Err(format!(
                        "--workers {n}: at most {MAX_WORKERS} (one per CPU is the most that helps; 0 picks that)"
                    ))
                }
            },
            allow_local_origins,
            sessions: None,
            webhooks: None,
            connect_limit: RateLimit::new(flags.connects_per_minute).map(Arc::new),
            call_limit: RateLimit::new(flags.calls_per_minute).map(Arc::new),
            address_limit: RateLimit::new(flags.calls_per_minute_per_address).map(Arc::new),
            trust_forwarded_for: flags.trust_forwarded_for,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_plain_paths() {
        for good in ["", "/api", "/api/socialchat", "/a.b/c_d-e~f"] {
            assert!(check_prefix(good).is_ok(), "{good}");
        }
        for bad in [
            "api", "/a{", "/a/{x}", "/a/*", "/a//b", "/a/../b", "/a b", "/a?x",
        ] {
            assert!(check_prefix(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_defaults_are_the_command_line_s() {
        let flags = ServerFlags::default();
        assert_eq!(flags.prefix, "/api/socialchat");
        assert_eq!(flags.timeout_secs, 20);
        assert_eq!(flags.idle_timeout_secs, 75);
        assert_eq!(
            flags.connects_per_minute,
            limit::DEFAULT_CONNECTS_PER_MINUTE
        );
        assert_eq!(flags.listen.port(), 0);
    }

    #[test]
    fn workers_default_to_the_cpus_and_are_capped() {
        let workers = |n| {
            ServerOptions::from_flags(
                &ServerFlags {
                    workers: n,
                    ..Default::default()
                },
                false,
            )
            .map(|options| options.workers)
        };
        assert!(workers(0).is_ok_and(|n| (1..=MAX_WORKERS).contains(&n)));
        assert_eq!(workers(3), Ok(3));
        assert_eq!(workers(MAX_WORKERS), Ok(MAX_WORKERS));
        assert!(workers(MAX_WORKERS + 1)
            .is_err_and(|e| e.contains("--workers") && e.contains("at most")));
        assert!(workers(100_000).is_err());
    }

    #[test]
    fn waits_are_between_a_second_and_a_day() {
        let flags = |idle, grace| ServerFlags {
            idle_timeout_secs: idle,
            shutdown_grace_secs: grace,
            ..Default::default()
        };
        assert!(ServerOptions::from_flags(&flags(MAX_SECS, 0), false).is_ok());
        for (idle, grace) in [(u64::MAX, 10), (MAX_SECS + 1, 10), (0, 10), (75, u64::MAX)] {
            assert!(
                ServerOptions::from_flags(&flags(idle, grace), false).is_err(),
                "{idle} {grace}"
            );
        }
    }
}
