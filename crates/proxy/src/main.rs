//! `socialchat-proxy`: the reference partner proxy for socialchat-connect. This file only reads
//! the command line; everything else is in the library (`lib.rs`).
//!
//! - `serve` keeps the company's API key on the server and forwards exactly the widget's calls to
//!   Socialchat, projecting channels so that no secret reaches a browser.
//! - `sandbox` answers the same routes from an in-process simulation of Socialchat and of the
//!   Facebook dialog, for the preview and every test: no account, no network.
//! - `set-callback` is step 1 of the partner guide (`PUT /partner`).

use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;

use socialchat_proxy::app;
use socialchat_proxy::observe::{self, LogFormat};
use socialchat_proxy::options::{ServerFlags, ServerOptions};
use socialchat_proxy::outbox::{self, Outbox};
use socialchat_proxy::session::{self, Claims, Sessions};
use socialchat_proxy::webhook;
use socialchat_proxy::{options, sandbox, set_callback, upstream};

#[derive(Parser)]
#[command(
    name = "socialchat-proxy",
    version,
    about = "The partner proxy for socialchat-connect"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Forward the widget's calls to Socialchat with the API key from SOCIALCHAT_API_KEY.
    Serve(ServeArgs),
    /// Serve the same routes from a simulation of Socialchat and Facebook (no key, no network).
    Sandbox(SandboxArgs),
    /// Set the callback URLs Socialchat redirects to after authorization (PUT /partner).
    SetCallback(SetCallbackArgs),
    /// Print a session signed with SOCIALCHAT_SESSION_SECRET, as the partner's backend would
    /// mint one, for trying things out.
    MintSession(MintSessionArgs),
    /// Exit 0 if URL answers 2xx within 3 s, else 1: a container's HEALTHCHECK, in an image
    /// without a shell or curl.
    Probe(ProbeArgs),
    /// See and resend the webhook events of the outbox.
    #[command(subcommand)]
    Webhooks(WebhooksCommand),
}

#[derive(Subcommand)]
enum WebhooksCommand {
    /// List the events, newest first: id, state, attempts, type, the last error.
    List {
        /// Only the events that failed for good.
        #[arg(long)]
        failed: bool,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: i64,
        #[command(flatten)]
        outbox: OutboxArgs,
    },
    /// Send an event again (its id), or every failed one, with a fresh retry schedule: the
    /// running proxy delivers it within a second.
    Retry {
        /// The event's id (its webhook-id, msg_…).
        #[arg(required_unless_present = "all_failed", conflicts_with = "all_failed")]
        id: Option<String>,
        #[arg(long)]
        all_failed: bool,
        #[command(flatten)]
        outbox: OutboxArgs,
    },
}

#[derive(Args)]
struct OutboxArgs {
    /// The proxy's outbox (its --outbox).
    #[arg(
        long = "outbox",
        value_name = "URL",
        env = outbox::URL_VAR,
        hide_env_values = true,
        default_value = outbox::DEFAULT_URL
    )]
    url: String,
}

#[derive(Args)]
struct ProbeArgs {
    /// For example http://127.0.0.1:8787/healthz.
    url: String,
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    common: ServerFlags,
    /// Socialchat's API (https://staging-api.socialchat.id for staging).
    #[arg(long, default_value = "https://api.socialchat.id")]
    upstream: String,
    /// Check no session: anyone who can reach this proxy uses your API key. Only for a proxy
    /// that nothing but your own authenticating gateway can reach.
    #[arg(long)]
    no_session_check: bool,
}

