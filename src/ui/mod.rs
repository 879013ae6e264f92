//! What the element shows, as Leptos components. Components render the flow's state and send it
//! inputs through the [`Controller`]; they hold no protocol or API logic of their own.

mod channels;
mod controller;
mod form;
mod picker;
mod scan;

use leptos::html;
use leptos::prelude::*;
use socialchat_api::ChannelKind;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use crate::attempt::EarlyClick;
use crate::client::Sessions;
use crate::config::{ConfigError, WidgetConfig};
use crate::flow::{FlowError, Input};
use crate::i18n::{Lang, Text};
use crate::view::{self, Detail, View};

pub use controller::Controller;

/// Each kind's mark on its Connect button (drawn in the button's text colour), so that
/// "Connect WhatsApp" does not wear Instagram's.
fn logo(kind: ChannelKind) -> impl IntoView {
    let path = view::logo_path(kind);
    view! {
        <svg class="sc-logo" viewBox="0 0 24 24" aria-hidden="true" focusable="false" fill="none"
            stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
            <path d=path/>
        </svg>
    }
}

pub fn kind_name(kind: ChannelKind) -> &'static str {
    kind.display_name()
}

/// Moves focus to the first `[data-autofocus]` inside `container`, once the user has acted.
fn focus_first(container: &HtmlElement) {
    if let Ok(Some(target)) = container.query_selector("[data-autofocus]") {
        if let Ok(target) = target.dyn_into::<HtmlElement>() {
            let _ = target.focus();
        }
    }
}

/// What the element's `refresh()` calls: set by the running widget, cleared when it goes.
pub type Refresh = std::rc::Rc<std::cell::RefCell<Option<Box<dyn Fn()>>>>;

/// The widget for a valid configuration.
#[component]
pub fn Widget(
    config: WidgetConfig,
    host: HtmlElement,
    sessions: Sessions,
    refresh: Refresh,
    /// A click the first module's button took before this module had loaded, and the popup it
    /// opened in that click.
    early: Option<(EarlyClick, Option<web_sys::Window>)>,
) -> impl IntoView {
    let lang = config.lang;
    let theme = config.theme;
    let kind = config.channel;
    let list_channels = config.list_channels;
    let ctrl = Controller::new(config, host, sessions);
    ctrl.listen();
    // `element.refresh()` loads the channel list again (a host page that knows of a change).
    *refresh.borrow_mut() = Some(Box::new(move || {
        ctrl.channels_version.try_update(|v| *v += 1);
    }));
    let slot = send_wrapper::SendWrapper::new(refresh);
    on_cleanup(move || drop(slot.borrow_mut().take()));
    // Redirect mode: a redirect that came back to this page continues here, once the element
    // has told the host page it is ready (the mount finishes first).
    leptos::task::spawn_local(async move {
        ctrl.resume(false);
        // A click on the button drawn before this module had loaded: the attempt it started.
        if let Some((click, popup)) = early {
            ctrl.start_early(click, popup);
        }
    });

    let view = Memo::new(move |_| ctrl.flow.with(View::of));
    let detail = Memo::new(move |_| ctrl.flow.with(Detail::of));
    let status = Memo::new(move |_| view.with(|v| v.status(lang, kind, detail.get())));
    let container = NodeRef::<html::Div>::new();
    Effect::new(move |_| {
        view.track();
        if ctrl.interacted.get_untracked() {
            request_animation_frame(move || {
                // The widget may be gone by the next frame.
                if let Some(Some(el)) = container.try_get_untracked() {
                    focus_first(&el);
                }
            });
        }
    });

    view! {
        <div class=view::card_class(theme, kind) part="card"
            lang=lang.code()>
            {list_channels.then(|| view! { <channels::ChannelsPanel ctrl=ctrl/> })}
            <div class="sc-flow" node_ref=container>
                {move || step_view(ctrl, view.get(), status.get_untracked())}
            </div>
            <div class="sc-sr-only" role="status" aria-live="polite">{move || status.get()}</div>
        </div>
    }
}

fn spinner_line(text: String) -> impl IntoView {
    view! {
        <p class="sc-progress" data-autofocus tabindex="-1">
            <span class="sc-spinner" aria-hidden="true"></span>
            {text}
        </p>
    }
}

