//! Redirect mode's browser glue: the two `sessionStorage` records of [`crate::redirect`], the
//! attempt id, the page to come back to, and the elements on the page.

use socialchat_api::ChannelKind;
use wasm_bindgen::JsCast;
use web_sys::Storage;

use crate::config::parse_channel;
use crate::redirect::{
    Handoff, HandoffRecord, PendingRecord, PendingRedirect, Stored, HANDOFF_KEY, PENDING_KEY,
};
use crate::wire;

fn storage() -> Option<Storage> {
    // Reading `sessionStorage` throws where storage is blocked (some privacy settings).
    web_sys::window()?.session_storage().ok().flatten()
}

/// Milliseconds since the epoch.
pub fn now() -> f64 {
    js_sys::Date::now()
}

/// Both records as they are, without removing them.
pub fn peek() -> (Option<String>, Option<String>) {
    let Some(s) = storage() else {
        return (None, None);
    };
    (
        s.get_item(PENDING_KEY).ok().flatten(),
        s.get_item(HANDOFF_KEY).ok().flatten(),
    )
}

/// Removes both records: whoever claims an attempt takes it out of storage at once.
pub fn clear() {
    if let Some(s) = storage() {
        let _ = s.remove_item(PENDING_KEY);
        let _ = s.remove_item(HANDOFF_KEY);
    }
}

/// What the pending record's text holds, read and checked.
pub fn read_pending(text: Option<&str>) -> Stored<PendingRedirect> {
    Stored::of(text, |t| {
        wire::from_text::<PendingRecord>(t).and_then(PendingRedirect::from_record)
    })
}

/// What the handoff's text holds, read and checked.
pub fn read_handoff(text: Option<&str>) -> Stored<Handoff> {
    Stored::of(text, |t| {
        wire::from_text::<HandoffRecord>(t).and_then(Handoff::from_record)
    })
}

/// Saves the attempt that is about to leave. `Err` when storage is unavailable or full.
pub fn save_pending(pending: &PendingRedirect) -> Result<(), String> {
    let s = storage().ok_or("sessionStorage is not available in this browser")?;
    let text =
        wire::to_text(&pending.to_record()).ok_or("the redirect record could not be written")?;
    let _ = s.remove_item(HANDOFF_KEY);
    s.set_item(PENDING_KEY, &text)
        .map_err(|_| "sessionStorage refused the redirect record".to_owned())
}

/// Leaves the callback message for the dashboard. `Err` when storage is unavailable.
pub fn save_handoff(handoff: &Handoff) -> Result<(), ()> {
    let text = wire::to_text(&handoff.to_record()).ok_or(())?;
    storage()
        .ok_or(())?
        .set_item(HANDOFF_KEY, &text)
        .map_err(|_| ())
}

/// A fresh attempt id: 16 random bytes from the browser's CSPRNG, in hex.
pub fn attempt_id() -> Option<String> {
    let crypto = web_sys::window()?.crypto().ok()?;
    let mut bytes = [0u8; 16];
    crypto.get_random_values_with_u8_array(&mut bytes).ok()?;
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Path, query and fragment of the current page: where a redirect comes back to.
pub fn current_page() -> String {
    let Some(window) = web_sys::window() else {
        return "/".to_owned();
    };
    let l = window.location();
    format!(
        "{}{}{}",
        l.pathname().unwrap_or_else(|_| "/".into()),
        l.search().unwrap_or_default(),
        l.hash().unwrap_or_default()
    )
}

/// Whether a `<socialchat-connect>` of this kind with this `id` (or, for `None`, one without an
/// `id`) is on the page.
pub fn element_present(kind: ChannelKind, id: Option<&str>) -> bool {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return false;
    };
    let Ok(elements) = document.query_selector_all("socialchat-connect") else {
        return false;
    };
    (0..elements.length())
        .filter_map(|i| elements.item(i)?.dyn_into::<web_sys::Element>().ok())
        .any(|el| {
            // Read as the element itself reads it: one with an invalid `channel` never resumes.
            let own_kind = parse_channel(el.get_attribute("channel").as_deref()).ok();
            own_kind == Some(kind) && id_of(&el).as_deref() == id
        })
}

/// An element's `id` attribute, `None` when it has none: what a redirect remembers it by.
pub fn id_of(element: &web_sys::Element) -> Option<String> {
    Some(element.id()).filter(|id| !id.is_empty())
}
