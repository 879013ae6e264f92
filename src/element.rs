//! The custom element glue: defines `<socialchat-connect>` once, and for each element mounts a
//! Leptos view into the element's own shadow root, unmounting it (listeners, timers and all)
//! when the element leaves the page.
//!
//! The element class is a few lines of JavaScript (custom elements must be JS classes); it calls
//! back into Rust for everything else.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, ShadowRoot};

use crate::config::{Context, WidgetConfig, OBSERVED_ATTRIBUTES};
use crate::events;
use crate::flow::ErrorCode;
use crate::i18n::Lang;
use crate::ui;

#[wasm_bindgen(inline_js = r#"
export function defineSocialchatConnect(observed, connect, disconnect) {
  if (customElements.get("socialchat-connect")) return false;
  class SocialchatConnect extends HTMLElement {
    static get observedAttributes() { return observed; }
    connectedCallback() {
      if (!this.shadowRoot) this.attachShadow({ mode: "open" });
      if (this.__scInstance === undefined) this.__scInstance = connect(this, this.shadowRoot);
    }
    disconnectedCallback() {
      // A move within the page disconnects and reconnects at once: keep the flow then.
      queueMicrotask(() => {
        if (!this.isConnected && this.__scInstance !== undefined) {
          const instance = this.__scInstance;
          this.__scInstance = undefined;
          disconnect(instance);
        }
      });
    }
    attributeChangedCallback(name, oldValue, newValue) {
      if (oldValue === newValue || this.__scInstance === undefined) return;
      const instance = this.__scInstance;
      this.__scInstance = undefined;
      disconnect(instance);
      this.__scInstance = connect(this, this.shadowRoot);
    }
  }
  customElements.define("socialchat-connect", SocialchatConnect);
  return true;
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = defineSocialchatConnect)]
    fn define_element(
        observed: js_sys::Array,
        connect: &Closure<dyn FnMut(HtmlElement, ShadowRoot) -> u32>,
        disconnect: &Closure<dyn FnMut(u32)>,
    ) -> bool;
}

thread_local! {
    /// The mounted widgets, by instance number; dropping an entry unmounts that widget.
    static INSTANCES: RefCell<HashMap<u32, Box<dyn Any>>> = RefCell::new(HashMap::new());
    static NEXT_INSTANCE: Cell<u32> = const { Cell::new(1) };
}

/// Defines the `<socialchat-connect>` element. Safe to call more than once (and to load the
/// script twice): only the first definition counts.
#[wasm_bindgen]
pub fn register() {
    let connect = Closure::<dyn FnMut(HtmlElement, ShadowRoot) -> u32>::new(mount_widget);
    let disconnect = Closure::<dyn FnMut(u32)>::new(unmount_widget);
    let observed: js_sys::Array = OBSERVED_ATTRIBUTES
        .iter()
        .map(|a| JsValue::from_str(a))
        .collect();
    if define_element(observed, &connect, &disconnect) {
        // The element class holds these for the life of the page.
        connect.forget();
        disconnect.forget();
    }
}

#[wasm_bindgen(start)]
fn start() {
    register();
}

fn browser_languages() -> Vec<String> {
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

fn read_config(host: &HtmlElement) -> Result<WidgetConfig, crate::config::ConfigError> {
    let context = Context {
        browser_langs: browser_languages(),
    };
    WidgetConfig::from_attributes(|name| host.get_attribute(name), &context)
}

fn mount_widget(host: HtmlElement, shadow: ShadowRoot) -> u32 {
    let id = NEXT_INSTANCE.with(|n| {
        let id = n.get();
        n.set(id.wrapping_add(1).max(1));
        id
    });
    // Leftovers of an earlier mount (the shadow root outlives disconnection) go first.
    shadow.set_inner_html("");
    ui::adopt_styles(&shadow);
    let Some(container) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("div").ok())
        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
    else {
        return id;
    };
    container.set_class_name("sc-root");
    if shadow.append_child(&container).is_err() {
        return id;
    }
    let handle = match read_config(&host) {
        Ok(config) => {
            let widget_host = host.clone();
            let handle = mount_to(container, move || {
                view! { <ui::Widget config=config host=widget_host/> }.into_any()
            });
            events::dispatch(&host, "socialchat:ready", &serde_json::json!({}));
            handle
        }
        Err(error) => {
            web_sys::console::error_1(&JsValue::from_str(&error.to_string()));
            events::dispatch(
                &host,
                "socialchat:error",
                &serde_json::json!({
                    "code": ErrorCode::InvalidConfig.as_str(),
                    "message": error.to_string(),
                }),
            );
            let lang = host
                .get_attribute("lang")
                .and_then(|l| Lang::from_tag(&l))
                .unwrap_or_else(|| {
                    Lang::from_browser(browser_languages().iter().map(String::as_str))
                });
            mount_to(container, move || {
                view! { <ui::ConfigProblem error=error lang=lang/> }.into_any()
            })
        }
    };
    INSTANCES.with(|all| all.borrow_mut().insert(id, Box::new(handle)));
    id
}

fn unmount_widget(id: u32) {
    // Take the handle out before dropping it: its cleanup may call back into this module.
    let handle = INSTANCES.with(|all| all.borrow_mut().remove(&id));
    drop(handle);
}
