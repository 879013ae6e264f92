//! The webhook, delivered from the durable outbox, tried as an operator and a partner would:
//! the real binary over real HTTP, its outbox in a real SQLite file or a real Postgres (started
//! by `scripts/test` with Debian's `pg_virtualenv`, which sets `PGHOST` and the rest), and a
//! partner's backend that goes down, comes back, and counts what it receives by `webhook-id`.
//!
//! Without `PGHOST` the Postgres variants say they are skipped, unless `POSTGRES_REQUIRED` is
//! set (as `scripts/test` sets it), when they fail.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::{client, send_call, Canned, Proxy, TestUpstream, BIN};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

const KEY: &str = "d2ViaG9va2FwcF93ZWJob29rc2VjcmV0"; // base64("webhookapp_webhooksecret")
const SECRET: &str = "webhook-tests-session-secret-of-32-bytes-or-more";
/// `whsec_` and base64 of 32 bytes.
const WEBHOOK_SECRET: &str = "whsec_d2ViaG9vay10ZXN0cy13ZWJob29rLXNlY3JldC0zMmI=";
const TOKEN: &str = "tok-WEBHOOK-0a1b2c3d4e5f";
const ID: &str = "65a0b1c2d3e4f5a6b7c8d9e0";

/// Where a test's outbox lives.
enum Store {
    /// A SQLite file in a folder of its own.
    Sqlite(tempdir::Dir),
    /// An outbox URL (a database of the Postgres, a file elsewhere).
    Url(String),
}

impl Store {
    fn url(&self) -> String {
        match self {
            Store::Sqlite(dir) => format!("sqlite:{}/outbox.sqlite3", dir.path()),
            Store::Url(url) => url.clone(),
        }
    }
}

/// A fresh SQLite file.
fn sqlite() -> Store {
    Store::Sqlite(tempdir::Dir::new())
}

/// A fresh database of the Postgres that `pg_virtualenv` started, or `None` (the test is
/// skipped) when there is none and none is required.
async fn postgres() -> Option<Store> {
    let Ok(host) = std::env::var("PGHOST") else {
        assert!(
            std::env::var_os("POSTGRES_REQUIRED").is_none(),
            "POSTGRES_REQUIRED is set but PGHOST is not: run under pg_virtualenv"
        );
        eprintln!("skipped: no Postgres (PGHOST is not set; scripts/test runs pg_virtualenv)");
        return None;
    };
    let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    let server = format!(
        "postgres://{}:{}@{host}:{}",
        var("PGUSER", "postgres"),
        var("PGPASSWORD", ""),
        var("PGPORT", "5432")
    );
    let name = format!(
        "outbox_{}",
        std::process::id() as u64 * 1000 + fresh() % 1000
    );
    use sqlx::Connection;
    let mut admin =
        sqlx::PgConnection::connect(&format!("{server}/{}", var("PGDATABASE", "postgres")))
            .await
            .expect("the Postgres of pg_virtualenv answers");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    Some(Store::Url(format!("{server}/{name}")))
}

fn fresh() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Temporary folders, removed when dropped.
mod tempdir {
    pub struct Dir(std::path::PathBuf);

    impl Dir {
        pub fn new() -> Dir {
            let path = std::env::temp_dir().join(format!(
                "socialchat-webhooks-{}-{}",
                std::process::id(),
                super::fresh()
            ));
            std::fs::create_dir_all(&path).unwrap();
            Dir(path)
        }

