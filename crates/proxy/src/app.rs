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

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method as HttpMethod, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use socialchat_api::endpoint::RouteRejection;
use socialchat_api::request::MAX_REQUEST_BODY_BYTES;
use socialchat_api::{
    channel::project_channels, query, AccountPage, ApiError, AuthorizeResponse, ChannelList,
    ConnectRequest, Endpoint, NextOffset, ReconnectRequest, Token,
};
use tokio::sync::Semaphore;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;

use crate::problem::{error_response, json_error, Problem, Source};
use crate::sandbox::Sandbox;
use crate::upstream::Upstream;

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

/// Where the widget's calls are answered.
pub enum Backend {
    Upstream(Upstream),
    Sandbox(Arc<Sandbox>),
}

/// A widget call that passed validation: what a backend receives.
pub struct PartnerCall {
    pub endpoint: Endpoint,
    /// Query pairs to pass on, decoded and validated.
    pub query: Vec<(String, String)>,
    /// The validated JSON body of a POST.
    pub body: Option<serde_json::Value>,
}

/// A backend's answer before projection.
pub struct RawAnswer {
    pub status: u16,
    pub body: Bytes,
}

impl Backend {
    async fn call(&self, call: &PartnerCall) -> Result<RawAnswer, Problem> {
        match self {
            Backend::Upstream(upstream) => upstream.call(call).await,
            Backend::Sandbox(sandbox) => sandbox.call(call).await,
        }
    }
}

struct AppState {
    backend: Backend,
    prefix: String,
    permits: Semaphore,
}

/// How long a request waits for a free slot before it gets 503.
const QUEUE_WAIT: Duration = Duration::from_secs(5);

pub async fn run(options: ServerOptions, backend: Backend) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", options.listen))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the bound address: {e}"))?;
    let origin = format!("http://{addr}");
    let mode = match &backend {
        Backend::Upstream(_) => "serve",
        Backend::Sandbox(sandbox) => {
            sandbox.set_origin(&origin);
            "sandbox"
        }
    };
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

