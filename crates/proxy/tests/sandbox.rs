//! `socialchat-proxy sandbox` over real HTTP: the partner guide from authorize to reconnect,
//! following the dialog's Allow and every `nextOffset`, and each injected failure.

mod common;

use std::time::Duration;

use common::{call, client, Proxy};
use serde_json::json;

const DISCONNECTED: &str = "65f0a1b2c3d4e5f6a7b8c902";

fn sandbox(extra: &[&str]) -> Proxy {
    let mut args = vec!["sandbox", "--timeout-secs", "1"];
    args.extend_from_slice(extra);
    Proxy::start(&args, &[])
}

/// Follows authorize to the dialog and submits it; returns the callback URL it redirects to.
async fn authorize(proxy: &Proxy, kind: &str, decision: &str, keep: Option<usize>) -> String {
    let (status, body) = call(
        "GET",
        &format!("{}/partner/channel/{kind}/authorize", proxy.api()),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let url = body["url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with(&format!("{}/sandbox/dialog?session=", proxy.origin)),
        "{url}"
    );
    let page = client()
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(">Allow</button>") && page.contains(">Deny</button>"),
        "{page}"
    );
    let session = url.split("session=").nth(1).unwrap();
    let ids: Vec<&str> = page
        .split("name=\"account\" value=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
        .collect();
    let mut form = format!("session={session}&decision={decision}");
    for id in ids.iter().take(keep.unwrap_or(ids.len())) {
        form.push_str(&format!("&account={id}"));
    }
    let response = client()
        .post(format!("{}/sandbox/dialog", proxy.origin))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    response.headers()["location"].to_str().unwrap().to_owned()
}

fn token_of(callback: &str) -> String {
    callback
        .split("token=")
        .nth(1)
        .expect("a token in the callback URL")
        .to_owned()
}

async fn all_accounts(proxy: &Proxy, token: &str) -> (Vec<serde_json::Value>, usize) {
    let mut accounts = Vec::new();
    let mut offset: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut url = format!(
            "{}/partner/channel/instagram/account?token={token}",
            proxy.api()
        );
        if let Some(o) = &offset {
            url.push_str(&format!("&nextOffset={o}"));
        }
        let (status, page) = call("GET", &url, None).await;
        assert_eq!(status, 200, "{page}");
        pages += 1;
        accounts.extend(page["docs"].as_array().unwrap().iter().cloned());
        if page["hasNextPage"] == true {
            offset = Some(page["nextOffset"].as_str().unwrap().to_owned());
        } else {
            break;
        }
    }
    (accounts, pages)
}