        pub fn path(&self) -> String {
            self.0.display().to_string()
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Every delivery the partner's backend received.
type Seen = Arc<Mutex<Vec<Delivery>>>;

/// One delivery as the partner's backend received it.
#[derive(Clone, Debug)]
struct Delivery {
    id: String,
    timestamp: String,
    signature: String,
    body: Bytes,
    status: u16,
}

/// The partner's backend: answers each delivery with the status of the moment (0: it is down,
/// the port refuses connections), and keeps every one.
struct Backend {
    url: String,
    status: Arc<AtomicU16>,
    seen: Arc<Mutex<Vec<Delivery>>>,
    port: u16,
    server: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Backend {
    async fn start(status: u16) -> Arc<Backend> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let backend = Arc::new(Backend {
            url: format!("http://127.0.0.1:{port}/hooks/socialchat"),
            status: Arc::new(AtomicU16::new(status)),
            seen: Arc::default(),
            port,
            server: Mutex::new(None),
        });
        backend.serve(listener);
        backend
    }

    fn serve(&self, listener: tokio::net::TcpListener) {
        let state = (self.status.clone(), self.seen.clone());
        let app = axum::Router::new()
            .route(
                "/hooks/socialchat",
                axum::routing::post(
                    |State((status, seen)): State<(Arc<AtomicU16>, Seen)>,
                     headers: HeaderMap,
                     body: Bytes| async move {
                        let now = status.load(Ordering::Relaxed);
                        let header = |name: &str| {
                            headers
                                .get(name)
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or("")
                                .to_owned()
                        };
                        seen.lock().unwrap().push(Delivery {
                            id: header("webhook-id"),
                            timestamp: header("webhook-timestamp"),
                            signature: header("webhook-signature"),
                            body,
                            status: now,
                        });
                        StatusCode::from_u16(now).unwrap()
                    },
                ),
            )
            .with_state(state);
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        *self.server.lock().unwrap() = Some(server);
    }

    /// Stops listening: connections are refused.
    fn down(&self) {
        if let Some(server) = self.server.lock().unwrap().take() {
            server.abort();
        }
    }

    /// Listens again on the same port.
    async fn up(&self, status: u16) {
        self.status.store(status, Ordering::Relaxed);
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port))
            .await
            .unwrap();
        self.serve(listener);
    }

    fn seen(&self) -> Vec<Delivery> {
        self.seen.lock().unwrap().clone()
    }