/// The view of one step; `sentence` is what the live region says for it.
fn step_view(ctrl: Controller, view: View, sentence: String) -> AnyView {
    let (lang, channel) = ctrl.config.with_value(|c| (c.lang, c.channel));
    let cancel = move |_| ctrl.send(Input::Cancel);
    let try_again = move |_| ctrl.try_again();
    match view {
        View::Idle { reconnect } => {
            let label = view::start_label(lang, channel, reconnect);
            view! {
                <button type="button" class="sc-button sc-primary" part="button" data-autofocus
                    on:click=move |_| ctrl.start(None)>
                    {logo(channel)}
                    {label}
                </button>
                <p class="sc-hint">{lang.text(view::start_hint(channel))}</p>
            }
            .into_any()
        }
        View::Form => view! { <form::ChannelForm ctrl=ctrl/> }.into_any(),
        View::Scanning => view! { <scan::QrScan ctrl=ctrl/> }.into_any(),
        View::Opening | View::Waiting => view! {
            {spinner_line(sentence)}
            <p class="sc-hint">{lang.text(Text::WaitingHint)}</p>
            <p class="sc-hint">{lang.text(Text::AllowAllHint)}</p>
            <div class="sc-actions">
                <button type="button" class="sc-button" on:click=cancel>{lang.text(Text::Cancel)}</button>
            </div>
        }
        .into_any(),
        View::Redirecting => view! {
            {spinner_line(sentence)}
            <p class="sc-hint">{lang.text(Text::AllowAllHint)}</p>
        }
        .into_any(),
        View::WaitingClosed => view! {
            <p class="sc-note" data-autofocus tabindex="-1">{sentence}</p>
            <div class="sc-actions">
                <button type="button" class="sc-button sc-primary" part="button" on:click=try_again>{lang.text(Text::TryAgain)}</button>
                <button type="button" class="sc-button" on:click=cancel>{lang.text(Text::Cancel)}</button>
            </div>
        }
        .into_any(),
        View::PopupBlocked => view! {
            <div class="sc-alert" role="alert" part="error">
                <p>{sentence}</p>
            </div>
            <div class="sc-actions">
                <button type="button" class="sc-button sc-primary" part="button" data-autofocus on:click=try_again>
                    {lang.text(Text::TryAgain)}
                </button>
                <button type="button" class="sc-button" on:click=cancel>{lang.text(Text::Cancel)}</button>
            </div>
        }
        .into_any(),
        View::LoadingAccounts | View::Reconnecting => spinner_line(sentence).into_any(),
        View::Picker => view! { <picker::AccountPicker ctrl=ctrl/> }.into_any(),
        View::Done(_) => view! {
            <div class="sc-success" data-autofocus tabindex="-1">
                <span class="sc-check" aria-hidden="true">"✓"</span>
                <p>{sentence}</p>
            </div>
            <div class="sc-actions">
                <button type="button" class="sc-button" on:click=move |_| ctrl.send(Input::Reset)>
                    {lang.text(Text::ConnectAnother)}
                </button>
            </div>
        }
        .into_any(),
        View::Stopped(_) => view! {
            <p class="sc-note" data-autofocus tabindex="-1">{sentence}</p>
            <div class="sc-actions">
                <button type="button" class="sc-button sc-primary" part="button" on:click=try_again>{lang.text(Text::TryAgain)}</button>
                <button type="button" class="sc-button" on:click=cancel>{lang.text(Text::Cancel)}</button>
            </div>
        }
        .into_any(),
        View::Failed { error, again } => view! {
            <ErrorBox error=error lang=lang/>
            <div class="sc-actions">
                <button type="button" class="sc-button sc-primary" part="button" data-autofocus on:click=try_again>
                    {lang.text(again)}
                </button>
                <button type="button" class="sc-button" on:click=cancel>{lang.text(Text::Cancel)}</button>
            </div>
        }
        .into_any(),
    }
}

/// An error in the user's language, with the stable code (and status) in small print for
/// whoever the user forwards it to.
#[component]
pub fn ErrorBox(error: FlowError, lang: Lang) -> impl IntoView {
    let code = match error.status {
        Some(status) => format!("{} · HTTP {status}", error.code.as_str()),
        None => error.code.as_str().to_owned(),
    };
    view! {
        <div class="sc-alert" role="alert" part="error">
            <p>{lang.text(error.code.text())}</p>
            <p class="sc-code">{lang.format(Text::ErrorStatus, &[("code", &code)])}</p>
        </div>
    }
}

/// An account's or channel's picture, or its initial when there is none or it does not load.
/// Both are always there, one of them hidden, so that a row that shows another account (the
/// picker's rows do, on each keystroke) changes a `src` and a letter, not its elements.
#[component]
pub fn Avatar(
    #[prop(into)] name: Signal<String>,
    #[prop(into)] picture: Signal<Option<String>>,
) -> impl IntoView {
    // The picture that failed to load, if any: a row showing another picture tries again.
    let failed = RwSignal::new(None::<String>);
    let shown = move || {
        picture.with(|p| {
            p.as_ref()
                .filter(|p| failed.with(|f| f.as_ref() != Some(*p)))
                .cloned()
        })
    };
    let initial = move || {
        name.with(|n| {
            n.chars()
                .find(|c| c.is_alphanumeric())
                .map(|c| c.to_uppercase().collect())
                .unwrap_or_else(|| "?".to_owned())
        })
    };
    view! {
        <img class="sc-avatar" src=shown alt="" referrerpolicy="no-referrer" decoding="async"
            hidden=move || shown().is_none()
            on:error=move |ev: leptos::ev::ErrorEvent| {
                // The picture that failed is the one the img held, which may no longer be the
                // one its row shows.
                let src = ev
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                    .and_then(|img| img.get_attribute("src"));
                failed.try_set(src);
            }/>
        <span class="sc-avatar sc-initial" aria-hidden="true" hidden=move || shown().is_some()>{initial}</span>
    }
}

/// What the element shows instead when an attribute is missing or wrong.
#[component]
pub fn ConfigProblem(error: ConfigError, lang: Lang) -> impl IntoView {
    view! {
        <div class="sc-widget sc-theme-auto" lang=lang.code()>
            <div class="sc-alert" role="alert" part="error">
                <strong>{lang.text(Text::ConfigErrorTitle)}</strong>
                <p><code>{error.to_string()}</code></p>
            </div>
        </div>
    }
}
