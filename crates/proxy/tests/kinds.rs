//! The channel kinds connected through a form (WhatsApp, Telegram, webchat), and the picker's
//! marks, over real HTTP against the sandbox checking sessions: the routes, their validation,
//! their projection (the QR code on its own route only, never a secret) and the tickets that
//! let a new WhatsApp number be polled.

mod common;

use base64::Engine;
use common::{client, receiver, send_call, wait_for, Proxy};
use serde_json::{json, Value};

const SECRET: &str = "kinds-tests-session-secret-of-32-bytes-or-more";
const SANDBOX_BOT: &str = "7000000001:AAFsandboxBotOfTheCustomerServiceTeam01";
const OTHER_BOT: &str = "7000000002:AAGsandboxAnotherBotOfAnotherCompany02";
const DISCONNECTED_TELEGRAM: &str = "65f0a1b2c3d4e5f6a7b8c904";
const DISCONNECTED_WHATSAPP: &str = "65f0a1b2c3d4e5f6a7b8c906";
const DISCONNECTED_INSTAGRAM: &str = "65f0a1b2c3d4e5f6a7b8c902";

fn sandbox(extra: &[&str]) -> Proxy {
    let mut args = vec!["sandbox", "--session-secret-env"];
    args.extend_from_slice(extra);
    Proxy::start(&args, &[("SOCIALCHAT_SANDBOX_SESSION_SECRET", SECRET)])
}

/// A session from the sandbox's stand-in for the partner's endpoint.
async fn session(proxy: &Proxy, query: &str) -> String {
    let url = format!("{}/sandbox/session?{query}", proxy.origin);
    let answer: Value = serde_json::from_str(
        &client()
            .get(url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    answer["session"].as_str().unwrap().to_owned()
}

async fn send(
    method: &str,
    url: &str,
    session: &str,
    body: Option<Value>,
    ticket: Option<&str>,
) -> (u16, Value) {
    let answered = send_call(
        method,
        url,
        Some(session),
        body.map(|b| b.to_string()),
        ticket,
    )
    .await;
    (answered.status, answered.body)
}

fn no_secret(value: &Value) {
    let text = value.to_string();
    for secret in [
        "asst_",
        "vm-sandbox",
        "owner@",
        "EAAB",
        "botToken",
        "sandboxBot",
        "AnotherBot",
        "stored-bot-secret",
        "wk-sandbox",
        "createdBy",
        "additionalData",
        "label",
    ] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
}

#[tokio::test]
async fn a_whatsapp_number_is_created_polled_with_its_ticket_and_scanned() {
    let proxy = sandbox(&[]);
    let api = proxy.api();
    let mine = session(&proxy, "sub=user-1&kinds=whatsapp").await;
    let (status, created) = send(
        "POST",
        &format!("{api}/partner/channel/whatsapp-unofficial"),
        &mine,
        Some(json!({"name": "Toko Batik", "phone": "0812-3456-7890"})),
        None,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    no_secret(&created);
    // Socialchat answered only the `_id`: the proxy read the whole channel.
    assert_eq!(created["name"], "Toko Batik");
    assert_eq!(
        created["channelType"], "linkchat",
        "as the documented answer says"
    );
    assert_eq!(created["isConnected"], false);
    assert!(
        created.get("qrcode").is_none(),
        "the QR code passes on its own route only"
    );
    let id = created["_id"].as_str().unwrap().to_owned();
    let ticket = created["ticket"].as_str().unwrap().to_owned();
    let channel = format!("{api}/partner/channel/{id}");

    // Not in the session's channels: only the ticket lets it be polled, and only by its user.
    let (status, body) = send("GET", &channel, &mine, None, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("channel-not-allowed"))
    );
    let someone_else = session(&proxy, "sub=user-2&kinds=whatsapp").await;
    let (status, _) = send("GET", &channel, &someone_else, None, Some(&ticket)).await;
    assert_eq!(status, 403);
    let (status, polled) = send("GET", &channel, &mine, None, Some(&ticket)).await;
    assert_eq!(status, 200, "{polled}");
    no_secret(&polled);
    let qr = polled["qrcode"].as_str().unwrap();
    assert!(qr.starts_with("data:image/png;base64,iVBOR"), "{qr}");
    // The code and the ticket are this user's: no cache keeps them.
    let raw = client()
        .get(&channel)
        .header("authorization", format!("Bearer {mine}"))
        .header("x-socialchat-ticket", &ticket)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.headers()["cache-control"], "no-store");

    let scanned = client()
        .post(format!("{}/sandbox/whatsapp/scan?id={id}", proxy.origin))
        .send()
        .await
        .unwrap();
    assert_eq!(scanned.status().as_u16(), 204);
    let (_, polled) = send("GET", &channel, &mine, None, Some(&ticket)).await;
    assert_eq!(polled["isConnected"], true);
    assert!(polled.get("qrcode").is_none(), "no code once linked");
}

#[tokio::test]
async fn a_broken_whatsapp_channel_shows_its_fresh_qr_code_to_a_session_that_lists_it() {
    let proxy = sandbox(&[]);
    let listed = session(
        &proxy,
        &format!("kinds=whatsapp&channels={DISCONNECTED_WHATSAPP}"),
    )
    .await;
    let (status, channel) = send(
        "GET",
        &format!("{}/partner/channel/{DISCONNECTED_WHATSAPP}", proxy.api()),
        &listed,
        None,
        None,
    )
    .await;
    assert_eq!(status, 200, "{channel}");
    assert!(channel["qrcode"].as_str().is_some());
    no_secret(&channel);
    // A session that lists it but may not use WhatsApp learns nothing of it.
    let instagram_only = session(
        &proxy,
        &format!("kinds=instagram&channels={DISCONNECTED_WHATSAPP}"),
    )
    .await;
    let (status, body) = send(
        "GET",
        &format!("{}/partner/channel/{DISCONNECTED_WHATSAPP}", proxy.api()),
        &instagram_only,
        None,
        None,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("kind-not-allowed")),
        "{body}"
    );
    assert!(body.get("qrcode").is_none());
}

