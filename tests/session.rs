//! Browser tests of sessions in headless Chromium, against the sandbox checking sessions as
//! `serve` does: the session comes from `session-url` or the `session` attribute or property,
//! rides on every call, is asked for again once when it expired, and never reaches the DOM, an
//! event or storage.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Clicks the start button and waits until the widget waits for Facebook, or shows `or_error`.
async fn start(host: &web_sys::HtmlElement) {
    let label = buttons(host).into_iter().next().expect("a start button");
    click(host, &label).await;
}

fn storage_text() -> String {
    let storage = window().session_storage().unwrap().unwrap();
    let local = window().local_storage().unwrap().unwrap();
    let mut all = String::new();
    for s in [storage, local] {
        for i in 0..s.length().unwrap() {
            let key = s.key(i).unwrap().unwrap();
            all.push_str(&key);
            all.push_str(&s.get_item(&key).unwrap().unwrap_or_default());
        }
    }
    all
}

#[wasm_bindgen_test]
async fn an_expired_session_is_asked_for_again_once_and_the_flow_goes_on() {
    let url = session_url(&[("sub", "refresh-once"), ("expire_first", "1")]);
    let proxy = proxy();
    let (host, events) =
        add_widget(&[("proxy", &proxy), ("lang", "en"), ("session-url", &url)]).await;
    start(&host).await;
    wait_for("Waiting for Facebook…", || {
        text(&host).contains("Waiting for Facebook…")
    })
    .await;
    let token = sandbox_token(Some(3)).await;
    broadcast(&callback_json(&token));
    wait_for("the accounts", || radios(&host).len() == 3).await;
    assert!(
        events.details("socialchat:error").is_empty(),
        "{}",
        events.everything()
    );
    host.remove();
}

#[wasm_bindgen_test]
async fn a_session_without_the_kind_says_so_in_the_users_language() {
    let url = session_url(&[("kinds", "messenger")]);
    let proxy = proxy();
    let (host, events) =
        add_widget(&[("proxy", &proxy), ("lang", "id"), ("session-url", &url)]).await;
    start(&host).await;
    wait_for_text(&host, "kind-not-allowed").await;
    assert!(
        text(&host).contains("Akun Anda tidak diizinkan menghubungkan jenis channel ini"),
        "{}",
        text(&host)
    );
    let error = &events.details("socialchat:error")[0];
    assert_eq!(
        (error["code"].as_str(), error["status"].as_u64()),
        (Some("kind-not-allowed"), Some(403))
    );
    host.remove();
}

#[wasm_bindgen_test]
async fn a_session_given_as_an_attribute_leaves_the_dom_and_still_works() {
    let session = sandbox_session(&[]).await;
    let proxy = proxy();
    let (host, events) =
        add_widget(&[("proxy", &proxy), ("lang", "en"), ("session", &session)]).await;
    assert_eq!(
        host.get_attribute("session"),
        None,
        "moved out of the DOM at once"
    );
    assert!(!host.outer_html().contains(&session));
    assert!(
        js_sys::Reflect::get(&host, &JsValue::from_str("session"))
            .unwrap()
            .is_undefined(),
        "and it cannot be read back from the element"
    );
    start(&host).await;
    wait_for("Waiting for Facebook…", || {
        text(&host).contains("Waiting for Facebook…")
    })
    .await;
    let token = sandbox_token(Some(2)).await;
    broadcast(&callback_json(&token));
    wait_for("the accounts", || radios(&host).len() == 2).await;
    let everywhere = format!(
        "{}{}{}",
        events.everything(),
        shadow(&host).inner_html(),
        storage_text()
    );
    assert!(
        !everywhere.contains(&session),
        "the session is in no event, DOM or storage"
    );
    host.remove();
}

#[wasm_bindgen_test]
async fn a_session_set_as_a_property_after_the_element_appeared_is_used() {
    let proxy = proxy();
    let (host, events) =
        add_widget(&[("proxy", &proxy), ("lang", "en"), ("session", "none")]).await;
    // `none` is a proxy without session checks: this sandbox checks, so the call is refused.
    start(&host).await;
    wait_for_text(&host, "session-required").await;
    assert!(
        text(&host).contains("not set up correctly"),
        "{}",
        text(&host)
    );
    let session = sandbox_session(&[]).await;
    js_sys::Reflect::set(
        &host,
        &JsValue::from_str("session"),
        &JsValue::from_str(&session),
    )
    .unwrap();
    click(&host, "Try again").await;
    wait_for("Waiting for Facebook…", || {
        text(&host).contains("Waiting for Facebook…")
    })
    .await;
    assert!(!events.everything().contains(&session));
    host.remove();
}

#[wasm_bindgen_test]
async fn no_session_at_all_is_a_setup_problem_shown_in_the_element() {
    let proxy = proxy();
    let (host, events) =
        add_widget(&[("proxy", &proxy), ("lang", "en"), ("session-url", "")]).await;
    let error = &events.details("socialchat:error")[0];
    assert_eq!(error["code"], "invalid-config");
    assert!(
        error["message"].as_str().unwrap().contains("\"session\""),
        "{error}"
    );
    assert!(text(&host).contains("session-url"), "{}", text(&host));
    host.remove();
}

#[wasm_bindgen_test]
async fn a_session_endpoint_that_fails_is_told_apart_from_the_proxy() {
    let proxy = proxy();
    // The stand-in endpoint refuses a ttl that is not a number with a 400.
    let refusing = session_url(&[("ttl", "soon")]);
    let (host, events) = add_widget(&[
        ("proxy", &proxy),
        ("lang", "en"),
        ("session-url", &refusing),
    ])
    .await;
    start(&host).await;
    wait_for_text(&host, "session-unavailable").await;
    assert!(text(&host).contains("gave no session"), "{}", text(&host));
    let error = &events.details("socialchat:error")[0];
    assert!(
        error["message"].as_str().unwrap().contains("HTTP 400"),
        "{error}"
    );
    host.remove();
}

#[wasm_bindgen_test]
async fn a_given_session_that_expired_ends_in_session_expired() {
    let expired = sandbox_session(&[("expired", "1")]).await;
    let proxy = proxy();
    let (host, events) =
        add_widget(&[("proxy", &proxy), ("lang", "en"), ("session", &expired)]).await;
    start(&host).await;
    wait_for_text(&host, "session-expired").await;
    assert!(text(&host).contains("Reload the page"), "{}", text(&host));
    assert!(!events.everything().contains(&expired));
    host.remove();
}
