//! Helpers for the browser suites: put the element on the page as a partner would, read and
//! click inside its shadow root, record its DOM events, and drive the sandbox proxy (started by
//! scripts/test on 127.0.0.1:18787 with --allow-local-origins; SOCIALCHAT_TEST_SANDBOX at build
//! time points elsewhere).
#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{CustomEvent, Element, HtmlElement, HtmlInputElement};

pub const SANDBOX: &str = match option_env!("SOCIALCHAT_TEST_SANDBOX") {
    Some(url) => url,
    None => "http://127.0.0.1:18787",
};

pub fn proxy() -> String {
    format!("{SANDBOX}/api/socialchat")
}

/// The sandbox's stand-in for the partner's session endpoint: by default a session that may use
/// every kind and every channel of the simulated company; `overrides` replace or add to that.
pub fn session_url(overrides: &[(&str, &str)]) -> String {
    let mut query = vec![
        ("sub", "browser-tests"),
        ("kinds", "instagram,messenger"),
        ("channels", "all"),
    ];
    for (key, value) in overrides {
        query.retain(|(k, _)| k != key);
        query.push((key, value));
    }
    let query: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{SANDBOX}/sandbox/session?{}", query.join("&"))
}

pub fn window() -> web_sys::Window {
    web_sys::window().unwrap()
}

pub fn document() -> web_sys::Document {
    window().document().unwrap()
}

pub async fn sleep(ms: u32) {
    TimeoutFuture::new(ms).await;
}

/// Waits up to 8 s for `condition`, then fails naming `what`.
pub async fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    for _ in 0..400 {
        if condition() {
            return;
        }
        sleep(20).await;
    }
    panic!("timed out waiting for {what}");
}

/// Waits for `needle` in the widget's text; on a timeout, says what it showed instead.
pub async fn wait_for_text(host: &HtmlElement, needle: &str) {
    for _ in 0..400 {
        if text(host).contains(needle) {
            return;
        }
        sleep(20).await;
    }
    panic!(
        "timed out waiting for {needle:?}; the widget shows {:?}",
        text(host)
    );
}

/// One listener per event name, kept alive while the log is.
type Listener = (String, Closure<dyn FnMut(CustomEvent)>);

/// The `socialchat:*` events an element dispatched, in order, with their details as JSON.
pub struct EventLog {
    host: HtmlElement,
    seen: Rc<RefCell<Vec<(String, serde_json::Value)>>>,
    listeners: Vec<Listener>,
}

impl EventLog {
    pub fn names(&self) -> Vec<String> {
        self.seen.borrow().iter().map(|(n, _)| n.clone()).collect()
    }

    pub fn details(&self, name: &str) -> Vec<serde_json::Value> {
        self.seen
            .borrow()
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, d)| d.clone())
            .collect()
    }

    /// Everything the host page could read from the events, as one string.
    pub fn everything(&self) -> String {
        format!("{:?}", self.seen.borrow())
    }
}

impl Drop for EventLog {
    fn drop(&mut self) {
        for (name, listener) in &self.listeners {
            let _ = self
                .host
                .remove_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
        }
    }
}

pub const EVENT_NAMES: [&str; 5] = [
    "socialchat:ready",
    "socialchat:authorized",
    "socialchat:connected",
    "socialchat:cancelled",
    "socialchat:error",
];

/// Adds `<socialchat-connect>` with the given attributes to the page, listening to its events
/// from before it is connected.
pub async fn add_widget(attributes: &[(&str, &str)]) -> (HtmlElement, EventLog) {
    socialchat_connect::register();
    let host: HtmlElement = document()
        .create_element("socialchat-connect")
        .unwrap()
        .dyn_into()
        .unwrap();
    for (name, value) in attributes {
        host.set_attribute(name, value).unwrap();
    }
    // Every widget carries a session, as on a partner's page (scripts/test runs the sandbox
    // with session checks); a test that sets its own (or none, with `session-url` empty) says so.
    if !attributes
        .iter()
        .any(|(n, _)| *n == "session-url" || *n == "session")
    {
        host.set_attribute("session-url", &session_url(&[]))
            .unwrap();
    }
    let seen = Rc::new(RefCell::new(Vec::new()));
    let mut listeners = Vec::new();
    for name in EVENT_NAMES {
        let sink = seen.clone();
        let listener = Closure::<dyn FnMut(CustomEvent)>::new(move |event: CustomEvent| {
            let detail = js_sys::JSON::stringify(&event.detail())
                .ok()
                .and_then(|s| s.as_string())
                .and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or_default();
            sink.borrow_mut().push((event.type_(), detail));
        });
        host.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref())
            .unwrap();
        listeners.push((name.to_owned(), listener));
    }
    document().body().unwrap().append_child(&host).unwrap();
    leptos::task::tick().await;
    let log = EventLog {
        host: host.clone(),
        seen,
        listeners,
    };
    (host, log)
}