#[tokio::test]
async fn the_whole_partner_guide_from_authorize_to_reconnect() {
    let proxy = sandbox(&[]);
    let api = proxy.api();
    let callback = authorize(&proxy, "instagram", "allow", None).await;
    assert!(
        callback.starts_with(&format!("{}/callback/instagram?token=", proxy.origin)),
        "{callback}"
    );
    let token = token_of(&callback);

    let (accounts, pages) = all_accounts(&proxy, &token).await;
    assert_eq!(
        (accounts.len(), pages),
        (23, 3),
        "23 accounts over pages of 10"
    );
    let mut ids: Vec<&str> = accounts
        .iter()
        .map(|a| a["channelId"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 23, "no account twice");
    let names: Vec<&str> = accounts
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"<b>Toko \"Kopi\" & Teh</b>"));
    assert!(
        accounts.iter().any(|a| a["picture"].is_null()),
        "one account has no picture"
    );

    // Connect the third account: it then appears, connected, in the channel list.
    let third = accounts[2]["channelId"].as_str().unwrap();
    let body = json!({"channelId": third, "token": token}).to_string();
    let (status, channel) = call(
        "POST",
        &format!("{api}/partner/channel/instagram"),
        Some(&body),
    )
    .await;
    assert_eq!(status, 201, "{channel}");
    assert_eq!(channel["isConnected"], true);
    assert_eq!(channel["name"], accounts[2]["name"]);
    let (_, list) = call(
        "GET",
        &format!("{api}/partner/channel?channelTypes[]=instagram&limit=50"),
        None,
    )
    .await;
    let listed = list["docs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["channelId"] == third)
        .expect("listed");
    assert_eq!(listed["isConnected"], true);
    assert!(
        !list.to_string().contains("sandbox-access-secret"),
        "projected: {list}"
    );
    assert!(
        !list.to_string().contains("owner@toko-sandbox.test"),
        "projected: {list}"
    );

    // Connecting the same account twice is a clear error.
    let (status, error) = call(
        "POST",
        &format!("{api}/partner/channel/instagram"),
        Some(&body),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(
        error["originalMessage"],
        "This account is already connected"
    );

    // Reconnect the seeded disconnected channel.
    let before = list["docs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["_id"] == DISCONNECTED)
        .unwrap()
        .clone();
    assert_eq!(before["isConnected"], false);
    let (status, channel) = call(
        "POST",
        &format!("{api}/partner/channel/instagram/{DISCONNECTED}"),
        Some(&json!({"token": token}).to_string()),
    )
    .await;
    assert_eq!(status, 200, "{channel}");
    assert_eq!(channel["isConnected"], true);
    let (_, list) = call(
        "GET",
        &format!("{api}/partner/channel?channelTypes[]=instagram"),
        None,
    )
    .await;
    let after = list["docs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["_id"] == DISCONNECTED)
        .unwrap()
        .clone();
    assert_eq!(after["isConnected"], true);
    assert!(after.get("disconnectedAt").is_none());
}

#[tokio::test]
async fn deny_redirects_with_facebooks_error_parameters_and_no_token() {
    let proxy = sandbox(&[]);
    let callback = authorize(&proxy, "instagram", "deny", None).await;
    assert!(!callback.contains("token="), "{callback}");
    assert!(
        callback.contains("error=access_denied") && callback.contains("error_reason=user_denied"),
        "{callback}"
    );
}

#[tokio::test]
async fn unticked_accounts_are_missing_and_cannot_be_connected_or_reconnected() {
    let proxy = sandbox(&[]);
    let token = token_of(&authorize(&proxy, "instagram", "allow", Some(1)).await);
    let (accounts, _) = all_accounts(&proxy, &token).await;
    assert_eq!(accounts.len(), 1);
    let body = json!({"channelId": "17841400000000009", "token": token}).to_string();
    let (status, _) = call(
        "POST",
        &format!("{}/partner/channel/instagram", proxy.api()),
        Some(&body),
    )
    .await;
    assert_eq!(status, 400);
    let (status, error) = call(
        "POST",
        &format!("{}/partner/channel/instagram/{DISCONNECTED}", proxy.api()),
        Some(&json!({"token": token}).to_string()),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        error["originalMessage"],
        "The authorization did not include this channel's account"
    );
}

#[tokio::test]
async fn unknown_and_expired_tokens_get_401_with_a_message() {
    let proxy = sandbox(&["--token-ttl-secs", "1"]);
    let (status, error) = call(
        "GET",
        &format!(
            "{}/partner/channel/instagram/account?token=sbx_unknown",
            proxy.api()
        ),
        None,
    )
    .await;
    assert_eq!(status, 401);
    assert!(error["message"].as_str().unwrap().contains("kedaluwarsa"));
    let token = token_of(&authorize(&proxy, "instagram", "allow", None).await);
    let url = format!(
        "{}/partner/channel/instagram/account?token={token}",
        proxy.api()
    );
    assert_eq!(call("GET", &url, None).await.0, 200);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(call("GET", &url, None).await.0, 401);
}

#[tokio::test]
async fn an_offset_from_another_token_is_refused() {
    let proxy = sandbox(&[]);
    let first = token_of(&authorize(&proxy, "instagram", "allow", None).await);
    let second = token_of(&authorize(&proxy, "instagram", "allow", None).await);
    let (_, page) = call(
        "GET",
        &format!(
            "{}/partner/channel/instagram/account?token={first}",
            proxy.api()
        ),
        None,
    )
    .await;
    let offset = page["nextOffset"].as_str().unwrap();
    let (status, _) = call(
        "GET",
        &format!(
            "{}/partner/channel/instagram/account?token={second}&nextOffset={offset}",
            proxy.api()
        ),
        None,
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn messenger_has_its_own_pages_and_callback() {
    let proxy = sandbox(&[
        "--callback-url",
        "http://127.0.0.1:9/cb/{kind}?from=sandbox",
    ]);
    let callback = authorize(&proxy, "messenger", "allow", None).await;
    assert!(
        callback.starts_with("http://127.0.0.1:9/cb/messenger?from=sandbox&token="),
        "{callback}"
    );
    let token = token_of(&callback);
    let (status, page) = call(
        "GET",
        &format!(
            "{}/partner/channel/messenger/account?token={token}",
            proxy.api()
        ),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(page["docs"].as_array().unwrap().len(), 5);
    // A messenger token does not list Instagram accounts.
    let (status, _) = call(
        "GET",
        &format!(
            "{}/partner/channel/instagram/account?token={token}",
            proxy.api()
        ),
        None,
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn injected_failures_hit_their_route_the_given_number_of_times() {
    let proxy = sandbox(&[
        "--fail",
        "account:500",
        "--fail",
        "channels:503:1",
        "--fail",
        "authorize:html",
        "--fail",
        "connect:timeout",
        "--fail",
        "reconnect:401",
    ]);
    let api = proxy.api();
    assert_eq!(
        call("GET", &format!("{api}/partner/channel"), None).await.0,
        503
    );
    assert_eq!(
        call("GET", &format!("{api}/partner/channel"), None).await.0,
        200,
        "the :1 rule is used up"
    );
    // (An account page also reads the channel list, for the picker's marks.)
    let (status, body) = call(
        "GET",
        &format!("{api}/partner/channel/instagram/account?token=x"),
        None,
    )
    .await;
    assert_eq!(
        (status, body["originalMessage"].as_str()),
        (500, Some("Injected failure (sandbox)"))
    );
    let (status, body) = call(
        "GET",
        &format!("{api}/partner/channel/instagram/authorize"),
        None,
    )
    .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (
            502,
            Some("Socialchat answered with something that is not JSON")
        )
    );
    let (status, body) = call(
        "POST",
        &format!("{api}/partner/channel/instagram"),
        Some(r#"{"channelId":"1","token":"t"}"#),
    )
    .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (504, Some("Socialchat did not answer within 1 s"))
    );
    let (status, _) = call(
        "POST",
        &format!("{api}/partner/channel/instagram/{DISCONNECTED}"),
        Some(r#"{"token":"t"}"#),
    )
    .await;
    assert_eq!(status, 401);

    let malformed = sandbox(&["--fail", "authorize:malformed"]);
    let (status, body) = call(
        "GET",
        &format!("{}/partner/channel/instagram/authorize", malformed.api()),
        None,
    )
    .await;
    // An answer of the wrong shape is never passed on: it is a 502 that says what was wrong.
    assert_eq!(status, 502, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("unexpected authorize answer"),
        "{body}"
    );
}

#[tokio::test]
async fn latency_delays_answers() {
    let proxy = sandbox(&["--latency-ms", "300"]);
    let started = std::time::Instant::now();
    call("GET", &format!("{}/partner/channel", proxy.api()), None).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn pictures_are_served_and_a_broken_one_is_a_404() {
    let proxy = sandbox(&[]);
    let picture = client()
        .get(format!("{}/sandbox/avatar/3.png", proxy.origin))
        .send()
        .await
        .unwrap();
    assert_eq!(picture.status(), 200);
    assert_eq!(picture.headers()["content-type"], "image/png");
    // A PNG a decoder reads: 64×64, a disc in one colour with a white initial, clear corners.
    let bytes = picture.bytes().await.unwrap();
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes.to_vec()));
    // Palette indexes as they are, not expanded to colours.
    decoder.set_transformations(png::Transformations::IDENTITY);
    let mut reader = decoder.read_info().unwrap();
    let mut indexes = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut indexes).unwrap();
    assert_eq!((frame.width, frame.height), (64, 64));
    let palette = reader.info().palette.as_ref().unwrap().to_vec();
    assert_eq!(palette.len(), 9);
    let index = |x: usize, y: usize| indexes[y * 64 + x];
    assert_eq!(index(0, 0), 0);
    assert_eq!(index(4, 32), 1);
    assert!(indexes.contains(&2), "the initial is drawn");
    assert_eq!(&palette[6..9], &[255, 255, 255]);
    let broken = client()
        .get(format!("{}/sandbox/avatar/missing.png", proxy.origin))
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), 404);
}

#[test]
fn bad_fail_rules_are_refused_at_start() {
    let output = std::process::Command::new(common::BIN)
        .args([
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--fail",
            "account:200",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("expected ROUTE:OUTCOME"));
}

#[tokio::test]
async fn tokens_and_failures_can_be_made_at_run_time_for_browser_tests() {
    let proxy = sandbox(&[]);
    let response = client()
        .post(format!(
            "{}/sandbox/token?kind=instagram&accounts=2",
            proxy.origin
        ))
        .send()
        .await
        .unwrap();
    let token: serde_json::Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    let token = token["token"].as_str().unwrap().to_owned();
    let (accounts, _) = all_accounts(&proxy, &token).await;
    assert_eq!(accounts.len(), 2);
    let added = client()
        .post(format!("{}/sandbox/fail?rule=account:503:1", proxy.origin))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 204);
    let url = format!(
        "{}/partner/channel/instagram/account?token={token}",
        proxy.api()
    );
    assert_eq!(call("GET", &url, None).await.0, 503);
    assert_eq!(call("GET", &url, None).await.0, 200);
    let bad = client()
        .post(format!("{}/sandbox/fail?rule=nope", proxy.origin))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn local_origins_are_allowed_only_with_the_flag() {
    let open = sandbox(&["--allow-local-origins"]);
    let closed = sandbox(&[]);
    for (proxy, expected) in [(&open, true), (&closed, false)] {
        for origin in ["http://127.0.0.1:41234", "http://localhost:9"] {
            let response = client()
                .get(format!("{}/partner/channel", proxy.api()))
                .header("origin", origin)
                .send()
                .await
                .unwrap();
            let allowed = response
                .headers()
                .get("access-control-allow-origin")
                .is_some();
            assert_eq!(allowed, expected, "{origin}");
        }
    }
    let foreign = client()
        .get(format!("{}/partner/channel", open.api()))
        .header("origin", "http://evil.example:8080")
        .send()
        .await
        .unwrap();
    assert!(foreign
        .headers()
        .get("access-control-allow-origin")
        .is_none());
}

#[test]
fn sigterm_shuts_the_server_down_gracefully() {
    let mut child = std::process::Command::new(common::BIN)
        .args(["sandbox", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    assert!(line.contains("listening on"), "{line}");
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "exits cleanly on SIGTERM: {status:?}");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(stderr.contains("stopped"), "{stderr}");
}
