//! The callback page (`callback.html`), which Socialchat redirects to with `?token=…` (or
//! Facebook's error parameters) after the Facebook dialog.
//!
//! It removes the query from the address bar at once and builds the message with the api crate's
//! protocol. In redirect mode (a top-level page without an opener, with the dashboard's pending
//! redirect in `sessionStorage`) it leaves the message there and replaces itself with the saved
//! dashboard page, so that no history entry keeps the token. Otherwise it posts the message to
//! `window.opener` with an explicit target origin and on the BroadcastChannel (the fallback when
//! Facebook severed the opener), and closes itself once the widget acknowledges. When nobody
//! answers, or the authorization failed, it stays open with a readable sentence.

use socialchat_api::callback::{channel_of_callback, MessageWire, BROADCAST_CHANNEL};
use socialchat_api::{CallbackMessage, CallbackOutcome};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{BroadcastChannel, MessageEvent, Window};

use crate::i18n::{Lang, Text};
use crate::redirect::{route_callback, CallbackRoute};
use crate::storage;
use crate::wire;

/// How long the page waits for the widget's acknowledgement before telling the user to close it.
const ACK_WAIT_MS: i32 = 4000;

fn show(document: &web_sys::Document, text: &str) {
    if let Some(status) = document.get_element_by_id("status") {
        status.set_text_content(Some(text));
    }
}

/// Runs the callback page. Called by `callback.js`.
#[wasm_bindgen(js_name = runCallbackPage)]
pub fn run_callback_page() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(document) = window.document() else {
        return;
    };
    let location = window.location();
    let search = location.search().unwrap_or_default();
    let path = location.pathname().unwrap_or_default();
    // The token must not stay in the address bar, the history or a referrer.
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&path));
    }
    let languages: Vec<String> = window
        .navigator()
        .languages()
        .iter()
        .filter_map(|v| v.as_string())
        .collect();
    let lang = Lang::from_browser(languages.iter().map(String::as_str));
    if let Some(root) = document.document_element() {
        let _ = root.set_attribute("lang", lang.code());
    }

    let message =
        CallbackMessage::from_callback_query(channel_of_callback(&path, &search), &search);
    let authorized = matches!(message.outcome, CallbackOutcome::Authorized(_));

    let opener: Option<Window> = window
        .opener()
        .ok()
        .filter(|o| !o.is_null() && !o.is_undefined())
        .map(|o| o.unchecked_into());

    // Redirect mode: hand the message to the dashboard through its sessionStorage, then go back
    // to the saved page in place of this one (no history entry of this page remains).
    let (pending, _) = storage::peek();
    if let CallbackRoute::ReturnTo { return_to, handoff } = route_callback(
        storage::read_pending(pending.as_deref()),
        opener.is_some(),
        message.clone(),
        storage::now(),
    ) {
        if storage::save_handoff(&handoff).is_ok() {
            show(&document, lang.text(Text::CallbackReturning));
            if location.replace(&return_to).is_ok() {
                return;
            }
        }
    }

    let data = wire::to_js(&message.to_wire());
    drop(message);

    // The dashboard's origin: the partner may name it when the callback is served elsewhere.
    let own_origin = location.origin().unwrap_or_default();
    let target_origin = document
        .query_selector("meta[name=socialchat-connect-dashboard-origin]")
        .ok()
        .flatten()
        .and_then(|m| m.get_attribute("content"))
        .filter(|o| socialchat_api::origin::is_origin(o))
        .unwrap_or(own_origin);

    let channel = BroadcastChannel::new(BROADCAST_CHANNEL).ok();

    show(&document, lang.text(Text::CallbackWorking));

    // Close once the widget says it has the message; an error page stays readable.
    let on_ack = {
        let window = window.clone();
        let document = document.clone();
        let target_origin = target_origin.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let from_window = !event.origin().is_empty();
            if from_window && event.origin() != target_origin {
                return;
            }
            let ack = wire::from_js::<MessageWire>(event.data());
            if !ack.is_ok_and(|m| m.is_acknowledgement()) {
                return;
            }
            if authorized {
                show(&document, lang.text(Text::CallbackDone));
                let _ = window.close();
            } else {
                show(&document, lang.text(Text::CallbackDeclined));
            }
        })
    };
    let _ = window.add_event_listener_with_callback("message", on_ack.as_ref().unchecked_ref());
    if let Some(channel) = &channel {
        channel.set_onmessage(Some(on_ack.as_ref().unchecked_ref()));
    }
    on_ack.forget();

    if let Some(opener) = &opener {
        let _ = opener.post_message(&data, &target_origin);
    }
    if let Some(channel) = &channel {
        let _ = channel.post_message(&data);
    }

    // Nobody answered: say what to do instead of leaving a blank or spinning page.
    let fallback = Closure::<dyn FnMut()>::new(move || {
        let text = match (authorized, opener.is_some()) {
            (false, _) => lang.text(Text::CallbackDeclined),
            (true, true) => lang.text(Text::CallbackCloseHint),
            (true, false) => lang.text(Text::CallbackLost),
        };
        show(&document, text);
    });
    let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
        fallback.as_ref().unchecked_ref(),
        ACK_WAIT_MS,
    );
    fallback.forget();
}
