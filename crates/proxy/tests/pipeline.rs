//! The proxy's pipeline in-process: the router driven with `oneshot` (axum's testing example)
//! over a backend that records what reaches it and answers what the test says. Validation is
//! checked by what never reaches the backend, projection by what leaves the router.

use std::sync::{Arc, Mutex};

use axum::body::{to_bytes, Body, Bytes};
use axum::http::{Request, StatusCode};
use axum::Router;
use serde_json::{json, Value};
use socialchat_api::ConnectRequest;
use socialchat_proxy::app::{router, ServerFlags, ServerOptions};
use socialchat_proxy::call::{Answer, Backend, PartnerCall, RawAnswer};
use tower::ServiceExt;

/// A backend that records every call it receives and answers with one canned answer.
struct Recording {
    calls: Mutex<Vec<PartnerCall>>,
    answer: Mutex<(u16, String)>,
}

impl Backend for Recording {
    fn mode(&self) -> &'static str {
        "test"
    }

    fn call<'a>(&'a self, call: &'a PartnerCall) -> Answer<'a> {
        self.calls.lock().unwrap().push(call.clone());
        let (status, body) = self.answer.lock().unwrap().clone();
        Box::pin(async move { Ok(RawAnswer::new(status, Bytes::from(body))) })
    }
}

struct Harness {
    app: Router,
    backend: Arc<Recording>,
}

const API: &str = "/api/socialchat";

fn harness(status: u16, body: Value) -> Harness {
    let backend = Arc::new(Recording {
        calls: Mutex::new(Vec::new()),
        answer: Mutex::new((status, body.to_string())),
    });
    let options = ServerOptions::from_flags(
        &ServerFlags {
            prefix: API.into(),
            ..ServerFlags::default()
        },
        false,
    )
    .unwrap();
    Harness {
        app: router(options, backend.clone()),
        backend,
    }
}

impl Harness {
    async fn send(&self, method: &str, path: &str, body: Option<&str>) -> (StatusCode, Value) {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("{API}{path}"));
        if body.is_some() {
            request = request.header("content-type", "application/json");
        }
        let request = request
            .body(body.map(|b| Body::from(b.to_owned())).unwrap_or_default())
            .unwrap();
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    fn calls(&self) -> Vec<PartnerCall> {
        self.backend.calls.lock().unwrap().clone()
    }
}

#[tokio::test]
async fn invalid_requests_are_answered_by_the_proxy_and_never_reach_the_backend() {
    let h = harness(200, json!({}));
    let cases: [(&str, &str, Option<&str>, u16); 9] = [
        ("PUT", "/partner", Some("{}"), 404),
        ("GET", "/partner/channel/whatsapp/authorize", None, 404),
        ("DELETE", "/partner/channel/instagram", None, 405),
        ("GET", "/partner/channel/instagram/account", None, 400),
        (
            "GET",
            "/partner/channel/instagram/account?token=a&admin=1",
            None,
            400,
        ),
        ("GET", "/partner/channel?limit=abc", None, 400),
        (
            "POST",
            "/partner/channel/instagram",
            Some(r#"{"channelId":"1"}"#),
            400,
        ),
        (
            "POST",
            "/partner/channel/instagram/..",
            Some(r#"{"token":"t"}"#),
            400,
        ),
        (
            "POST",
            "/partner/channel/instagram/abc",
            Some("not json"),
            400,
        ),
    ];
    for (method, path, body, status) in cases {
        let (got, answer) = h.send(method, path, body).await;
        assert_eq!(got.as_u16(), status, "{method} {path}: {answer}");
        assert_eq!(answer["statusCode"], status, "{method} {path}: {answer}");
        assert_eq!(answer["source"], "proxy");
        assert!(answer["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert!(
        h.calls().is_empty(),
        "nothing reached the backend: {:?}",
        h.calls()
    );
}

#[tokio::test]
async fn a_valid_call_reaches_the_backend_typed() {
    let h = harness(
        201,
        json!({"_id": "65a0", "channelType": "instagram", "name": "A"}),
    );
    let (status, _) = h
        .send(
            "POST",
            "/partner/channel/instagram",
            Some(r#"{"channelId":"1784","token":"tok","extra":1}"#),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    match h.calls().as_slice() {
        [PartnerCall::Connect {
            kind,
            body: ConnectRequest::Account { channel_id, token },
        }] => {
            assert_eq!(kind.as_str(), "instagram");
            assert_eq!(channel_id.as_str(), "1784");
            assert_eq!(token.expose(), "tok");
        }
        other => panic!("{other:?}"),
    }
}

fn secret_channel() -> Value {
    json!({
        "_id": "65a0b1c2d3e4f5a6b7c8d9e0", "name": "Toko Batik", "channelId": "1784",
        "channelType": "instagram", "isConnected": true, "picture": "https://cdn.test/p.jpg",
        "createdBy": {"_id": "u1", "email": "owner@toko.test"},
        "additionalData": {"pageToken": "EAAB-page-secret"},
        "token": {"accessToken": "EAAB-access-secret"}
    })
}

#[tokio::test]
async fn channels_leave_the_router_without_their_secrets() {
    let h = harness(200, json!({"docs": [secret_channel()], "totalDocs": 1}));
    let (status, answer) = h.send("GET", "/partner/channel", None).await;
    assert_eq!(status, StatusCode::OK);
    let text = answer.to_string();
    for secret in ["EAAB-", "owner@toko.test", "createdBy", "additionalData"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    assert_eq!(answer["docs"][0]["name"], "Toko Batik");
    assert_eq!(answer["totalDocs"], 1);

    let h = harness(200, secret_channel());
    let (_, answer) = h
        .send(
            "POST",
            "/partner/channel/instagram/65a0b1c2d3e4f5a6b7c8d9e0",
            Some(r#"{"token":"t"}"#),
        )
        .await;
    let text = answer.to_string();
    assert!(
        !text.contains("EAAB-") && !text.contains("owner@"),
        "{text}"
    );
    assert_eq!(answer["_id"], "65a0b1c2d3e4f5a6b7c8d9e0");
}

#[tokio::test]
async fn upstream_errors_keep_their_status_and_html_becomes_a_json_error() {
    let h = harness(
        403,
        json!({"statusCode": 403, "message": "Autentikasi tidak sah, silahkan login", "originalMessage": "Unauthorized"}),
    );
    let (status, answer) = h
        .send("GET", "/partner/channel/instagram/authorize", None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(answer["message"], "Autentikasi tidak sah, silahkan login");
    assert_eq!(answer["originalMessage"], "Unauthorized");
    assert_eq!(answer["source"], "socialchat");

    let h = harness(200, json!("unused"));
    *h.backend.answer.lock().unwrap() = (200, "<html>502</html>".into());
    let (status, answer) = h
        .send(
            "POST",
            "/partner/channel/instagram",
            Some(r#"{"channelId":"1","token":"t"}"#),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(answer["message"].as_str().unwrap().contains("not JSON"));
}
