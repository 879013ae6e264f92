//! The HTTP server both `serve` and `sandbox` run: one pipeline for every widget call
//! (recognize the route, validate the input, call the backend, project the answer), the rules
//! on who may call (the `Origin` and `Content-Type` rules, CORS for the allowed origins), static
//! files, one log line per request, and the connection limits of [`crate::server`].
//!
//! The backend is the only difference between the two modes: Socialchat over HTTPS, or the
//! in-process simulation. Validation and projection are shared, so the sandbox exercises
//! exactly what production runs.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method as HttpMethod, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use socialchat_api::call::TICKET_HEADER;
use socialchat_api::request::MAX_REQUEST_BODY_BYTES;
use socialchat_api::{
    ChannelKind, ChannelListQuery, ConnectRequest, PartnerCall, Rejection, Route,
};
use tokio::sync::Semaphore;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::call::Backend;
use crate::limit::{self, RateLimit};
use crate::marks::{self, Marks};
use crate::observe::{names, CallFacts, Reason};
use crate::problem::{json_error, Problem};
use crate::project::{self, project_answer, Dropped, Projection};
use crate::server::{self, ConnectionLimits};
use crate::session::{Denied, Session, Sessions};
use crate::webhook::{Event, Webhook};

pub struct ServerOptions {
    pub listen: std::net::SocketAddr,
    pub prefix: String,
    pub allow_origins: Vec<String>,
    pub static_dir: Option<PathBuf>,
    pub timeout: Duration,
    pub max_concurrency: usize,
    /// How long a client may take to send a request's body.
    pub body_timeout: Duration,
    pub connections: ConnectionLimits,
    /// How many threads serve connections (see [`crate::server::serve`]).
    pub workers: usize,
    /// Sandbox only: allow any `http://127.0.0.1:PORT` or `http://localhost:PORT` origin (the
    /// browser test runner's port is random).
    pub allow_local_origins: bool,
    /// The sessions every call must carry; `None`: no session check (`--no-session-check`, or
    /// a sandbox left open).
    pub sessions: Option<Arc<Sessions>>,
    /// Where `channel.connected` goes after each connect or reconnect.
    pub webhook: Option<Arc<Webhook>>,
    /// How many connects, creations and reconnects one user may make per minute.
    pub connect_limit: Option<Arc<RateLimit>>,
    /// How many calls one user (a session's `sub`) may make per minute.
    pub call_limit: Option<Arc<RateLimit>>,
    /// How many calls one client address may make per minute.
    pub address_limit: Option<Arc<RateLimit>>,
    /// How many proxies in front of this one append to `X-Forwarded-For`.
    pub trust_forwarded_for: usize,
}

/// The server's flags as given on the command line, before they are checked.
pub struct ServerFlags {
    pub listen: std::net::SocketAddr,
    pub prefix: String,
    /// Each may list several origins, separated by commas or spaces.
    pub allow_origins: Vec<String>,
    pub static_dir: Option<PathBuf>,
    pub timeout_secs: u64,
    pub max_concurrency: usize,
    pub header_timeout_secs: u64,
    pub idle_timeout_secs: u64,
    pub body_timeout_secs: u64,
    pub max_connections: usize,
    pub shutdown_grace_secs: u64,
    /// 0: one per CPU this process may use.
    pub workers: usize,
    pub allow_local_origins: bool,
    /// 0: no limit.
    pub connects_per_minute: u32,
    /// 0: no limit.
    pub calls_per_minute: u32,
    /// 0: no limit.
    pub calls_per_minute_per_address: u32,
    pub trust_forwarded_for: usize,
}

impl Default for ServerFlags {
    /// The documented defaults (the command line's), listening on a free port of 127.0.0.1.
    fn default() -> Self {
        ServerFlags {
            listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            prefix: "/api/socialchat".into(),
            allow_origins: Vec::new(),
            static_dir: None,
            timeout_secs: 20,
            max_concurrency: 256,
            header_timeout_secs: 10,
            idle_timeout_secs: 75,
            body_timeout_secs: 10,
            max_connections: 1000,
            shutdown_grace_secs: 10,
            workers: 0,
            allow_local_origins: false,
            connects_per_minute: limit::DEFAULT_CONNECTS_PER_MINUTE,
            calls_per_minute: limit::DEFAULT_CALLS_PER_MINUTE,
            calls_per_minute_per_address: limit::DEFAULT_CALLS_PER_MINUTE_PER_ADDRESS,
            trust_forwarded_for: 0,
        }
    }
}

