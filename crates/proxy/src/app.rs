//! The HTTP server both `serve` and `sandbox` run: one pipeline for every widget call
//! (recognize the route, validate the input, call the backend, project the answer), CORS for the
//! allowed origins, static files, one log line per request, graceful shutdown.
//!
//! The backend is the only difference between the two modes: Socialchat over HTTPS, or the
//! in-process simulation. Validation and projection are shared, so the sandbox exercises
//! exactly what production runs.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method as HttpMethod, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use socialchat_api::request::MAX_REQUEST_BODY_BYTES;
use socialchat_api::{PartnerCall, Rejection};
use tokio::sync::Semaphore;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;

use crate::call::Backend;
use crate::problem::{json_error, Problem};
use crate::project::project_answer;

pub struct ServerOptions {
    pub listen: std::net::SocketAddr,
    pub prefix: String,
    pub allow_origins: Vec<String>,
    pub static_dir: Option<PathBuf>,
    pub timeout: Duration,
    pub max_concurrency: usize,
    /// Sandbox only: allow any `http://127.0.0.1:PORT` or `http://localhost:PORT` origin (the
    /// browser test runner's port is random).
    pub allow_local_origins: bool,
}

/// The server's flags as given on the command line, before they are checked.
pub struct ServerFlags {
    pub listen: std::net::SocketAddr,
    pub prefix: String,
    pub allow_origins: Vec<String>,
    pub static_dir: Option<PathBuf>,
    pub timeout_secs: u64,
    pub max_concurrency: usize,
    pub allow_local_origins: bool,
}

impl ServerOptions {
    /// Checks the flags; a wrong one is an error that names it and says what it should hold.
    pub fn from_flags(flags: ServerFlags) -> Result<ServerOptions, String> {
        let prefix = flags.prefix.trim_end_matches('/').to_owned();
        if !prefix.is_empty() && !prefix.starts_with('/') {
            return Err(format!("--prefix must start with '/', not {prefix:?}"));
        }
        for origin in &flags.allow_origins {
            if !(origin.starts_with("http://") || origin.starts_with("https://"))
                || origin.ends_with('/')
            {
                return Err(format!(
                    "--allow-origin takes an origin like https://dashboard.example, not {origin:?}"
                ));
            }
        }
        if let Some(dir) = &flags.static_dir {
            if !dir.is_dir() {
                return Err(format!("--static {} is not a folder", dir.display()));
            }
        }
        Ok(ServerOptions {
            listen: flags.listen,
            prefix,
            allow_origins: flags.allow_origins,
            static_dir: flags.static_dir,
            timeout: Duration::from_secs(flags.timeout_secs.max(1)),
            max_concurrency: flags.max_concurrency.max(1),
            allow_local_origins: flags.allow_local_origins,
        })
    }
}

/// Whether `origin` is a plain-HTTP origin on this machine.
fn is_local_origin(origin: &[u8]) -> bool {
    let Ok(origin) = std::str::from_utf8(origin) else {
        return false;
    };
    ["http://127.0.0.1:", "http://localhost:"]
        .iter()
        .any(|prefix| {
            origin
                .strip_prefix(prefix)
                .is_some_and(|port| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
        })
}

struct AppState {
    backend: Arc<dyn Backend>,
    prefix: String,
    permits: Semaphore,
}

/// How long a request waits for a free slot before it gets 503.
const QUEUE_WAIT: Duration = Duration::from_secs(5);

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
    let router = router(options, backend);
    let shutdown = shutdown_signal();
    // The first line on stdout says where to go; scripts and tests read it.
    println!("socialchat-proxy {mode} listening on {origin} (API at {origin}{prefix})");
    eprintln!("socialchat-proxy {mode}: ready on {origin}");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| format!("server error: {e}"))?;
    eprintln!("socialchat-proxy {mode}: stopped");
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

pub fn router(options: ServerOptions, backend: Arc<dyn Backend>) -> Router {
    let own_routes = backend.clone().routes();
    let prefix = options.prefix.clone();
    let state = Arc::new(AppState {
        backend,
        prefix: prefix.clone(),
        permits: Semaphore::new(options.max_concurrency),
    });
    let mut api = Router::new()
        .route(&format!("{prefix}/partner"), any(partner_call))
        .route(&format!("{prefix}/partner/{{*rest}}"), any(partner_call))
        .with_state(state);
    if !prefix.is_empty() {
        api = api.route(&format!("{prefix}/{{*rest}}"), any(not_found));
    }
    let cors = cors_layer(&options);
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
        Some(dir) => {
            let callback_dir = dir.clone();
            app.route(
                "/callback/{*file}",
                get(
                    move |axum::extract::Path(file): axum::extract::Path<String>| {
                        callback_page(callback_dir.clone(), file)
                    },
                ),
            )
            .fallback_service(
                Router::new()
                    .fallback_service(ServeDir::new(dir).fallback(get(not_found)))
                    .layer(middleware::from_fn(public_assets)),
            )
        }
        None => app.fallback(not_found),
    };
    app.layer(middleware::from_fn(log_requests))
}

