//! The partner bundle's first module draws each `<socialchat-connect>`'s Connect button before
//! the element's own module has loaded (a small fraction of its weight), so that the button
//! looks right and works at once.
//!
//! It draws the element's idle step exactly as the element does (the same classes, parts, mark,
//! label and hint, from `view`, and the same styles; with `list-channels`, the list loading above
//! it), and a click on it does what the element's
//! click does in the click's own task: it opens the blank popup (or plans the redirect, by the
//! same [`Plan`]). It keeps that click for the element, whose module, once loaded, takes over
//! (`element_class`) and starts the attempt with it. A configuration it cannot read draws
//! nothing: the element shows the problem.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use socialchat_api::kind::Connection;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlButtonElement, HtmlElement, ShadowRoot};

use crate::attempt::EarlyClick;
use crate::config::{Context, WidgetConfig};
use crate::element_class;
use crate::events;
use crate::flow::{ErrorCode, FlowError, HostEvent};
use crate::i18n::{Lang, Text};
use crate::popup::open_blank_window;
use crate::redirect::plan_for_click;
use crate::style;
use crate::view;

/// One element's button until the element's module takes over.
struct Button {
    /// Its click listener (dropped with it).
    _listener: Option<Listener>,
    /// The click it took, as `{via, popup}`, for the element's module.
    clicked: Clicked,
    host: HtmlElement,
    /// What it drew, when its configuration could be read.
    drawn: Option<Drawn>,
}

/// The parts of a drawn button that a failure to load changes.
#[derive(Clone)]
struct Drawn {
    button: HtmlButtonElement,
    /// The hint under the button, which the failure's message replaces.
    hint: Element,
    /// The channel list's place (`list-channels`), loading until the element's module draws it.
    channels: Option<Element>,
    lang: Lang,
}

type Clicked = Rc<RefCell<Option<JsValue>>>;
type Listener = Closure<dyn FnMut(web_sys::Event)>;

impl Drop for Button {
    /// Removed before the element's module took its click: the popup it opened goes too (as
    /// the element closes its own when it leaves the page).
    fn drop(&mut self) {
        if let Some(click) = self.clicked.borrow_mut().take() {
            close_popup(&click);
        }
    }
}

fn close_popup(click: &JsValue) {
    if let Some((_, Some(popup))) = element_class::read_click(click) {
        let _ = popup.close();
    }
}

