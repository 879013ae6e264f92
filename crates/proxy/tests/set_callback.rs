//! `socialchat-proxy set-callback` against a recording test upstream.

mod common;

use common::{Canned, TestUpstream};
use serde_json::json;

const KEY: &str = "dGVzdGFwcF90ZXN0c2VjcmV0";

fn run(upstream: &str, args: &[&str], key: Option<&str>) -> std::process::Output {
    let mut command = std::process::Command::new(common::BIN);
    command
        .arg("set-callback")
        .args(args)
        .args(["--upstream", upstream])
        .env_remove("SOCIALCHAT_API_KEY");
    if let Some(key) = key {
        command.env("SOCIALCHAT_API_KEY", key);
    }
    command.output().unwrap()
}

#[tokio::test]
async fn sends_put_partner_with_only_the_given_fields_and_warns_about_the_rest() {
    let upstream = TestUpstream::start().await;
    upstream.answer(
        "/partner",
        Canned::json(
            200,
            json!({"callbackInstagramUrl": "https://app.test/callback/instagram"}),
        ),
    );
    let url = upstream.url.clone();
    let output = tokio::task::spawn_blocking(move || {
        run(
            &url,
            &["--instagram", "https://app.test/callback/instagram"],
            Some(KEY),
        )
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stdout.contains("HTTP 200") && stdout.contains("https://app.test/callback/instagram"),
        "{stdout}"
    );
    assert!(
        stderr.contains("webhookChatUrl (--webhook) is not given"),
        "{stderr}"
    );
    assert!(
        stderr.contains("callbackMessengerUrl (--messenger) is not given"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("callbackInstagramUrl (--instagram) is not given"),
        "{stderr}"
    );
    let got = upstream.recorded();
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0].method.as_str(), got[0].path.as_str()),
        ("PUT", "/partner")
    );
    assert_eq!(got[0].authorization, format!("Bearer {KEY}"));
    let body: serde_json::Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(
        body,
        json!({"callbackInstagramUrl": "https://app.test/callback/instagram"})
    );
}

#[tokio::test]
async fn a_refusal_from_socialchat_is_reported_with_its_message() {
    let upstream = TestUpstream::start().await;
    upstream.answer("/partner", Canned::json(403, json!({"statusCode": 403, "message": "Autentikasi tidak sah, silahkan login", "originalMessage": "Unauthorized"})));
    let url = upstream.url.clone();
    let output = tokio::task::spawn_blocking(move || {
        run(
            &url,
            &[
                "--instagram",
                "https://a.test/cb",
                "--messenger",
                "https://a.test/m",
                "--webhook",
                "https://a.test/w",
            ],
            Some(KEY),
        )
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("HTTP 403") && stderr.contains("Autentikasi tidak sah"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("is not given"),
        "all three were given: {stderr}"
    );
}

#[tokio::test]
async fn bad_arguments_and_a_missing_key_never_reach_socialchat() {
    let upstream = TestUpstream::start().await;
    let url = upstream.url.clone();
    let outputs = tokio::task::spawn_blocking(move || {
        vec![
            run(&url, &["--instagram", "https://a.test/cb"], None),
            run(&url, &["--instagram", "not-a-url"], Some(KEY)),
            run(&url, &[], Some(KEY)),
        ]
    })
    .await
    .unwrap();
    let messages: Vec<String> = outputs
        .iter()
        .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        .collect();
    assert!(outputs.iter().all(|o| !o.status.success()));
    assert!(
        messages[0].contains("SOCIALCHAT_API_KEY is not set"),
        "{}",
        messages[0]
    );
    assert!(
        messages[1].contains("absolute http(s) URL"),
        "{}",
        messages[1]
    );
    assert!(messages[2].contains("nothing to set"), "{}", messages[2]);
    assert!(upstream.recorded().is_empty());
}