#[derive(Args)]
struct SandboxArgs {
    #[command(flatten)]
    common: ServerFlags,
    /// How many Instagram accounts the simulated Facebook user has.
    #[arg(long, default_value_t = 23)]
    accounts: usize,
    /// Accounts per page of GET …/account.
    #[arg(long, default_value_t = 10)]
    page_size: usize,
    /// Delay before every API answer, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Up to this many more milliseconds before each answer, at random (jitter).
    #[arg(long, default_value_t = 0)]
    latency_jitter_ms: u64,
    /// Inject a failure: ROUTE:OUTCOME[:TIMES], ROUTE one of channels, channel, authorize,
    /// account, connect, reconnect; OUTCOME an HTTP status, timeout, malformed, html or
    /// unreachable. Repeatable.
    #[arg(long = "fail", value_name = "RULE")]
    faults: Vec<String>,
    /// Fail this share (0-100 %) of API calls at random, each with one of 500, 502, 503, 401,
    /// timeout, malformed, html or unreachable (the chaos run, scripts/chaos).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=100))]
    chaos: u8,
    /// How long a sandbox token stays valid, in seconds.
    #[arg(long, default_value_t = 30 * 60)]
    token_ttl_secs: u64,
    /// Where the dialog sends the browser after Allow or Deny; `{kind}` is replaced by the
    /// channel kind. Default: this sandbox's own /callback/{kind}.
    #[arg(long)]
    callback_url: Option<String>,
    /// Allow browser calls from any http://127.0.0.1:PORT or http://localhost:PORT origin
    /// (CORS), for test runners on random ports.
    #[arg(long)]
    allow_local_origins: bool,
    /// Check sessions as `serve` does, with the secret in SOCIALCHAT_SANDBOX_SESSION_SECRET
    /// (without it the sandbox lets every call in, for quick trials). The sandbox mints
    /// sessions for anyone who asks (/sandbox/session), so it has a secret of its own, never
    /// your backend's, and listens only on this machine (a loopback --listen) with it.
    #[arg(long)]
    session_secret_env: bool,
}

#[derive(Args)]
struct MintSessionArgs {
    /// The partner's user or tenant the session is for.
    #[arg(long)]
    sub: String,
    /// The channel kinds it may connect, comma-separated: instagram,messenger,whatsapp,telegram,webchat.
    #[arg(long, value_delimiter = ',', required = true)]
    kinds: Vec<String>,
    /// The channel `_id`s it may see and reconnect, comma-separated (none when absent).
    #[arg(long, value_delimiter = ',')]
    channels: Vec<String>,
    /// How long it lasts, in seconds.
    #[arg(long, default_value_t = 600)]
    ttl_secs: u64,
}

#[derive(Args)]
struct SetCallbackArgs {
    /// callbackInstagramUrl.
    #[arg(long)]
    instagram: Option<String>,
    /// callbackMessengerUrl.
    #[arg(long)]
    messenger: Option<String>,
    /// webhookChatUrl.
    #[arg(long)]
    webhook: Option<String>,
    #[arg(long, default_value = "https://api.socialchat.id")]
    upstream: String,
    #[arg(long, default_value_t = 20)]
    timeout_secs: u64,
}

/// The environment variable that holds the API key: `base64("{appId}_{secretKey}")`.
const API_KEY_VAR: &str = "SOCIALCHAT_API_KEY";

fn api_key() -> Result<String, String> {
    match std::env::var(API_KEY_VAR) {
        Ok(key) if !key.trim().is_empty() => upstream::check_key(key.trim()),
        _ => Err(format!(
            "{API_KEY_VAR} is not set: export your Socialchat Partner API key, base64(\"{{appId}}_{{secretKey}}\"), \
             in the environment (never on the command line)"
        )),
    }
}

/// What to do when `serve` has no secret to check sessions with.
fn no_secret() -> String {
    format!(
        "{} is not set: the proxy checks that every call carries a session your backend minted \
         (see the book: docs/src/guide/sessions.md). Generate a secret, give the same to your backend, and \
         export it: export {}=\"$(openssl rand -base64 48)\". Only for a proxy that nothing but \
         your own authenticating gateway can reach: --no-session-check",
        session::SECRET_VAR,
        session::SECRET_VAR
    )
}