#[tokio::test]
async fn telegram_takes_a_valid_bot_refuses_an_invalid_one_and_another_bot_on_reconnect() {
    let proxy = sandbox(&[]);
    let api = proxy.api();
    let user = session(
        &proxy,
        &format!("kinds=telegram&channels={DISCONNECTED_TELEGRAM}"),
    )
    .await;
    let (status, body) = send(
        "POST",
        &format!("{api}/partner/channel/telegram"),
        &user,
        Some(json!({"token": "1234567:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"})),
        None,
    )
    .await;
    assert_eq!(status, 400, "a token Telegram does not know: {body}");
    let (status, body) = send(
        "POST",
        &format!("{api}/partner/channel/telegram"),
        &user,
        Some(json!({"token": "not-a-bot-token"})),
        None,
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["message"].as_str().unwrap().contains("BotFather"),
        "{body}"
    );
    let (status, body) = send(
        "POST",
        &format!("{api}/partner/channel/telegram/{DISCONNECTED_TELEGRAM}"),
        &user,
        Some(json!({ "token": OTHER_BOT })),
        None,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["originalMessage"]
        .as_str()
        .unwrap()
        .contains("another bot"));
    let (status, channel) = send(
        "POST",
        &format!("{api}/partner/channel/telegram/{DISCONNECTED_TELEGRAM}"),
        &user,
        Some(json!({ "token": SANDBOX_BOT })),
        None,
    )
    .await;
    assert_eq!(status, 200, "{channel}");
    assert_eq!(
        (&channel["isConnected"], &channel["name"]),
        (&json!(true), &json!("Bot Telegram CS"))
    );
    no_secret(&channel);
    let (status, created) = send(
        "POST",
        &format!("{api}/partner/channel/telegram"),
        &user,
        Some(json!({ "token": OTHER_BOT })),
        None,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["channelType"], "telegram");
    no_secret(&created);
    let logs = proxy.logs();
    assert!(
        !logs.contains("AAF") && !logs.contains("AAG"),
        "a bot token in the logs:\n{logs}"
    );
}

#[tokio::test]
async fn a_webchat_is_created_from_a_name_and_a_website() {
    let proxy = sandbox(&[]);
    let user = session(&proxy, "kinds=webchat").await;
    let url = format!("{}/partner/channel/webchat", proxy.api());
    let (status, body) = send(
        "POST",
        &url,
        &user,
        Some(json!({"name": "Toko", "websiteUrl": "javascript:alert(1)"})),
        None,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let (status, channel) = send(
        "POST",
        &url,
        &user,
        Some(json!({"name": "Chat Toko", "websiteUrl": "toko.example"})),
        None,
    )
    .await;
    assert_eq!(status, 201, "{channel}");
    assert_eq!(
        (&channel["name"], &channel["channelType"]),
        (&json!("Chat Toko"), &json!("webchat"))
    );
    no_secret(&channel);
    // A webchat session may not create a WhatsApp number.
    let (status, body) = send(
        "POST",
        &format!("{}/partner/channel/whatsapp-unofficial", proxy.api()),
        &user,
        Some(json!({"name": "x", "phone": "081234567890"})),
        None,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("kind-not-allowed"))
    );
}

