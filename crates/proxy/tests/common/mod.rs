//! Helpers for the proxy's integration tests: the real `socialchat-proxy` binary on a free port
//! of 127.0.0.1 with its log captured, and a recording test upstream (a real HTTP server).
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

pub const BIN: &str = env!("CARGO_BIN_EXE_socialchat-proxy");

/// The webhook secret of the proxies the tests start: `whsec_` and base64 of 32 bytes.
pub const WEBHOOK_SECRET: &str = "whsec_Y29tbW9uLXRlc3RzLXdlYmhvb2stc2VjcmV0LTMyYg==";

/// A SQLite outbox of its own, in the system's temporary folder.
pub fn fresh_outbox() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!(
        "sqlite:{}/socialchat-test-outbox-{}-{n}.sqlite3",
        std::env::temp_dir().display(),
        std::process::id()
    )
}

/// A running `socialchat-proxy`, killed when dropped.
pub struct Proxy {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub origin: String,
    logs: Arc<Mutex<String>>,
}

impl Proxy {
    /// Starts `socialchat-proxy <args> --listen 127.0.0.1:0` and waits until it listens.
    pub fn start(args: &[&str], env: &[(&str, &str)]) -> Proxy {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .args(["--listen", "127.0.0.1:0"])
            .env_remove("SOCIALCHAT_API_KEY")
            .env_remove("SOCIALCHAT_SESSION_SECRET")
            .env_remove("SOCIALCHAT_SANDBOX_SESSION_SECRET")
            // A proxy given a --webhook-url signs with this and keeps its outbox in a file of
            // its own (a test may say otherwise).
            .env("SOCIALCHAT_WEBHOOK_SECRET", WEBHOOK_SECRET)
            .env("SOCIALCHAT_OUTBOX_URL", fresh_outbox())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("the proxy binary starts");
        let logs = Arc::new(Mutex::new(String::new()));
        let mut stderr = child.stderr.take().unwrap();
        let sink = logs.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let origin = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| {
                std::thread::sleep(Duration::from_millis(200));
                panic!("proxy did not start: {line:?} {}", logs.lock().unwrap())
            })
            .to_owned();
        Proxy {
            child,
            origin,
            logs,
        }
    }

    pub fn api(&self) -> String {
        format!("{}/api/socialchat", self.origin)
    }

    /// `host:port` of the proxy, for raw connections.
    pub fn address(&self) -> String {
        self.origin.trim_start_matches("http://").to_owned()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM, as an orchestrator does.
    pub fn terminate(&self) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits up to `limit` for the process to exit; its status, or `None` if it is still running.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let start = std::time::Instant::now();
        while start.elapsed() < limit {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Everything the proxy logged so far (after a moment for the last lines to arrive).
    pub fn logs(&self) -> String {
        std::thread::sleep(Duration::from_millis(150));
        self.logs.lock().unwrap().clone()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A request the test upstream received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    pub authorization: String,
    pub body: String,
}

/// What the test upstream answers on a path.
#[derive(Clone)]
pub struct Canned {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    pub delay: Duration,
    pub headers: Vec<(&'static str, String)>,
}

impl Canned {
    pub fn json(status: u16, body: serde_json::Value) -> Canned {
        Canned {
            status,
            content_type: "application/json",
            body: body.to_string(),
            delay: Duration::ZERO,
            headers: Vec::new(),
        }
    }
    pub fn text(status: u16, content_type: &'static str, body: &str) -> Canned {
        Canned {
            status,
            content_type,
            body: body.to_owned(),
            delay: Duration::ZERO,
            headers: Vec::new(),
        }
    }

    pub fn with_header(mut self, name: &'static str, value: &str) -> Canned {
        self.headers.push((name, value.to_owned()));
        self
    }

    pub fn after(mut self, delay: Duration) -> Canned {
        self.delay = delay;
        self
    }
}

#[derive(Clone, Default)]
struct UpstreamState {
    recorded: Arc<Mutex<Vec<Recorded>>>,
    canned: Arc<Mutex<HashMap<String, Canned>>>,
}

/// A real HTTP server on 127.0.0.1 standing in for Socialchat: records every request and
/// answers what the test set for the path (`{}` with 200 otherwise).
pub struct TestUpstream {
    pub url: String,
    state: UpstreamState,
}

async fn record(
    State(state): State<UpstreamState>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or("").to_owned();
    let body: Bytes = axum::body::to_bytes(request.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    state.recorded.lock().unwrap().push(Recorded {
        method,
        path: path.clone(),
        query,
        authorization: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned(),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let canned = state.canned.lock().unwrap().get(&path).cloned();
    let canned = canned.unwrap_or_else(|| Canned::json(200, serde_json::json!({})));
    if !canned.delay.is_zero() {
        tokio::time::sleep(canned.delay).await;
    }
    let mut response = (
        StatusCode::from_u16(canned.status).unwrap(),
        [("content-type", canned.content_type)],
        canned.body,
    )
        .into_response();
    for (name, value) in canned.headers {
        response
            .headers_mut()
            .insert(name, axum::http::HeaderValue::from_str(&value).unwrap());
    }
    response
}

impl TestUpstream {
    pub async fn start() -> TestUpstream {
        let state = UpstreamState::default();
        let app = axum::Router::new()
            .fallback(record)
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        TestUpstream { url, state }
    }

    pub fn answer(&self, path: &str, canned: Canned) {
        self.state
            .canned
            .lock()
            .unwrap()
            .insert(path.to_owned(), canned);
    }

    pub fn recorded(&self) -> Vec<Recorded> {
        self.state.recorded.lock().unwrap().clone()
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// What the proxy answered a call: its status, its `Retry-After`, its body as JSON (`Null`
/// when it is not JSON).
pub struct Answered {
    pub status: u16,
    pub retry_after: Option<String>,
    pub body: serde_json::Value,
}

/// Sends a widget's call: with a session (`Authorization: Bearer`), a JSON body and a ticket
/// (`x-socialchat-ticket`) when given.
pub async fn send_call(
    method: &str,
    url: &str,
    session: Option<&str>,
    body: Option<String>,
    ticket: Option<&str>,
) -> Answered {
    let mut request = client().request(method.parse().unwrap(), url);
    if let Some(session) = session {
        request = request.header("authorization", format!("Bearer {session}"));
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body);
    }
    if let Some(ticket) = ticket {
        request = request.header("x-socialchat-ticket", ticket);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    Answered {
        status,
        retry_after,
        body: serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    }
}

/// Sends a request and returns the status and the body parsed as JSON (panics if not JSON:
/// every answer of the proxy's API is JSON).
pub async fn call(method: &str, url: &str, body: Option<&str>) -> (u16, serde_json::Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = client().request(method, url);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_owned());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let json =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    (status, json)
}

/// The webhooks a receiver got: headers, raw body, when.
pub type Received = Arc<Mutex<Vec<(HeaderMap, Bytes, Instant)>>>;

/// A stand-in for the partner's backend that records the webhooks it receives and answers
/// with `status`.
pub async fn receiver(status: u16) -> (String, Received) {
    let seen: Received = Arc::default();
    let app = axum::Router::new()
        .route(
            "/hooks/socialchat",
            axum::routing::post(
                move |State(seen): State<Received>, headers: HeaderMap, body: Bytes| async move {
                    seen.lock().unwrap().push((headers, body, Instant::now()));
                    StatusCode::from_u16(status).unwrap()
                },
            ),
        )
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/socialchat", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, seen)
}

pub async fn wait_for(what: &str, condition: impl Fn() -> bool) {
    for _ in 0..200 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}