/// The longest any of the server's waits may be set to, in seconds: a day (a timer set further
/// than the clock can count would fail).
pub const MAX_SECS: u64 = 24 * 60 * 60;

/// The most worker threads `--workers` may ask for.
pub const MAX_WORKERS: usize = 256;

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

/// Reads one `--allow-origin` value: one or more origins like `https://dashboard.example`,
/// separated by commas or spaces.
fn parse_origins(value: &str) -> Result<Vec<String>, String> {
    let origins: Vec<&str> = value.split([',', ' ']).filter(|o| !o.is_empty()).collect();
    if origins.is_empty() {
        return Err("--allow-origin is empty".into());
    }
    origins
        .into_iter()
        .map(|origin| {
            let rest = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            let valid = rest.is_some_and(|hostport| {
                !hostport.is_empty()
                    && hostport.bytes().all(|b| {
                        b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']')
                    })
            });
            if valid {
                Ok(origin.to_ascii_lowercase())
            } else {
                Err(format!(
                    "--allow-origin takes origins like https://dashboard.example (scheme, host, \
                     optional port, nothing after), not {origin:?}"
                ))
            }
        })
        .collect()
}

impl ServerOptions {
    /// Checks the flags; a wrong one is an error that names it and says what it should hold.
    pub fn from_flags(flags: ServerFlags) -> Result<ServerOptions, String> {
        let prefix = flags.prefix.trim_end_matches('/').to_owned();
        check_prefix(&prefix)?;
        let mut allow_origins = Vec::new();
        for value in &flags.allow_origins {
            allow_origins.extend(parse_origins(value)?);
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
            static_dir: flags.static_dir,
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
            allow_local_origins: flags.allow_local_origins,
            sessions: None,
            webhook: None,
            connect_limit: RateLimit::new(flags.connects_per_minute).map(Arc::new),
            call_limit: RateLimit::new(flags.calls_per_minute).map(Arc::new),
            address_limit: RateLimit::new(flags.calls_per_minute_per_address).map(Arc::new),
            trust_forwarded_for: flags.trust_forwarded_for,
        })
    }
}

/// Whether `origin` is a plain-HTTP origin on this machine.
fn is_local_origin(origin: &str) -> bool {
    ["http://127.0.0.1:", "http://localhost:"]
        .iter()
        .any(|prefix| {
            origin
                .strip_prefix(prefix)
                .is_some_and(|port| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
        })
}

/// Which pages may call the API from a browser.
#[derive(Clone)]
struct Origins {
    listed: Vec<String>,
    local: bool,
}

impl Origins {
    /// A listed origin, a local one when the sandbox allows them, or the proxy's own: an origin
    /// whose host and port are the request's `Host` (a same-origin call, which browsers also
    /// label with `Origin` on a POST).
    fn allow(&self, origin: &str, host: Option<&str>) -> bool {
        let origin = origin.to_ascii_lowercase();
        if self.listed.contains(&origin) || (self.local && is_local_origin(&origin)) {
            return true;
        }
        let authority = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"));
        matches!((authority, host), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h))
    }
}

struct AppState {
    backend: Arc<dyn Backend>,
    prefix: String,
    permits: Semaphore,
    origins: Origins,
    body_timeout: Duration,
    sessions: Option<Arc<Sessions>>,
    webhook: Option<Arc<Webhook>>,
    connect_limit: Option<Arc<RateLimit>>,
    call_limit: Option<Arc<RateLimit>>,
    address_limit: Option<Arc<RateLimit>>,
    trust_forwarded_for: usize,
    marks: Marks,
}

/// The most pages of the company's channels read to find a session's (100 a page).
const MAX_LIST_PAGES: u32 = marks::MAX_PAGES;

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
    let limits = options.connections;
    let workers = options.workers;
    let app = App::new(options, backend);
    let shutdown = shutdown_signal();
    // The first line on stdout says where to go, once every worker runs; scripts and tests
    // read it.
    let ready = |running: usize| {
        println!("socialchat-proxy {mode} listening on {origin} (API at {origin}{prefix})");
        tracing::info!("socialchat-proxy {mode}: ready on {origin} with {running} worker(s)");
    };
    server::serve(listener, app, limits, workers, ready, shutdown).await;
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

