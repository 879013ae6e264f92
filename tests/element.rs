//! Browser tests of the `<socialchat-connect>` element itself: registration, mounting into its
//! shadow root, attributes, several elements on one page, and removal.
#![cfg(target_arch = "wasm32")]

mod common;

use common::{add_widget, buttons as button_texts, shadow};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn shadow_query(host: &web_sys::HtmlElement, selector: &str) -> Option<web_sys::Element> {
    shadow(host).query_selector(selector).unwrap()
}

#[wasm_bindgen_test]
async fn renders_the_connect_instagram_button_in_its_shadow_root() {
    let (widget, _events) = add_widget(&[("proxy", "/api/socialchat"), ("lang", "en")]).await;
    assert_eq!(button_texts(&widget), ["Connect Instagram"]);
    // Nothing leaks into the light DOM of the host page.
    assert_eq!(widget.child_element_count(), 0);
    widget.remove();
}

#[wasm_bindgen_test]
async fn tells_the_host_page_it_is_ready_and_why_it_is_not() {
    let (ok, ok_events) = add_widget(&[("proxy", "/api/socialchat")]).await;
    assert_eq!(ok_events.names(), ["socialchat:ready"]);
    let (bad, bad_events) = add_widget(&[("proxy", "/api/socialchat"), ("theme", "blue")]).await;
    let errors = bad_events.details("socialchat:error");
    assert_eq!(errors.len(), 1, "{}", bad_events.everything());
    assert_eq!(errors[0]["code"], "invalid-config");
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .contains("attribute \"theme\""));
    ok.remove();
    bad.remove();
}

#[wasm_bindgen_test]
async fn speaks_indonesian_with_lang_id() {
    let (widget, _events) = add_widget(&[("proxy", "/api/socialchat"), ("lang", "id")]).await;
    assert_eq!(button_texts(&widget), ["Hubungkan Instagram"]);
    let hint = shadow_query(&widget, ".sc-hint")
        .unwrap()
        .text_content()
        .unwrap();
    assert!(hint.contains("izinkan semua Halaman"), "{hint}");
    widget.remove();
}

#[wasm_bindgen_test]
async fn a_missing_proxy_shows_a_clear_message_instead_of_a_button() {
    let (widget, _events) = add_widget(&[("lang", "en")]).await;
    assert!(button_texts(&widget).is_empty());
    let alert = shadow_query(&widget, "[role=alert]").expect("an alert explains the problem");
    let text = alert.text_content().unwrap();
    assert!(text.contains("not set up correctly"), "{text}");
    assert!(text.contains("attribute \"proxy\" is missing"), "{text}");
    widget.remove();
}

#[wasm_bindgen_test]
async fn two_elements_on_one_page_render_independently() {
    let (first, _first_events) = add_widget(&[("proxy", "/a"), ("lang", "en")]).await;
    let (second, _second_events) =
        add_widget(&[("proxy", "/b"), ("lang", "id"), ("channel", "messenger")]).await;
    assert_eq!(button_texts(&first), ["Connect Instagram"]);
    assert_eq!(button_texts(&second), ["Hubungkan Messenger"]);
    second.remove();
    gloo_timers::future::TimeoutFuture::new(0).await;
    assert_eq!(button_texts(&first), ["Connect Instagram"]);
    first.remove();
}

#[wasm_bindgen_test]
async fn changing_an_attribute_re_renders_and_removal_unmounts() {
    let (widget, _events) = add_widget(&[("proxy", "/api/socialchat"), ("lang", "en")]).await;
    widget.set_attribute("lang", "id").unwrap();
    leptos::task::tick().await;
    assert_eq!(button_texts(&widget), ["Hubungkan Instagram"]);
    widget.remove();
    // Unmounting happens a microtask after removal (a move within the page keeps the widget).
    gloo_timers::future::TimeoutFuture::new(0).await;
    assert!(
        button_texts(&widget).is_empty(),
        "a removed widget is unmounted"
    );
}

#[wasm_bindgen_test]
fn registering_twice_is_harmless() {
    socialchat_connect::register();
    socialchat_connect::register();
    let defined = web_sys::window()
        .unwrap()
        .custom_elements()
        .get("socialchat-connect");
    assert!(!defined.is_undefined());
}