/// The sessions to check (when `check`), and the webhooks with their outbox (when
/// `--webhook-url`), delivering from now on.
async fn sessions_and_webhooks(
    common: &ServerFlags,
    secret_var: &str,
    check: bool,
    options: &mut ServerOptions,
) -> Result<Option<Arc<Sessions>>, String> {
    // Read only when sessions are checked: an open sandbox never mints with a secret from the
    // environment (its loopback-only rule comes with --session-secret-env).
    let secret = match check {
        true => Sessions::from_env(secret_var, common.session_max_ttl_secs)?.map(Arc::new),
        false => None,
    };
    if check && secret.is_none() {
        return Err(if secret_var == session::SECRET_VAR {
            no_secret()
        } else {
            format!(
                "{secret_var} is not set: --session-secret-env checks sessions with it (the \
                 sandbox's own secret, never your backend's); export one of at least 32 bytes"
            )
        });
    }
    if let Some(url) = &common.webhook_url {
        let secrets = webhook::Secrets::from_env()?.ok_or_else(|| {
            format!(
                "--webhook-url is signed with {}: set it to a secret of your backend's, \
                 whsec_<base64> (echo whsec_$(openssl rand -base64 32))",
                webhook::SECRET_VAR
            )
        })?;
        let schedule = match &common.webhook_retry_secs {
            Some(text) => webhook::parse_schedule(text)?,
            None => webhook::SCHEDULE_SECS
                .iter()
                .map(|&secs| Duration::from_secs(secs))
                .collect(),
        };
        let outbox = Arc::new(Outbox::open(&common.outbox).await?);
        tracing::info!(
            "socialchat-proxy: webhook events go through the outbox {}",
            outbox.label
        );
        let webhooks = Arc::new(webhook::Webhooks::new(url, secrets, outbox, schedule)?);
        webhooks.start();
        options.webhooks = Some(webhooks);
    }
    options.sessions = secret.clone();
    Ok(secret)
}

/// The metrics when asked for: before the server starts.
async fn observe(common: &ServerFlags) -> Result<(), String> {
    if let Some(listen) = common.metrics_listen {
        let addr = observe::serve_metrics(listen).await?;
        tracing::info!("socialchat-proxy: metrics on http://{addr}/metrics");
    }
    Ok(())
}

/// How the command logs, if it does: set up in `main`, before the runtime and until after it.
fn log_format(command: &Command) -> Option<LogFormat> {
    match command {
        Command::Serve(args) => Some(args.common.log_format),
        Command::Sandbox(args) => Some(args.common.log_format),
        Command::SetCallback(_) => Some(LogFormat::Text),
        Command::MintSession(_) | Command::Probe(_) | Command::Webhooks(_) => None,
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve(args) => {
            observe(&args.common).await?;
            let key = api_key()?;
            let mut options = ServerOptions::from_flags(&args.common, false)?;
            sessions_and_webhooks(
                &args.common,
                session::SECRET_VAR,
                !args.no_session_check,
                &mut options,
            )
            .await?;
            if args.no_session_check {
                tracing::warn!(
                    "socialchat-proxy serve: WARNING: --no-session-check: anyone who can reach \
                     this proxy connects and reconnects channels with your API key"
                );
            }
            let upstream = upstream::Upstream::new(&args.upstream, key, options.timeout)?;
            app::run(options, Arc::new(upstream)).await
        }
        Command::Sandbox(args) => {
            observe(&args.common).await?;
            let faults = args
                .faults
                .iter()
                .map(|rule| sandbox::Fault::parse(rule))
                .collect::<Result<Vec<_>, _>>()?;
            if args.page_size == 0 || args.page_size > 100 {
                return Err("--page-size must be between 1 and 100".into());
            }
            if args.session_secret_env && !args.common.listen.ip().is_loopback() {
                return Err(format!(
                    "sandbox --session-secret-env listens on this machine only (a loopback \
                     --listen such as 127.0.0.1:8787, not {}): its /sandbox/session mints a \
                     session for anyone who asks",
                    args.common.listen
                ));
            }
            let mut options = ServerOptions::from_flags(&args.common, args.allow_local_origins)?;
            let secret = sessions_and_webhooks(
                &args.common,
                sandbox::SECRET_VAR,
                args.session_secret_env,
                &mut options,
            )
            .await?;
            // The stand-in for the partner's session endpoint signs with the checked secret,
            // or, in an open sandbox, with one of its own that nothing checks.
            let minter = match secret {
                Some(secret) => secret,
                None => Arc::new(Sessions::new(
                    socialchat_proxy::random::hex(32).as_bytes(),
                    args.common.session_max_ttl_secs,
                )?),
            };
            let sandbox_options = sandbox::SandboxOptions {
                accounts: args.accounts.min(5000),
                page_size: args.page_size,
                latency: Duration::from_millis(args.latency_ms),
                jitter: Duration::from_millis(args.latency_jitter_ms),
                faults,
                chaos: args.chaos,
                token_ttl: Duration::from_secs(args.token_ttl_secs),
                callback_url: args.callback_url,
                timeout: options.timeout,
                sessions: minter,
            };
            app::run(options, sandbox::Sandbox::new(sandbox_options)).await
        }
        Command::SetCallback(args) => {
            let key = api_key()?;
            set_callback::run(
                &args.upstream,
                &key,
                Duration::from_secs(args.timeout_secs.max(1)),
                args.instagram,
                args.messenger,
                args.webhook,
            )
            .await
        }
        Command::Probe(args) => {
            let uri = args
                .url
                .parse::<axum::http::Uri>()
                .ok()
                .filter(|u| matches!(u.scheme_str(), Some("http" | "https")))
                .ok_or_else(|| format!("probe: {:?} is not an http(s) URL", args.url))?;
            let timeout = Duration::from_secs(3);
            let answer = socialchat_proxy::client::HttpClient::new(timeout)?
                .send(axum::http::Method::GET, uri, &[], None, timeout, 64 * 1024)
                .await
                .map_err(|e| format!("probe: {} did not answer: {e}", args.url))?;
            if (200..300).contains(&answer.status) {
                Ok(())
            } else {
                Err(format!(
                    "probe: {} answered HTTP {}",
                    args.url, answer.status
                ))
            }
        }
        Command::Webhooks(command) => webhooks(command).await,
        Command::MintSession(args) => {
            let sessions =
                Sessions::from_env(session::SECRET_VAR, u64::MAX)?.ok_or_else(no_secret)?;
            for kind in &args.kinds {
                kind.parse::<socialchat_api::ChannelKind>()
                    .map_err(|_| format!("--kinds: {kind:?} is not a channel kind"))?;
            }
            let now = session::now();
            let claims = Claims {
                aud: session::AUDIENCE.into(),
                sub: args.sub,
                iat: now,
                exp: now + args.ttl_secs,
                kinds: args.kinds,
                channels: (!args.channels.is_empty()).then_some(args.channels),
            };
            println!("{}", sessions.mint(&claims));
            Ok(())
        }
    }
}