thread_local! {
    static BUTTONS: RefCell<HashMap<u32, Button>> = RefCell::new(HashMap::new());
    static NEXT_BUTTON: Cell<u32> = const { Cell::new(1) };
    /// The loader's function that fetches the element's module (at once, on a first click).
    static LOAD_ELEMENT: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
    /// Why the element's module could not be loaded, once the loader has given up: an element
    /// drawn after that shows it too.
    static GAVE_UP: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Defines `<socialchat-connect>` with buttons, until the element's module takes over. Called
/// by the loader once this module has started, with the function that loads the element's
/// module (called on a first click, so that it comes sooner). Returns the function that hands
/// the element over to the element's module (the loader passes it to that module's
/// `takeOver`), or `false` when the element was defined already.
#[wasm_bindgen(js_name = registerButton)]
pub fn register_button(load_element: Option<js_sys::Function>) -> JsValue {
    LOAD_ELEMENT.with(|l| *l.borrow_mut() = load_element);
    let connect =
        Closure::<dyn FnMut(HtmlElement, ShadowRoot, Option<String>, JsValue) -> u32>::new(
            |host, shadow, _session, click| mount(&host, &shadow, click),
        );
    let disconnect = Closure::<dyn FnMut(u32)>::new(|id| {
        let gone = BUTTONS.with(|b| b.borrow_mut().remove(&id));
        drop(gone);
    });
    // The button needs no session: the element keeps it, and the element's module reads it.
    let give_session = Closure::<dyn FnMut(u32, Option<String>) -> bool>::new(|_, _| true);
    let refresh = Closure::<dyn FnMut(u32)>::new(|_| {});
    let take_click = Closure::<dyn FnMut(u32) -> JsValue>::new(|id| {
        BUTTONS.with(|b| {
            b.borrow()
                .get(&id)
                .and_then(|button| button.clicked.borrow_mut().take())
                .unwrap_or(JsValue::UNDEFINED)
        })
    });
    let defined = element_class::define_element(element_class::Callbacks {
        connect: connect.as_ref(),
        disconnect: disconnect.as_ref(),
        give_session: give_session.as_ref(),
        refresh: refresh.as_ref(),
        take_click: Some(take_click.as_ref()),
        element: false,
    });
    let element_class::Defined::WithHandOver(hand_over) = defined else {
        return JsValue::FALSE;
    };
    // The element class holds these for the life of the page.
    connect.forget();
    disconnect.forget();
    give_session.forget();
    refresh.forget();
    take_click.forget();
    hand_over.into()
}

/// The element's module could not be loaded (`detail`: why, as the loader saw it): the popups
/// the buttons opened are closed (they would wait on "Opening…" for ever), and every element,
/// now and drawn later, shows it ([`fail`]). Called by the loader.
#[wasm_bindgen(js_name = giveUp)]
pub fn give_up(detail: String) {
    GAVE_UP.with(|g| *g.borrow_mut() = Some(detail));
    let ids: Vec<u32> = BUTTONS.with(|b| {
        b.borrow()
            .iter()
            .map(|(id, button)| {
                if let Some(click) = button.clicked.borrow_mut().take() {
                    close_popup(&click);
                }
                *id
            })
            .collect()
    });
    // Each looked up again, outside the borrow: a host page's listener may add, change or
    // remove elements (one drawn again has shown the failure as it was drawn).
    for id in ids {
        let button = BUTTONS.with(|b| {
            b.borrow()
                .get(&id)
                .map(|button| (button.host.clone(), button.drawn.clone()))
        });
        if let Some((host, drawn)) = button {
            fail(&host, drawn.as_ref());
        }
    }
}

/// Shows that the element's module could not be loaded: the button disabled, the reason in the
/// user's language in place of its hint (and of the channel list's place), and the host page told
/// (`socialchat:error`, `load-failed`), even by an element whose attributes could not be read.
fn fail(host: &HtmlElement, drawn: Option<&Drawn>) {
    let code = ErrorCode::LoadFailed;
    if let Some(drawn) = drawn {
        drawn.button.set_disabled(true);
        let _ = drawn.button.remove_attribute("aria-busy");
        if let Some(alert) = error_box(drawn.lang, code) {
            let _ = drawn.hint.replace_with_with_node_1(&alert);
        }
        if let Some(channels) = &drawn.channels {
            channels.remove();
        }
    }
    let detail = GAVE_UP.with(|g| g.borrow().clone()).unwrap_or_default();
    events::emit(host, &HostEvent::Error(FlowError::new(code, None, detail)));
}

/// The error as the element shows it (`ui::ErrorBox`): the sentence, and the code in small print.
fn error_box(lang: Lang, code: ErrorCode) -> Option<Element> {
    let document = web_sys::window()?.document()?;
    let alert = document.create_element("div").ok()?;
    alert.set_class_name("sc-alert");
    let _ = alert.set_attribute("role", "alert");
    let _ = alert.set_attribute("part", "error");
    let sentence = document.create_element("p").ok()?;
    sentence.set_text_content(Some(lang.text(code.text())));
    let small = document.create_element("p").ok()?;
    small.set_class_name("sc-code");
    small.set_text_content(Some(
        &lang.format(Text::ErrorStatus, &[("code", code.as_str())]),
    ));
    let _ = alert.append_child(&sentence);
    let _ = alert.append_child(&small);
    Some(alert)
}

fn mount(host: &HtmlElement, shadow: &ShadowRoot, click: JsValue) -> u32 {
    let id = NEXT_BUTTON.with(|n| {
        let id = n.get();
        n.set(id.wrapping_add(1).max(1));
        id
    });
    // Drawn again (an attribute changed) after a click: the click stays taken.
    let clicked: Clicked = Rc::new(RefCell::new(click.is_object().then_some(click)));
    let (listener, drawn) = draw(host, shadow, id, clicked.clone()).unzip();
    if let (Some(drawn), true) = (&drawn, clicked.borrow().is_some()) {
        taken(&drawn.button);
    }
    BUTTONS.with(|b| {
        b.borrow_mut().insert(
            id,
            Button {
                _listener: listener,
                clicked,
                host: host.clone(),
                drawn: drawn.clone(),
            },
        )
    });
    if GAVE_UP.with(|g| g.borrow().is_some()) {
        fail(host, drawn.as_ref());
    }
    id
}

/// A button whose click was taken: disabled and busy until the element's module carries on.
fn taken(button: &HtmlButtonElement) {
    button.set_disabled(true);
    let _ = button.set_attribute("aria-busy", "true");
}

/// Draws the idle step into `shadow`; the click listener and what was drawn, when there is a
/// button.
fn draw(
    host: &HtmlElement,
    shadow: &ShadowRoot,
    id: u32,
    clicked: Clicked,
) -> Option<(Listener, Drawn)> {
    shadow.set_inner_html("");
    style::adopt_styles(shadow);
    let window = web_sys::window()?;
    let document = window.document()?;
    let context = Context {
        browser_langs: element_class::browser_languages(),
    };
    let config = WidgetConfig::from_attributes(|name| host.get_attribute(name), &context).ok()?;
    let (lang, kind) = (config.lang, config.channel);

    let element = |tag: &str, class: &str| -> Option<Element> {
        let element = document.create_element(tag).ok()?;
        element.set_class_name(class);
        Some(element)
    };
    let root = element("div", "sc-root")?;
    let card = element("div", &view::card_class(config.theme, kind))?;
    let _ = card.set_attribute("part", "card");
    let _ = card.set_attribute("lang", lang.code());
    let flow = element("div", "sc-flow")?;
    let button: HtmlButtonElement = element("button", "sc-button sc-primary")?.dyn_into().ok()?;
    let _ = button.set_attribute("type", "button");
    let _ = button.set_attribute("part", "button");
    let _ = button.set_attribute("data-autofocus", "");
    button.set_inner_html(&mark(kind));
    let label = view::start_label(lang, kind, config.reconnect.is_some());
    let _ = button.insert_adjacent_text("beforeend", &label);
    let hint = element("p", "sc-hint")?;
    hint.set_text_content(Some(lang.text(view::start_hint(kind))));
    let _ = flow.append_child(&button);
    let _ = flow.append_child(&hint);
    let channels = if config.list_channels {
        // The channel list's place, as the element draws it while it loads (above the button),
        // so that the button does not move when the element takes over.
        let section = element("section", "sc-channels")?;
        let _ = section.set_attribute("aria-labelledby", "sc-channels-title");
        let title = element("h3", "sc-title")?;
        title.set_id("sc-channels-title");
        let kind_name = [("kind", kind.display_name())];
        title.set_text_content(Some(&lang.format(Text::ChannelsTitle, &kind_name)));
        let loading = element("p", "sc-progress")?;
        let spinner = element("span", "sc-spinner")?;
        let _ = spinner.set_attribute("aria-hidden", "true");
        let _ = loading.append_child(&spinner);
        let _ = loading.insert_adjacent_text("beforeend", lang.text(Text::LoadingChannels));
        let _ = section.append_child(&title);
        let _ = section.append_child(&loading);
        let _ = card.append_child(&section);
        Some(section)
    } else {
        None
    };
    let _ = card.append_child(&flow);
    let _ = root.append_child(&card);
    let _ = shadow.append_child(&root);

    let pressed = button.clone();
    let listener = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        if clicked.borrow().is_some() {
            return;
        }
        let (click, popup) = take_click(&config, id);
        *clicked.borrow_mut() = Some(element_class::click_record(click, popup.as_ref()));
        // Taken: the element's module carries on with it as soon as it has loaded, which the
        // click asks for now rather than in the next idle moment.
        taken(&pressed);
        LOAD_ELEMENT.with(|load| {
            if let Some(load) = load.borrow().as_ref() {
                let _ = load.call0(&JsValue::NULL);
            }
        });
    });
    let _ = button.add_event_listener_with_callback("click", listener.as_ref().unchecked_ref());
    let drawn = Drawn {
        button,
        hint,
        channels,
        lang,
    };
    Some((listener, drawn))
}

/// What the element's click would do, done now, in the click's own task: for a Facebook kind,
/// the popup opened blank (unless the mode leaves the page instead).
fn take_click(config: &WidgetConfig, id: u32) -> (EarlyClick, Option<web_sys::Window>) {
    if config.channel.connection() != Connection::Facebook {
        return (EarlyClick::Form, None);
    }
    let user_agent = web_sys::window().and_then(|w| w.navigator().user_agent().ok());
    let plan = plan_for_click(config.mode, user_agent.as_deref());
    let popup = if plan.opens_popup() {
        // Unique on the page (the element's own popups are named after its widgets).
        open_blank_window(
            &format!("socialchat-connect-first-{id}"),
            config.lang.text(Text::Opening),
        )
    } else {
        None
    };
    (EarlyClick::Authorize(plan.via(popup.is_some())), popup)
}

/// The kind's mark, as the element draws it (`ui::logo`).
fn mark(kind: socialchat_api::ChannelKind) -> String {
    format!(
        r#"<svg class="sc-logo" viewBox="0 0 24 24" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="{}"></path></svg>"#,
        view::logo_path(kind)
    )
}