pub fn router(options: ServerOptions, backend: Backend) -> Router {
    let sandbox = match &backend {
        Backend::Sandbox(sandbox) => Some(sandbox.clone()),
        Backend::Upstream(_) => None,
    };
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
    if let Some(sandbox) = sandbox {
        let mut routes = crate::sandbox::routes(sandbox);
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
    let endpoint = match Endpoint::recognize(request.method().as_str(), &path) {
        Ok(endpoint) => endpoint,
        Err(RouteRejection::NotFound) => return Err(Problem::not_found()),
        Err(RouteRejection::MethodNotAllowed { allowed }) => {
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
        Err(RouteRejection::BadId(e)) => return Err(Problem::bad_request(e.to_string())),
    };
    let query = forwarded_query(&endpoint, request.uri().query())?;
    let body = validated_body(&endpoint, request.into_body()).await?;
    let call = PartnerCall {
        endpoint,
        query,
        body,
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
    Ok(project_answer(&call.endpoint, answer))
}

/// The longest `search` passed on to the channel list.
const MAX_SEARCH_CHARS: usize = 100;

/// Validates the query of a call and keeps only what Socialchat needs for it.
fn forwarded_query(
    endpoint: &Endpoint,
    raw: Option<&str>,
) -> Result<Vec<(String, String)>, Problem> {
    let raw = raw.unwrap_or("");
    if raw.len() > 8192 {
        return Err(Problem::bad_request("query string is too long"));
    }
    let pairs = query::parse(raw);
    let mut seen: Vec<&str> = Vec::new();
    for (key, value) in &pairs {
        let allowed = match endpoint {
            Endpoint::ChannelList => match key.as_str() {
                "page" | "limit" => {
                    if value.is_empty()
                        || value.len() > 5
                        || !value.bytes().all(|b| b.is_ascii_digit())
                    {
                        return Err(Problem::bad_request(format!(
                            "{key} must be a whole number"
                        )));
                    }
                    true
                }
                "search" => {
                    if value.chars().count() > MAX_SEARCH_CHARS {
                        return Err(Problem::bad_request(format!(
                            "search is longer than {MAX_SEARCH_CHARS} characters"
                        )));
                    }
                    true
                }
                "channelTypes[]" => {
                    if value.is_empty()
                        || value.len() > 40
                        || !value.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
                    {
                        return Err(Problem::bad_request(
                            "channelTypes[] must be a channel type like instagram",
                        ));
                    }
                    true
                }
                _ => false,
            },
            Endpoint::Accounts(_) => match key.as_str() {
                "token" => {
                    Token::new(value.as_str()).map_err(|e| Problem::bad_request(e.to_string()))?;
                    true
                }
                "nextOffset" => {
                    NextOffset::new(value.as_str())
                        .map_err(|e| Problem::bad_request(e.to_string()))?;
                    true
                }
                _ => false,
            },
            Endpoint::Authorize(_) | Endpoint::Connect(_) | Endpoint::Reconnect(..) => false,
        };
        if !allowed {
            let shown: String = key.chars().take(40).collect();
            return Err(Problem::bad_request(format!(
                "unexpected query parameter {shown:?}"
            )));
        }
        if key != "channelTypes[]" && seen.contains(&key.as_str()) {
            return Err(Problem::bad_request(format!(
                "{key} is given more than once"
            )));
        }
        seen.push(key);
    }
    if matches!(endpoint, Endpoint::Accounts(_)) && !seen.contains(&"token") {
        return Err(Problem::bad_request(
            "token is missing: pass the token from the authorization callback",
        ));
    }
    Ok(pairs)
}

/// Reads and validates the JSON body of connect and reconnect; other calls take none.
async fn validated_body(
    endpoint: &Endpoint,
    body: Body,
) -> Result<Option<serde_json::Value>, Problem> {
    if !matches!(endpoint, Endpoint::Connect(_) | Endpoint::Reconnect(..)) {
        return Ok(None);
    }
    let bytes = to_bytes(body, MAX_REQUEST_BODY_BYTES).await.map_err(|_| {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body is larger than {MAX_REQUEST_BODY_BYTES} bytes"),
        )
    })?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| Problem::bad_request("request body is not UTF-8 text"))?;
    let value = match endpoint {
        Endpoint::Connect(_) => ConnectRequest::parse(text)
            .map_err(|e| {
                Problem::bad_request(format!(
                    "body must be {{\"channelId\", \"token\"}}: {}",
                    e.detail
                ))
            })
            .and_then(|r| {
                serde_json::to_value(r).map_err(|_| Problem::bad_request("body is not valid"))
            })?,
        _ => ReconnectRequest::parse(text)
            .map_err(|e| Problem::bad_request(format!("body must be {{\"token\"}}: {}", e.detail)))
            .and_then(|r| {
                serde_json::to_value(r).map_err(|_| Problem::bad_request("body is not valid"))
            })?,
    };
    Ok(Some(value))
}

/// Turns a backend's answer into what the browser receives: successful answers are projected
/// per endpoint (channels lose their secrets, accounts keep name, channelId and picture);
/// errors keep their status and messages; anything that is not JSON becomes a JSON error.
fn project_answer(endpoint: &Endpoint, answer: RawAnswer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
    let text = std::str::from_utf8(&answer.body).unwrap_or("");
    if !status.is_success() {
        let error = ApiError::from_response(answer.status, text);
        let status = if status.is_client_error() || status.is_server_error() {
            status
        } else {
            // A redirect or an informational status is not something the widget can follow.
            StatusCode::BAD_GATEWAY
        };
        return match error.message {
            Some(message) => upstream_error(status, &message, error.original_message.as_deref()),
            None => upstream_error(
                status,
                &format!("Socialchat answered HTTP {} without details", answer.status),
                error.original_message.as_deref(),
            ),
        };
    }
    // The answer is read once into its typed shape; only an answer of another shape is read
    // as a generic JSON value and stripped of the secrets a channel can carry.
    let typed = match endpoint {
        Endpoint::ChannelList => ChannelList::parse(text).map(|list| list.to_json()).ok(),
        Endpoint::Accounts(_) => AccountPage::parse(text).map(|page| page.to_json()).ok(),
        Endpoint::Authorize(_) => AuthorizeResponse::parse(text)
            .map(|a| serde_json::json!({ "url": a.url }))
            .ok(),
        Endpoint::Connect(_) | Endpoint::Reconnect(..) => None,
    };
    let projected = match typed {
        Some(projected) => projected,
        None => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(value) => project_channels(value),
            Err(_) => {
                return json_error(
                    StatusCode::BAD_GATEWAY,
                    "Socialchat answered with something that is not JSON",
                    None,
                )
            }
        },
    };
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        projected.to_string(),
    )
        .into_response()
}

/// An error Socialchat (or the sandbox) gave, passed on in Socialchat's shape.
fn upstream_error(status: StatusCode, message: &str, original: Option<&str>) -> Response {
    error_response(Source::Socialchat, status, message, original)
}
