//! The `<socialchat-connect>` element class, shared by the two modules that may define it: the
//! element's own (`element`) and the small first module that draws the button before it has
//! loaded (`button`, the partner bundle's first download). Custom elements must be JavaScript
//! classes: these few lines call back into whichever module is current for everything else.
//!
//! The first module defines the class, and its definition gives the loader (only) a function
//! that hands the element over: when the element's module has loaded, the loader passes it to
//! that module's `takeOver`, and the class mounts every element again with the element's
//! callbacks, handing each the click its button already took (the popup opened in that click's
//! own task). Defined by the element's module alone (the preview, a bundler's build, the
//! browser tests), the class is the same.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::attempt::EarlyClick;
use crate::config::OBSERVED_ATTRIBUTES;

#[wasm_bindgen(inline_js = r#"
export function defineSocialchatConnect(observed, callbacks, version) {
  // Defined already (a second copy of a module, or the first module's definition): nothing.
  if (customElements.get("socialchat-connect")) return false;
  let current = callbacks;
  const live = new Set();
  let handOver = null;
  class SocialchatConnect extends HTMLElement {
    // The release, for a page that checks what it embeds (the loader itself logs nothing).
    static get version() { return version; }
    static {
      // From the first module to the element's, once: every element mounted again, with the
      // click its button took. Only the loader holds this function (it is returned below, and
      // published nowhere), so no other script can put callbacks of its own in.
      handOver = (next) => {
        if (current.element || !next || !next.element) return false;
        current = next;
        for (const element of live) {
          try { element.#takeOver(); } catch (error) { console.error("socialchat-connect:", error); }
        }
        return true;
      };
    }
    // The session lives here, never in the DOM: given as an attribute, it is moved here at once.
    // It can be set, not read back, so no other script takes it from the element.
    #session = null;
    // The callbacks this element's instance belongs to: the first module's until its hand-over
    // reaches this element (which a press under way puts off), the element's after.
    #owner = null;
    static get observedAttributes() { return observed.concat(["session"]); }
    set session(value) { this.#give(value == null ? null : String(value)); }
    #give(value) {
      this.#session = value;
      if (this.__scInstance !== undefined && !this.#owner.giveSession(this.__scInstance, value)) this.#remount();
    }
    #mount(clicked) {
      this.#owner = current;
      this.__scInstance = current.connect(this, this.shadowRoot, this.#session, clicked);
    }
    #unmount() {
      const instance = this.__scInstance;
      this.__scInstance = undefined;
      if (instance !== undefined) this.#owner.disconnect(instance);
    }
    // Drawn again (an attribute changed, or the hand-over): a click the first module's button
    // took goes along, and so does the focus.
    #remount() {
      const owner = this.#owner;
      const clicked = owner.takeClick ? owner.takeClick(this.__scInstance) : undefined;
      const focused = this.shadowRoot.activeElement !== null;
      this.#unmount();
      this.#mount(clicked);
      if (focused && this.shadowRoot.activeElement === null) this.shadowRoot.querySelector("[data-autofocus]")?.focus();
    }
    // `ended`: the pointer that pressed the button is up, so its `:active` is not asked again.
    #takeOver(ended = false) {
      if (this.__scInstance === undefined || this.#owner === current) return;
      // A press on the first module's button (a pointer or the space bar held down) ends in a
      // click on that button, not on one drawn in its place: the hand-over waits for it.
      if (!ended && this.shadowRoot.querySelector(":active")) {
        const ends = ["pointerup", "pointercancel", "keyup", "blur"];
        const after = (event) => {
          for (const type of ends) removeEventListener(type, after, true);
          // After the press's click (a task later). Once the pointer is up the hand-over goes
          // on (a touch keeps `:active` a while longer, and its tap finds whichever button is
          // there); after a key let go or a focus moved, it waits on while the press lasts.
          const up = event.type === "pointerup" || event.type === "pointercancel";
          setTimeout(() => {
            try { this.#takeOver(up); } catch (error) { console.error("socialchat-connect:", error); }
          }, 0);
        };
        for (const type of ends) addEventListener(type, after, true);
        return;
      }
      this.#remount();
    }
    // Loads the channel list (list-channels) again, as after a connect: for a host page that
    // knows of a change the widget did not make.
    refresh() {
      if (this.__scInstance !== undefined) this.#owner.refresh(this.__scInstance);
    }
    connectedCallback() {
      if (!this.shadowRoot) this.attachShadow({ mode: "open" });
      live.add(this);
      if (this.__scInstance === undefined) this.#mount(undefined);
    }
    disconnectedCallback() {
      // A move within the page disconnects and reconnects at once: keep the flow then.
      queueMicrotask(() => {
        if (this.isConnected) return;
        live.delete(this);
        this.#unmount();
      });
    }
    attributeChangedCallback(name, oldValue, newValue) {
      if (name === "session") {
        if (newValue !== null) {
          this.removeAttribute("session");
          this.#give(newValue);
        }
        return;
      }
      if (oldValue === newValue || this.__scInstance === undefined) return;
      this.#remount();
    }
  }
  customElements.define("socialchat-connect", SocialchatConnect);
  // The element's module needs no hand-over; the first module's loader gets it.
  return callbacks.element ? true : handOver;
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = defineSocialchatConnect)]
    fn define(observed: js_sys::Array, callbacks: &js_sys::Object, version: &str) -> JsValue;
}

