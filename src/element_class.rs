//! The `<socialchat-connect>` element class, shared by the two modules that may define it: the
//! element's own (`element`) and the small first module that draws the button before it has
//! loaded (`button`, the partner bundle's first download). Custom elements must be JavaScript
//! classes: these few lines call back into whichever module is current for everything else.
//!
//! The first module defines the class; when the element's module arrives, it takes over: the
//! class mounts every element again with the element's callbacks, handing each the click its
//! button already took (the popup opened in that click's own task). Defined by the element's
//! module alone (the preview, a bundler's build, the browser tests), the class is the same.

use wasm_bindgen::prelude::*;

use crate::config::OBSERVED_ATTRIBUTES;

#[wasm_bindgen(inline_js = r#"
export function defineSocialchatConnect(observed, callbacks, version) {
  const defined = customElements.get("socialchat-connect");
  // Defined already: by the first module, which hands over to the element's; else nothing.
  if (defined) return typeof defined.__scTakeOver === "function" && defined.__scTakeOver(callbacks);
  let current = callbacks;
  const live = new Set();
  class SocialchatConnect extends HTMLElement {
    // The release, for a page that checks what it embeds (the loader itself logs nothing).
    static get version() { return version; }
    // Once, from the first module to the element's: every element mounted again, with the
    // click its button took.
    static __scTakeOver(next) {
      if (current.element || !next.element) return false;
      const first = current;
      current = next;
      for (const element of live) element.#takeOver(first);
      return true;
    }
    // The session lives here, never in the DOM: given as an attribute, it is moved here at once.
    // It can be set, not read back, so no other script takes it from the element.
    #session = null;
    static get observedAttributes() { return observed.concat(["session"]); }
    set session(value) { this.#give(value == null ? null : String(value)); }
    #give(value) {
      this.#session = value;
      if (this.__scInstance !== undefined && !current.giveSession(this.__scInstance, value)) this.#remount();
    }
    #remount() {
      const instance = this.__scInstance;
      this.__scInstance = undefined;
      current.disconnect(instance);
      this.__scInstance = current.connect(this, this.shadowRoot, this.#session, undefined);
    }
    #takeOver(first) {
      const instance = this.__scInstance;
      if (instance === undefined) return;
      const clicked = first.takeClick(instance);
      this.__scInstance = undefined;
      first.disconnect(instance);
      this.__scInstance = current.connect(this, this.shadowRoot, this.#session, clicked);
    }
    // Loads the channel list (list-channels) again, as after a connect: for a host page that
    // knows of a change the widget did not make.
    refresh() {
      if (this.__scInstance !== undefined) current.refresh(this.__scInstance);
    }
    connectedCallback() {
      if (!this.shadowRoot) this.attachShadow({ mode: "open" });
      live.add(this);
      if (this.__scInstance === undefined) this.__scInstance = current.connect(this, this.shadowRoot, this.#session, undefined);
    }
    disconnectedCallback() {
      // A move within the page disconnects and reconnects at once: keep the flow then.
      queueMicrotask(() => {
        if (this.isConnected) return;
        live.delete(this);
        if (this.__scInstance !== undefined) {
          const instance = this.__scInstance;
          this.__scInstance = undefined;
          current.disconnect(instance);
        }
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
  return true;
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = defineSocialchatConnect)]
    fn define(observed: js_sys::Array, callbacks: &js_sys::Object, version: &str) -> bool;
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

/// Defines the element, or has the element's module take over from the first one. Whether the
/// class now calls these callbacks (which must then live as long as the page).
pub fn define_element(callbacks: Callbacks<'_>) -> bool {
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
    let observed: js_sys::Array = OBSERVED_ATTRIBUTES
        .iter()
        .map(|a| JsValue::from_str(a))
        .collect();
    define(observed, &object, env!("CARGO_PKG_VERSION"))
}
