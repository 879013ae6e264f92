//! The DOM events the element sends to the host page: `socialchat:*` CustomEvents that bubble
//! and cross the shadow boundary, with plain-object details. The token is in none of them.

use wasm_bindgen::JsValue;
use web_sys::{CustomEvent, CustomEventInit, HtmlElement};

use crate::flow::HostEvent;
use crate::js_json;

/// The event's name and its detail as JSON.
pub fn describe(event: &HostEvent) -> (&'static str, serde_json::Value) {
    use serde_json::json;
    match event {
        HostEvent::Authorized { channel } => (
            "socialchat:authorized",
            json!({ "channel": channel.as_str() }),
        ),
        HostEvent::Connected(c) => (
            "socialchat:connected",
            json!({
                "channel": c.channel.as_str(),
                "channelId": c.channel_id,
                "name": c.name,
                "picture": c.picture,
                "id": c.id,
                "reconnected": c.reconnected,
            }),
        ),
        HostEvent::Cancelled { reason } => {
            ("socialchat:cancelled", json!({ "reason": reason.as_str() }))
        }
        HostEvent::Error(e) => (
            "socialchat:error",
            json!({ "code": e.code.as_str(), "message": e.detail, "status": e.status }),
        ),
    }
}

/// Dispatches `name` with `detail` on the element.
pub fn dispatch(host: &HtmlElement, name: &str, detail: &serde_json::Value) {
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(&js_json::to_js(detail));
    if let Ok(event) = CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = host.dispatch_event(&event);
    }
}

pub fn emit(host: &HtmlElement, event: &HostEvent) {
    let (name, detail) = describe(event);
    if let HostEvent::Error(e) = event {
        web_sys::console::warn_1(&JsValue::from_str(&format!(
            "socialchat-connect: {} ({}){}",
            e.code.as_str(),
            e.detail,
            e.status.map(|s| format!(", HTTP {s}")).unwrap_or_default()
        )));
    }
    dispatch(host, name, &detail);
}