/// What the server answers with: the widget's calls go straight to their pipeline when no CORS
/// layer is needed (no `--allow-origin`, as when the proxy is on the dashboard's own origin),
/// logged and marked `no-store` as the router would; everything else goes through the
/// router. The router's matching and layers were about a tenth of a forwarded call's
/// instructions.
#[derive(Clone)]
pub struct App {
    router: Router,
    /// The pipeline's state, when the widget's calls skip the router.
    direct: Option<Arc<AppState>>,
    /// `{prefix}/partner`: the widget's calls are this path and the paths under it.
    partner: Arc<str>,
}

impl App {
    pub fn new(options: ServerOptions, backend: Arc<dyn Backend>) -> App {
        let partner = format!("{}/partner", options.prefix).into();
        let (router, state, cors) = build(options, backend);
        App {
            router,
            direct: (!cors).then_some(state),
            partner,
        }
    }
}

/// Whether `path` is `partner` (`{prefix}/partner`) or a path under it.
fn is_partner_call(partner: &str, path: &str) -> bool {
    path.strip_prefix(partner)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

impl server::Serve for App {
    async fn answer(self, request: Request) -> Response {
        let direct = self
            .direct
            .filter(|_| is_partner_call(&self.partner, request.uri().path()));
        match direct {
            Some(state) => {
                logged(request, |request| async move {
                    let mut response = partner_call(State(state), request).await;
                    no_store(&mut response);
                    response
                })
                .await
            }
            None => server::Serve::answer(self.router, request).await,
        }
    }
}

/// Every answer to a widget's call is one user's (a QR code, a ticket, their channels): no
/// cache keeps it.
fn no_store(response: &mut Response) {
    response
        .headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
}

/// The router, the pipeline's state, and whether the API has a CORS layer.
fn build(options: ServerOptions, backend: Arc<dyn Backend>) -> (Router, Arc<AppState>, bool) {
    let own_routes = backend.clone().routes();
    let health = health_routes(backend.clone());
    let prefix = options.prefix.clone();
    let origins = Origins {
        listed: options.allow_origins.clone(),
        local: options.allow_local_origins,
    };
    let state = Arc::new(AppState {
        backend,
        prefix: prefix.clone(),
        permits: Semaphore::new(options.max_concurrency),
        origins: origins.clone(),
        body_timeout: options.body_timeout,
        sessions: options.sessions.clone(),
        webhook: options.webhook.clone(),
        connect_limit: options.connect_limit.clone(),
        call_limit: options.call_limit.clone(),
        address_limit: options.address_limit.clone(),
        trust_forwarded_for: options.trust_forwarded_for,
        marks: Marks::default(),
    });
    let mut api = Router::new()
        .route(&format!("{prefix}/partner"), any(partner_call))
        .route(&format!("{prefix}/partner/{{*rest}}"), any(partner_call))
        .with_state(state.clone());
    if !prefix.is_empty() {
        api = api.route(&format!("{prefix}/{{*rest}}"), any(not_found));
    }
    api = api.layer(middleware::map_response(
        |mut response: Response| async move {
            no_store(&mut response);
            response
        },
    ));
    let cors = cors_layer(&origins);
    let has_cors = cors.is_some();
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
        .layer(middleware::from_fn(|request: Request, next: Next| {
            logged(request, |request| next.run(request))
        }))
        .merge(health);
    (app, state, has_cors)
}

/// `GET /healthz`: the process is up and answering. `GET /readyz`: it can reach its backend
/// (for `serve`, Socialchat: a cached check without the key, see [`Backend::ready`]).
fn health_routes(backend: Arc<dyn Backend>) -> Router {
    Router::new()
        .route("/healthz", axum::routing::get(|| async { "ok\n" }))
        .route(
            "/readyz",
            axum::routing::get(move || {
                let backend = backend.clone();
                async move {
                    if backend.ready().await {
                        (StatusCode::OK, "ready\n")
                    } else {
                        (
                            StatusCode::SERVICE_UNAVAILABLE,
                            "not ready: Socialchat cannot be reached\n",
                        )
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
            .allow_methods([HttpMethod::GET, HttpMethod::POST])
            .allow_headers([
                header::CONTENT_TYPE,
                header::AUTHORIZATION,
                HeaderName::from_static(TICKET_HEADER),
            ])
            .max_age(Duration::from_secs(600)),
    )
}

/// This process's part of every request id: random, so that ids stay unique across replicas.
fn process_tag() -> &'static str {
    static TAG: OnceLock<String> = OnceLock::new();
    TAG.get_or_init(|| crate::random::hex(4))
}

static REQUEST_COUNTER: AtomicU64 = AtomicU64::new(0);

/// One log event per request (see [`crate::observe`]): its id, method, route template (never
/// the path or the query, which a client may fill with a token), status, duration,
/// Socialchat's status, the session's `sub`, and how many items of the answer were dropped when
/// some were. The id is also sent back as `x-request-id`. Counts the request in the metrics by
/// route, method and status. A request whose client went away before its answer (or that the
/// shutdown's grace period ended) is logged and counted with status 499, as nginx does.
async fn logged<F: std::future::Future<Output = Response>>(
    request: Request,
    answer: impl FnOnce(Request) -> F,
) -> Response {
    let id = format!(
        "req-{}-{:06}",
        process_tag(),
        REQUEST_COUNTER.fetch_add(1, Ordering::Relaxed) + 1
    );
    let mut logged = Logged::start(id, method_label(request.method()));
    let mut response = answer(request).await;
    if let Ok(value) = HeaderValue::from_str(&logged.id) {
        response.headers_mut().insert("x-request-id", value);
    }
    let facts = response.extensions_mut().remove::<CallFacts>();
    let dropped = response.extensions().get::<Dropped>().map(|d| d.0);
    logged.finish(response.status().as_u16(), facts, dropped);
    response
}

/// One request, from its start to its log line: in the in-flight gauge for as long as it lives,
/// and logged and counted once, when it is answered or when it is dropped unanswered.
struct Logged {
    id: String,
    method: &'static str,
    start: Instant,
    in_flight: metrics::Gauge,
    done: bool,
}

impl Logged {
    fn start(id: String, method: &'static str) -> Logged {
        let in_flight = metrics::gauge!(names::IN_FLIGHT);
        in_flight.increment(1.0);
        Logged {
            id,
            method,
            start: Instant::now(),
            in_flight,
            done: false,
        }
    }

    fn finish(&mut self, status: u16, facts: Option<CallFacts>, dropped: Option<usize>) {
        self.done = true;
        let facts = facts.as_ref();
        let route = facts.and_then(|f| f.route).unwrap_or("other");
        metrics::counter!(
            names::REQUESTS,
            "route" => route,
            "method" => self.method,
            "status" => status.to_string()
        )
        .increment(1);
        tracing::info!(
            request_id = %self.id,
            method = %self.method,
            route,
            status,
            duration_ms = (self.start.elapsed().as_secs_f64() * 10_000.0).round() / 10.0,
            upstream_status = facts.and_then(|f| f.upstream_status),
            sub = facts.and_then(|f| f.sub.as_deref()),
            dropped,
            "request"
        );
    }
}

impl Drop for Logged {
    fn drop(&mut self) {
        self.in_flight.decrement(1.0);
        if !self.done {
            self.finish(499, None, None);
        }
    }
}

/// A method as a metric label: the usual ones by name, anything else as one label.
fn method_label(method: &HttpMethod) -> &'static str {
    match *method {
        HttpMethod::GET => "GET",
        HttpMethod::POST => "POST",
        HttpMethod::OPTIONS => "OPTIONS",
        HttpMethod::HEAD => "HEAD",
        HttpMethod::PUT => "PUT",
        HttpMethod::DELETE => "DELETE",
        _ => "other",
    }
}

async fn partner_call(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let post = request.method() == HttpMethod::POST;
    let answer = async move {
        let mut facts = CallFacts::default();
        let mut response = match handle_partner_call(&state, request, &mut facts).await {
            Ok(response) => response,
            Err(refusal) => refusal.into_response(),
        };
        response.extensions_mut().insert(facts);
        response
    };
    // A GET is dropped with its client. A POST creates or connects a channel upstream: it runs
    // to its end, webhook included, even when the client goes away meanwhile.
    if post {
        match tokio::spawn(answer).await {
            Ok(response) => response,
            Err(_) => {
                Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "the call failed").into_response()
            }
        }
    } else {
        answer.await
    }
}

/// Whether a request's `Content-Type` says JSON (`application/json`, any parameters).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// The rules on who may call, before anything is read: a page of another site is refused
/// whether or not the browser would let it read the answer, and a POST must be JSON, which a
/// page of another site cannot send without a preflight.
/// Why a call is answered by the proxy itself, not forwarded.
enum Refusal {
    Problem(Problem),
    Rejected(Rejection),
}

impl From<Problem> for Refusal {
    fn from(problem: Problem) -> Self {
        Refusal::Problem(problem)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Problem(problem) => problem.into_response(),
            Refusal::Rejected(rejection) => rejected(rejection),
        }
    }
}

fn check_caller(state: &AppState, request: &Request, path: &str) -> Result<Route, Refusal> {
    let headers = request.headers();
    if let Some(origin) = headers.get(header::ORIGIN) {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        let allowed = origin
            .to_str()
            .is_ok_and(|origin| state.origins.allow(origin, host));
        if !allowed {
            Reason::Origin.count();
            return Err(Problem::new(
                StatusCode::FORBIDDEN,
                "this origin may not call the proxy: add it with --allow-origin",
            )
            .into());
        }
    }
    // A path that names no call, or not with this method, says so before anything else.
    let route = Route::recognize(request.method().as_str(), path).map_err(invalid)?;
    if request.method() == HttpMethod::POST {
        if !is_json(headers) {
            Reason::Validation.count();
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the body as JSON, with Content-Type: application/json",
            )
            .into());
        }
        let declared = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_REQUEST_BODY_BYTES as u64) {
            Reason::Validation.count();
            return Err(too_large().into());
        }
    }
    Ok(route)
}

