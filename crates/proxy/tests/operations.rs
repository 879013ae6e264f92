//! The proxy in production, against the real binary: its probes, its metrics, its JSON log
//! (with no secret in it), its rate limits, its retry rule, and two replicas serving one flow.

mod common;

use std::time::Duration;

use common::{client, send_call, Canned, Proxy, TestUpstream, BIN};
use serde_json::{json, Value};

const KEY: &str = "dGVzdGFwcF90ZXN0c2VjcmV0"; // base64("testapp_testsecret")
const SECRET: &str = "operations-tests-session-secret-of-32-bytes-or-more";
const TOKEN: &str = "tok-SECRET-9f8e7d6c5b4a";

fn serve(upstream: &str, extra: &[&str]) -> Proxy {
    let mut args = vec!["serve", "--upstream", upstream, "--timeout-secs", "2"];
    args.extend_from_slice(extra);
    Proxy::start(
        &args,
        &[
            ("SOCIALCHAT_API_KEY", KEY),
            ("SOCIALCHAT_SESSION_SECRET", SECRET),
        ],
    )
}

/// A session as the partner's backend mints it.
fn session(sub: &str, kinds: &str) -> String {
    let output = std::process::Command::new(BIN)
        .args(["mint-session", "--sub", sub, "--kinds", kinds])
        .env("SOCIALCHAT_SESSION_SECRET", SECRET)
        .output()
        .unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// Sends a call with a session (and a ticket); the status, `Retry-After` and the body.
async fn send(
    method: &str,
    url: &str,
    session: &str,
    body: Option<Value>,
    ticket: Option<&str>,
) -> (u16, Option<String>, Value) {
    let answered = send_call(
        method,
        url,
        Some(session),
        body.map(|b| b.to_string()),
        ticket,
    )
    .await;
    (answered.status, answered.retry_after, answered.body)
}

/// A test upstream that answers the authorization URL call.
async fn authorizing_upstream() -> TestUpstream {
    let upstream = TestUpstream::start().await;
    upstream.answer(
        "/partner/channel/instagram/authorize",
        Canned::json(
            200,
            json!({"url": "https://www.facebook.com/dialog/oauth?x=1"}),
        ),
    );
    upstream
}

async fn get_text(url: &str) -> (u16, String) {
    let response = client().get(url).send().await.unwrap();
    (
        response.status().as_u16(),
        response.text().await.unwrap_or_default(),
    )
}

/// The address `--metrics-listen 127.0.0.1:0` chose, from the log.
fn metrics_url(proxy: &Proxy) -> String {
    let logs = proxy.logs();
    let start = logs
        .find("metrics on http://")
        .expect("the metrics address is logged")
        + 11;
    logs[start..]
        .split_whitespace()
        .next()
        .unwrap()
        .trim_end_matches(['"', ',', '}'])
        .to_owned()
}

/// The value of one metric line that starts with `prefix` (name and labels), if there is one.
fn metric(text: &str, prefix: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// An address on this machine where nothing listens: connections to it are refused.
fn refusing_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{address}")
}

#[tokio::test]
async fn healthz_answers_while_up_and_readyz_only_while_socialchat_can_be_reached() {
    let upstream = TestUpstream::start().await;
    let proxy = serve(&upstream.url, &[]);
    assert_eq!(
        get_text(&format!("{}/healthz", proxy.origin)).await,
        (200, "ok\n".into())
    );
    assert_eq!(get_text(&format!("{}/readyz", proxy.origin)).await.0, 200);
    // The readiness check calls Socialchat without the key, and at most once in a while.
    for _ in 0..5 {
        assert_eq!(get_text(&format!("{}/readyz", proxy.origin)).await.0, 200);
    }
    let checks: Vec<_> = upstream
        .recorded()
        .into_iter()
        .filter(|r| r.path == "/")
        .collect();
    assert_eq!(checks.len(), 1, "one check for six probes");
    assert!(checks[0].authorization.is_empty(), "no key on the check");

    let dead = serve(&refusing_address(), &[]);
    assert_eq!(get_text(&format!("{}/healthz", dead.origin)).await.0, 200);
    let (status, text) = get_text(&format!("{}/readyz", dead.origin)).await;
    assert_eq!(status, 503, "{text}");
    // Probes are not logged per request.
    assert!(!dead.logs().contains("request_id"), "{}", dead.logs());
}

#[tokio::test]
async fn metrics_count_requests_rejections_and_upstream_time_on_their_own_address() {
    let upstream = authorizing_upstream().await;
    let proxy = serve(&upstream.url, &["--metrics-listen", "127.0.0.1:0"]);
    let metrics = metrics_url(&proxy);
    assert!(
        !metrics.contains(&proxy.address()),
        "not on the proxy's own address"
    );
    let api = proxy.api();
    let user = session("tenant-1", "instagram");
    let authorize = format!("{api}/partner/channel/instagram/authorize");
    for _ in 0..3 {
        assert_eq!(send("GET", &authorize, &user, None, None).await.0, 200);
    }
    assert_eq!(
        send("GET", &authorize, "not-a-session", None, None).await.0,
        401
    );
    assert_eq!(
        send("GET", &format!("{api}/partner/nothing"), &user, None, None)
            .await
            .0,
        404
    );
    // The proxy's own address has no /metrics.
    assert_eq!(get_text(&format!("{}/metrics", proxy.origin)).await.0, 404);
    let (status, text) = get_text(&metrics).await;
    assert_eq!(status, 200);
    let requests = "socialchat_proxy_requests_total{route=\"/partner/channel/{kind}/authorize\",method=\"GET\",status=\"200\"}";
    assert_eq!(metric(&text, requests), Some(3.0), "{text}");
    assert_eq!(
        metric(&text, "socialchat_proxy_rejected_total{reason=\"session\"}"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        metric(
            &text,
            "socialchat_proxy_rejected_total{reason=\"validation\"}"
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        metric(
            &text,
            "socialchat_proxy_upstream_seconds_count{route=\"/partner/channel/{kind}/authorize\",outcome=\"2xx\"}"
        ),
        Some(3.0),
        "{text}"
    );
    assert!(
        text.contains("# TYPE socialchat_proxy_in_flight_requests gauge"),
        "{text}"
    );
    assert!(!text.contains(KEY) && !text.contains(&user), "{text}");
}

#[tokio::test]
async fn json_logs_are_one_object_per_line_with_the_call_s_facts_and_no_secret() {
    let upstream = TestUpstream::start().await;
    upstream.answer(
        "/partner/channel/instagram/account",
        Canned::json(
            200,
            json!({"docs": [{"name": "Toko", "channelId": "1784"}], "hasNextPage": false}),
        ),
    );
    let proxy = serve(&upstream.url, &["--log-format", "json"]);
    let user = session("tenant-9", "instagram");
    let url = format!(
        "{}/partner/channel/instagram/account?token={TOKEN}",
        proxy.api()
    );
    assert_eq!(send("GET", &url, &user, None, None).await.0, 200);
    assert_eq!(send("GET", &url, "forged", None, None).await.0, 401);
    let logs = proxy.logs();
    assert!(!logs.contains(TOKEN), "the token in the log:\n{logs}");
    assert!(!logs.contains(KEY), "the key in the log:\n{logs}");
    assert!(!logs.contains(&user), "the session in the log:\n{logs}");
    let lines: Vec<Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect();
    let requests: Vec<&Value> = lines.iter().filter(|l| l["message"] == "request").collect();
    assert_eq!(requests.len(), 2, "{logs}");
    // Each worker hands its lines over on its own: two calls on two connections may be
    // written in either order.
    let by_status = |status: u16| {
        *requests
            .iter()
            .find(|l| l["status"] == status)
            .unwrap_or_else(|| panic!("no {status} line: {logs}"))
    };
    let ok = by_status(200);
    assert_eq!(ok["level"], "INFO");
    assert!(ok["timestamp"]
        .as_str()
        .is_some_and(|t| t.starts_with("20")));
    assert!(ok["request_id"].as_str().unwrap().starts_with("req-"));
    assert_eq!(ok["method"], "GET");
    assert_eq!(ok["route"], "/partner/channel/{kind}/account");
    assert_eq!(ok["status"], 200);
    assert_eq!(ok["upstream_status"], 200);
    assert_eq!(ok["sub"], "tenant-9");
    assert!(ok["duration_ms"].as_f64().is_some());
    let refused = by_status(401);
    assert!(refused.get("sub").is_none() && refused.get("upstream_status").is_none());
}

#[tokio::test]
async fn a_user_or_an_address_over_its_calls_per_minute_gets_429_with_retry_after() {
    let upstream = authorizing_upstream().await;
    let proxy = serve(&upstream.url, &["--calls-per-minute", "3"]);
    let url = format!("{}/partner/channel/instagram/authorize", proxy.api());
    let user = session("tenant-1", "instagram");
    for _ in 0..3 {
        assert_eq!(send("GET", &url, &user, None, None).await.0, 200);
    }
    let (status, retry_after, body) = send("GET", &url, &user, None, None).await;
    assert_eq!((status, body["code"].as_str()), (429, Some("rate-limited")));
    let seconds: u64 = retry_after.expect("Retry-After").parse().unwrap();
    assert!((1..=21).contains(&seconds), "{seconds}");
    // Another user is not held up.
    let other = session("tenant-2", "instagram");
    assert_eq!(send("GET", &url, &other, None, None).await.0, 200);

    // Per address, behind one trusted load balancer: its X-Forwarded-For entry is the client.
    let proxy = serve(
        &upstream.url,
        &[
            "--calls-per-minute-per-address",
            "2",
            "--trust-forwarded-for",
            "1",
        ],
    );
    let url = format!("{}/partner/channel/instagram/authorize", proxy.api());
    let from = |address: &'static str| {
        let url = url.clone();
        let user = user.clone();
        async move {
            client()
                .get(url)
                .header("authorization", format!("Bearer {user}"))
                .header("x-forwarded-for", address)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(from("203.0.113.1").await, 200);
    assert_eq!(from("203.0.113.1").await, 200);
    assert_eq!(from("203.0.113.1").await, 429);
    assert_eq!(from("203.0.113.2").await, 200, "another address");
}

#[tokio::test]
async fn a_get_that_could_not_connect_is_tried_once_more_and_a_post_never() {
    let proxy = serve(&refusing_address(), &["--metrics-listen", "127.0.0.1:0"]);
    let metrics = metrics_url(&proxy);
    let api = proxy.api();
    let user = session("tenant-1", "instagram,webchat");
    let (status, _, _) = send(
        "GET",
        &format!("{api}/partner/channel/instagram/authorize"),
        &user,
        None,
        None,
    )
    .await;
    assert_eq!(status, 502);
    let (status, _, _) = send(
        "POST",
        &format!("{api}/partner/channel/webchat"),
        &user,
        Some(json!({"name": "Toko", "websiteUrl": "https://toko.example"})),
        None,
    )
    .await;
    assert_eq!(status, 502);
    let text = get_text(&metrics).await.1;
    assert_eq!(
        metric(
            &text,
            "socialchat_proxy_upstream_retries_total{route=\"/partner/channel/{kind}/authorize\"}"
        ),
        Some(1.0),
        "{text}"
    );
    assert!(
        !text
            .contains("socialchat_proxy_upstream_retries_total{route=\"/partner/channel/{kind}\"}"),
        "{text}"
    );

    // An upstream that answers (even 503) is not asked again.
    let upstream = TestUpstream::start().await;
    upstream.answer(
        "/partner/channel/instagram/authorize",
        Canned::json(503, json!({"message": "busy"})),
    );
    let proxy = serve(&upstream.url, &[]);
    let url = format!("{}/partner/channel/instagram/authorize", proxy.api());
    assert_eq!(send("GET", &url, &user, None, None).await.0, 503);
    let asked = upstream
        .recorded()
        .into_iter()
        .filter(|r| r.path == "/partner/channel/instagram/authorize")
        .count();
    assert_eq!(asked, 1);
}

#[tokio::test]
async fn an_https_upstream_is_spoken_to_in_tls_and_never_in_the_clear() {
    // A plain-HTTP server behind an https:// upstream: the TLS handshake fails, the call is
    // answered 502, and not one request reached the server in the clear (the API key with it).
    let upstream = TestUpstream::start().await;
    let tls = upstream.url.replace("http://", "https://");
    let proxy = serve(&tls, &[]);
    let user = session("tenant-1", "instagram");
    let url = format!("{}/partner/channel/instagram/authorize", proxy.api());
    let (status, _, body) = send("GET", &url, &user, None, None).await;
    assert_eq!(status, 502, "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("could not reach Socialchat")),
        "{body}"
    );
    assert!(upstream.recorded().is_empty(), "{:?}", upstream.recorded());
    assert!(!proxy.logs().contains(KEY), "{}", proxy.logs());
}

#[tokio::test]
async fn a_tls_handshake_that_never_comes_is_a_timeout_of_the_connection_not_of_the_call() {
    // A server that accepts TCP and says nothing: the connection (TCP and TLS) has 5 s, not the
    // call's 20 (the `serve` helper's 2 s would hide the difference).
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = silent.local_addr().unwrap();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            open.push(socket);
        }
    });
    let proxy = Proxy::start(
        &[
            "serve",
            "--upstream",
            &format!("https://{address}"),
            "--timeout-secs",
            "20",
        ],
        &[
            ("SOCIALCHAT_API_KEY", KEY),
            ("SOCIALCHAT_SESSION_SECRET", SECRET),
        ],
    );
    let user = session("tenant-1", "instagram");
    let url = format!("{}/partner/channel/instagram/authorize", proxy.api());
    let start = std::time::Instant::now();
    let (status, _, body) = send("GET", &url, &user, None, None).await;
    let took = start.elapsed();
    assert_eq!(status, 504, "{body}");
    assert!(
        took >= Duration::from_secs(4) && took < Duration::from_secs(10),
        "{took:?}"
    );
    held.abort();
}

#[tokio::test]
async fn the_decoded_api_key_and_its_secret_part_are_cut_out_of_upstream_messages() {
    let upstream = TestUpstream::start().await;
    upstream.answer(
        "/partner/channel/instagram/authorize",
        Canned::json(
            401,
            json!({"message": "bad key testapp_testsecret", "originalMessage": "secret testsecret refused"}),
        ),
    );
    let proxy = serve(&upstream.url, &[]);
    let user = session("tenant-1", "instagram");
    let url = format!("{}/partner/channel/instagram/authorize", proxy.api());
    let (status, _, body) = send("GET", &url, &user, None, None).await;
    assert_eq!(status, 401, "{body}");
    let text = body.to_string();
    assert!(!text.contains("testsecret"), "{text}");
    assert!(text.contains("[redacted]"), "{text}");
}

#[tokio::test]
async fn every_worker_serves_calls_and_keeps_its_connections_apart() {
    // Four workers, eight kept-alive clients each calling five times: every call is answered,
    // by whichever worker runs its connection.
    let upstream = authorizing_upstream().await;
    let proxy = serve(&upstream.url, &["--workers", "4"]);
    let user = session("tenant-1", "instagram");
    let url = format!("{}/partner/channel/instagram/authorize", proxy.api());
    let mut clients = Vec::new();
    for _ in 0..8 {
        let url = url.clone();
        let user = user.clone();
        clients.push(tokio::spawn(async move {
            let client = client();
            let mut statuses = Vec::new();
            for _ in 0..5 {
                let response = client
                    .get(&url)
                    .header("authorization", format!("Bearer {user}"))
                    .send()
                    .await
                    .unwrap();
                statuses.push(response.status().as_u16());
                response.bytes().await.unwrap();
            }
            statuses
        }));
    }
    for client in clients {
        assert_eq!(client.await.unwrap(), [200; 5]);
    }
    assert_eq!(upstream.recorded().len(), 40);
    // The runtime's four worker threads (the main thread only waits for the server to stop).
    let workers = std::fs::read_dir(format!("/proc/{}/task", proxy.pid()))
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.unwrap().path().join("comm")).ok())
        .filter(|name| name.starts_with("proxy-worker"))
        .count();
    assert_eq!(workers, 4);
}