    /// The deliveries answered 2xx, by `webhook-id`.
    fn delivered(&self) -> HashMap<String, usize> {
        let mut by_id = HashMap::new();
        for delivery in self.seen() {
            if (200..300).contains(&delivery.status) {
                *by_id.entry(delivery.id).or_insert(0) += 1;
            }
        }
        by_id
    }
}

/// A Socialchat stand-in that connects any Instagram account as channel [`ID`].
async fn upstream() -> TestUpstream {
    let upstream = TestUpstream::start().await;
    upstream.answer(
        "/partner/channel/instagram",
        Canned::json(
            201,
            json!({"_id": ID, "name": "Toko", "channelId": "1784", "channelType": "instagram", "isConnected": true}),
        ),
    );
    upstream
}

fn serve(upstream: &TestUpstream, backend: &Backend, store: &Store, retry_secs: &str) -> Proxy {
    Proxy::start(
        &[
            "serve",
            "--upstream",
            upstream.url.as_str(),
            "--webhook-url",
            &backend.url,
            "--outbox",
            &store.url(),
            "--webhook-retry-secs",
            retry_secs,
            "--connects-per-minute",
            "0",
            "--calls-per-minute",
            "0",
            "--calls-per-minute-per-address",
            "0",
        ],
        &[
            ("SOCIALCHAT_API_KEY", KEY),
            ("SOCIALCHAT_SESSION_SECRET", SECRET),
            ("SOCIALCHAT_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ],
    )
}

fn session(sub: &str) -> String {
    let output = std::process::Command::new(BIN)
        .args(["mint-session", "--sub", sub, "--kinds", "instagram"])
        .env("SOCIALCHAT_SESSION_SECRET", SECRET)
        .output()
        .unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// Connects an account through `proxy`; the answer's status and body.
async fn connect(proxy: &Proxy, sub: &str) -> (u16, Value) {
    let answered = send_call(
        "POST",
        &format!("{}/partner/channel/instagram", proxy.api()),
        Some(&session(sub)),
        Some(format!(r#"{{"channelId":"1784","token":"{TOKEN}"}}"#)),
        None,
    )
    .await;
    (answered.status, answered.body)
}

/// Checks a delivery's signature as the specification says, by hand (the end-to-end suite
/// checks them with the official libraries).
fn signed(delivery: &Delivery) -> bool {
    let key = STANDARD
        .decode(WEBHOOK_SECRET.trim_start_matches("whsec_"))
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.", delivery.id, delivery.timestamp).as_bytes());
    mac.update(&delivery.body);
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    delivery.signature.split(' ').any(|s| s == expected)
}

async fn wait_until(what: &str, limit: Duration, condition: impl Fn() -> bool) {
    let start = Instant::now();
    while start.elapsed() < limit {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out after {limit:?} waiting for {what}");
}

/// The proxy's `/readyz` status.
async fn ready(proxy: &Proxy) -> u16 {
    client()
        .get(format!("{}/readyz", proxy.origin))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn each_connect_is_a_standard_webhooks_event_written_before_the_answer() {
    let upstream = upstream().await;
    let backend = Backend::start(204).await;
    let store = sqlite();
    let proxy = serve(&upstream, &backend, &store, "1");
    let (status, answer) = connect(&proxy, "user-42").await;
    assert_eq!(status, 201, "{answer}");
    wait_until("the delivery", Duration::from_secs(10), || {
        !backend.seen().is_empty()
    })
    .await;
    let delivery = backend.seen()[0].clone();
    assert!(delivery.id.starts_with("msg_"), "{delivery:?}");
    assert!(signed(&delivery), "{delivery:?}");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let timestamp: u64 = delivery.timestamp.parse().unwrap();
    assert!(now.abs_diff(timestamp) < 10);
    let event: Value = serde_json::from_slice(&delivery.body).unwrap();
    assert_eq!(event["type"], "channel.connected");
    assert!(event["timestamp"].as_str().unwrap().ends_with('Z'));
    assert_eq!(event["data"]["sub"], "user-42");
    assert_eq!(event["data"]["kind"], "instagram");
    assert_eq!(event["data"]["reconnected"], false);
    assert_eq!(event["data"]["channel"]["_id"], ID);
    let text = String::from_utf8_lossy(&delivery.body);
    assert!(!text.contains(TOKEN) && !text.contains(KEY), "{text}");
    // The receipt the answer carries names the same event.
    let receipt = answer["receipt"].as_str().unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(receipt.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["jti"], delivery.id.as_str());
    assert_eq!(claims["aud"], "socialchat-connect-receipt");
    assert_eq!(claims["_id"], ID);
    assert_eq!(claims["sub"], "user-42");
}

/// The backend is down for a minute: the event waits in the outbox and arrives once it is up.
async fn backend_down_for_a_minute(store: Store) {
    let upstream = upstream().await;
    let backend = Backend::start(204).await;
    backend.down();
    let proxy = serve(&upstream, &backend, &store, "1,2,4,8,16,32,64");
    let (status, _) = connect(&proxy, "user-1").await;
    assert_eq!(status, 201);
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(backend.seen().is_empty());
    backend.up(204).await;
    wait_until(
        "the delivery after the backend came back",
        Duration::from_secs(70),
        || backend.delivered().len() == 1,
    )
    .await;
    assert!(backend.seen().iter().all(signed));
}

#[tokio::test]
async fn a_backend_down_for_a_minute_gets_its_event_once_it_is_up_sqlite() {
    backend_down_for_a_minute(sqlite()).await;
}

#[tokio::test]
async fn a_backend_down_for_a_minute_gets_its_event_once_it_is_up_postgres() {
    if let Some(store) = postgres().await {
        backend_down_for_a_minute(store).await;
    }
}

/// The proxy is killed (SIGKILL) while an event waits for its next attempt; started again on
/// the same outbox, it delivers it, under the same `webhook-id`.
async fn killed_between_attempts(store: Store) {
    let upstream = upstream().await;
    let backend = Backend::start(500).await;
    let mut proxy = serve(&upstream, &backend, &store, "3");
    let (status, _) = connect(&proxy, "user-1").await;
    assert_eq!(status, 201);
    wait_until("the first attempt", Duration::from_secs(10), || {
        !backend.seen().is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    proxy.kill();
    backend.status.store(204, Ordering::Relaxed);
    let again = serve(&upstream, &backend, &store, "3");
    wait_until(
        "the attempt after the restart",
        Duration::from_secs(15),
        || backend.delivered().len() == 1,
    )
    .await;
    let seen = backend.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0].id, seen[1].id, "the webhook-id is stable");
    drop(again);
}

#[tokio::test]
async fn a_proxy_killed_between_attempts_delivers_after_its_restart_sqlite() {
    killed_between_attempts(sqlite()).await;
}

#[tokio::test]
async fn a_proxy_killed_between_attempts_delivers_after_its_restart_postgres() {
    if let Some(store) = postgres().await {
        killed_between_attempts(store).await;
    }
}

/// Two replicas on one outbox, 200 connects between them: every event delivered, none twice.
async fn two_replicas(store: Store) {
    let upstream = upstream().await;
    let backend = Backend::start(204).await;
    let a = serve(&upstream, &backend, &store, "1,2,4");
    let b = serve(&upstream, &backend, &store, "1,2,4");
    let mut connects = Vec::new();
    for n in 0..200 {
        let replica = if n % 2 == 0 { a.api() } else { b.api() };
        let session = session(&format!("user-{n}"));
        connects.push(tokio::spawn(async move {
            send_call(
                "POST",
                &format!("{replica}/partner/channel/instagram"),
                Some(&session),
                Some(format!(r#"{{"channelId":"1784","token":"{TOKEN}"}}"#)),
                None,
            )
            .await
            .status
        }));
    }
    for connect in connects {
        assert_eq!(connect.await.unwrap(), 201);
    }
    wait_until("200 deliveries", Duration::from_secs(60), || {
        backend.delivered().len() == 200
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let delivered = backend.delivered();
    assert_eq!(delivered.len(), 200);
    let twice: Vec<_> = delivered.iter().filter(|(_, &n)| n > 1).collect();
    assert!(twice.is_empty(), "delivered more than once: {twice:?}");
    let subs: std::collections::HashSet<String> = backend
        .seen()
        .iter()
        .map(|d| serde_json::from_slice::<Value>(&d.body).unwrap()["data"]["sub"].to_string())
        .collect();
    assert_eq!(subs.len(), 200, "one event per user");
}

#[tokio::test]
async fn two_replicas_on_one_outbox_deliver_every_event_once_sqlite() {
    two_replicas(sqlite()).await;
}

#[tokio::test]
async fn two_replicas_on_one_outbox_deliver_every_event_once_postgres() {
    if let Some(store) = postgres().await {
        two_replicas(store).await;
    }
}

/// An event still failing after the schedule is kept as failed; the command line lists it and
/// sends it again.
#[tokio::test]
async fn a_failed_event_is_kept_listed_and_sent_again_by_hand() {
    let upstream = upstream().await;
    let backend = Backend::start(503).await;
    let store = sqlite();
    let proxy = serve(&upstream, &backend, &store, "1");
    connect(&proxy, "user-1").await;
    wait_until("two attempts", Duration::from_secs(10), || {
        backend.seen().len() == 2
    })
    .await;
    let webhooks = |args: &[&str]| {
        std::process::Command::new(BIN)
            .arg("webhooks")
            .args(args)
            .args(["--outbox", &store.url()])
            .output()
            .unwrap()
    };
    let mut listed = String::new();
    for _ in 0..50 {
        listed = String::from_utf8_lossy(&webhooks(&["list", "--failed"]).stdout).into_owned();
        if !listed.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let id = &backend.seen()[0].id;
    assert!(listed.contains(id.as_str()), "{listed}");
    assert!(
        listed.contains("failed") && listed.contains("HTTP 503"),
        "{listed}"
    );
    let logs = proxy.logs();
    assert!(
        logs.contains("webhook failed for good") && logs.contains(id.as_str()),
        "{logs}"
    );
    backend.status.store(200, Ordering::Relaxed);
    let retried = webhooks(&["retry", "--all-failed"]);
    assert!(retried.status.success(), "{retried:?}");
    wait_until("the delivery sent again", Duration::from_secs(10), || {
        backend.delivered().len() == 1
    })
    .await;
    assert_eq!(&backend.seen()[2].id, id);
    let unknown = webhooks(&["retry", "msg_nothere"]);
    assert!(!unknown.status.success());
}

/// A locked SQLite outbox: the connect is still answered truthfully, the event is logged whole
/// at error level, and the proxy says it is not ready until the outbox takes writes again.
#[tokio::test]
async fn a_locked_outbox_loses_no_event_from_sight_and_is_not_ready() {
    use sqlx::Connection;
    let upstream = upstream().await;
    let backend = Backend::start(204).await;
    let store = sqlite();
    let proxy = serve(&upstream, &backend, &store, "1");
    assert_eq!(ready(&proxy).await, 200);
    let Store::Sqlite(dir) = &store else {
        unreachable!()
    };
    let mut lock =
        sqlx::SqliteConnection::connect(&format!("sqlite://{}/outbox.sqlite3", dir.path()))
            .await
            .unwrap();
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut lock)
        .await
        .unwrap();
    let (status, answer) = connect(&proxy, "user-7").await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["_id"], ID);
    assert!(answer["receipt"].is_string(), "{answer}");
    let logs = proxy.logs();
    let line = logs
        .lines()
        .find(|l| l.contains("NOT written to the outbox"))
        .unwrap_or_else(|| panic!("{logs}"));
    assert!(
        line.contains("ERROR") && line.contains("user-7") && line.contains(ID),
        "{line}"
    );
    assert_eq!(ready(&proxy).await, 503);
    sqlx::query("ROLLBACK").execute(&mut lock).await.unwrap();
    drop(lock);
    assert_eq!(ready(&proxy).await, 200);
}

/// A full disk under the SQLite outbox: the same, with a clear error. Needs a small tmpfs
/// (root may mount one); skipped where it cannot be mounted.
#[tokio::test]
async fn a_full_disk_under_the_outbox_is_a_clear_error_and_not_ready() {
    let dir = tempdir::Dir::new();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=512k", "tmpfs", &dir.path()])
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("skipped: cannot mount a tmpfs here");
        return;
    }
    let unmount = Unmount(dir.path());
    let upstream = upstream().await;
    let backend = Backend::start(204).await;
    let store = Store::Url(format!("sqlite:{}/outbox.sqlite3", dir.path()));
    let proxy = serve(&upstream, &backend, &store, "1");
    // Fill what is left of the disk.
    let filler = format!("{}/filler", dir.path());
    let _ = std::fs::write(&filler, vec![0u8; 1024 * 1024]);
    let (status, answer) = connect(&proxy, "user-8").await;
    assert_eq!(status, 201, "{answer}");
    let logs = proxy.logs();
    let line = logs
        .lines()
        .find(|l| l.contains("NOT written to the outbox"))
        .unwrap_or_else(|| panic!("{logs}"));
    assert!(line.contains("full"), "{line}");
    assert_eq!(ready(&proxy).await, 503);
    std::fs::remove_file(&filler).unwrap();
    assert_eq!(ready(&proxy).await, 200);
    drop(proxy);
    drop(unmount);
}

struct Unmount(String);

impl Drop for Unmount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn the_webhook_needs_its_own_secret_and_a_real_outbox() {
    let run = |env: &[(&str, &str)], extra: &[&str]| {
        let mut command = std::process::Command::new(BIN);
        command
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--webhook-url",
                "http://127.0.0.1:9/h",
            ])
            .args(extra)
            .env_remove("SOCIALCHAT_WEBHOOK_SECRET")
            .env_remove("SOCIALCHAT_OUTBOX_URL")
            .env("SOCIALCHAT_API_KEY", KEY)
            .env("SOCIALCHAT_SESSION_SECRET", SECRET);
        for (k, v) in env {
            command.env(k, v);
        }
        let output = command.output().unwrap();
        assert!(!output.status.success());
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    assert!(run(&[], &[]).contains("SOCIALCHAT_WEBHOOK_SECRET"));
    assert!(run(&[("SOCIALCHAT_WEBHOOK_SECRET", "not-a-whsec")], &[]).contains("whsec_"));
    let bad = run(
        &[("SOCIALCHAT_WEBHOOK_SECRET", WEBHOOK_SECRET)],
        &["--outbox", "mysql://x"],
    );
    assert!(bad.contains("--outbox takes"), "{bad}");
    let unreachable = run(
        &[("SOCIALCHAT_WEBHOOK_SECRET", WEBHOOK_SECRET)],
        &["--outbox", "postgres://u:hunter2pass@127.0.0.1:9/db"],
    );
    assert!(
        unreachable.contains("cannot open the outbox"),
        "{unreachable}"
    );
    assert!(!unreachable.contains("hunter2pass"), "{unreachable}");
}
