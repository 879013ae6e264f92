//! `socialchat-proxy serve` against a recording test upstream, over real HTTP on 127.0.0.1.

mod common;

use std::time::Duration;

use common::{call, client, Canned, Proxy, TestUpstream};
use serde_json::json;

const KEY: &str = "dGVzdGFwcF90ZXN0c2VjcmV0"; // base64("testapp_testsecret")
const TOKEN: &str = "tok-SECRET-9f8e7d6c5b4a";

fn serve(upstream: &TestUpstream, extra: &[&str]) -> Proxy {
    // These tests are about forwarding; sessions have their own suite (sessions.rs).
    let mut args = vec![
        "serve",
        "--no-session-check",
        "--upstream",
        upstream.url.as_str(),
        "--timeout-secs",
        "1",
    ];
    args.extend_from_slice(extra);
    Proxy::start(&args, &[("SOCIALCHAT_API_KEY", KEY)])
}

fn secret_channel() -> serde_json::Value {
    json!({
        "_id": "65a0b1c2d3e4f5a6b7c8d9e0", "name": "Toko Batik", "channelId": "1784", "channelType": "instagram",
        "isConnected": true, "picture": "https://cdn.test/p.jpg", "status": "premium",
        "createdBy": {"_id": "u1", "email": "owner@toko.test"},
        "additionalData": {"pageToken": "EAAB-page-secret"},
        "token": {"accessToken": "EAAB-access-secret"}
    })
}

