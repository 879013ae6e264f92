//! The HTTP server both `serve` and `sandbox` run: one axum [`Router`] for every request, the
//! cross-cutting rules as layers (request ids, the request log, CORS, `no-store`, the
//! per-address rate limit, the concurrency limit with load shedding), and the widget's calls
//! through one typed pipeline:
//!
//! - [`caller`]: who is calling and what for (the origin and `Content-Type` rules, the session,
//!   the rate limits), read by extractors before anything goes upstream, and the refusals;
//! - [`pipeline`]: recognize → authorize → backend → typed projection → typed post-steps →
//!   serialize once;
//! - [`request_log`]: one log line per request, with its id.
//!
//! The backend is the only difference between the two modes: Socialchat over HTTPS, or the
//! in-process simulation. Validation and projection are shared, so the sandbox exercises
//! exactly what production runs.

mod caller;
mod pipeline;
mod request_log;
mod state;

use std::sync::Arc;
use std::time::Duration;

use axum::error_handling::HandleErrorLayer;
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::routing::any;
use axum::Router;
use socialchat_api::call::{RECEIPT_HEADER, TICKET_HEADER};
use tower::ServiceBuilder;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::call::Backend;
use crate::marks::Marks;
use crate::observe::Reason;
use crate::problem::Problem;
use crate::server;
use crate::webhook::Webhooks;

pub use crate::options::{ServerFlags, ServerOptions};
use state::{AppState, Limits, Origins};

/// Serves `backend` with `options` until SIGTERM or Ctrl-C, then drains.
pub async fn run(options: ServerOptions, backend: Arc<dyn Backend>) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", options.listen))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the bound address: {e}"))?;
    let origin = format!("http://{addr}");
    let mode = backend.mode();
    backend.listening_on(&origin);
    let prefix = options.prefix.clone();
    let limits = options.connections;
    let workers = options.workers;
    let wait = options.timeout;
    let (app, detached) = build(options, backend);
    let shutdown = shutdown_signal();
    // The first line on stdout says where to go; scripts and tests read it.
    println!("socialchat-proxy {mode} listening on {origin} (API at {origin}{prefix})");
    tracing::info!("socialchat-proxy {mode}: ready on {origin} with {workers} worker(s)");
    server::serve(listener, app, limits, shutdown).await;
    // A connect whose client went away still runs: Socialchat may have connected the channel,
    // and its webhook event must be written before the process goes.
    detached.close();
    if !detached.is_empty() {
        tracing::info!(
            "socialchat-proxy {mode}: waiting up to {} s for {} connect(s) whose client went away",
            wait.as_secs() * 2,
            detached.len()
        );
        if tokio::time::timeout(wait * 2, detached.wait())
            .await
            .is_err()
        {
            tracing::error!(
                "socialchat-proxy {mode}: {} connect(s) cut off by the shutdown; their channels \
                 may be connected without a webhook event",
                detached.len()
            );
        }
    }
    tracing::info!("socialchat-proxy {mode}: stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM. The handlers are installed when this is called, not when the
/// future is first polled, so a signal that arrives right after start-up is not lost.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let terminate = signal(SignalKind::terminate()).ok();
        let interrupt = signal(SignalKind::interrupt()).ok();
        async move {
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = wait(terminate) => {},
                _ = wait(interrupt) => {},
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Every route of the server, the widget's calls included, with their layers.
pub fn router(options: ServerOptions, backend: Arc<dyn Backend>) -> Router {
    build(options, backend).0
}

/// The router, and the connects it lets run on after their client went away.
fn build(
    options: ServerOptions,
    backend: Arc<dyn Backend>,
) -> (Router, tokio_util::task::TaskTracker) {
    let detached = tokio_util::task::TaskTracker::new();
    let own_routes = backend.clone().routes();
    let health = health_routes(backend.clone(), options.webhooks.clone());
    let prefix = options.prefix.clone();
    let origins = Origins {
        listed: options.allow_origins.clone(),
        local: options.allow_local_origins,
    };
    let state = Arc::new(AppState {
        backend,
        prefix: prefix.clone(),
        origins: origins.clone(),
        body_timeout: options.body_timeout,
        timeout: options.timeout,
        sessions: options.sessions.clone(),
        webhooks: options.webhooks.clone(),
        limits: Limits {
            connect: options.connect_limit.clone(),
            call: options.call_limit.clone(),
            address: options.address_limit.clone(),
            trust_forwarded_for: options.trust_forwarded_for,
        },
        marks: Marks::default(),
        detached: detached.clone(),
    });
    let mut api = Router::new()
        .route(&format!("{prefix}/partner"), any(pipeline::partner_call))
        .route(
            &format!("{prefix}/partner/{{*rest}}"),
            any(pipeline::partner_call),
        )
        // Past `max_concurrency` calls at once, more are refused at once rather than queued:
        // a flow's calls are few, and a burst over the limit is a script.
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
                    Reason::Concurrency.count();
                    Problem::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "the proxy is busy: try again in a moment",
                    )
                    .with_retry_after(1)
                }))
                .load_shed()
                .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
                    options.max_concurrency,
                )),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            caller::limit_address,
        ))
        .with_state(state);
    if !prefix.is_empty() {
        api = api.route(&format!("{prefix}/{{*rest}}"), any(not_found));
    }
    // Every answer to a widget's call is one user's (a QR code, a ticket, their channels): no
    // cache keeps it.
    api = api.layer(SetResponseHeaderLayer::if_not_present(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    ));
    let cors = cors_layer(&origins);
    if let Some(cors) = &cors {
        api = api.layer(cors.clone());
    }
    let mut app = Router::new().merge(api);
    if let Some(mut routes) = own_routes {
        if let Some(cors) = cors {
            routes = routes.layer(cors);
        }
        app = app.merge(routes);
    }
    app = match options.static_dir {
        Some(dir) => app.merge(crate::files::routes(dir)),
        None => app.fallback(not_found),
    };
    // The probes are outside the log and the metrics: an orchestrator calls them every few
    // seconds.
    let app = app
        .layer(axum::middleware::from_fn(request_log::logged))
        .layer(TraceLayer::new_for_http().make_span_with(request_log::span))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(request_log::MakeId))
        .layer(axum::middleware::map_request(request_log::drop_given_id))
        .merge(health);
    (app, detached)
}