#[tokio::test]
async fn the_picker_hears_which_accounts_already_have_a_channel_and_nothing_else() {
    let proxy = sandbox(&[]);
    let token: Value = serde_json::from_str(
        &client()
            .post(format!(
                "{}/sandbox/token?kind=instagram&accounts=3",
                proxy.origin
            ))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    let token = token["token"].as_str().unwrap();
    let url = format!(
        "{}/partner/channel/instagram/account?token={token}",
        proxy.api()
    );
    for (channels, reconnect) in [
        (DISCONNECTED_INSTAGRAM, Some(DISCONNECTED_INSTAGRAM)),
        ("", None),
    ] {
        let user = session(&proxy, &format!("kinds=instagram&channels={channels}")).await;
        let (status, page) = send("GET", &url, &user, None, None).await;
        assert_eq!(status, 200, "{page}");
        let docs = page["docs"].as_array().unwrap();
        assert_eq!(
            docs[0]["connected"], true,
            "the first account has a connected channel"
        );
        assert_eq!(docs[1].get("connected"), None);
        assert_eq!(
            docs[1]["reconnect"].as_str(),
            reconnect,
            "its broken channel, offered only to a session that lists it"
        );
        assert_eq!(
            docs[1].get("taken").is_some(),
            reconnect.is_none(),
            "and marked someone else's for a session that does not"
        );
        assert_eq!(docs[2].get("connected"), None);
        for account in docs {
            let mut keys: Vec<&str> = account
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            keys.retain(|k| {
                ![
                    "name",
                    "channelId",
                    "picture",
                    "connected",
                    "reconnect",
                    "taken",
                ]
                .contains(k)
            });
            assert!(keys.is_empty(), "{account}");
        }
    }
}

#[tokio::test]
async fn injected_failures_reach_the_channel_route_too() {
    let proxy = sandbox(&["--fail", "channel:503:1"]);
    let user = session(
        &proxy,
        &format!("kinds=whatsapp&channels={DISCONNECTED_WHATSAPP}"),
    )
    .await;
    let url = format!("{}/partner/channel/{DISCONNECTED_WHATSAPP}", proxy.api());
    assert_eq!(send("GET", &url, &user, None, None).await.0, 503);
    assert_eq!(send("GET", &url, &user, None, None).await.0, 200);
}

#[tokio::test]
async fn the_backend_hears_a_new_number_created_then_connected_by_its_scan() {
    let (hook, seen) = receiver(204).await;
    let proxy = sandbox(&["--webhook-url", &hook]);
    let api = proxy.api();
    let mine = session(&proxy, "sub=user-9&kinds=whatsapp").await;
    let (status, created) = send(
        "POST",
        &format!("{api}/partner/channel/whatsapp-unofficial"),
        &mine,
        Some(json!({"name": "Kedai Kopi", "phone": "+62 813 9999 0000"})),
        None,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["_id"].as_str().unwrap().to_owned();
    let ticket = created["ticket"].as_str().unwrap().to_owned();
    wait_for("channel.created", || seen.lock().unwrap().len() == 1).await;
    let channel = format!("{api}/partner/channel/{id}");
    // Polls before the scan tell the backend nothing.
    send("GET", &channel, &mine, None, Some(&ticket)).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(seen.lock().unwrap().len(), 1);
    client()
        .post(format!(
            "{}/sandbox/whatsapp/scan?phone=6281399990000",
            proxy.origin
        ))
        .send()
        .await
        .unwrap();
    let (_, polled) = send("GET", &channel, &mine, None, Some(&ticket)).await;
    assert_eq!(polled["isConnected"], true);
    wait_for("channel.connected", || seen.lock().unwrap().len() == 2).await;
    // Polls that see it again, and look-ups of other connected channels, tell nothing more.
    send("GET", &channel, &mine, None, Some(&ticket)).await;
    send("GET", &channel, &mine, None, Some(&ticket)).await;
    let everything = session(&proxy, "sub=user-9&channels=all").await;
    let (status, _) = send(
        "GET",
        &format!("{api}/partner/channel/65f0a1b2c3d4e5f6a7b8c901"),
        &everything,
        None,
        None,
    )
    .await;
    assert_eq!(status, 200);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        seen.lock().unwrap().len(),
        2,
        "one channel.connected per scan"
    );
    let events: Vec<Value> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|(_, body, _)| serde_json::from_slice(body).unwrap())
        .collect();
    assert_eq!(events[0]["type"], "channel.created");
    assert_eq!(events[0]["data"]["channel"]["_id"], id.as_str());
    assert_eq!(events[0]["data"]["channel"]["isConnected"], false);
    assert_eq!(events[1]["type"], "channel.connected");
    assert_eq!(events[1]["data"]["sub"], "user-9");
    assert_eq!(
        events[1]["data"]["reconnected"], false,
        "made by this user a moment ago"
    );
    assert_eq!(events[1]["data"]["channel"]["channelId"], "6281399990000");
    // The widget's kind, never Socialchat's linkchat.
    assert_eq!(events[0]["data"]["kind"], "whatsapp");
    assert_eq!(events[1]["data"]["kind"], "whatsapp");
    // The poll that saw the scan carries the receipt of the connection, for the same event.
    let receipt = polled["receipt"].as_str().expect("a receipt");
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(receipt.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["_id"], id.as_str());
    assert_eq!(claims["kind"], "whatsapp");
    let ids: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|(headers, _, _)| headers["webhook-id"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(claims["jti"], ids[1].as_str());
    for event in &events {
        no_secret(event);
        let text = event.to_string();
        assert!(
            !text.contains("qrcode") && !text.contains(&ticket),
            "{text}"
        );
    }
}

#[tokio::test]
async fn one_user_cannot_create_channels_without_end() {
    let proxy = sandbox(&["--connects-per-minute", "3"]);
    let api = proxy.api();
    let script = session(&proxy, "sub=script&kinds=webchat").await;
    let create = |session: String, n: u32| {
        let url = format!("{api}/partner/channel/webchat");
        async move {
            send(
                "POST",
                &url,
                &session,
                Some(json!({"name": format!("Chat {n}"), "websiteUrl": "https://toko.example"})),
                None,
            )
            .await
        }
    };
    for n in 0..3 {
        assert_eq!(create(script.clone(), n).await.0, 201);
    }
    let (status, refused) = create(script.clone(), 3).await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (429, Some("rate-limited")),
        "{refused}"
    );
    // Said with how long to wait, in the header too.
    let response = client()
        .post(format!("{api}/partner/channel/webchat"))
        .header("authorization", format!("Bearer {script}"))
        .header("content-type", "application/json")
        .body(json!({"name": "Chat", "websiteUrl": "https://toko.example"}).to_string())
        .send()
        .await
        .unwrap();
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=21).contains(&wait), "{wait}");
    // Another user is not held up; reading is never limited.
    let other = session(&proxy, "sub=someone-else&kinds=webchat").await;
    assert_eq!(create(other, 9).await.0, 201);
    let (status, _) = send(
        "GET",
        &format!("{api}/partner/channel"),
        &script,
        None,
        None,
    )
    .await;
    assert_eq!(status, 200);
}