/// A call that is not one of the widget's, or not a valid one.
fn invalid(rejection: Rejection) -> Refusal {
    Reason::Validation.count();
    Refusal::Rejected(rejection)
}

/// The answer to a request that is not one of the widget's calls.
fn rejected(rejection: Rejection) -> Response {
    match rejection {
        Rejection::NotFound => Problem::not_found().into_response(),
        Rejection::MethodNotAllowed { allowed } => {
            let mut response = json_error(
                StatusCode::METHOD_NOT_ALLOWED,
                &format!("this route takes {} only", allowed.as_str()),
                None,
            );
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allowed.as_str()));
            response
        }
        Rejection::BadRequest(message) => Problem::bad_request(message).into_response(),
    }
}

/// Why a request's body could not be read: over the limit (413), its client gone before the
/// end (499, as nginx logs it: nobody reads that answer), or not a valid HTTP body (400).
fn unread_body(error: &axum::Error) -> Refusal {
    let causes = std::iter::successors(Some(error as &(dyn std::error::Error + 'static)), |e| {
        e.source()
    });
    for cause in causes {
        if cause.is::<http_body_util::LengthLimitError>() {
            Reason::Validation.count();
            return too_large().into();
        }
        let client_gone = cause.downcast_ref::<std::io::Error>().is_some_and(|e| {
            use std::io::ErrorKind::*;
            matches!(
                e.kind(),
                UnexpectedEof | ConnectionReset | ConnectionAborted | BrokenPipe
            )
        });
        if client_gone {
            let status = StatusCode::from_u16(499).unwrap_or(StatusCode::BAD_REQUEST);
            return Problem::new(
                status,
                "the client closed the connection before its body ended",
            )
            .into();
        }
    }
    Reason::Validation.count();
    Problem::bad_request("the request body could not be read").into()
}

fn too_large() -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("request body is larger than {MAX_REQUEST_BODY_BYTES} bytes"),
    )
}

