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

use std::rc::Rc;

use crate::client::{GivenSession, Sessions};
use crate::config::{self, ConfigError, Context, WidgetConfig};
use crate::element_class;
use crate::events;
use crate::flow::{ErrorCode, HostEvent};
use crate::i18n::Lang;
use crate::session::{self, Given, SessionSource};
use crate::ui;

/// A mounted widget: dropping it unmounts it.
struct Instance {
    _handle: Box<dyn Any>,
    /// Where a running widget reads the `session` it was given; `None` for an element that
    /// shows a configuration problem instead.
    session: Option<(SessionSource, GivenSession)>,
    /// What `refresh()` calls.
    refresh: ui::Refresh,
}

thread_local! {
    /// The mounted widgets, by instance number; dropping an entry unmounts that widget.
    static INSTANCES: RefCell<HashMap<u32, Instance>> = RefCell::new(HashMap::new());
    static NEXT_INSTANCE: Cell<u32> = const { Cell::new(1) };
}

/// Defines the `<socialchat-connect>` element. Safe to call more than once (and to load the
/// script twice): only the first definition counts.
#[wasm_bindgen]
pub fn register() {
    with_callbacks(|callbacks| {
        matches!(
            element_class::define_element(callbacks),
            element_class::Defined::Yes
        )
    });
}

/// Takes the element over from the partner bundle's first module (which drew the buttons):
/// `hand_over` is what its definition gave the loader. Called by the loader once this module
/// has started.
#[wasm_bindgen(js_name = takeOver)]
pub fn take_over(hand_over: &js_sys::Function) -> bool {
    with_callbacks(|callbacks| element_class::hand_over(hand_over, callbacks))
}

/// This module's callbacks for the element class, kept for the life of the page when `give`
/// says the class took them.
fn with_callbacks(give: impl FnOnce(element_class::Callbacks<'_>) -> bool) -> bool {
    let connect =
        Closure::<dyn FnMut(HtmlElement, ShadowRoot, Option<String>, JsValue) -> u32>::new(
            mount_widget,
        );
    let disconnect = Closure::<dyn FnMut(u32)>::new(unmount_widget);
    let give_session = Closure::<dyn FnMut(u32, Option<String>) -> bool>::new(give_session);
    let refresh = Closure::<dyn FnMut(u32)>::new(refresh_widget);
    let taken = give(element_class::Callbacks {
        connect: connect.as_ref(),
        disconnect: disconnect.as_ref(),
        give_session: give_session.as_ref(),
        refresh: refresh.as_ref(),
        take_click: None,
        element: true,
    });
    if taken {
        // The element class holds these for the life of the page.
        connect.forget();
        disconnect.forget();
        give_session.forget();
        refresh.forget();
    }
    taken
}

#[wasm_bindgen(start)]
fn start() {
    register();
}

fn read_config(host: &HtmlElement) -> Result<WidgetConfig, ConfigError> {
    let context = Context {
        browser_langs: element_class::browser_languages(),
    };
    let config = WidgetConfig::from_attributes(|name| host.get_attribute(name), &context)?;
    for warning in config::warnings(|name| host.get_attribute(name), &config) {
        web_sys::console::warn_1(&warning.into());
    }
    Ok(config)
}

/// The configuration, and where the session comes from; a problem with either is shown.
fn read_setup(
    host: &HtmlElement,
    session: Option<&str>,
) -> Result<(WidgetConfig, SessionSource), ConfigError> {
    let config = read_config(host)?;
    let source =
        session::source(config.session_url.as_deref(), session).map_err(|problem| ConfigError {
            attribute: "session",
            problem,
        })?;
    Ok((config, source))
}

/// A running widget takes a new `session`; `false` when it cannot (it shows a configuration
/// problem, or the value is not a session): the element then mounts it again.
fn give_session(id: u32, session: Option<String>) -> bool {
    INSTANCES.with(
        |all| match all.borrow().get(&id).and_then(|i| i.session.as_ref()) {
            Some((SessionSource::Endpoint(_), _)) => true,
            Some((SessionSource::Given, given)) => match session.as_deref().map(Given::parse) {
                Some(Ok(_)) => {
                    *given.borrow_mut() = session;
                    true
                }
                _ => false,
            },
            None => false,
        },
    )
}

/// Mounts the widget; `click` is what the first module's button did with a click before this
/// module took over (`undefined` when nothing was clicked).
fn mount_widget(
    host: HtmlElement,
    shadow: ShadowRoot,
    session: Option<String>,
    click: JsValue,
) -> u32 {
    let early = element_class::read_click(&click);
    let id = NEXT_INSTANCE.with(|n| {
        let id = n.get();
        n.set(id.wrapping_add(1).max(1));
        id
    });
    // Leftovers of an earlier mount (the shadow root outlives disconnection) go first.
    shadow.set_inner_html("");
    crate::style::adopt_styles(&shadow);
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
    let instance = match read_setup(&host, session.as_deref()) {
        Ok((config, source)) => {
            let widget_host = host.clone();
            let given: GivenSession = Rc::new(RefCell::new(session));
            let sessions = Sessions::new(source.clone(), given.clone());
            let refresh = ui::Refresh::default();
            let slot = refresh.clone();
            let handle = mount_to(container, move || {
                view! {
                    <ui::Widget config=config host=widget_host sessions=sessions refresh=slot
                        early=early/>
                }
                .into_any()
            });
            events::dispatch(&host, HostEvent::READY, &events::Detail::Ready {});
            Instance {
                _handle: Box::new(handle),
                session: Some((source, given)),
                refresh,
            }
        }
        Err(error) => {
            // A click the first module's button took cannot go anywhere.
            if let Some((_, Some(popup))) = &early {
                let _ = popup.close();
            }
            web_sys::console::error_1(&JsValue::from_str(&error.to_string()));
            let message = error.to_string();
            events::dispatch(
                &host,
                HostEvent::ERROR,
                &events::Detail::error(ErrorCode::InvalidConfig, &message, None),
            );
            let lang = host
                .get_attribute("lang")
                .and_then(|l| Lang::from_tag(&l))
                .unwrap_or_else(|| {
                    Lang::from_browser(
                        element_class::browser_languages()
                            .iter()
                            .map(String::as_str),
                    )
                });
            let handle = mount_to(container, move || {
                view! { <ui::ConfigProblem error=error lang=lang/> }.into_any()
            });
            Instance {
                _handle: Box::new(handle),
                session: None,
                refresh: ui::Refresh::default(),
            }
        }
    };
    INSTANCES.with(|all| all.borrow_mut().insert(id, instance));
    id
}

/// `element.refresh()`: the running widget loads its channel list again.
fn refresh_widget(id: u32) {
    let refresh = INSTANCES.with(|all| all.borrow().get(&id).map(|i| i.refresh.clone()));
    if let Some(refresh) = refresh {
        if let Some(call) = refresh.borrow().as_ref() {
            call();
        }
    }
}

fn unmount_widget(id: u32) {
    // Take the handle out before dropping it: its cleanup may call back into this module.
    let handle = INSTANCES.with(|all| all.borrow_mut().remove(&id));
    drop(handle);
}
