//! Browser tests of redirect mode's resume, in headless Chromium against the real sandbox: the
//! records a redirect leaves in `sessionStorage` (written here the way the widget and the
//! callback page write them), and what an element does with them when it appears. Leaving the
//! page for Facebook and coming back is driven end to end in e2e/, because it navigates away
//! from the test page.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use socialchat_api::{CallbackMessage, ChannelKind, ChannelRecordId};
use socialchat_connect::attempt::Target;
use socialchat_connect::redirect::{Handoff, PendingRedirect, HANDOFF_KEY, PENDING_KEY};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const ATTEMPT: &str = "5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e";

fn storage() -> web_sys::Storage {
    window().session_storage().unwrap().unwrap()
}

fn stored(key: &str) -> Option<String> {
    storage().get_item(key).unwrap()
}

fn forget() {
    storage().remove_item(PENDING_KEY).unwrap();
    storage().remove_item(HANDOFF_KEY).unwrap();
}

/// What the widget saves before leaving, `age_ms` ago.
fn leave(element: Option<&str>, target: Target, age_ms: f64) {
    let pending = PendingRedirect {
        attempt: ATTEMPT.into(),
        channel: ChannelKind::Instagram,
        return_to: "/".into(),
        element: element.map(str::to_owned),
        target,
        started_at: js_sys::Date::now() - age_ms,
    };
    storage()
        .set_item(
            PENDING_KEY,
            &serde_json::to_string(&pending.to_record()).unwrap(),
        )
        .unwrap();
}

/// What the callback page leaves for the dashboard.
fn come_back(token: &str) {
    let handoff = Handoff {
        attempt: ATTEMPT.into(),
        message: CallbackMessage::from_callback_query(
            ChannelKind::Instagram,
            &format!("?token={token}"),
        ),
    };
    storage()
        .set_item(
            HANDOFF_KEY,
            &serde_json::to_string(&handoff.to_record()).unwrap(),
        )
        .unwrap();
}

async fn redirect_widget(id: &str, extra: &[(&str, &str)]) -> (web_sys::HtmlElement, EventLog) {
    let proxy = proxy();
    let mut attributes = vec![
        ("proxy", proxy.as_str()),
        ("lang", "en"),
        ("mode", "redirect"),
        ("id", id),
    ];
    attributes.extend_from_slice(extra);
    add_widget(&attributes).await
}

#[wasm_bindgen_test]
async fn a_redirect_that_came_back_resumes_at_the_picker_once() {
    forget();
    let token = sandbox_token(None).await;
    leave(Some("ig-back"), Target::Connect, 20_000.0);
    come_back(&token);
    let (host, events) = redirect_widget("ig-back", &[]).await;
    wait_for("the picker", || radios(&host).len() == 10).await;
    assert_eq!(stored(PENDING_KEY), None, "the attempt is taken out");
    assert_eq!(stored(HANDOFF_KEY), None, "the token is taken out");
    assert_eq!(
        events.names()[..2],
        ["socialchat:ready", "socialchat:authorized"]
    );
    choose(&host, "Bengkel Motor Jaya").await;
    click(&host, "Connect").await;
    wait_for("success", || {
        text(&host).contains("Bengkel Motor Jaya is now connected to Socialchat.")
    })
    .await;
    assert!(!events.everything().contains(&token));
    host.remove();

    // The same page loaded again (a reload after success): nothing to resume, nothing sent.
    let (again, events) = redirect_widget("ig-back", &[]).await;
    sleep(300).await;
    assert!(
        button(&again, "Connect Instagram").is_some(),
        "{}",
        text(&again)
    );
    assert_eq!(events.names(), ["socialchat:ready"]);
    again.remove();
}

#[wasm_bindgen_test]
async fn another_element_leaves_the_attempt_to_the_one_that_started_it() {
    forget();
    let token = sandbox_token(Some(3)).await;
    leave(Some("ig-owner"), Target::Connect, 1_000.0);
    come_back(&token);
    let (other, _) = redirect_widget("ig-other", &[]).await;
    let (owner, _) = redirect_widget("ig-owner", &[]).await;
    wait_for("the owner's picker", || radios(&owner).len() == 3).await;
    assert!(
        button(&other, "Connect Instagram").is_some(),
        "{}",
        text(&other)
    );
    other.remove();
    owner.remove();
}

