//! The hostile probe of `socialchat-proxy`, kept as a suite: each test is one finding of the
//! probe (numbered as in the issue that listed them), tried against the real binary over real
//! HTTP on 127.0.0.1, with a recording stand-in for Socialchat behind it.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{call, client, Canned, Proxy, TestUpstream};
use serde_json::json;

const KEY: &str = "aG9zdGlsZWFwcF9ob3N0aWxlc2VjcmV0"; // base64("hostileapp_hostilesecret")
const TOKEN: &str = "tok-HOSTILE-0a1b2c3d4e5f";
const ID: &str = "65a0b1c2d3e4f5a6b7c8d9e0";

fn serve(upstream: &TestUpstream, extra: &[&str]) -> Proxy {
    upstream.answer(
        "/partner/channel/instagram/authorize",
        Canned::json(200, json!({"url": "https://www.facebook.com/dialog/oauth"})),
    );
    // These tests are about hostile input; sessions have their own suite (sessions.rs).
    let mut args = vec![
        "serve",
        "--no-session-check",
        "--upstream",
        upstream.url.as_str(),
        "--timeout-secs",
        "3",
    ];
    args.extend_from_slice(extra);
    Proxy::start(&args, &[("SOCIALCHAT_API_KEY", KEY)])
}

fn secrets_in(text: &str) -> Vec<&'static str> {
    [
        "EAAB",
        "access_token",
        "pageAccessToken",
        "appSecret",
        "owner@",
        "createdBy",
        "additionalData",
        KEY,
        TOKEN,
    ]
    .into_iter()
    .filter(|s| text.contains(s))
    .collect()
}

/// A raw connection to the proxy, for what a client library would never send.
fn raw(proxy: &Proxy) -> TcpStream {
    let stream = TcpStream::connect(proxy.address()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
}

/// Reads until the server closes the connection (or 10 s pass); what it sent.
fn read_to_close(stream: &mut TcpStream) -> String {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => all.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&all).into_owned()
}

