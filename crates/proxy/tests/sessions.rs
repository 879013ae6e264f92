//! Sessions over real HTTP: `serve` with `SOCIALCHAT_SESSION_SECRET` lets in only calls that
//! carry a valid session, only for what it allows, and tells the partner's backend of each
//! channel connected through a signed webhook. The sessions here are written by hand (base64url
//! and an HMAC built from SHA-256, RFC 2104), not by the proxy's JWT library, so the contract is
//! checked from outside.

mod common;

use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::{receiver, send_call, wait_for, Canned, Proxy, TestUpstream};
use serde_json::{json, Value};
use sha2::{Digest, Sha256, Sha512};

const KEY: &str = "c2Vzc2lvbmFwcF9zZXNzaW9uc2VjcmV0";
const SECRET: &str = "a-session-secret-of-more-than-32-bytes-for-tests";
const TOKEN: &str = "tok-SESSION-1234567890";
const MINE: &str = "65a0b1c2d3e4f5a6b7c8d9e0";
const THEIRS: &str = "65a0b1c2d3e4f5a6b7c8d9ff";

/// HMAC (RFC 2104) over any of the SHA-2 hashes, written out.
fn hmac<D: Digest>(key: &[u8], message: &[u8], block: usize) -> Vec<u8> {
    let mut key = key.to_vec();
    if key.len() > block {
        key = D::digest(&key).to_vec();
    }
    key.resize(block, 0);
    let pad = |byte: u8| key.iter().map(|k| k ^ byte).collect::<Vec<u8>>();
    let mut inner = D::new();
    inner.update(pad(0x36));
    inner.update(message);
    let inner = inner.finalize();
    let mut outer = D::new();
    outer.update(pad(0x5c));
    outer.update(inner);
    outer.finalize().to_vec()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A JWT written by hand: `alg` in the header, signed with `secret` (HS256 or HS512), or
/// unsigned for `none`.
fn jwt(alg: &str, claims: &Value, secret: &str) -> String {
    jwt_with_header(&json!({"alg": alg, "typ": "JWT"}), claims, secret)
}

/// A JWT written by hand with the header as given, signed as its `alg` says.
fn jwt_with_header(header: &Value, claims: &Value, secret: &str) -> String {
    let alg = header["alg"].as_str().unwrap_or("none");
    let header = URL_SAFE_NO_PAD.encode(header.to_string());
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{payload}");
    let signature = match alg {
        "HS256" => hmac::<Sha256>(secret.as_bytes(), signing_input.as_bytes(), 64),
        "HS512" => hmac::<Sha512>(secret.as_bytes(), signing_input.as_bytes(), 128),
        _ => Vec::new(),
    };
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

fn claims() -> Value {
    json!({
        "aud": "socialchat-connect",
        "sub": "user-42",
        "iat": now(),
        "exp": now() + 600,
        "kinds": ["instagram"],
        "channels": [MINE],
    })
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().unwrap().remove(key);
    claims
}

fn serve(upstream: &TestUpstream, extra: &[&str]) -> Proxy {
    let mut args = vec!["serve", "--upstream", upstream.url.as_str()];
    args.extend_from_slice(extra);
    Proxy::start(
        &args,
        &[
            ("SOCIALCHAT_API_KEY", KEY),
            ("SOCIALCHAT_SESSION_SECRET", SECRET),
        ],
    )
}

async fn send(method: &str, url: &str, session: Option<&str>, body: Option<&str>) -> (u16, Value) {
    let answered = send_call(method, url, session, body.map(str::to_owned), None).await;
    (answered.status, answered.body)
}

#[tokio::test]
async fn every_bad_session_is_refused_before_anything_goes_upstream() {
    let upstream = TestUpstream::start().await;
    let proxy = serve(&upstream, &[]);
    let url = format!("{}/partner/channel/instagram/authorize", proxy.api());
    let cases: Vec<(&str, Option<String>, u16, &str)> = vec![
        ("missing", None, 401, "session-required"),
        (
            "forged",
            Some(jwt(
                "HS256",
                &claims(),
                "another-secret-also-32-bytes-long!!",
            )),
            401,
            "session-invalid",
        ),
        (
            "alg none",
            Some(jwt("none", &claims(), SECRET)),
            401,
            "session-invalid",
        ),
        (
            "HS512",
            Some(jwt("HS512", &claims(), SECRET)),
            401,
            "session-invalid",
        ),
        (
            "wrong aud",
            Some(jwt(
                "HS256",
                &with(claims(), "aud", json!("other-app")),
                SECRET,
            )),
            401,
            "session-invalid",
        ),
        (
            "expired",
            Some(jwt(
                "HS256",
                &with(
                    with(claims(), "iat", json!(now() - 900)),
                    "exp",
                    json!(now() - 120),
                ),
                SECRET,
            )),
            401,
            "session-expired",
        ),
        (
            "too long-lived",
            Some(jwt(
                "HS256",
                &with(claims(), "exp", json!(now() + 7200)),
                SECRET,
            )),
            401,
            "session-invalid",
        ),
        (
            "no exp",
            Some(jwt("HS256", &without(claims(), "exp"), SECRET)),
            401,
            "session-invalid",
        ),
        (
            "no iat",
            Some(jwt("HS256", &without(claims(), "iat"), SECRET)),
            401,
            "session-invalid",
        ),
        (
            "no sub",
            Some(jwt("HS256", &without(claims(), "sub"), SECRET)),
            401,
            "session-invalid",
        ),
        (
            "malformed",
            Some("not.a.jwt".to_owned()),
            401,
            "session-invalid",
        ),
        ("garbage", Some("x".repeat(100)), 401, "session-invalid"),
        (
            "wrong kind",
            Some(jwt(
                "HS256",
                &with(claims(), "kinds", json!(["messenger"])),
                SECRET,
            )),
            403,
            "kind-not-allowed",
        ),
    ];
    for (what, session, status, code) in &cases {
        let (got, body) = send("GET", &url, session.as_deref(), None).await;
        assert_eq!(
            (got, body["code"].as_str()),
            (*status, Some(*code)),
            "{what}: {body}"
        );
        assert_eq!(body["statusCode"], *status);
        assert!(
            body["message"].as_str().unwrap().len() > 20,
            "{what}: {body}"
        );
        assert!(body["originalMessage"].is_string(), "{what}: {body}");
    }
    let reconnect = format!("{}/partner/channel/instagram/{THEIRS}", proxy.api());
    let (got, body) = send(
        "POST",
        &reconnect,
        Some(&jwt("HS256", &claims(), SECRET)),
        Some(&format!(r#"{{"token":"{TOKEN}"}}"#)),
    )
    .await;
    assert_eq!(
        (got, body["code"].as_str()),
        (403, Some("channel-not-allowed")),
        "{body}"
    );
    assert!(upstream.recorded().is_empty(), "{:?}", upstream.recorded());

    // The same session, intact, goes through.
    upstream.answer(
        "/partner/channel/instagram/authorize",
        Canned::json(200, json!({"url": "https://www.facebook.com/dialog/oauth"})),
    );
    let (got, body) = send("GET", &url, Some(&jwt("HS256", &claims(), SECRET)), None).await;
    assert_eq!(got, 200, "{body}");
    assert_eq!(upstream.recorded().len(), 1);
}

#[tokio::test]
async fn a_critical_header_extension_or_a_not_yet_valid_session_is_refused() {
    let upstream = TestUpstream::start().await;
    let proxy = serve(&upstream, &[]);
    let url = format!("{}/partner/channel/instagram/authorize", proxy.api());
    let header = |crit: Value| json!({"alg": "HS256", "typ": "JWT", "crit": crit, "b64": true});
    let cases = [
        // RFC 7515 §4.1.11: an extension the proxy must understand, and it understands none.
        (
            "crit naming an extension",
            jwt_with_header(&header(json!(["b64"])), &claims(), SECRET),
            "crit",
        ),
        (
            "crit naming a registered claim",
            jwt_with_header(&header(json!(["exp"])), &claims(), SECRET),
            "crit",
        ),
        (
            "crit empty",
            jwt_with_header(&header(json!([])), &claims(), SECRET),
            "crit",
        ),
        (
            "nbf an hour ahead",
            jwt("HS256", &with(claims(), "nbf", json!(now() + 3600)), SECRET),
            "nbf",
        ),
    ];
    for (what, session, named) in &cases {
        let (status, body) = send("GET", &url, Some(session), None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("session-invalid")),
            "{what}: {body}"
        );
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(named), "{what}: {message}");
    }
    assert!(upstream.recorded().is_empty(), "{:?}", upstream.recorded());

    // An nbf in the past, or ahead by less than the clocks' leeway, is fine.
    upstream.answer(
        "/partner/channel/instagram/authorize",
        Canned::json(200, json!({"url": "https://www.facebook.com/dialog/oauth"})),
    );
    for nbf in [now() - 60, now() + 10] {
        let session = jwt("HS256", &with(claims(), "nbf", json!(nbf)), SECRET);
        let (status, body) = send("GET", &url, Some(&session), None).await;
        assert_eq!(status, 200, "nbf {nbf}: {body}");
    }
}

#[tokio::test]
async fn the_channel_list_holds_only_the_sessions_channels_of_its_kinds() {
    let upstream = TestUpstream::start().await;
    let proxy = serve(&upstream, &[]);
    let channel = |id: &str, kind: &str| {
        json!({"_id": id, "name": format!("{kind} {id}"), "channelType": kind, "isConnected": true,
               "token": {"accessToken": "EAAB-secret"}})
    };
    upstream.answer(
        "/partner/channel",
        Canned::json(
            200,
            json!({"docs": [channel(MINE, "instagram"), channel(THEIRS, "instagram"),
                            channel("65a0b1c2d3e4f5a6b7c8d9aa", "messenger")],
                   "totalDocs": 3, "limit": 100, "page": 1, "totalPages": 1, "hasNextPage": false}),
        ),
    );
    let session = jwt(
        "HS256",
        &with(
            claims(),
            "channels",
            json!([MINE, "65a0b1c2d3e4f5a6b7c8d9aa"]),
        ),
        SECRET,
    );
    let (status, list) = send(
        "GET",
        &format!("{}/partner/channel", proxy.api()),
        Some(&session),
        None,
    )
    .await;
    assert_eq!(status, 200, "{list}");
    let ids: Vec<&str> = list["docs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [MINE], "only its channels, of its kinds (instagram)");
    assert_eq!(
        (
            &list["totalDocs"],
            &list["totalPages"],
            &list["hasNextPage"]
        ),
        (&json!(1), &json!(1), &json!(false))
    );
    assert!(!list.to_string().contains("EAAB"));

    // A session without channels sees none, and Socialchat is not even asked.
    let before = upstream.recorded().len();
    let none = jwt("HS256", &without(claims(), "channels"), SECRET);
    let (status, list) = send(
        "GET",
        &format!("{}/partner/channel", proxy.api()),
        Some(&none),
        None,
    )
    .await;
    assert_eq!((status, list["docs"].as_array().unwrap().len()), (200, 0));
    assert_eq!(upstream.recorded().len(), before);
}

#[test]
fn serve_without_a_secret_refuses_to_start_and_says_how_to_set_one() {
    for (secret, expected) in [
        (None, "SOCIALCHAT_SESSION_SECRET is not set"),
        (Some("too-short"), "at least 32 bytes"),
    ] {
        let mut command = std::process::Command::new(common::BIN);
        command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("SOCIALCHAT_API_KEY", KEY)
            .env_remove("SOCIALCHAT_SESSION_SECRET");
        if let Some(secret) = secret {
            command.env("SOCIALCHAT_SESSION_SECRET", secret);
        }
        let output = command.output().unwrap();
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{stderr}");
        assert!(stderr.contains("openssl rand"), "says how: {stderr}");
    }
}

#[tokio::test]
async fn no_session_check_warns_that_anyone_uses_the_key() {
    let upstream = TestUpstream::start().await;
    let proxy = Proxy::start(
        &[
            "serve",
            "--no-session-check",
            "--upstream",
            upstream.url.as_str(),
        ],
        &[("SOCIALCHAT_API_KEY", KEY)],
    );
    assert!(proxy.logs().contains("WARNING: --no-session-check"));
}

#[test]
fn mint_session_prints_a_session_that_serve_accepts() {
    let output = std::process::Command::new(common::BIN)
        .args([
            "mint-session",
            "--sub",
            "tenant-7",
            "--kinds",
            "instagram,messenger",
            "--channels",
            MINE,
        ])
        .env("SOCIALCHAT_SESSION_SECRET", SECRET)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let session = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    let parts: Vec<&str> = session.split('.').collect();
    assert_eq!(parts.len(), 3);
    let payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(payload["sub"], "tenant-7");
    assert_eq!(payload["kinds"], json!(["instagram", "messenger"]));
    // Signed with HS256 and the secret: the hand-written HMAC agrees.
    let expected = hmac::<Sha256>(
        SECRET.as_bytes(),
        format!("{}.{}", parts[0], parts[1]).as_bytes(),
        64,
    );
    assert_eq!(URL_SAFE_NO_PAD.decode(parts[2]).unwrap(), expected);
}

#[tokio::test]
async fn each_connect_is_told_to_the_partners_backend_with_a_signature_it_can_check() {
    let upstream = TestUpstream::start().await;
    let (hook, seen) = receiver(204).await;
    let proxy = serve(&upstream, &["--webhook-url", &hook]);
    upstream.answer(
        "/partner/channel/instagram",
        Canned::json(
            201,
            json!({"_id": MINE, "name": "Toko", "channelId": "1784", "channelType": "instagram",
                   "isConnected": true, "token": {"accessToken": "EAAB-secret"}}),
        ),
    );
    let session = jwt("HS256", &claims(), SECRET);
    let (status, _) = send(
        "POST",
        &format!("{}/partner/channel/instagram", proxy.api()),
        Some(&session),
        Some(&format!(r#"{{"channelId":"1784","token":"{TOKEN}"}}"#)),
    )
    .await;
    assert_eq!(status, 201);
    wait_for("the webhook", || !seen.lock().unwrap().is_empty()).await;
    let (headers, body, _) = seen.lock().unwrap()[0].clone();
    // Standard Webhooks: v1, base64 of the HMAC of "{id}.{timestamp}.{body}" with the secret's
    // decoded bytes.
    let header = |name: &str| headers[name].to_str().unwrap().to_owned();
    let key = base64::engine::general_purpose::STANDARD
        .decode(common::WEBHOOK_SECRET.trim_start_matches("whsec_"))
        .unwrap();
    let mut signed =
        format!("{}.{}.", header("webhook-id"), header("webhook-timestamp")).into_bytes();
    signed.extend_from_slice(&body);
    let expected = format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(hmac::<Sha256>(&key, &signed, 64))
    );
    assert_eq!(
        header("webhook-signature"),
        expected,
        "the signature is the HMAC of id, timestamp and raw body"
    );
    let event: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(event["type"], "channel.connected");
    assert_eq!(event["data"]["sub"], "user-42");
    assert_eq!(event["data"]["reconnected"], false);
    assert_eq!(event["data"]["kind"], "instagram");
    assert_eq!(event["data"]["channel"]["_id"], MINE);
    assert!(headers.get("x-socialchat-signature").is_none());
    let text = String::from_utf8_lossy(&body);
    assert!(!text.contains("EAAB") && !text.contains(TOKEN), "{text}");
}

#[tokio::test]
async fn a_failing_webhook_receiver_is_retried_and_never_fails_the_connect() {
    let upstream = TestUpstream::start().await;
    let (hook, seen) = receiver(500).await;
    let proxy = serve(
        &upstream,
        &["--webhook-url", &hook, "--webhook-retry-secs", "1,4"],
    );
    upstream.answer(
        &format!("/partner/channel/instagram/{MINE}"),
        Canned::json(
            200,
            json!({"_id": MINE, "name": "Toko", "channelType": "instagram", "isConnected": true}),
        ),
    );
    upstream.answer(
        &format!("/partner/channel/{MINE}"),
        Canned::json(
            200,
            json!({"_id": MINE, "name": "Toko", "channelType": "instagram", "isConnected": false}),
        ),
    );
    let start = Instant::now();
    let (status, channel) = send(
        "POST",
        &format!("{}/partner/channel/instagram/{MINE}", proxy.api()),
        Some(&jwt("HS256", &claims(), SECRET)),
        Some(&format!(r#"{{"token":"{TOKEN}"}}"#)),
    )
    .await;
    assert_eq!((status, &channel["_id"]), (200, &json!(MINE)));
    assert!(
        start.elapsed() < Duration::from_millis(400),
        "answered without waiting for the hook"
    );
    wait_for("three tries", || seen.lock().unwrap().len() == 3).await;
    let tries = seen.lock().unwrap().clone();
    assert!(
        tries[2].2 - tries[1].2 > tries[1].2 - tries[0].2,
        "the pause grows"
    );
    let event: Value = serde_json::from_slice(&tries[0].1).unwrap();
    assert_eq!(event["data"]["reconnected"], true);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(proxy
        .logs()
        .contains("webhook failed for good after 3 attempts"));
}