async fn handle_partner_call(
    state: &AppState,
    request: Request,
    facts: &mut CallFacts,
) -> Result<Response, Refusal> {
    let path = request
        .uri()
        .path()
        .strip_prefix(state.prefix.as_str())
        .unwrap_or("")
        .to_owned();
    facts.route = Some(check_caller(state, &request, &path)?.template());
    if let Some(limit) = &state.address_limit {
        let peer = request
            .extensions()
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0.ip());
        let forwarded: Vec<&str> = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        if let Some(key) = limit::client_key(peer, &forwarded, state.trust_forwarded_for) {
            limit
                .check(&key)
                .map_err(|wait| too_many(wait, "too many calls from this address"))?;
        }
    }
    // Who is calling, before anything is read or goes upstream.
    let session = match &state.sessions {
        None => Arc::new(Session::unchecked()),
        Some(sessions) => {
            let authorization = request
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok());
            sessions.verify(authorization).map_err(|refused| {
                Reason::Session.count();
                Problem::new(StatusCode::UNAUTHORIZED, refused.message()).with_code(refused.code())
            })?
        }
    };
    facts.sub.clone_from(&session.sub);
    if let Some(limit) = &state.call_limit {
        // Without sessions every caller is one user: the address limit is the one that counts.
        if let Some(sub) = &session.sub {
            limit
                .check(sub)
                .map_err(|wait| too_many(wait, "too many calls by this user"))?;
        }
    }
    let method = request.method().clone();
    let query = request.uri().query().map(str::to_owned);
    let ticket = headers_ticket(request.headers()).map(str::to_owned);
    // Only the POSTs carry a body; whatever else a request sends is not read.
    let body = if method == HttpMethod::POST {
        let read = to_bytes(request.into_body(), MAX_REQUEST_BODY_BYTES);
        match tokio::time::timeout(state.body_timeout, read).await {
            Ok(Ok(body)) => body,
            Ok(Err(error)) => return Err(unread_body(&error)),
            Err(_) => {
                Reason::Validation.count();
                return Err(Problem::new(
                    StatusCode::REQUEST_TIMEOUT,
                    format!(
                        "the request body did not arrive within {} s",
                        state.body_timeout.as_secs()
                    ),
                )
                .into());
            }
        }
    } else {
        Default::default()
    };
    let call = PartnerCall::from_request(method.as_str(), &path, query.as_deref(), &body)
        .map_err(invalid)?;
    // A channel created a moment ago is polled with the ticket its creation answered with.
    let ticketed = match (&call, &state.sessions, &session.sub) {
        (PartnerCall::Channel { id }, Some(sessions), Some(sub)) => ticket
            .as_deref()
            .is_some_and(|ticket| sessions.check_ticket(ticket, id.as_str(), sub)),
        _ => false,
    };
    session.authorize(&call, ticketed).map_err(forbidden)?;
    if let (Some(limit), PartnerCall::Connect { .. } | PartnerCall::Reconnect { .. }) =
        (&state.connect_limit, &call)
    {
        // Without sessions every caller is one user: the limit is the proxy's.
        limit
            .check(session.sub.as_deref().unwrap_or(""))
            .map_err(|wait| too_many(wait, "too many channels connected by this user"))?;
    }
    let unavailable = |message: &str| Problem::new(StatusCode::SERVICE_UNAVAILABLE, message);
    // A free slot is taken at once; only a busy proxy starts the queue's timer.
    let _permit = match state.permits.try_acquire() {
        Ok(permit) => permit,
        Err(_) => tokio::time::timeout(QUEUE_WAIT, state.permits.acquire())
            .await
            .map_err(|_| {
                Reason::Concurrency.count();
                unavailable("the proxy is busy: try again in a moment")
            })?
            .map_err(|_| unavailable("the proxy is shutting down"))?,
    };
    let backend = &state.backend;
    let own = |url: &str| backend.own_authorize_url(url);
    let mut secrets = backend.secrets();
    secrets.extend(call.credentials());
    let projection = Projection::new(secrets, &own);
    if let PartnerCall::ChannelList { query } = &call {
        if session.limits_channels() {
            return session_channels(state, &session, query, &projection).await;
        }
    }
    if let PartnerCall::Reconnect { kind, id, .. } = &call {
        // A reconnect goes through the channel's own kind: a Telegram bot token is never sent
        // to an Instagram channel, whatever Socialchat would make of it.
        let get = PartnerCall::Channel { id: id.clone() };
        let found = project_answer(&get, backend.call(&get).await?, &projection);
        if !found.is_success() {
            return Ok(found.into_response());
        }
        let owned = found
            .body
            .get("channelType")
            .and_then(|t| t.as_str())
            .is_some_and(|t| kind.owns(&socialchat_api::ChannelType::from_name(t)));
        if !owned {
            return Err(forbidden(Denied::NotOfKind(*kind)));
        }
    }
    // An account page is marked from the company's channel list, read at the same time.
    let (answer, existing) = match &call {
        PartnerCall::Accounts { kind, .. } => {
            let (answer, existing) = tokio::join!(
                backend.call(&call),
                state.marks.existing(backend.as_ref(), *kind)
            );
            (answer?, existing)
        }
        _ => (backend.call(&call).await?, None),
    };
    facts.upstream_status = Some(answer.status);
    let mut projected = project_answer(&call, answer, &projection);
    if !projected.is_success() {
        return Ok(projected.into_response());
    }
    match &call {
        PartnerCall::Channel { .. } => {
            // The channel's kind must be one the session may see.
            if !session.sees_type(&projected.body) {
                return Err(forbidden(Denied::KindNotAllowed(None)));
            }
            // A new WhatsApp number is connected by its scan, which only the poll of the
            // user who created it (with its ticket) sees: the backend hears of it here, once
            // per channel and process. Any other look-up tells nothing.
            let scanned = ticketed
                && projected.body.get("isConnected").and_then(|v| v.as_bool()) == Some(true);
            if let (Some(webhook), true) = (&state.webhook, scanned) {
                let mut channel = projected.body.clone();
                if let Some(channel) = channel.as_object_mut() {
                    channel.remove("qrcode");
                }
                webhook.channel_scanned(session.sub.as_deref(), channel);
            }
        }
        PartnerCall::Connect { kind, .. } | PartnerCall::Reconnect { kind, .. } => {
            let reconnected = matches!(call, PartnerCall::Reconnect { .. });
            state.marks.forget(*kind);
            if let Some(id) = project::only_an_id(&projected.body) {
                // Socialchat answered only the `_id`: the widget gets the whole channel.
                let get = PartnerCall::Channel { id: id.clone() };
                let whole = project_answer(&get, backend.call(&get).await?, &projection);
                if whole.is_success() {
                    projected.body = whole.body;
                }
            }
            // The QR code passes on `GET …/channel/{_id}` only.
            if let Some(channel) = projected.body.as_object_mut() {
                channel.remove("qrcode");
            }
            if let Some(webhook) = &state.webhook {
                // A new WhatsApp number exists but is not connected until its scan: the
                // backend hears `channel.created` now (the `_id` is its user's from now on)
                // and `channel.connected` from the poll that sees the scan. The route decides,
                // never the answer (a completion that failed still tells a connect).
                let created = matches!(
                    call,
                    PartnerCall::Connect {
                        body: ConnectRequest::Whatsapp { .. },
                        ..
                    }
                );
                webhook.channel_event(
                    if created {
                        Event::Created
                    } else {
                        Event::Connected
                    },
                    session.sub.as_deref(),
                    reconnected,
                    projected.body.clone(),
                );
            }
            if let (ChannelKind::Whatsapp, false, Some(sessions), Some(sub)) =
                (kind, reconnected, &state.sessions, &session.sub)
            {
                // The new number is polled for its QR code before any session lists it.
                if let Some(id) = projected.body.get("_id").and_then(|v| v.as_str()) {
                    let ticket = sessions.ticket(id, sub);
                    projected.body["ticket"] = ticket.into();
                }
            }
        }
        PartnerCall::Accounts { .. } => {
            if let Some(existing) = &existing {
                marks::mark(&session, existing, &mut projected.body);
            }
        }
        PartnerCall::ChannelList { .. } | PartnerCall::Authorize { .. } => {}
    }
    Ok(projected.into_response())
}