// 1. Secrets reach the browser when Socialchat's answer has an unexpected shape.
#[tokio::test]
async fn answers_of_an_unexpected_shape_never_carry_a_secret_to_the_browser() {
    let upstream = TestUpstream::start().await;
    let proxy = serve(&upstream, &[]);
    let api = proxy.api();
    let long_name = "n".repeat(501);
    upstream.answer(
        "/partner/channel/instagram/account",
        Canned::json(
            200,
            json!({"docs": [
                {"name": "Toko", "channelId": "1", "access_token": "EAAB-1"},
                {"name": "Kopi", "channelId": "2", "pageAccessToken": "EAAB-2"},
                {"name": long_name, "channelId": "3", "pageAccessToken": "EAAB-3"},
            ], "hasNextPage": false}),
        ),
    );
    let (status, page) = call(
        "GET",
        &format!("{api}/partner/channel/instagram/account?token={TOKEN}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(secrets_in(&page.to_string()), Vec::<&str>::new(), "{page}");
    assert_eq!(
        page["docs"].as_array().unwrap().len(),
        2,
        "the long name is dropped"
    );

    upstream.answer(
        "/partner/channel",
        Canned::json(
            200,
            json!({"docs": [
                {"_id": "../../x", "name": "A", "token": {"accessToken": "EAAB-4"}},
                {"_id": {"$oid": ID}, "name": "B", "additionalData": {"pageAccessToken": "EAAB-5"}},
                {"_id": ID, "name": "Good", "channelType": "instagram", "createdBy": {"email": "owner@x"}},
            ], "totalDocs": 3}),
        ),
    );
    let (status, list) = call("GET", &format!("{api}/partner/channel"), None).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(secrets_in(&list.to_string()), Vec::<&str>::new(), "{list}");
    assert_eq!(list["docs"].as_array().unwrap().len(), 1);
    let logs = proxy.logs();
    assert!(logs.contains("dropped=1"), "{logs}");
    assert!(logs.contains("dropped=2"), "{logs}");

    upstream.answer(
        "/partner/channel",
        Canned::json(
            200,
            json!({"data": {"docs": [{"_id": ID, "token": {"accessToken": "EAAB-6"}}]}}),
        ),
    );
    let (status, wrapped) = call("GET", &format!("{api}/partner/channel"), None).await;
    assert_eq!(status, 502, "{wrapped}");
    assert_eq!(
        secrets_in(&wrapped.to_string()),
        Vec::<&str>::new(),
        "{wrapped}"
    );
    assert!(wrapped["message"]
        .as_str()
        .unwrap()
        .contains("channel list"));

    upstream.answer(
        "/partner/channel/instagram",
        Canned::json(
            201,
            json!({"_id": ID, "name": "Toko", "channelType": "instagram", "meta": {"appSecret": "EAAB-7"}}),
        ),
    );
    let (status, connected) = call(
        "POST",
        &format!("{api}/partner/channel/instagram"),
        Some(&format!(r#"{{"channelId":"1","token":"{TOKEN}"}}"#)),
    )
    .await;
    assert_eq!(status, 201, "{connected}");
    assert_eq!(
        secrets_in(&connected.to_string()),
        Vec::<&str>::new(),
        "{connected}"
    );

    // A reconnect first looks the channel up: it must be of the route's kind.
    upstream.answer(
        &format!("/partner/channel/{ID}"),
        Canned::json(
            200,
            json!({"_id": ID, "name": "Toko", "channelType": "instagram", "isConnected": false}),
        ),
    );
    let (status, refused) = call(
        "POST",
        &format!("{api}/partner/channel/telegram/{ID}"),
        Some(r#"{"token":"7000000002:AAGsandboxAnotherBotOfAnotherCompany02"}"#),
    )
    .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (403, Some("kind-not-allowed")),
        "{refused}"
    );
    assert!(
        !upstream
            .recorded()
            .iter()
            .any(|r| r.method == "POST" && r.path.contains("telegram")),
        "a bot token never goes to an Instagram channel"
    );
    upstream.answer(
        &format!("/partner/channel/instagram/{ID}"),
        Canned::json(
            200,
            json!({"_id": ID, "name": "Toko", "isConnected": true, "token": {"accessToken": "EAAB-8"}}),
        ),
    );
    let (status, reconnected) = call(
        "POST",
        &format!("{api}/partner/channel/instagram/{ID}"),
        Some(&format!(r#"{{"token":"{TOKEN}"}}"#)),
    )
    .await;
    assert_eq!(status, 200, "{reconnected}");
    assert_eq!(
        secrets_in(&reconnected.to_string()),
        Vec::<&str>::new(),
        "{reconnected}"
    );
    assert_eq!(
        reconnected["channelType"], "instagram",
        "the route names the kind"
    );

    upstream.answer(
        "/partner/channel/instagram",
        Canned::json(201, json!({"ok": true, "accessToken": "EAAB-9"})),
    );
    let (status, no_channel) = call(
        "POST",
        &format!("{api}/partner/channel/instagram"),
        Some(&format!(r#"{{"channelId":"1","token":"{TOKEN}"}}"#)),
    )
    .await;
    assert_eq!(status, 502, "{no_channel}");
    assert_eq!(secrets_in(&no_channel.to_string()), Vec::<&str>::new());
}

// 2. Slow clients are never timed out.
#[test]
fn half_sent_headers_and_idle_connections_are_closed() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let upstream = runtime.block_on(TestUpstream::start());
    let proxy = serve(
        &upstream,
        &["--header-timeout-secs", "1", "--idle-timeout-secs", "3"],
    );
    let start = Instant::now();
    let mut half = raw(&proxy);
    half.write_all(b"GET /api/socialchat/partner/channel HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let mut silent = raw(&proxy);
    // Headers that only look ended to a lenient reading (a line feed, then carriage returns
    // and a line feed, in two pieces) are timed too: the timer stops when hyper hands the
    // request over, not on a guess at where the headers end.
    let mut cut = Vec::new();
    for (first, second) in [
        (&b"Host: x\n"[..], &b"\r\r\n"[..]),
        (b"Host: x\r\n", b"\r\r\n"),
        (b"Host: x\n", b"\r"),
    ] {
        let mut stream = raw(&proxy);
        stream
            .write_all(b"GET /api/socialchat/partner/channel HTTP/1.1\r\n")
            .unwrap();
        stream.write_all(first).unwrap();
        cut.push((stream, second));
    }
    std::thread::sleep(Duration::from_millis(300));
    for (stream, second) in &mut cut {
        stream.write_all(second).unwrap();
    }
    read_to_close(&mut half);
    read_to_close(&mut silent);
    for (stream, _) in &mut cut {
        read_to_close(stream);
    }
    let took = start.elapsed();
    assert!(took < Duration::from_secs(4), "closed after {took:?}");

    // A kept-alive connection may rest longer than the header timeout, but not for ever.
    let mut kept = raw(&proxy);
    let request =
        b"GET /api/socialchat/partner/channel/instagram/authorize HTTP/1.1\r\nHost: x\r\n\r\n";
    kept.write_all(request).unwrap();
    let mut buf = [0u8; 4096];
    let n = kept.read(&mut buf).unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 "));
    std::thread::sleep(Duration::from_millis(1800));
    kept.write_all(request).unwrap();
    let n = kept.read(&mut buf).unwrap();
    assert!(n > 0, "still open after 1.8 s of rest");
    let rested = Instant::now();
    read_to_close(&mut kept);
    let idle = rested.elapsed();
    assert!(
        idle >= Duration::from_millis(2500) && idle < Duration::from_secs(6),
        "closed after {idle:?} idle"
    );
}

/// A client that hangs up in the middle of its body is logged 499, as nginx does, not as a
/// body too large; a body that is not valid HTTP is a 400.
#[test]
fn a_body_cut_off_by_its_client_is_logged_499() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let upstream = runtime.block_on(TestUpstream::start());
    let proxy = serve(&upstream, &[]);
    let mut cut = raw(&proxy);
    cut.write_all(
        b"POST /api/socialchat/partner/channel/instagram HTTP/1.1\r\nHost: x\r\n\
Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"channelId\"",
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    drop(cut);
    let mut chunked = raw(&proxy);
    chunked
        .write_all(
            b"POST /api/socialchat/partner/channel/instagram HTTP/1.1\r\nHost: x\r\n\
Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        )
        .unwrap();
    let answer = read_to_close(&mut chunked);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    let logs = proxy.logs();
    let posts: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("request_id=req-") && l.contains("method=POST"))
        .collect();
    assert_eq!(posts.len(), 2, "{logs}");
    assert!(posts.iter().any(|l| l.contains(" status=499 ")), "{logs}");
    assert!(posts.iter().any(|l| l.contains(" status=400 ")), "{logs}");
    assert!(upstream.recorded().is_empty(), "nothing went upstream");
}

/// A client that asks for `100 Continue` before its body gets its answer, however long
/// Socialchat takes: the interim answer does not start the header timer again.
#[test]
fn a_post_that_expects_100_continue_waits_for_its_answer() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let upstream = runtime.block_on(TestUpstream::start());
    upstream.answer(
        "/partner/channel/instagram",
        Canned::json(
            201,
            json!({"_id": ID, "name": "Toko", "channelId": "1784", "channelType": "instagram", "isConnected": true}),
        )
        .after(Duration::from_millis(2500)),
    );
    let proxy = serve(&upstream, &["--header-timeout-secs", "1"]);
    let body = format!(r#"{{"channelId":"1784","token":"{TOKEN}"}}"#);
    let mut stream = raw(&proxy);
    stream
        .write_all(
            format!(
                "POST /api/socialchat/partner/channel/instagram HTTP/1.1\r\nHost: x\r\n\
Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        )
        .unwrap();
    let mut buf = [0u8; 4096];
    let n = stream.read(&mut buf).unwrap();
    assert!(
        String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 100"),
        "{}",
        String::from_utf8_lossy(&buf[..n])
    );
    stream.write_all(body.as_bytes()).unwrap();
    let n = stream.read(&mut buf).unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(
        answer.starts_with("HTTP/1.1 201") || answer.starts_with("HTTP/1.1 200"),
        "{answer}"
    );
}

#[test]
fn a_trickled_body_times_out_and_an_oversized_one_is_refused_before_it_is_read() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let upstream = runtime.block_on(TestUpstream::start());
    let proxy = serve(&upstream, &["--body-timeout-secs", "1"]);
    let mut trickle = raw(&proxy);
    trickle
        .write_all(
            b"POST /api/socialchat/partner/channel/instagram HTTP/1.1\r\nHost: x\r\n\
Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
        )
        .unwrap();
    let start = Instant::now();
    for _ in 0..4 {
        std::thread::sleep(Duration::from_millis(400));
        if trickle.write_all(b" ").is_err() {
            break;
        }
    }
    let answer = read_to_close(&mut trickle);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(start.elapsed() < Duration::from_secs(5));

    let mut oversized = raw(&proxy);
    oversized
        .write_all(
            b"POST /api/socialchat/partner/channel/instagram HTTP/1.1\r\nHost: x\r\n\
Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n",
        )
        .unwrap();
    let start = Instant::now();
    let mut buf = [0u8; 4096];
    let n = oversized.read(&mut buf).unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 413"));
    assert!(start.elapsed() < Duration::from_secs(1), "answered at once");
    assert!(upstream.recorded().is_empty());
}

/// How many file handles a process has open.
fn open_files(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[test]
fn open_connections_are_capped_and_normal_requests_still_get_through() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let upstream = runtime.block_on(TestUpstream::start());
    let proxy = serve(
        &upstream,
        &["--max-connections", "5", "--header-timeout-secs", "1"],
    );
    let before = open_files(proxy.pid());
    let idle: Vec<TcpStream> = (0..60).map(|_| raw(&proxy)).collect();
    std::thread::sleep(Duration::from_millis(300));
    let during = open_files(proxy.pid());
    assert!(
        during <= before + 5,
        "{before} handles before, {during} with 60 idle clients"
    );
    let start = Instant::now();
    let (status, _) = runtime.block_on(call(
        "GET",
        &format!("{}/partner/channel/instagram/authorize", proxy.api()),
        None,
    ));
    assert_eq!(status, 200);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    drop(idle);
}

// 3. SIGTERM never completes while one slow client is connected.
#[test]
fn sigterm_drains_in_flight_calls_and_exits_within_the_grace_period() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let upstream = runtime.block_on(TestUpstream::start());
    let mut proxy = serve(&upstream, &["--shutdown-grace-secs", "2"]);
    upstream.answer(
        "/partner/channel/instagram/authorize",
        Canned::json(200, json!({"url": "https://www.facebook.com/dialog"}))
            .after(Duration::from_millis(800)),
    );
    // A slowloris client that never finishes its headers, and a real call in flight.
    let mut slow = raw(&proxy);
    slow.write_all(b"GET /api/socialchat/partner/channel HTTP/1.1\r\nHost:")
        .unwrap();
    let url = format!("{}/partner/channel/instagram/authorize", proxy.api());
    let in_flight = runtime.spawn(async move { call("GET", &url, None).await });
    std::thread::sleep(Duration::from_millis(200));
    let start = Instant::now();
    proxy.terminate();
    let (status, body) = runtime.block_on(in_flight).unwrap();
    assert_eq!(status, 200, "the call in flight finished: {body}");
    assert!(
        start.elapsed() >= Duration::from_millis(400),
        "it was in flight at SIGTERM"
    );
    let exit = proxy.wait_exit(Duration::from_secs(6));
    let took = start.elapsed();
    assert!(exit.is_some_and(|s| s.success()), "{exit:?} after {took:?}");
    assert!(took < Duration::from_secs(4), "exited after {took:?}");
    drop(slow);
}

/// A proxy started with `args` whose upstream answers the authorization URL after `answer_after`,
/// and `count` calls of it in flight on connections of their own (300 ms after they were sent).
fn calls_in_flight(
    runtime: &tokio::runtime::Runtime,
    args: &[&str],
    answer_after: Duration,
    count: usize,
) -> (
    Proxy,
    Vec<tokio::task::JoinHandle<(u16, serde_json::Value)>>,
    TestUpstream,
) {
    let upstream = runtime.block_on(TestUpstream::start());
    let proxy = serve(&upstream, args);
    upstream.answer(
        "/partner/channel/instagram/authorize",
        Canned::json(200, json!({"url": "https://www.facebook.com/dialog"})).after(answer_after),
    );
    let url = format!("{}/partner/channel/instagram/authorize", proxy.api());
    let in_flight = (0..count)
        .map(|_| {
            let url = url.clone();
            runtime.spawn(async move { call("GET", &url, None).await })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    (proxy, in_flight, upstream)
}

#[test]
fn sigterm_drains_the_calls_in_flight_on_every_worker() {
    // Six calls in flight on six connections, dealt to three workers: each worker drains its
    // own, and the process exits once all six are answered.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (mut proxy, in_flight, _upstream) = calls_in_flight(
        &runtime,
        &["--shutdown-grace-secs", "3", "--workers", "3"],
        Duration::from_millis(800),
        6,
    );
    let start = Instant::now();
    proxy.terminate();
    for call in in_flight {
        let (status, body) = runtime.block_on(call).unwrap();
        assert_eq!(status, 200, "a call in flight finished: {body}");
    }
    let exit = proxy.wait_exit(Duration::from_secs(6));
    let took = start.elapsed();
    assert!(exit.is_some_and(|s| s.success()), "{exit:?} after {took:?}");
    assert!(took < Duration::from_secs(3), "exited after {took:?}");
}

#[test]
fn calls_the_grace_period_cuts_off_are_logged_499() {
    // Three calls wait on an upstream that answers after 10 s; SIGTERM with a grace of 1 s
    // cuts them off: each is still logged, with status 499, before the process exits.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (mut proxy, _in_flight, _upstream) = calls_in_flight(
        &runtime,
        &["--shutdown-grace-secs", "1", "--workers", "2"],
        Duration::from_secs(10),
        3,
    );
    proxy.terminate();
    let exit = proxy.wait_exit(Duration::from_secs(6));
    assert!(exit.is_some_and(|s| s.success()), "{exit:?}");
    let logs = proxy.logs();
    let cut_off = logs
        .lines()
        .filter(|line| line.contains("request") && line.contains("status=499"))
        .count();
    assert_eq!(cut_off, 3, "{logs}");
}

// 4. Cross-site simple POSTs are forwarded.
#[tokio::test]
async fn cross_site_simple_posts_and_foreign_origins_are_refused() {
    let upstream = TestUpstream::start().await;
    let proxy = serve(&upstream, &["--allow-origin", "https://dashboard.example"]);
    let url = format!("{}/partner/channel/instagram", proxy.api());
    let body = format!(r#"{{"channelId":"1","token":"{TOKEN}"}}"#);
    for (content_type, origin, status) in [
        (Some("text/plain"), None, 415),
        (None, None, 415),
        (Some("multipart/form-data; boundary=x"), None, 415),
        (Some("application/x-www-form-urlencoded"), None, 415),
        (Some("application/json"), Some("https://evil.example"), 403),
        (Some("text/plain"), Some("https://evil.example"), 403),
        (Some("application/json"), Some("null"), 403),
    ] {
        let mut request = client().post(&url).body(body.clone());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let response = request.send().await.unwrap();
        assert_eq!(
            response.status().as_u16(),
            status,
            "{content_type:?} {origin:?}"
        );
    }
    let get = client()
        .get(format!("{}/partner/channel", proxy.api()))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(get.status().as_u16(), 403);
    assert!(upstream.recorded().is_empty(), "{:?}", upstream.recorded());

    for origin in ["https://dashboard.example", proxy.origin.as_str()] {
        let response = client()
            .post(&url)
            .header("content-type", "application/json; charset=utf-8")
            .header("origin", origin)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_ne!(response.status().as_u16(), 403, "{origin}");
        assert_ne!(response.status().as_u16(), 415, "{origin}");
    }
    assert_eq!(upstream.recorded().len(), 2);
}

// 5. The upstream's error text is passed on verbatim.
#[tokio::test]
async fn upstream_messages_never_echo_the_key_or_the_token() {
    let upstream = TestUpstream::start().await;
    let proxy = serve(&upstream, &[]);
    upstream.answer(
        "/partner/channel/instagram/account",
        Canned::json(
            401,
            json!({"message": format!("Invalid API key Bearer {KEY}"), "originalMessage": format!("token {TOKEN} rejected")}),
        ),
    );
    let (status, answer) = call(
        "GET",
        &format!(
            "{}/partner/channel/instagram/account?token={TOKEN}",
            proxy.api()
        ),
        None,
    )
    .await;
    assert_eq!(status, 401);
    let text = answer.to_string();
    assert!(!text.contains(KEY) && !text.contains(TOKEN), "{text}");
    assert!(text.contains("[redacted]"), "{text}");
    let logs = proxy.logs();
    assert!(!logs.contains(KEY) && !logs.contains(TOKEN), "{logs}");
}

// 6. The authorization URL is not checked by the proxy.
#[tokio::test]
async fn only_https_authorization_urls_pass() {
    let upstream = TestUpstream::start().await;
    let proxy = serve(&upstream, &[]);
    let url = format!("{}/partner/channel/instagram/authorize", proxy.api());
    for (given, status) in [
        ("javascript:alert(document.cookie)", 502),
        ("http://www.facebook.com/dialog/oauth", 502),
        ("data:text/html,<script>alert(1)</script>", 502),
        ("//evil.example/dialog", 502),
        (
            "https://www.facebook.com/v19.0/dialog/oauth?client_id=1",
            200,
        ),
    ] {
        upstream.answer(
            "/partner/channel/instagram/authorize",
            Canned::json(200, json!({ "url": given })),
        );
        let (got, body) = call("GET", &url, None).await;
        assert_eq!(got, status, "{given}: {body}");
    }
}

// 7. `--static` serves dotfiles and follows symlinks.
#[tokio::test]
async fn static_files_are_regular_files_inside_the_folder_only() {
    let upstream = TestUpstream::start().await;
    let base = std::env::temp_dir().join(format!("sc-hostile-{}", std::process::id()));
    let dir = base.join("dist");
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    std::fs::create_dir_all(dir.join("pkg")).unwrap();
    std::fs::write(dir.join(".env"), "SOCIALCHAT_API_KEY=leaked").unwrap();
    std::fs::write(dir.join(".git/HEAD"), "ref: refs/heads/main").unwrap();
    std::fs::write(dir.join("pkg/app.js"), "export {};").unwrap();
    std::fs::write(dir.join("callback.html"), "<title>cb</title>").unwrap();
    std::fs::write(base.join("outside.txt"), "outside secret").unwrap();
    std::os::unix::fs::symlink(base.join("outside.txt"), dir.join("escape.txt")).unwrap();
    std::os::unix::fs::symlink(dir.join("pkg/app.js"), dir.join("inside.js")).unwrap();
    let proxy = serve(&upstream, &["--static", dir.to_str().unwrap()]);
    for path in [
        "/.env",
        "/.git/HEAD",
        "/escape.txt",
        "/%2eenv",
        "/pkg/..%2f.env",
        "/callback/.env",
        "/callback/escape.txt",
    ] {
        let response = client()
            .get(format!("{}{path}", proxy.origin))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert_eq!(status, 404, "{path}: {text}");
        assert!(
            !text.contains("leaked") && !text.contains("outside secret"),
            "{path}"
        );
    }
    for path in ["/pkg/app.js", "/inside.js", "/callback/instagram"] {
        let response = client()
            .get(format!("{}{path}", proxy.origin))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
    }
    let _ = std::fs::remove_dir_all(base);
}

#[tokio::test]
async fn a_static_path_too_long_for_the_file_system_is_a_json_404() {
    let upstream = TestUpstream::start().await;
    let base = std::env::temp_dir().join(format!("sc-hostile-long-{}", std::process::id()));
    let dir = base.join("dist");
    std::fs::create_dir_all(dir.join("pkg")).unwrap();
    std::fs::write(dir.join("pkg/app.js"), "export {};").unwrap();
    let proxy = serve(&upstream, &["--static", dir.to_str().unwrap()]);
    let get = |path: String| {
        let url = format!("{}{path}", proxy.origin);
        async move {
            let response = client().get(url).send().await.unwrap();
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            let text = response.text().await.unwrap();
            (status, content_type, text)
        }
    };
    // What any other missing file answers.
    let (status, _, missing) = get("/pkg/missing.js".into()).await;
    assert_eq!(status, 404, "{missing}");
    let missing: serde_json::Value = serde_json::from_str(&missing).unwrap();
    let long = "a".repeat(256);
    for path in [
        format!("/{long}"),
        format!("/pkg/{long}.js"),
        format!("/pkg/{}", "b".repeat(4000)),
        format!("/{}", "c/".repeat(2100)),
        format!("/callback/{long}"),
    ] {
        let (status, content_type, text) = get(path.clone()).await;
        let shown = &path[..40];
        assert_eq!(status, 404, "{shown}…: {text:?}");
        assert_eq!(
            content_type.as_deref(),
            Some("application/json"),
            "{shown}…"
        );
        let body: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body, missing, "{shown}…");
    }
    let _ = std::fs::remove_dir_all(base);
}

// 8. The sandbox's dialog sends no security headers (its bounded memory is a unit test of
//    the sandbox: `tokens_and_sessions_are_bounded`).
#[tokio::test]
async fn the_sandbox_dialog_cannot_be_framed_or_sniffed() {
    let proxy = Proxy::start(&["sandbox"], &[]);
    let (_, answer) = call(
        "GET",
        &format!("{}/partner/channel/instagram/authorize", proxy.api()),
        None,
    )
    .await;
    let dialog = client()
        .get(answer["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(dialog.status().as_u16(), 200);
    let headers = dialog.headers();
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["x-content-type-options"], "nosniff");
}

// 9. Bad configuration is caught at start, with a clear message.
#[test]
fn bad_configuration_stops_the_start_with_a_message_naming_it() {
    let run = |args: &[&str], key: &str| {
        std::process::Command::new(common::BIN)
            .args(["serve", "--no-session-check", "--listen", "127.0.0.1:0"])
            .args(args)
            .env("SOCIALCHAT_API_KEY", key)
            .output()
            .unwrap()
    };
    for (args, key, expected) in [
        (&[][..], "key-with\nnewline", "SOCIALCHAT_API_KEY holds"),
        (&[][..], "key with space", "SOCIALCHAT_API_KEY holds"),
        (&["--prefix", "/a{"][..], KEY, "--prefix must be a path"),
        (&["--prefix", "/a/{x}"][..], KEY, "--prefix must be a path"),
        (&["--prefix", "/a/*"][..], KEY, "--prefix must be a path"),
        (
            &["--allow-origin", "https://a.example/"][..],
            KEY,
            "--allow-origin takes origins",
        ),
        (
            &["--allow-origin", "*"][..],
            KEY,
            "--allow-origin takes origins",
        ),
    ] {
        let output = run(args, key);
        assert!(!output.status.success(), "{args:?} started");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[tokio::test]
async fn a_comma_separated_allow_origin_is_read_as_several_origins() {
    let upstream = TestUpstream::start().await;
    let proxy = serve(
        &upstream,
        &["--allow-origin", "https://a.example, https://b.example"],
    );
    for origin in ["https://a.example", "https://b.example"] {
        let response = client()
            .get(format!(
                "{}/partner/channel/instagram/authorize",
                proxy.api()
            ))
            .header("origin", origin)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{origin}");
        assert_eq!(response.headers()["access-control-allow-origin"], origin);
    }
}

// 10. Request ids repeat across replicas; a 429 loses its Retry-After; a lowercase method.
#[tokio::test]
async fn request_ids_are_unique_across_replicas() {
    let upstream = TestUpstream::start().await;
    let first = serve(&upstream, &[]);
    let second = serve(&upstream, &[]);
    let id = |proxy: &Proxy| {
        let url = format!("{}/partner/channel/instagram/authorize", proxy.api());
        async move {
            client().get(url).send().await.unwrap().headers()["x-request-id"]
                .to_str()
                .unwrap()
                .to_owned()
        }
    };
    let (a, b) = (id(&first).await, id(&second).await);
    assert_ne!(a, b, "the first request of two replicas");
    assert!(a.starts_with("req-") && b.starts_with("req-"));
}

#[tokio::test]
async fn a_429_keeps_its_retry_after() {
    let upstream = TestUpstream::start().await;
    let proxy = serve(&upstream, &[]);
    upstream.answer(
        "/partner/channel/instagram/authorize",
        Canned::json(429, json!({"message": "Too many requests"})).with_header("retry-after", "30"),
    );
    let response = client()
        .get(format!(
            "{}/partner/channel/instagram/authorize",
            proxy.api()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(response.headers()["retry-after"], "30");
}

#[test]
fn a_lowercase_method_is_refused_like_any_unknown_method() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let upstream = runtime.block_on(TestUpstream::start());
    let proxy = serve(&upstream, &[]);
    let mut stream = raw(&proxy);
    stream
        .write_all(
            b"get /api/socialchat/partner/channel/instagram/authorize HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
    let answer = read_to_close(&mut stream);
    assert!(answer.starts_with("HTTP/1.1 405"), "{answer}");
    assert!(upstream.recorded().is_empty());
}

/// The probe of issue 27: Socialchat's message reaches the browser only when it shows nothing
/// secret-shaped; the API key or the token in another spelling is withheld all the same.
#[tokio::test]
async fn secret_shaped_upstream_messages_reach_the_browser_as_a_fixed_sentence() {
    let upstream = TestUpstream::start().await;
    let proxy = serve(&upstream, &[]);
    let url = format!(
        "{}/partner/channel/instagram/account?token={TOKEN}",
        proxy.api()
    );
    let unpadded = KEY.trim_end_matches('=');
    let spellings = [
        format!("bad key {unpadded}"),
        format!("bad key {}", KEY.replace('=', "%3D")),
        format!("bad key {}", KEY.to_lowercase()),
        format!("bad key {}\u{200b}{}", &KEY[..10], &KEY[10..]),
        "secret hostilesecret refused".to_owned(),
        format!("token {} rejected", TOKEN.to_uppercase()),
    ];
    for spelling in &spellings {
        upstream.answer(
            "/partner/channel/instagram/account",
            Canned::json(401, json!({ "message": spelling })),
        );
        let (status, answer) = call("GET", &url, None).await;
        assert_eq!(status, 401);
        let text = answer.to_string();
        assert_ne!(
            answer["message"].as_str(),
            Some(spelling.as_str()),
            "{text}"
        );
        assert!(!text.to_lowercase().contains("hostilesecret"), "{text}");
        assert!(text.contains("[redacted]"), "{text}");
    }
    // A message that shows nothing secret passes as Socialchat wrote it.
    upstream.answer(
        "/partner/channel/instagram/account",
        Canned::json(401, json!({ "message": "Token sudah kedaluwarsa" })),
    );
    let (_, answer) = call("GET", &url, None).await;
    assert_eq!(answer["message"], "Token sudah kedaluwarsa");
}

/// The probe of issue 27: an answer about another channel than the one asked for is refused,
/// on the channel's own route and on a reconnect, and never reaches the browser.
#[tokio::test]
async fn an_answer_about_another_channel_is_a_502() {
    let upstream = TestUpstream::start().await;
    let proxy = serve(&upstream, &[]);
    let other = "65a0b1c2d3e4f5a6b7c8d9aa";
    let channel = |id: &str| json!({"_id": id, "name": "Toko", "channelId": "1784", "channelType": "instagram", "isConnected": true});
    upstream.answer(
        &format!("/partner/channel/{ID}"),
        Canned::json(200, channel(other)),
    );
    let (status, answer) = call(
        "GET",
        &format!("{}/partner/channel/{ID}", proxy.api()),
        None,
    )
    .await;
    assert_eq!(status, 502, "{answer}");
    assert!(!answer.to_string().contains(other), "{answer}");

    upstream.answer(
        &format!("/partner/channel/{ID}"),
        Canned::json(200, channel(ID)),
    );
    upstream.answer(
        &format!("/partner/channel/instagram/{ID}"),
        Canned::json(200, channel(other)),
    );
    let body = format!(r#"{{"token":"{TOKEN}"}}"#);
    let (status, answer) = call(
        "POST",
        &format!("{}/partner/channel/instagram/{ID}", proxy.api()),
        Some(&body),
    )
    .await;
    assert_eq!(status, 502, "{answer}");
    assert!(!answer.to_string().contains(other), "{answer}");
}

/// The probe of issue 27: a request with two `Authorization` headers is refused, not read by its
/// first one.
#[test]
fn two_authorization_headers_are_a_400() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let upstream = runtime.block_on(TestUpstream::start());
    let proxy = serve(&upstream, &[]);
    let mut stream = raw(&proxy);
    stream
        .write_all(
            b"GET /api/socialchat/partner/channel/instagram/authorize HTTP/1.1\r\nHost: x\r\n\
Authorization: Bearer one\r\nAuthorization: Bearer two\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
    let answer = read_to_close(&mut stream);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(upstream.recorded().is_empty());
}

/// The probe of issue 27: the sandbox mints sessions for anyone who asks, so the secret it
/// checks and mints them with is its own, and it listens on this machine only with one.
#[test]
fn the_sandbox_s_session_secret_is_its_own_and_stays_on_loopback() {
    let run = |listen: &str, env: &[(&str, &str)]| {
        let mut command = std::process::Command::new(common::BIN);
        command
            .args(["sandbox", "--session-secret-env", "--listen", listen])
            .env_remove("SOCIALCHAT_SESSION_SECRET")
            .env_remove("SOCIALCHAT_SANDBOX_SESSION_SECRET");
        for (k, v) in env {
            command.env(k, v);
        }
        command.output().unwrap()
    };
    let secret = "sandbox-secret-of-thirty-two-bytes-or-more";
    // The partner's secret alone is not the sandbox's.
    let output = run("127.0.0.1:0", &[("SOCIALCHAT_SESSION_SECRET", secret)]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("SOCIALCHAT_SANDBOX_SESSION_SECRET"),
        "{stderr}"
    );
    // Not on an address other machines reach.
    let output = run(
        "0.0.0.0:0",
        &[("SOCIALCHAT_SANDBOX_SESSION_SECRET", secret)],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("loopback"), "{stderr}");
}