#[tokio::test]
async fn two_replicas_serve_one_flow_with_its_calls_alternating_between_them() {
    // Socialchat is the sandbox, serving the partner API's own paths.
    let socialchat = Proxy::start(&["sandbox", "--prefix", "", "--page-size", "10"], &[]);
    let a = serve(&socialchat.origin, &[]);
    let b = serve(&socialchat.origin, &[]);
    let user = session("tenant-1", "instagram,whatsapp");
    let token: Value = serde_json::from_str(
        &client()
            .post(format!(
                "{}/sandbox/token?kind=instagram",
                socialchat.origin
            ))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    let token = token["token"].as_str().unwrap().to_owned();
    let accounts = |proxy: &Proxy, offset: Option<&str>| {
        let mut url = format!(
            "{}/partner/channel/instagram/account?token={token}",
            proxy.api()
        );
        if let Some(offset) = offset {
            url.push_str(&format!("&nextOffset={offset}"));
        }
        url
    };
    let (status, _, first) = send("GET", &accounts(&a, None), &user, None, None).await;
    assert_eq!(status, 200, "{first}");
    let offset = first["nextOffset"].as_str().unwrap().to_owned();
    let (status, _, second) = send("GET", &accounts(&b, Some(&offset)), &user, None, None).await;
    assert_eq!(status, 200, "{second}");
    let account = &second["docs"][0];
    let (status, _, connected) = send(
        "POST",
        &format!("{}/partner/channel/instagram", a.api()),
        &user,
        Some(json!({"token": token, "channelId": account["channelId"]})),
        None,
    )
    .await;
    assert_eq!(status, 201, "{connected}");
    assert_eq!(connected["name"], account["name"]);

    // A WhatsApp number created on one replica is polled with its ticket on the other.
    let (status, _, created) = send(
        "POST",
        &format!("{}/partner/channel/whatsapp-unofficial", b.api()),
        &user,
        Some(json!({"name": "Toko Batik", "phone": "0812-3456-7890"})),
        None,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["_id"].as_str().unwrap();
    let ticket = created["ticket"].as_str().unwrap();
    let (status, _, polled) = send(
        "GET",
        &format!("{}/partner/channel/{id}", a.api()),
        &user,
        None,
        Some(ticket),
    )
    .await;
    assert_eq!(status, 200, "{polled}");
    assert!(polled["qrcode"]
        .as_str()
        .is_some_and(|q| q.starts_with("data:image/png")));
    tokio::time::sleep(Duration::from_millis(10)).await;
}

#[tokio::test]
async fn request_headers_larger_than_16_kib_are_refused() {
    let upstream = TestUpstream::start().await;
    let proxy = serve(&upstream.url, &[]);
    let response = client()
        .get(format!("{}/healthz", proxy.origin))
        .header("x-filler", "a".repeat(20 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 431);
    let response = client()
        .get(format!("{}/healthz", proxy.origin))
        .header("x-filler", "a".repeat(8 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn concurrent_readiness_probes_ask_socialchat_once() {
    let upstream = TestUpstream::start().await;
    upstream.answer(
        "/",
        Canned::json(200, json!({})).after(Duration::from_millis(500)),
    );
    let proxy = serve(&upstream.url, &[]);
    let url = format!("{}/readyz", proxy.origin);
    let probes: Vec<_> = (0..20)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { get_text(&url).await.0 })
        })
        .collect();
    for probe in probes {
        assert_eq!(probe.await.unwrap(), 200);
    }
    let checks = upstream
        .recorded()
        .into_iter()
        .filter(|r| r.path == "/")
        .count();
    assert_eq!(checks, 1, "twenty probes at once, one check");
}

#[tokio::test]
async fn a_connect_whose_client_went_away_still_completes_and_is_logged_499() {
    let upstream = TestUpstream::start().await;
    upstream.answer(
        "/partner/channel/webchat",
        Canned::json(
            201,
            json!({"_id": "65a0b1c2d3e4f5a6b7c8d9e1", "name": "Toko", "channelType": "webchat",
                   "isConnected": true, "channelId": "w1"}),
        )
        .after(Duration::from_millis(600)),
    );
    let (hook, received) = common::receiver(200).await;
    let proxy = serve(
        &upstream.url,
        &[
            "--metrics-listen",
            "127.0.0.1:0",
            "--webhook-url",
            hook.as_str(),
        ],
    );
    let metrics = metrics_url(&proxy);
    let user = session("tenant-1", "webchat");
    let gone = client()
        .post(format!("{}/partner/channel/webchat", proxy.api()))
        .header("authorization", format!("Bearer {user}"))
        .header("content-type", "application/json")
        .body(json!({"name": "Toko", "websiteUrl": "https://toko.example"}).to_string())
        .timeout(Duration::from_millis(150))
        .send()
        .await;
    assert!(gone.is_err(), "the client gave up first");
    // The connect went on without its client: Socialchat created the channel and the backend
    // hears of it.
    common::wait_for("the webhook", || received.lock().unwrap().len() == 1).await;
    let logs = proxy.logs();
    assert!(logs.contains("status=499"), "{logs}");
    let text = get_text(&metrics).await.1;
    assert_eq!(
        metric(&text, "socialchat_proxy_in_flight_requests"),
        Some(0.0),
        "{text}"
    );
}