/// The ticket a request carries, if any.
fn headers_ticket(headers: &HeaderMap) -> Option<&str> {
    headers.get(TICKET_HEADER).and_then(|v| v.to_str().ok())
}

/// 429 with `Retry-After`: `what` was over its limit for `wait`.
fn too_many(wait: Duration, what: &str) -> Refusal {
    Reason::RateLimit.count();
    let seconds = wait.as_secs() + 1;
    Problem::new(
        StatusCode::TOO_MANY_REQUESTS,
        format!("{what}: try again in {seconds} s"),
    )
    .with_code(socialchat_api::RefusalCode::RateLimited)
    .with_retry_after(seconds)
    .into()
}

fn forbidden(denied: Denied) -> Refusal {
    Reason::Forbidden.count();
    Problem::new(StatusCode::FORBIDDEN, denied.message())
        .with_code(denied.code())
        .into()
}

/// The channel list of a session that sees only some channels: the company's channels (the
/// widget's kinds and search), read page by page, cut down to the session's. A session without
/// channels sees none, and nothing goes upstream.
async fn session_channels(
    state: &AppState,
    session: &Session,
    query: &ChannelListQuery,
    projection: &Projection<'_>,
) -> Result<Response, Refusal> {
    let mut kept = Vec::new();
    let mut dropped = 0;
    if session.sees_channels() {
        for page in 1..=MAX_LIST_PAGES {
            let call = PartnerCall::ChannelList {
                query: ChannelListQuery {
                    page: Some(page),
                    limit: Some(100),
                    search: query.search.clone(),
                    channel_types: query.channel_types.clone(),
                },
            };
            let answer = state.backend.call(&call).await?;
            let parsed = match project::channel_page(answer, projection) {
                Ok(parsed) => parsed,
                Err(projected) => return Ok(projected.into_response()),
            };
            dropped += parsed.dropped;
            let more = parsed.value.paging.as_ref().and_then(|p| p.has_next_page) == Some(true);
            kept.extend(
                parsed
                    .value
                    .channels
                    .into_iter()
                    .filter(|c| session.keeps(c)),
            );
            if !more {
                break;
            }
        }
    }
    Ok(project::session_channels(kept, dropped, projection).into_response())
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
    fn the_widget_s_calls_are_the_partner_path_and_below() {
        let partner = "/api/socialchat/partner";
        for yes in ["", "/", "/channel/instagram/account", "//x"] {
            assert!(
                is_partner_call(partner, &format!("{partner}{yes}")),
                "{yes}"
            );
        }
        for no in [
            "/api/socialchat/partnerx",
            "/api/socialchat",
            "/partner",
            "/api/socialchat/",
        ] {
            assert!(!is_partner_call(partner, no), "{no}");
        }
        assert!(is_partner_call("/partner", "/partner/channel"));
    }

    #[test]
    fn workers_default_to_the_cpus_and_are_capped() {
        let workers = |n| {
            ServerOptions::from_flags(ServerFlags {
                workers: n,
                ..Default::default()
            })
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
        assert!(ServerOptions::from_flags(flags(MAX_SECS, 0)).is_ok());
        for (idle, grace) in [(u64::MAX, 10), (MAX_SECS + 1, 10), (0, 10), (75, u64::MAX)] {
            assert!(
                ServerOptions::from_flags(flags(idle, grace)).is_err(),
                "{idle} {grace}"
            );
        }
    }

    #[test]
    fn allow_origin_values_are_lists_of_origins() {
        assert_eq!(
            parse_origins("https://a.example, https://B.example:8443").unwrap(),
            ["https://a.example", "https://b.example:8443"]
        );
        for bad in [
            "https://a.example/",
            "a.example",
            "https://a.example/x",
            "*",
            "null",
            "",
        ] {
            assert!(parse_origins(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn same_origin_calls_listed_and_local_origins_are_allowed() {
        let origins = Origins {
            listed: vec!["https://dash.example".into()],
            local: false,
        };
        assert!(origins.allow("https://dash.example", None));
        assert!(origins.allow("https://proxy.example", Some("proxy.example")));
        assert!(!origins.allow("https://evil.example", Some("proxy.example")));
        assert!(!origins.allow("null", Some("proxy.example")));
        assert!(!origins.allow("http://127.0.0.1:9", None));
        let local = Origins {
            listed: Vec::new(),
            local: true,
        };
        assert!(local.allow("http://127.0.0.1:9", None));
        assert!(!local.allow("http://127.0.0.1:9/x", None));
    }
}