pub fn shadow(host: &HtmlElement) -> web_sys::ShadowRoot {
    host.shadow_root().expect("an open shadow root")
}

pub fn text(host: &HtmlElement) -> String {
    shadow(host)
        .query_selector(".sc-widget")
        .ok()
        .flatten()
        .and_then(|w| w.text_content())
        .unwrap_or_default()
}

fn all(host: &HtmlElement, selector: &str) -> Vec<Element> {
    let list = shadow(host).query_selector_all(selector).unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into().ok())
        .collect()
}

pub fn buttons(host: &HtmlElement) -> Vec<String> {
    all(host, "button")
        .iter()
        .filter_map(|b| b.text_content())
        .map(|t| t.trim().to_owned())
        .collect()
}

pub fn button(host: &HtmlElement, label: &str) -> Option<HtmlElement> {
    all(host, "button")
        .into_iter()
        .find(|b| b.text_content().map(|t| t.trim() == label).unwrap_or(false))
        .and_then(|b| b.dyn_into().ok())
}

pub fn is_disabled(host: &HtmlElement, label: &str) -> bool {
    button(host, label)
        .map(|b| {
            b.has_attribute("disabled")
                || js_sys::Reflect::get(&b, &"disabled".into())
                    .unwrap()
                    .is_truthy()
        })
        .unwrap_or(false)
}

pub async fn click(host: &HtmlElement, label: &str) {
    let target = button(host, label)
        .unwrap_or_else(|| panic!("no button {label:?}; buttons: {:?}", buttons(host)));
    target.click();
    leptos::task::tick().await;
}

/// The account radios the user can see (the search box hides the others), with their names.
pub fn radios(host: &HtmlElement) -> Vec<(HtmlInputElement, String)> {
    all(host, ".sc-account")
        .into_iter()
        .filter(|row| !row.has_attribute("hidden"))
        .filter_map(|row| {
            let input: HtmlInputElement = row.query_selector("input").ok()??.dyn_into().ok()?;
            let name = row.query_selector(".sc-name").ok()??.text_content()?;
            Some((input, name.trim().to_owned()))
        })
        .collect()
}