/// `GET /healthz`: the process is up and answering. `GET /readyz`: it can reach its backend
/// (for `serve`, Socialchat: a cached check without the key, see [`Backend::ready`]) and its
/// webhook outbox takes writes.
fn health_routes(backend: Arc<dyn Backend>, webhooks: Option<Arc<Webhooks>>) -> Router {
    Router::new()
        .route("/healthz", axum::routing::get(|| async { "ok\n" }))
        .route(
            "/readyz",
            axum::routing::get(move || {
                let backend = backend.clone();
                let webhooks = webhooks.clone();
                async move {
                    if !backend.ready().await {
                        return (
                            StatusCode::SERVICE_UNAVAILABLE,
                            "not ready: Socialchat cannot be reached\n",
                        );
                    }
                    match webhooks {
                        Some(webhooks) if !webhooks.ready().await => (
                            StatusCode::SERVICE_UNAVAILABLE,
                            "not ready: the webhook outbox takes no writes\n",
                        ),
                        _ => (StatusCode::OK, "ready\n"),
                    }
                }
            }),
        )
}

async fn not_found() -> Problem {
    Problem::not_found()
}

fn cors_layer(origins: &Origins) -> Option<CorsLayer> {
    if origins.listed.is_empty() && !origins.local {
        return None;
    }
    let origins = origins.clone();
    let allow = AllowOrigin::predicate(move |origin: &HeaderValue, _| {
        origin
            .to_str()
            .is_ok_and(|origin| origins.allow(origin, None))
    });
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_credentials(true)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::CONTENT_TYPE,
                header::AUTHORIZATION,
                HeaderName::from_static(TICKET_HEADER),
                HeaderName::from_static(RECEIPT_HEADER),
            ])
            .max_age(Duration::from_secs(600)),
    )
}