#[wasm_bindgen_test]
async fn a_redirect_without_a_callback_says_so_and_starts_again() {
    forget();
    // The user came back with Back, or the storage was cleared in between.
    leave(Some("ig-lost"), Target::Connect, 5_000.0);
    let (host, events) = redirect_widget("ig-lost", &[]).await;
    wait_for("the explanation", || {
        text(&host).contains("could not be continued on this page. Start again.")
    })
    .await;
    assert_eq!(stored(PENDING_KEY), None);
    let error = &events.details("socialchat:error")[0];
    assert_eq!(error["code"], "resume-failed");
    assert!(button(&host, "Try again").is_some(), "{:?}", buttons(&host));
    host.remove();
}

#[wasm_bindgen_test]
async fn an_attempt_for_an_element_that_is_gone_is_reported_by_one_of_its_kind() {
    forget();
    let token = sandbox_token(Some(2)).await;
    leave(Some("ig-removed"), Target::Connect, 5_000.0);
    come_back(&token);
    let (host, events) = redirect_widget("ig-here", &[]).await;
    wait_for("the explanation", || text(&host).contains("Start again.")).await;
    assert_eq!(stored(HANDOFF_KEY), None, "the token is not left behind");
    assert_eq!(
        events.details("socialchat:error")[0]["code"],
        "resume-failed"
    );
    host.remove();
}

#[wasm_bindgen_test]
async fn an_attempt_older_than_ten_minutes_is_discarded() {
    forget();
    let token = sandbox_token(Some(2)).await;
    leave(Some("ig-old"), Target::Connect, 10.0 * 60_000.0 + 5_000.0);
    come_back(&token);
    let (host, events) = redirect_widget("ig-old", &[]).await;
    wait_for("the timeout", || {
        text(&host).contains("Facebook took too long. Nothing was connected.")
    })
    .await;
    assert_eq!(stored(PENDING_KEY), None);
    assert_eq!(stored(HANDOFF_KEY), None);
    assert_eq!(
        events.details("socialchat:cancelled")[0]["reason"],
        "timeout"
    );
    host.remove();
}

#[wasm_bindgen_test]
async fn an_expired_token_after_the_redirect_offers_a_new_authorization() {
    forget();
    leave(Some("ig-expired"), Target::Connect, 5_000.0);
    come_back("sbx_not_a_token_the_sandbox_issued");
    let (host, events) = redirect_widget("ig-expired", &[]).await;
    wait_for("the expiry", || {
        events
            .details("socialchat:error")
            .iter()
            .any(|e| e["code"] == "token-expired")
    })
    .await;
    assert!(
        text(&host).contains("The Facebook authorization has expired."),
        "{}",
        text(&host)
    );
    assert!(
        button(&host, "Authorize again").is_some(),
        "{:?}",
        buttons(&host)
    );
    host.remove();
}

#[wasm_bindgen_test]
async fn a_reconnect_resumes_as_a_reconnect() {
    forget();
    let token = sandbox_token(None).await;
    let id = ChannelRecordId::new("65f0a1b2c3d4e5f6a7b8c902").unwrap();
    leave(
        Some("ig-reconnect"),
        Target::Reconnect {
            id,
            name: Some("Kopi Kenangan Senja".into()),
        },
        5_000.0,
    );
    come_back(&token);
    let (host, events) = redirect_widget("ig-reconnect", &[("list-channels", "")]).await;
    wait_for("reconnected", || {
        text(&host).contains("is connected to Socialchat again.")
    })
    .await;
    let connected = &events.details("socialchat:connected")[0];
    assert_eq!(connected["reconnected"], true);
    assert_eq!(connected["id"], "65f0a1b2c3d4e5f6a7b8c902");
    host.remove();
}