/// `socialchat-proxy webhooks …`.
async fn webhooks(command: WebhooksCommand) -> Result<(), String> {
    let now_ms = webhook::now_ms;
    match command {
        WebhooksCommand::List {
            failed,
            limit,
            outbox,
        } => {
            let outbox = Outbox::open(&outbox.url).await?;
            for stored in outbox.list(failed, limit.clamp(1, 100_000)).await? {
                println!(
                    "{}\t{}\t{} attempt(s)\t{}\t{}",
                    stored.event.id,
                    stored.state.as_str(),
                    stored.attempts,
                    stored.event.event_type,
                    stored.last_error.as_deref().unwrap_or("-")
                );
            }
            outbox.close().await;
            Ok(())
        }
        WebhooksCommand::Retry { id, outbox, .. } => {
            let outbox = Outbox::open(&outbox.url).await?;
            let count = outbox.retry(id.as_deref(), now_ms()).await?;
            outbox.close().await;
            if count == 0 {
                return Err(match id {
                    Some(id) => format!("webhooks retry: no event {id:?} in the outbox"),
                    None => "webhooks retry: no failed event in the outbox".into(),
                });
            }
            println!("{count} event(s) due again");
            Ok(())
        }
    }
}

/// The log outlives the runtime, so that the requests the shutdown's grace period cut off,
/// dropped with it, are logged too.
fn main() -> ExitCode {
    let cli = Cli::parse();
    let log = log_format(&cli.command).map(observe::init_logging);
    let workers = match &cli.command {
        Command::Serve(args) => args.common.workers,
        Command::Sandbox(args) => args.common.workers,
        Command::SetCallback(_)
        | Command::MintSession(_)
        | Command::Probe(_)
        | Command::Webhooks(_) => 1,
    };
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if workers > 0 {
        // A wrong count is refused with the other flags, in `run`.
        runtime.worker_threads(workers.min(options::MAX_WORKERS));
    }
    let runtime = match runtime.thread_name("proxy-worker").enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("socialchat-proxy: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(run(cli));
    drop(runtime);
    drop(log);
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("socialchat-proxy: {message}");
            ExitCode::FAILURE
        }
    }
}