#[tokio::test]
async fn every_widget_call_is_forwarded_with_the_bearer_key_path_and_body() {
    let upstream = TestUpstream::start().await;
    let proxy = serve(&upstream, &[]);
    let api = proxy.api();
    upstream.answer(
        "/partner/channel/instagram/authorize",
        Canned::json(
            200,
            json!({"url": "https://www.facebook.com/dialog/oauth?x=1"}),
        ),
    );
    let (s, body) = call(
        "GET",
        &format!("{api}/partner/channel/instagram/authorize"),
        None,
    )
    .await;
    assert_eq!(
        (s, body),
        (
            200,
            json!({"url": "https://www.facebook.com/dialog/oauth?x=1"})
        )
    );
    call(
        "GET",
        &format!("{api}/partner/channel?page=2&limit=5&channelTypes[]=instagram"),
        None,
    )
    .await;
    upstream.answer(
        "/partner/channel/65a0b1c2d3e4f5a6b7c8d9e0",
        Canned::json(200, secret_channel()),
    );
    call(
        "GET",
        &format!("{api}/partner/channel/messenger/account?token={TOKEN}&nextOffset=abc%3D%3D"),
        None,
    )
    .await;
    call(
        "POST",
        &format!("{api}/partner/channel/instagram"),
        Some(&format!(
            r#"{{"channelId":"11233412","token":"{TOKEN}","extra":"dropped"}}"#
        )),
    )
    .await;
    call(
        "POST",
        &format!("{api}/partner/channel/instagram/65a0b1c2d3e4f5a6b7c8d9e0"),
        Some(&format!(r#"{{"token":"{TOKEN}"}}"#)),
    )
    .await;

    let got = upstream.recorded();
    // The account page and its marks' list go out at the same time: compare in order of kind.
    let mut summary: Vec<(String, String, String)> = got
        .iter()
        .map(|r| (r.method.clone(), r.path.clone(), r.query.clone()))
        .collect();
    summary.sort();
    let mut expected: Vec<(String, String, String)> = vec![
        (
            "GET".into(),
            "/partner/channel/instagram/authorize".into(),
            "".into(),
        ),
        (
            "GET".into(),
            "/partner/channel".into(),
            "page=2&limit=5&channelTypes%5B%5D=instagram".into(),
        ),
        (
            "GET".into(),
            "/partner/channel/messenger/account".into(),
            format!("token={TOKEN}&nextOffset=abc%3D%3D"),
        ),
        // Read beside the account page, for the picker's marks.
        (
            "GET".into(),
            "/partner/channel".into(),
            "page=1&limit=100&channelTypes%5B%5D=messenger".into(),
        ),
        (
            "POST".into(),
            "/partner/channel/instagram".into(),
            "".into(),
        ),
        // A reconnect first checks that the channel is of the route's kind.
        (
            "GET".into(),
            "/partner/channel/65a0b1c2d3e4f5a6b7c8d9e0".into(),
            "".into(),
        ),
        (
            "POST".into(),
            "/partner/channel/instagram/65a0b1c2d3e4f5a6b7c8d9e0".into(),
            "".into(),
        ),
    ];
    expected.sort();
    assert_eq!(summary, expected);
    let body_of = |method: &str, path: &str| {
        got.iter()
            .find(|r| r.method == method && r.path == path)
            .map(|r| r.body.clone())
            .unwrap()
    };
    for r in &got {
        assert_eq!(r.authorization, format!("Bearer {KEY}"), "{r:?}");
    }
    let connect: serde_json::Value =
        serde_json::from_str(&body_of("POST", "/partner/channel/instagram")).unwrap();
    assert_eq!(connect, json!({"channelId": "11233412", "token": TOKEN}));
    let reconnect: serde_json::Value = serde_json::from_str(&body_of(
        "POST",
        "/partner/channel/instagram/65a0b1c2d3e4f5a6b7c8d9e0",
    ))
    .unwrap();
    assert_eq!(reconnect, json!({"token": TOKEN}));
}

#[tokio::test]
async fn channels_reach_the_browser_without_their_secrets() {
    let upstream = TestUpstream::start().await;
    let proxy = serve(&upstream, &[]);
    let api = proxy.api();
    upstream.answer(
        "/partner/channel",
        Canned::json(
            200,
            json!({"docs": [secret_channel()], "totalDocs": 1, "page": 1, "hasNextPage": false}),
        ),
    );
    upstream.answer(
        "/partner/channel/instagram",
        Canned::json(201, json!({"message": "ok", "data": secret_channel()})),
    );
    upstream.answer(
        "/partner/channel/instagram/65a0b1c2d3e4f5a6b7c8d9e0",
        Canned::json(200, secret_channel()),
    );
    upstream.answer(
        "/partner/channel/65a0b1c2d3e4f5a6b7c8d9e0",
        Canned::json(200, secret_channel()),
    );
    let (_, list) = call("GET", &format!("{api}/partner/channel"), None).await;
    let (s, connected) = call(
        "POST",
        &format!("{api}/partner/channel/instagram"),
        Some(&format!(r#"{{"channelId":"1784","token":"{TOKEN}"}}"#)),
    )
    .await;
    assert_eq!(s, 201);
    let (_, reconnected) = call(
        "POST",
        &format!("{api}/partner/channel/instagram/65a0b1c2d3e4f5a6b7c8d9e0"),
        Some(&format!(r#"{{"token":"{TOKEN}"}}"#)),
    )
    .await;
    for answer in [&list, &connected, &reconnected] {
        let text = answer.to_string();
        for secret in [
            "EAAB-page-secret",
            "EAAB-access-secret",
            "owner@toko.test",
            "premium",
        ] {
            assert!(!text.contains(secret), "{secret} leaked in {text}");
        }
    }
    assert_eq!(list["docs"][0]["name"], "Toko Batik");
    assert_eq!(list["totalDocs"], 1);
    // A connect answer is the projected channel, wherever Socialchat put it in its answer.
    assert_eq!(connected["channelId"], "1784");
    assert!(connected.get("message").is_none(), "{connected}");
    assert_eq!(reconnected["isConnected"], true);
}

#[tokio::test]
async fn everything_else_is_refused_and_never_reaches_socialchat() {
    let upstream = TestUpstream::start().await;
    let proxy = serve(&upstream, &[]);
    let api = proxy.api();
    for (method, path, status) in [
        ("PUT", format!("{api}/partner"), 404),
        ("GET", format!("{api}/partner"), 404),
        (
            "GET",
            format!("{api}/partner/channel/whatsapp/authorize"),
            404,
        ),
        (
            "GET",
            format!("{api}/partner/channel/instagram/authorize/x"),
            404,
        ),
        (
            "DELETE",
            format!("{api}/partner/channel/instagram/65a0b1c2d3e4f5a6b7c8d9e0"),
            405,
        ),
        (
            "POST",
            format!("{api}/partner/channel/instagram/authorize"),
            405,
        ),
        ("PUT", format!("{api}/partner/channel"), 405),
        ("GET", format!("{api}/admin"), 404),
        ("GET", format!("{}/partner/channel", proxy.origin), 404),
    ] {
        let (got, body) = call(method, &path, None).await;
        assert_eq!(got, status, "{method} {path}: {body}");
        assert!(body["message"].as_str().unwrap().len() > 10, "{body}");
    }
    assert!(upstream.recorded().is_empty(), "{:?}", upstream.recorded());
}

#[tokio::test]
async fn bad_input_gets_400_with_a_reason_and_never_reaches_socialchat() {
    let upstream = TestUpstream::start().await;
    let proxy = serve(&upstream, &[]);
    let api = proxy.api();
    let long_token = "t".repeat(5000);
    let cases: Vec<(&str, String, Option<String>, u16, &str)> = vec![
        (
            "GET",
            format!("{api}/partner/channel/instagram/account"),
            None,
            400,
            "token is missing",
        ),
        (
            "GET",
            format!("{api}/partner/channel/instagram/account?token={long_token}"),
            None,
            400,
            "token is longer",
        ),
        (
            "GET",
            format!("{api}/partner/channel/instagram/account?token=a&token=b"),
            None,
            400,
            "more than once",
        ),
        (
            "GET",
            format!("{api}/partner/channel/instagram/account?token=a&admin=1"),
            None,
            400,
            "unexpected query parameter",
        ),
        (
            "GET",
            format!("{api}/partner/channel/instagram/authorize?redirect=x"),
            None,
            400,
            "unexpected query parameter",
        ),
        (
            "GET",
            format!("{api}/partner/channel?limit=abc"),
            None,
            400,
            "whole number",
        ),
        (
            "POST",
            format!("{api}/partner/channel/instagram/..%2F..%2Fpartner"),
            Some(r#"{"token":"a"}"#.into()),
            400,
            "id may only hold",
        ),
        (
            "POST",
            format!("{api}/partner/channel/instagram"),
            Some(format!(r#"{{"token":"{TOKEN}"}}"#)),
            400,
            "channelId",
        ),
        (
            "POST",
            format!("{api}/partner/channel/instagram"),
            Some(r#"{"channelId":"1 2","token":"a"}"#.into()),
            400,
            "channelId may only hold",
        ),
        (
            "POST",
            format!("{api}/partner/channel/instagram"),
            Some("not json".into()),
            400,
            "body must be",
        ),
        (
            "POST",
            format!("{api}/partner/channel/instagram/65a0b1c2d3e4f5a6b7c8d9e0"),
            Some("{}".into()),
            400,
            "body must be",
        ),
        (
            "POST",
            format!("{api}/partner/channel/instagram"),
            Some(format!(
                r#"{{"channelId":"1","token":"{}"}}"#,
                "a".repeat(9000)
            )),
            413,
            "larger than",
        ),
    ];
    for (method, url, body, status, needle) in cases {
        let (got, answer) = call(method, &url, body.as_deref()).await;
        let message = answer["message"].as_str().unwrap_or_default();
        assert_eq!(
            got,
            status,
            "{method} {}: {answer}",
            &url[..url.len().min(120)]
        );
        assert!(message.contains(needle), "{needle:?} not in {message:?}");
        assert!(!message.contains(TOKEN), "the token is echoed: {message}");
    }
    assert!(upstream.recorded().is_empty(), "{:?}", upstream.recorded());
}

#[tokio::test]
async fn upstream_errors_keep_their_status_and_messages_and_html_becomes_json() {
    let upstream = TestUpstream::start().await;
    let proxy = serve(&upstream, &[]);
    let api = proxy.api();
    upstream.answer("/partner/channel/instagram/authorize", Canned::json(403, json!({"statusCode": 403, "message": "Autentikasi tidak sah, silahkan login", "originalMessage": "Unauthorized"})));
    let (s, body) = call(
        "GET",
        &format!("{api}/partner/channel/instagram/authorize"),
        None,
    )
    .await;
    assert_eq!(s, 403);
    assert_eq!(body["message"], "Autentikasi tidak sah, silahkan login");
    assert_eq!(body["originalMessage"], "Unauthorized");

    upstream.answer(
        "/partner/channel/messenger/authorize",
        Canned::text(
            503,
            "text/html",
            "<html><h1>Service Unavailable</h1></html>",
        ),
    );
    let (s, body) = call(
        "GET",
        &format!("{api}/partner/channel/messenger/authorize"),
        None,
    )
    .await;
    assert_eq!(s, 503);
    assert_eq!(
        body["message"],
        "Socialchat answered HTTP 503 without details"
    );

    upstream.answer(
        "/partner/channel",
        Canned::text(200, "text/html", "<html>maintenance</html>"),
    );
    let (s, body) = call("GET", &format!("{api}/partner/channel"), None).await;
    assert_eq!(s, 502);
    assert_eq!(
        body["message"],
        "Socialchat answered with something that is not JSON"
    );

    upstream.answer(
        "/partner/channel/instagram/account",
        Canned::json(401, json!({"statusCode": 401, "message": "Token expired"})),
    );
    let (s, body) = call(
        "GET",
        &format!("{api}/partner/channel/instagram/account?token={TOKEN}"),
        None,
    )
    .await;
    assert_eq!((s, body["message"].as_str()), (401, Some("Token expired")));
}

#[tokio::test]
async fn a_slow_upstream_gets_504_and_an_unreachable_one_502() {
    let upstream = TestUpstream::start().await;
    let proxy = serve(&upstream, &[]);
    let mut slow = Canned::json(200, json!({"url": "https://x.test"}));
    slow.delay = Duration::from_secs(3);
    upstream.answer("/partner/channel/instagram/authorize", slow);
    let started = std::time::Instant::now();
    let (s, body) = call(
        "GET",
        &format!("{}/partner/channel/instagram/authorize", proxy.api()),
        None,
    )
    .await;
    assert_eq!(s, 504, "{body}");
    assert_eq!(body["message"], "Socialchat did not answer within 1 s");
    assert!(started.elapsed() < Duration::from_millis(2500));

    // A port that was just free: nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let dead = Proxy::start(
        &[
            "serve",
            "--no-session-check",
            "--upstream",
            &format!("http://{closed}"),
        ],
        &[("SOCIALCHAT_API_KEY", KEY)],
    );
    let (s, body) = call(
        "GET",
        &format!(
            "{}/partner/channel/instagram/account?token={TOKEN}",
            dead.api()
        ),
        None,
    )
    .await;
    assert_eq!(s, 502);
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("could not reach Socialchat"));
    let logs = dead.logs();
    assert!(!logs.contains(TOKEN), "token in logs: {logs}");
}

#[tokio::test]
async fn logs_have_one_line_per_request_and_never_the_token_or_the_key() {
    let upstream = TestUpstream::start().await;
    let proxy = serve(&upstream, &[]);
    let api = proxy.api();
    upstream.answer(
        "/partner/channel/instagram/account",
        Canned::json(200, json!({"docs": [], "hasNextPage": false})),
    );
    call(
        "GET",
        &format!("{api}/partner/channel/instagram/account?token={TOKEN}&nextOffset=n1"),
        None,
    )
    .await;
    call(
        "GET",
        &format!("{api}/partner/channel/instagram/account?token={TOKEN}&bogus=1"),
        None,
    )
    .await;
    call(
        "POST",
        &format!("{api}/partner/channel/instagram"),
        Some(&format!(r#"{{"channelId":"1","token":"{TOKEN}"}}"#)),
    )
    .await;
    call(
        "POST",
        &format!("{api}/partner/channel/instagram"),
        Some(&format!(r#"{{"channelId":"bad id","token":"{TOKEN}"}}"#)),
    )
    .await;
    let logs = proxy.logs();
    assert!(!logs.contains(TOKEN), "token in logs:\n{logs}");
    assert!(!logs.contains(KEY), "key in logs:\n{logs}");
    let request_lines: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("request_id=req-"))
        .collect();
    assert_eq!(request_lines.len(), 4, "{logs}");
    // Each worker hands its lines over on its own, so the four may come in any order.
    let has = |text: &str| request_lines.iter().filter(|l| l.contains(text)).count();
    assert_eq!(
        has("method=GET route=\"/partner/channel/{kind}/account\" status=200"),
        1,
        "{logs}"
    );
    assert_eq!(
        has("method=GET route=\"/partner/channel/{kind}/account\" status=400 "),
        1,
        "{logs}"
    );
}

#[tokio::test]
async fn cors_allows_only_the_configured_origins_with_credentials() {
    let upstream = TestUpstream::start().await;
    let proxy = serve(&upstream, &["--allow-origin", "https://dashboard.example"]);
    let url = format!("{}/partner/channel/instagram", proxy.api());
    let preflight = |origin: &'static str| {
        client()
            .request(reqwest::Method::OPTIONS, &url)
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let allowed = preflight("https://dashboard.example").await.unwrap();
    let headers = allowed.headers();
    assert_eq!(
        headers.get("access-control-allow-origin").unwrap(),
        "https://dashboard.example"
    );
    assert_eq!(
        headers.get("access-control-allow-credentials").unwrap(),
        "true"
    );
    let refused = preflight("https://evil.example").await.unwrap();
    assert!(refused
        .headers()
        .get("access-control-allow-origin")
        .is_none());
    assert!(
        upstream.recorded().is_empty(),
        "a preflight never goes upstream"
    );

    // Without --allow-origin: same-origin use only.
    let plain = serve(&upstream, &[]);
    let response = client()
        .get(format!(
            "{}/partner/channel/instagram/authorize",
            plain.api()
        ))
        .header("origin", "https://dashboard.example")
        .send()
        .await
        .unwrap();
    assert!(response
        .headers()
        .get("access-control-allow-origin")
        .is_none());
}

#[tokio::test]
async fn static_files_are_served_compressed_by_accept_encoding_with_vary() {
    let upstream = TestUpstream::start().await;
    let dir = std::env::temp_dir().join(format!("sc-static-encoding-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("pkg")).unwrap();
    // What scripts/bundle writes: each file, and its .br and .gz beside it.
    let wasm = "pkg/socialchat-connect_bg-0123456789abcdef.wasm";
    for (name, content) in [(wasm, "WASM"), ("callback.html", "<title>callback</title>")] {
        std::fs::write(dir.join(name), content).unwrap();
        std::fs::write(dir.join(format!("{name}.br")), format!("br of {content}")).unwrap();
        std::fs::write(dir.join(format!("{name}.gz")), format!("gz of {content}")).unwrap();
    }
    let proxy = serve(&upstream, &["--static", dir.to_str().unwrap()]);
    for path in [format!("/{wasm}"), "/callback/instagram".to_owned()] {
        let content = if path.ends_with(".wasm") {
            "WASM"
        } else {
            "<title>callback</title>"
        };
        for (accept, encoding, body) in [
            (Some("br, gzip"), Some("br"), format!("br of {content}")),
            (
                Some("gzip, deflate"),
                Some("gzip"),
                format!("gz of {content}"),
            ),
            (Some("identity"), None, content.to_owned()),
            (None, None, content.to_owned()),
        ] {
            let mut request = client().get(format!("{}{path}", proxy.origin));
            if let Some(accept) = accept {
                request = request.header("accept-encoding", accept);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200, "{path} {accept:?}");
            let headers = response.headers().clone();
            assert_eq!(
                headers.get("content-encoding").map(|v| v.to_str().unwrap()),
                encoding,
                "{path} {accept:?}"
            );
            assert_eq!(headers.get("vary").unwrap(), "accept-encoding", "{path}");
            let expected_type = if path.ends_with(".wasm") {
                "application/wasm"
            } else {
                "text/html; charset=utf-8"
            };
            assert_eq!(
                headers.get("content-type").unwrap(),
                expected_type,
                "{path}"
            );
            assert_eq!(response.text().await.unwrap(), body, "{path} {accept:?}");
        }
    }
    // The caching rules hold for every variant.
    let hashed = client()
        .get(format!("{}/{wasm}", proxy.origin))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(
        hashed.headers().get("cache-control").unwrap(),
        "public, max-age=31536000, immutable"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn static_files_and_the_callback_page_are_served_from_the_build_folder() {
    let upstream = TestUpstream::start().await;
    let dir = std::env::temp_dir().join(format!("sc-static-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("callback.html"),
        "<!doctype html><title>callback</title>",
    )
    .unwrap();
    std::fs::write(dir.join("socialchat-connect.js"), "export {};").unwrap();
    let proxy = serve(&upstream, &["--static", dir.to_str().unwrap()]);
    let page = client()
        .get(format!("{}/callback/instagram?token=abc", proxy.origin))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(
        page.headers().get("referrer-policy").unwrap(),
        "no-referrer"
    );
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("<title>callback</title>"));
    // The page's own files load by relative path from /callback/ too.
    let asset = client()
        .get(format!("{}/callback/socialchat-connect.js", proxy.origin))
        .send()
        .await
        .unwrap();
    assert_eq!(asset.status(), 200);
    std::fs::create_dir_all(dir.join("snippets/x")).unwrap();
    std::fs::write(dir.join("snippets/x/inline0.js"), "export {};").unwrap();
    let snippet = client()
        .get(format!("{}/callback/snippets/x/inline0.js", proxy.origin))
        .send()
        .await
        .unwrap();
    assert_eq!(snippet.status(), 200);
    for sneaky in [
        "..%2Fsecret",
        ".hidden",
        "snippets%2F..%2Fcallback.html",
        "snippets//x",
        "a%2F..%2Fb",
    ] {
        let refused = client()
            .get(format!("{}/callback/{sneaky}", proxy.origin))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 404, "{sneaky}");
    }
    let unknown = client()
        .get(format!("{}/callback/whatsapp", proxy.origin))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let script = client()
        .get(format!("{}/socialchat-connect.js", proxy.origin))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), 200);
    assert!(script
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("javascript"));
    // Public files: a page on another origin may load them as a module script.
    assert_eq!(
        script.headers().get("access-control-allow-origin").unwrap(),
        "*"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn serve_refuses_to_start_without_the_api_key() {
    let output = std::process::Command::new(common::BIN)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_remove("SOCIALCHAT_API_KEY")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("SOCIALCHAT_API_KEY is not set"), "{stderr}");
    // And there is no flag to pass it on the command line.
    let output = std::process::Command::new(common::BIN)
        .args(["serve", "--api-key", "x"])
        .output()
        .unwrap();
    assert!(!output.status.success());
}

#[tokio::test]
async fn an_upstream_with_a_path_keeps_it_in_front_of_every_call() {
    let upstream = TestUpstream::start().await;
    let base = format!("{}/gateway/", upstream.url);
    let proxy = Proxy::start(
        &["serve", "--no-session-check", "--upstream", &base],
        &[("SOCIALCHAT_API_KEY", KEY)],
    );
    call(
        "GET",
        &format!(
            "{}/partner/channel/instagram/account?token={TOKEN}&nextOffset=a%2Bb",
            proxy.api()
        ),
        None,
    )
    .await;
    let got = upstream.recorded();
    assert_eq!(
        got.len(),
        2,
        "the page, and the channel list for its marks: {got:?}"
    );
    assert!(got
        .iter()
        .all(|r| r.path.starts_with("/gateway/partner/channel")));
    let page = got
        .iter()
        .find(|r| r.path == "/gateway/partner/channel/instagram/account")
        .expect("the account page");
    assert_eq!(page.query, format!("token={TOKEN}&nextOffset=a%2Bb"));
}

#[test]
fn serve_refuses_an_upstream_that_is_not_a_plain_http_url() {
    for bad in [
        "ftp://api.socialchat.id",
        "https://",
        "https://api.socialchat.id/?x=1",
    ] {
        let output = std::process::Command::new(common::BIN)
            .args([
                "serve",
                "--no-session-check",
                "--listen",
                "127.0.0.1:0",
                "--upstream",
                bad,
            ])
            .env("SOCIALCHAT_API_KEY", KEY)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{bad} was accepted");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("--upstream must be an http(s) URL"),
            "{bad}: {stderr}"
        );
    }
}

#[tokio::test]
async fn the_pickers_marks_read_the_channel_list_once_for_load_more_and_again_after_a_connect() {
    let upstream = TestUpstream::start().await;
    let proxy = serve(&upstream, &[]);
    let api = proxy.api();
    upstream.answer(
        "/partner/channel/instagram/account",
        Canned::json(
            200,
            json!({"docs": [{"name": "Toko", "channelId": "1784"}, {"name": "Kopi", "channelId": "1785"}],
                   "hasNextPage": true, "nextOffset": "n2"}),
        ),
    );
    upstream.answer(
        "/partner/channel",
        Canned::json(
            200,
            json!({"docs": [{"_id": "65a0b1c2d3e4f5a6b7c8d9e0", "name": "Toko", "channelId": "1784",
                             "channelType": "instagram", "isConnected": true}],
                   "hasNextPage": false}),
        ),
    );
    upstream.answer(
        "/partner/channel/instagram",
        Canned::json(201, secret_channel()),
    );
    let page = format!("{api}/partner/channel/instagram/account?token={TOKEN}");
    let lists = || {
        upstream
            .recorded()
            .iter()
            .filter(|r| r.path == "/partner/channel")
            .count()
    };
    let (_, first) = call("GET", &page, None).await;
    assert_eq!(first["docs"][0]["connected"], true, "{first}");
    assert!(first["docs"][1].get("connected").is_none());
    call("GET", &format!("{page}&nextOffset=n2"), None).await;
    assert_eq!(lists(), 1, "Load more reuses the list it just read");
    call(
        "POST",
        &format!("{api}/partner/channel/instagram"),
        Some(&format!(r#"{{"channelId":"1785","token":"{TOKEN}"}}"#)),
    )
    .await;
    call("GET", &page, None).await;
    assert_eq!(lists(), 2, "a connect makes the next page read it again");
}

#[tokio::test]
async fn hashed_files_are_cached_for_good_and_the_loader_is_revalidated() {
    let upstream = TestUpstream::start().await;
    let dir = std::env::temp_dir().join(format!("sc-cache-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("pkg")).unwrap();
    std::fs::write(dir.join("socialchat-connect.js"), "import('./pkg/x.js');").unwrap();
    std::fs::write(
        dir.join("pkg/socialchat-connect-0123456789abcdef.js"),
        "export {};",
    )
    .unwrap();
    std::fs::write(
        dir.join("pkg/socialchat-connect_bg-fedcba9876543210.wasm"),
        b"\0asm\x01\0\0\0",
    )
    .unwrap();
    let proxy = serve(&upstream, &["--static", dir.to_str().unwrap()]);
    let get = |path: &str| client().get(format!("{}{path}", proxy.origin)).send();
    for path in [
        "/pkg/socialchat-connect-0123456789abcdef.js",
        "/pkg/socialchat-connect_bg-fedcba9876543210.wasm",
    ] {
        let file = get(path).await.unwrap();
        assert_eq!(file.status(), 200, "{path}");
        assert_eq!(
            file.headers()["cache-control"],
            "public, max-age=31536000, immutable",
            "{path}"
        );
        assert_eq!(file.headers()["access-control-allow-origin"], "*");
    }
    let wasm = get("/pkg/socialchat-connect_bg-fedcba9876543210.wasm")
        .await
        .unwrap();
    assert_eq!(
        wasm.headers()["content-type"],
        "application/wasm",
        "compiled as it streams"
    );
    let loader = get("/socialchat-connect.js").await.unwrap();
    assert_eq!(loader.headers()["cache-control"], "no-cache");
    let modified = loader.headers()["last-modified"]
        .to_str()
        .unwrap()
        .to_owned();
    let again = client()
        .get(format!("{}/socialchat-connect.js", proxy.origin))
        .header("if-modified-since", &modified)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304, "a second visit revalidates the loader");
    assert_eq!(again.bytes().await.unwrap().len(), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Without `--allow-origin` the widget's calls skip the router; with it they go through the
/// router and its CORS layer. Either way a call gets the same status, body and headers (CORS's
/// own aside), is logged, and is never cached.
#[tokio::test]
async fn the_widget_s_calls_are_answered_alike_with_and_without_cors() {
    let upstream = TestUpstream::start().await;
    upstream.answer(
        "/partner/channel/instagram/account",
        Canned::json(
            200,
            json!({"docs": [{"name": "Toko", "channelId": "1784"}]}),
        ),
    );
    let direct = serve(&upstream, &[]);
    let routed = serve(&upstream, &["--allow-origin", "https://dashboard.example"]);
    let calls: [(&str, &str, Option<&str>); 10] = [
        ("GET", "/partner/channel/instagram/account?token=t1", None),
        (
            "GET",
            "/partner/channel/instagram/account?token=t1&bogus=1",
            None,
        ),
        ("GET", "/partner", None),
        ("GET", "/partner/", None),
        ("GET", "/partner//channel", None),
        ("GET", "/partnerx", None),
        ("DELETE", "/partner/channel/instagram/authorize", None),
        ("HEAD", "/partner/channel/instagram/authorize", None),
        ("POST", "/partner/channel/instagram", Some("not json")),
        ("GET", "/elsewhere", None),
    ];
    for (method, path, body) in calls {
        let mut answers = Vec::new();
        for proxy in [&direct, &routed] {
            let mut request = client().request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                format!("{}{path}", proxy.api()),
            );
            if let Some(body) = body {
                request = request.header("content-type", "text/plain").body(body);
            }
            let response = request.send().await.unwrap();
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .map(|v| v.to_str().unwrap().to_owned())
            };
            let seen = (
                response.status().as_u16(),
                header("cache-control"),
                header("content-type"),
                header("allow"),
                header("x-request-id").is_some_and(|id| id.starts_with("req-")),
            );
            answers.push((seen, response.text().await.unwrap()));
        }
        assert_eq!(answers[0], answers[1], "{method} {path}");
        let ((status, cache, _, _, id), _) = &answers[0];
        assert!(*id, "{method} {path}: no request id");
        if path.starts_with("/partner") {
            assert_eq!(cache.as_deref(), Some("no-store"), "{method} {path}");
        }
        assert_ne!(*status, 500, "{method} {path}");
    }
    for proxy in [&direct, &routed] {
        let logs = proxy.logs();
        let lines = logs
            .lines()
            .filter(|l| l.contains("request_id=req-"))
            .count();
        assert_eq!(lines, calls.len(), "{logs}");
    }
}