/// A channel connected a moment ago is listed at once by its receipt, to its own user only,
/// though the session (minted before) does not list it; a receipt is no session.
#[tokio::test]
async fn a_new_channel_is_listed_by_its_receipt_before_the_session_lists_it() {
    let proxy = sandbox(&[]);
    let api = proxy.api();
    let mine = session(&proxy, "sub=user-5&kinds=webchat").await;
    let (status, created) = send(
        "POST",
        &format!("{api}/partner/channel/webchat"),
        &mine,
        Some(json!({"name": "Toko Receipt", "websiteUrl": "https://receipt.example"})),
        None,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["_id"].as_str().unwrap().to_owned();
    let receipt = created["receipt"].as_str().unwrap().to_owned();
    let list = |session: String, receipt: Option<String>| {
        let url = format!("{api}/partner/channel?channelTypes[]=webchat");
        async move {
            let mut request = client()
                .get(url)
                .header("authorization", format!("Bearer {session}"));
            if let Some(receipt) = receipt {
                request = request.header("x-socialchat-receipt", receipt);
            }
            let text = request.send().await.unwrap().text().await.unwrap();
            let list: Value = serde_json::from_str(&text).unwrap();
            list["docs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["_id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert!(!list(mine.clone(), None).await.contains(&id));
    assert_eq!(
        list(mine.clone(), Some(receipt.clone())).await,
        vec![id.clone()]
    );
    let other = session(&proxy, "sub=user-6&kinds=webchat").await;
    assert!(list(other, Some(receipt.clone())).await.is_empty());
    let (status, refused) = send(
        "GET",
        &format!("{api}/partner/channel"),
        &receipt,
        None,
        None,
    )
    .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (401, Some("session-invalid"))
    );
}