/// How many accounts the picker's list holds (the search's matches), drawn or not: what each
/// radio says as its `aria-setsize`.
pub fn account_count(host: &HtmlElement) -> usize {
    shadow(host)
        .query_selector(".sc-account input[type=radio]")
        .ok()
        .flatten()
        .and_then(|radio| radio.get_attribute("aria-setsize"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

pub async fn choose(host: &HtmlElement, name: &str) {
    let (radio, _) = radios(host)
        .into_iter()
        .find(|(_, label)| label == name)
        .unwrap_or_else(|| panic!("no account {name:?}"));
    radio.click();
    leptos::task::tick().await;
}

/// Types `value` into the form field labelled `label`, as a user would (an `input` event).
pub async fn fill(host: &HtmlElement, label: &str, value: &str) {
    let field = field(host, label);
    field.set_value(value);
    field
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    sleep(0).await;
}

/// The form field whose `<label>` says `label`.
pub fn field(host: &HtmlElement, label: &str) -> HtmlInputElement {
    let labels = all(host, ".sc-field label");
    let found = labels
        .iter()
        .find(|l| l.text_content().is_some_and(|t| t.trim() == label))
        .unwrap_or_else(|| panic!("no field {label:?}; the widget shows {:?}", text(host)));
    let id = found.get_attribute("for").expect("a label for a field");
    shadow(host)
        .get_element_by_id(&id)
        .expect("the labelled field")
        .dyn_into()
        .unwrap()
}

/// The id of the element that has the focus inside the widget.
pub fn focused_id(host: &HtmlElement) -> Option<String> {
    shadow(host).active_element().map(|a| a.id())
}

/// Breaks the sandbox's channel `id`, so that it can be reconnected.
pub async fn sandbox_disconnect(id: &str) {
    let (status, body) = fetch_text("POST", &format!("{SANDBOX}/sandbox/disconnect?id={id}")).await;
    assert_eq!(status, 204, "{body}");
}

/// Makes the sandbox act as if the phone of `phone` scanned its QR code.
pub async fn sandbox_scan(phone: &str) {
    let phone = phone.trim_start_matches('+');
    let (status, body) = fetch_text(
        "POST",
        &format!("{SANDBOX}/sandbox/whatsapp/scan?phone={phone}"),
    )
    .await;
    assert_eq!(status, 204, "{body}");
}

pub async fn type_search(host: &HtmlElement, text: &str) {
    let input: HtmlInputElement = shadow(host)
        .query_selector("input[type=search]")
        .unwrap()
        .expect("a search box")
        .dyn_into()
        .unwrap();
    input.set_value(text);
    let event = web_sys::Event::new("input").unwrap();
    input.dispatch_event(&event).unwrap();
    // The widget's reactive updates run as microtasks: after a timer they have all run.
    sleep(0).await;
}

async fn fetch_text(method: &str, url: &str) -> (u16, String) {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let response: web_sys::Response = JsFuture::from(window().fetch_with_str_and_init(url, &init))
        .await
        .unwrap_or_else(|e| panic!("is the sandbox running at {SANDBOX}? {e:?}"))
        .dyn_into()
        .unwrap();
    let text = JsFuture::from(response.text().unwrap()).await.unwrap();
    (response.status(), text.as_string().unwrap_or_default())
}

/// A session from the sandbox's stand-in for the partner's endpoint; `query` as for
/// [`session_url`].
pub async fn sandbox_session(overrides: &[(&str, &str)]) -> String {
    let (status, body) = fetch_text("GET", &session_url(overrides)).await;
    assert_eq!(status, 200, "{body}");
    let value: serde_json::Value = serde_json::from_str(&body).unwrap();
    value["session"].as_str().unwrap().to_owned()
}

/// A sandbox token that sees the first `accounts` Instagram accounts (all when `None`).
pub async fn sandbox_token(accounts: Option<usize>) -> String {
    let mut url = format!("{SANDBOX}/sandbox/token?kind=instagram");
    if let Some(n) = accounts {
        url.push_str(&format!("&accounts={n}"));
    }
    let (status, body) = fetch_text("POST", &url).await;
    assert_eq!(status, 200, "{body}");
    let value: serde_json::Value = serde_json::from_str(&body).unwrap();
    value["token"].as_str().unwrap().to_owned()
}

/// Makes the running sandbox fail, e.g. `account:500:1`.
pub async fn sandbox_fail(rule: &str) {
    let (status, body) = fetch_text("POST", &format!("{SANDBOX}/sandbox/fail?rule={rule}")).await;
    assert_eq!(status, 204, "{body}");
}

pub fn callback_json(token: &str) -> String {
    format!(
        r#"{{"source":"socialchat-connect","kind":"callback","channel":"instagram","token":"{token}"}}"#
    )
}

/// Delivers a message as the callback page does on its BroadcastChannel.
pub fn broadcast(json: &str) {
    let channel = web_sys::BroadcastChannel::new("socialchat-connect").unwrap();
    channel
        .post_message(&js_sys::JSON::parse(json).unwrap())
        .unwrap();
    channel.close();
}

/// Dispatches a `message` event on the window as if posted from `origin` (no source window).
pub fn message_from(origin: &str, json: &str) {
    let init = web_sys::MessageEventInit::new();
    init.set_data(&js_sys::JSON::parse(json).unwrap());
    init.set_origin(origin);
    let event = web_sys::MessageEvent::new_with_event_init_dict("message", &init).unwrap();
    window().dispatch_event(&event).unwrap();
}

pub fn page_origin() -> String {
    window().location().origin().unwrap()
}

/// Runs `body` with `window.open` returning null, as when a popup blocker steps in.
pub struct PopupBlocker {
    original: JsValue,
}

impl PopupBlocker {
    pub fn install() -> PopupBlocker {
        let original = js_sys::Reflect::get(&window(), &"open".into()).unwrap();
        let blocked = js_sys::Function::new_no_args("return null");
        js_sys::Reflect::set(&window(), &"open".into(), &blocked).unwrap();
        PopupBlocker { original }
    }
}

impl Drop for PopupBlocker {
    fn drop(&mut self) {
        let _ = js_sys::Reflect::set(&window(), &"open".into(), &self.original);
    }
}