/// What a module gives the class: `connect(host, shadowRoot, session, click) -> instance`,
/// `disconnect(instance)`, `giveSession(instance, session) -> kept`, `refresh(instance)`,
/// `takeClick(instance) -> click` (the first module's), and `element`: whether it is the
/// element's own module.
pub struct Callbacks<'a> {
    pub connect: &'a JsValue,
    pub disconnect: &'a JsValue,
    pub give_session: &'a JsValue,
    pub refresh: &'a JsValue,
    pub take_click: Option<&'a JsValue>,
    pub element: bool,
}

/// What defining the element did.
pub enum Defined {
    /// It was defined already: these callbacks are not used.
    Already,
    /// Defined with these callbacks (which must then live as long as the page).
    Yes,
    /// Defined by the first module with its callbacks, and the function that hands the element
    /// over to the element's module (for the loader only).
    // Read by the first module only (the element's definition never gets one).
    #[cfg_attr(feature = "element", allow(dead_code))]
    WithHandOver(js_sys::Function),
}

/// Hands the element over to the element's module: `hand_over` is what the first module's
/// definition returned. Whether these callbacks are now the class's.
#[cfg(feature = "element")]
pub fn hand_over(hand_over: &js_sys::Function, callbacks: Callbacks<'_>) -> bool {
    hand_over
        .call1(&JsValue::NULL, &object(callbacks))
        .ok()
        .and_then(|taken| taken.as_bool())
        .unwrap_or(false)
}

/// Defines the element with these callbacks, unless it is defined already.
pub fn define_element(callbacks: Callbacks<'_>) -> Defined {
    let observed: js_sys::Array = OBSERVED_ATTRIBUTES
        .iter()
        .map(|a| JsValue::from_str(a))
        .collect();
    let defined = define(observed, &object(callbacks), env!("CARGO_PKG_VERSION"));
    match defined.dyn_into::<js_sys::Function>() {
        Ok(hand_over) => Defined::WithHandOver(hand_over),
        Err(other) if other.as_bool() == Some(true) => Defined::Yes,
        Err(_) => Defined::Already,
    }
}

/// The callbacks as the class reads them.
fn object(callbacks: Callbacks<'_>) -> js_sys::Object {
    let object = js_sys::Object::new();
    let set = |name: &str, value: &JsValue| {
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(name), value);
    };
    set("connect", callbacks.connect);
    set("disconnect", callbacks.disconnect);
    set("giveSession", callbacks.give_session);
    set("refresh", callbacks.refresh);
    if let Some(take_click) = callbacks.take_click {
        set("takeClick", take_click);
    }
    set("element", &JsValue::from_bool(callbacks.element));
    object
}

/// The browser's preferred languages (`navigator.languages`), which both modules read the
/// attributes with.
pub fn browser_languages() -> Vec<String> {
    let Some(window) = web_sys::window() else {
        return Vec::new();
    };
    window
        .navigator()
        .languages()
        .iter()
        .filter_map(|v| v.as_string())
        .collect()
}

/// A click the first module's button took, as the class hands it to the element's module:
/// `{via, popup}`.
#[cfg(not(feature = "element"))]
pub fn click_record(click: EarlyClick, popup: Option<&web_sys::Window>) -> JsValue {
    let record = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&record, &"via".into(), &click.code().into());
    if let Some(popup) = popup {
        let _ = js_sys::Reflect::set(&record, &"popup".into(), popup);
    }
    record.into()
}

/// A click record read back (`None` for anything else, `undefined` included).
pub fn read_click(record: &JsValue) -> Option<(EarlyClick, Option<web_sys::Window>)> {
    let field = |name: &str| js_sys::Reflect::get(record, &JsValue::from_str(name)).ok();
    let click = EarlyClick::from_code(&field("via")?.as_string()?)?;
    // The popup's window is of another realm (`instanceof Window` is false): it is the one the
    // first module opened and stored, so it is taken as a window unchecked.
    let popup = field("popup")
        .filter(JsValue::is_object)
        .map(JsCast::unchecked_into::<web_sys::Window>);
    Some((click, popup))
}
