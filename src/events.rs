//! The DOM events the element sends to the host page: `socialchat:*` CustomEvents that bubble
//! and cross the shadow boundary, with plain-object details. The token is in none of them.

use serde::Serialize;
use wasm_bindgen::JsValue;
use web_sys::{CustomEvent, CustomEventInit, HtmlElement};

use crate::flow::{ConnectedChannel, ErrorCode, HostEvent};
use crate::wire;

/// The detail of each event, as the host page reads it (the book, "Events").
#[derive(Serialize)]
#[serde(untagged)]
pub enum Detail<'a> {
    /// `socialchat:ready`: `{}`.
    Ready {},
    Authorized {
        channel: &'static str,
    },
    #[serde(rename_all = "camelCase")]
    Connected {
        channel: &'static str,
        channel_id: &'a str,
        name: &'a str,
        picture: Option<&'a str>,
        id: Option<&'a str>,
        reconnected: bool,
        /// The proxy's signed receipt (a JWT), for the partner's backend; `null` when the proxy
        /// checks no session.
        receipt: Option<&'a str>,
    },
    Cancelled {
        reason: &'static str,
    },
    Error {
        code: &'static str,
        message: &'a str,
        status: Option<u16>,
    },
}

impl<'a> Detail<'a> {
    pub fn connected(c: &'a ConnectedChannel) -> Detail<'a> {
        Detail::Connected {
            channel: c.channel.as_str(),
            channel_id: &c.channel_id,
            name: &c.name,
            picture: c.picture.as_deref(),
            id: c.id.as_deref(),
            reconnected: c.reconnected,
            receipt: c.receipt.as_deref(),
        }
    }

    pub fn error(code: ErrorCode, message: &'a str, status: Option<u16>) -> Detail<'a> {
        Detail::Error {
            code: code.as_str(),
            message,
            status,
        }
    }
}

/// The event's name and its detail.
pub fn describe(event: &HostEvent) -> (&'static str, Detail<'_>) {
    match event {
        HostEvent::Authorized { channel } => (
            event.name(),
            Detail::Authorized {
                channel: channel.as_str(),
            },
        ),
        HostEvent::Connected(c) => (event.name(), Detail::connected(c)),
        HostEvent::Cancelled { reason } => (
            event.name(),
            Detail::Cancelled {
                reason: reason.as_str(),
            },
        ),
        HostEvent::Error(e) => (event.name(), Detail::error(e.code, &e.detail, e.status)),
    }
}

/// Dispatches `name` with `detail` on the element.
pub fn dispatch(host: &HtmlElement, name: &str, detail: &Detail<'_>) {
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(&wire::to_js(detail));
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
