//! Browser tests of the `<socialchat-connect>` element itself: registration, mounting into its
//! shadow root, attributes, several elements on one page, and removal.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// Adds `<socialchat-connect>` with the given attributes to the page, as a partner's markup would.
async fn add_widget(attributes: &[(&str, &str)]) -> HtmlElement {
    socialchat_connect::register();
    let element = document().create_element("socialchat-connect").unwrap();
    for (name, value) in attributes {
        element.set_attribute(name, value).unwrap();
    }
    document().body().unwrap().append_child(&element).unwrap();
    leptos::task::tick().await;
    element.dyn_into().unwrap()
}

fn shadow_query(host: &HtmlElement, selector: &str) -> Option<Element> {
    host.shadow_root()
        .expect("the element renders into an open shadow root")
        .query_selector(selector)
        .unwrap()
}

fn button_texts(host: &HtmlElement) -> Vec<String> {
    let all = host
        .shadow_root()
        .unwrap()
        .query_selector_all("button")
        .unwrap();
    (0..all.length())
        .filter_map(|i| all.item(i))
        .filter_map(|n| n.text_content())
        .collect()
}

#[wasm_bindgen_test]
async fn renders_the_connect_instagram_button_in_its_shadow_root() {
    let widget = add_widget(&[("proxy", "/api/socialchat"), ("lang", "en")]).await;
    assert_eq!(button_texts(&widget), ["Connect Instagram"]);
    // Nothing leaks into the light DOM of the host page.
    assert_eq!(widget.child_element_count(), 0);
    widget.remove();
}

#[wasm_bindgen_test]
async fn speaks_indonesian_with_lang_id() {
    let widget = add_widget(&[("proxy", "/api/socialchat"), ("lang", "id")]).await;
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
    let widget = add_widget(&[("lang", "en")]).await;
    assert!(button_texts(&widget).is_empty());
    let alert = shadow_query(&widget, "[role=alert]").expect("an alert explains the problem");
    let text = alert.text_content().unwrap();
    assert!(text.contains("not set up correctly"), "{text}");
    assert!(text.contains("attribute \"proxy\" is missing"), "{text}");
    widget.remove();
}

#[wasm_bindgen_test]
async fn two_elements_on_one_page_render_independently() {
    let first = add_widget(&[("proxy", "/a"), ("lang", "en")]).await;
    let second = add_widget(&[("proxy", "/b"), ("lang", "id"), ("channel", "messenger")]).await;
    assert_eq!(button_texts(&first), ["Connect Instagram"]);
    assert_eq!(button_texts(&second), ["Hubungkan Messenger"]);
    second.remove();
    gloo_timers::future::TimeoutFuture::new(0).await;
    assert_eq!(button_texts(&first), ["Connect Instagram"]);
    first.remove();
}

#[wasm_bindgen_test]
async fn changing_an_attribute_re_renders_and_removal_unmounts() {
    let widget = add_widget(&[("proxy", "/api/socialchat"), ("lang", "en")]).await;
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