/// The widget's files are public: any page may load them as module scripts and fetch the wasm,
/// which both need CORS when the page is on another origin than the files.
async fn public_assets(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

async fn not_found() -> Problem {
    Problem::not_found()
}

fn cors_layer(options: &ServerOptions) -> Option<CorsLayer> {
    if options.allow_origins.is_empty() && !options.allow_local_origins {
        return None;
    }
    let listed: Vec<HeaderValue> = options
        .allow_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    let local = options.allow_local_origins;
    let allow = AllowOrigin::predicate(move |origin: &HeaderValue, _| {
        listed.contains(origin) || (local && is_local_origin(origin.as_bytes()))
    });
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_credentials(true)
            .allow_methods([HttpMethod::GET, HttpMethod::POST])
            .allow_headers([header::CONTENT_TYPE])
            .max_age(Duration::from_secs(600)),
    )
}

/// `/callback/{kind}`: the callback page, at the URL set as callbackInstagramUrl /
/// callbackMessengerUrl. `/callback/{path}`: the files it loads by relative path (its script,
/// style, the widget's module and its snippets), from the same folder.
async fn callback_page(dir: PathBuf, file: String) -> Response {
    let is_kind = file.parse::<socialchat_api::ChannelKind>().is_ok();
    // Plain names only, segment by segment: no `..`, no hidden files, nothing odd.
    let safe_path = file.split('/').all(|segment| {
        !segment.is_empty()
            && !segment.starts_with('.')
            && segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    });
    if !is_kind && !safe_path {
        return Problem::not_found().into_response();
    }
    let path = dir.join(if is_kind {
        "callback.html"
    } else {
        file.as_str()
    });
    let content_type = match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("wasm") => "application/wasm",
        _ => "application/octet-stream",
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, content_type),
                (header::REFERRER_POLICY, "no-referrer"),
                (
                    header::CACHE_CONTROL,
                    if is_kind { "no-store" } else { "no-cache" },
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(_) if is_kind => Problem::new(
            StatusCode::NOT_FOUND,
            "callback.html is not in the --static folder: build the widget first (trunk build)",
        )
        .into_response(),
        Err(_) => Problem::not_found().into_response(),
    }
}

static REQUEST_COUNTER: AtomicU64 = AtomicU64::new(0);

/// One line per request on stderr: id, method, path (never the query: it can hold the token),
/// status, duration. The id is also sent back as `x-request-id`.
async fn log_requests(request: Request, next: Next) -> Response {
    let id = format!(
        "req-{:06}",
        REQUEST_COUNTER.fetch_add(1, Ordering::Relaxed) + 1
    );
    let method = request.method().clone();
    let path: String = request.uri().path().chars().take(200).collect();
    let start = Instant::now();
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    let line = format!(
        "{id} {method} {path} {} {:.1}ms\n",
        response.status().as_u16(),
        start.elapsed().as_secs_f64() * 1000.0
    );
    // One write per line: stderr is unbuffered, and `eprintln!` writes each piece of the format
    // separately (a dozen system calls per request under load). A log that cannot be written
    // must not fail the request.
    let _ = std::io::stderr().write_all(line.as_bytes());
    response
}

async fn partner_call(State(state): State<Arc<AppState>>, request: Request) -> Response {
    match handle_partner_call(&state, request).await {
        Ok(response) => response,
        Err(problem) => problem.into_response(),
    }
}

async fn handle_partner_call(state: &AppState, request: Request) -> Result<Response, Problem> {
    let path = request
        .uri()
        .path()
        .strip_prefix(state.prefix.as_str())
        .unwrap_or("")
        .to_owned();
    let method = request.method().clone();
    let query = request.uri().query().map(str::to_owned);
    // Only the POSTs carry a body; whatever else a request sends is not read.
    let body = if method == HttpMethod::POST {
        to_bytes(request.into_body(), MAX_REQUEST_BODY_BYTES)
            .await
            .map_err(|_| {
                Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("request body is larger than {MAX_REQUEST_BODY_BYTES} bytes"),
                )
            })?
    } else {
        Default::default()
    };
    let call = match PartnerCall::from_request(method.as_str(), &path, query.as_deref(), &body) {
        Ok(call) => call,
        Err(Rejection::NotFound) => return Err(Problem::not_found()),
        Err(Rejection::MethodNotAllowed { allowed }) => {
            let mut response = json_error(
                StatusCode::METHOD_NOT_ALLOWED,
                &format!("this route takes {} only", allowed.as_str()),
                None,
            );
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allowed.as_str()));
            return Ok(response);
        }
        Err(Rejection::BadRequest(message)) => return Err(Problem::bad_request(message)),
    };
    let _permit = tokio::time::timeout(QUEUE_WAIT, state.permits.acquire())
        .await
        .map_err(|_| {
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the proxy is busy: try again in a moment",
            )
        })?
        .map_err(|_| {
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the proxy is shutting down",
            )
        })?;
    let answer = state.backend.call(&call).await?;
    Ok(project_answer(&call, answer))
}
