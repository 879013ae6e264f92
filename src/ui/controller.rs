//! The thin shell around the pure [`Flow`]: it feeds the flow its inputs and carries out the
//! effects the flow asks for (HTTP calls, the popup, timers, callback messages, host events).
//! All of one widget's browser resources live here and are released by [`Controller::release`].

use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use socialchat_api::callback::{acknowledgement, BROADCAST_CHANNEL};
use socialchat_api::channel::find_channel;
use socialchat_api::{CallbackMessage, ProtocolError};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{BroadcastChannel, HtmlElement, MessageEvent};

use crate::client::ProxyClient;
use crate::config::{Mode, WidgetConfig};
use crate::events;
use crate::flow::{
    ConnectedChannel, Effect, ErrorCode, Flow, FlowError, HostEvent, Input, Stage, Step, Target,
    Via, AUTHORIZATION_TIMEOUT_MS,
};
use crate::i18n::Text;
use crate::js_json;
use crate::popup::Popup;
use crate::redirect::{decide, is_in_app_browser, Claimant, Lost, PendingRedirect, Resume};
use crate::session;

thread_local! {
    /// The widget that started the latest authorization on this page. A BroadcastChannel
    /// message has no source window, so only this widget takes it; several widgets on one page
    /// then never act on the same callback.
    static AUTHORIZING: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    static NEXT_ID: std::cell::Cell<u32> = const { std::cell::Cell::new(1) };
}

/// How long an element waits for the element that started a redirect to appear and claim it,
/// before it reports the attempt lost.
const OWNER_GRACE: Duration = Duration::from_millis(1000);

/// How often the popup is checked for being closed.
const POPUP_POLL: Duration = Duration::from_millis(500);

/// The BroadcastChannel a widget listens on, with its handler (kept alive with it).
type Broadcast = (BroadcastChannel, Closure<dyn FnMut(MessageEvent)>);

/// Where a callback message came from, to acknowledge it there.
struct Sender {
    window: Option<web_sys::Window>,
    origin: String,
}

#[derive(Clone, Copy)]
pub struct Controller {
    pub flow: RwSignal<Flow>,
    pub config: StoredValue<WidgetConfig>,
    /// Bumped after a connect, so that the channel list reloads.
    pub channels_version: RwSignal<u32>,
    /// Set by the first click, so that focus is moved only once the user acts.
    pub interacted: RwSignal<bool>,
    host: StoredValue<HtmlElement, LocalStorage>,
    client: StoredValue<Rc<ProxyClient>, LocalStorage>,
    popup: StoredValue<Option<Popup>, LocalStorage>,
    poll: StoredValue<Option<IntervalHandle>, LocalStorage>,
    timeout: StoredValue<Option<TimeoutHandle>, LocalStorage>,
    sender: StoredValue<Option<Sender>, LocalStorage>,
    broadcast: StoredValue<Option<Broadcast>, LocalStorage>,
    listener: StoredValue<Option<WindowListenerHandle>>,
    pageshow: StoredValue<Option<WindowListenerHandle>>,
    popup_count: StoredValue<u32>,
    /// This widget's number on the page, for [`AUTHORIZING`].
    id: u32,
}

fn page_origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

impl Controller {
    pub fn new(config: WidgetConfig, host: HtmlElement) -> Controller {
        let client = ProxyClient::new(&config.proxy, config.credentials);
        let flow = Flow::new(config.channel, config.reconnect.clone());
        Controller {
            flow: RwSignal::new(flow),
            config: StoredValue::new(config),
            channels_version: RwSignal::new(0),
            interacted: RwSignal::new(false),
            host: StoredValue::new_local(host),
            client: StoredValue::new_local(Rc::new(client)),
            popup: StoredValue::new_local(None),
            poll: StoredValue::new_local(None),
            timeout: StoredValue::new_local(None),
            sender: StoredValue::new_local(None),
            broadcast: StoredValue::new_local(None),
            listener: StoredValue::new(None),
            pageshow: StoredValue::new(None),
            popup_count: StoredValue::new(0),
            id: NEXT_ID.with(|n| {
                let id = n.get();
                n.set(id.wrapping_add(1).max(1));
                id
            }),
        }
    }

    /// Starts listening for callback messages, from the popup and on the BroadcastChannel.
    pub fn listen(self) {
        let handle = window_event_listener(leptos::ev::message, move |event: MessageEvent| {
            self.receive(&event, true);
        });
        self.listener.set_value(Some(handle));
        // A page that left for Facebook and is restored by Back from the back-forward cache
        // would still say "Taking you to Facebook…": look at storage again.
        let handle = window_event_listener(leptos::ev::pageshow, move |event| {
            let leaving = self
                .flow
                .try_with_untracked(|f| f.step() == &Step::Redirecting)
                .unwrap_or(false);
            if event.persisted() && leaving {
                self.resume(true);
            }
        });
        self.pageshow.set_value(Some(handle));
        if let Ok(channel) = BroadcastChannel::new(BROADCAST_CHANNEL) {
            let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                self.receive(&event, false);
            });
            channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            self.broadcast.set_value(Some((channel, on_message)));
        }
    }

    /// Releases everything: requests, popup, timers, listeners. Runs when the element is removed.
    pub fn release(self) {
        if let Some(client) = self.client.try_get_value() {
            client.abort();
        }
        self.close_popup();
        for listener in [self.listener, self.pageshow] {
            if let Some(Some(handle)) = listener.try_update_value(|l| l.take()) {
                handle.remove();
            }
        }
        if let Some(Some((channel, _closure))) = self.broadcast.try_update_value(|b| b.take()) {
            channel.set_onmessage(None);
            channel.close();
        }
    }

    /// A click that may start an authorization. Opens the popup synchronously, before anything
    /// else, so that popup blockers let it through; in redirect mode (or `auto` where a popup
    /// cannot work) the page itself goes to Facebook once the URL is known.
    pub fn start(self, target: Option<Target>) {
        if !self.flow.with_untracked(|f| f.can_start()) {
            return;
        }
        self.close_popup();
        let Some((lang, mode)) = self.config.try_with_value(|c| (c.lang, c.mode)) else {
            return;
        };
        let in_app = || {
            web_sys::window()
                .and_then(|w| w.navigator().user_agent().ok())
                .is_some_and(|ua| is_in_app_browser(&ua))
        };
        let via = if mode == Mode::Redirect || (mode == Mode::Auto && in_app()) {
            Via::Redirect
        } else {
            let n = self.popup_count.try_update_value(|n| {
                *n += 1;
                *n
            });
            // Unique on the page: a shared name would make two widgets share one window.
            let name = format!("socialchat-connect-{}-{}", self.id, n.unwrap_or(0));
            let popup = Popup::open_blank(&name, lang.text(Text::Opening));
            let opened = popup.is_some();
            self.popup.set_value(popup);
            AUTHORIZING.with(|a| a.set(self.id));
            match (opened, mode) {
                // `auto`: a blocked popup falls back to a redirect.
                (false, Mode::Auto) => Via::Redirect,
                (opened, _) => Via::Popup { opened },
            }
        };
        self.interacted.try_set(true);
        self.send(Input::Start { via, target });
    }

    /// Redirect mode: takes a redirect that came back (or never left) out of storage and
    /// continues it, when it is this element's. `back`: the page was restored from the
    /// back-forward cache while it was leaving, so whatever storage holds, this attempt is over.
    pub fn resume(self, back: bool) {
        self.resume_now(back, false);
    }

    /// `confirmed`: a second look, after the owner's grace period.
    fn resume_now(self, back: bool, confirmed: bool) {
        // A late timer after the element was removed does nothing.
        if self.flow.try_with_untracked(|_| ()).is_none() {
            return;
        }
        let (pending, handoff) = session::peek();
        if pending.is_none() && handoff.is_none() && !back {
            return;
        }
        let Some(kind) = self.kind() else { return };
        let element = self.element_id();
        let mut resume = decide(
            pending.as_deref(),
            handoff.as_deref(),
            Claimant {
                channel: kind,
                element: element.as_deref(),
            },
            |id| session::element_present(kind, id),
            session::now(),
        );
        if back && !resume.claims() {
            resume = Resume::Lost {
                target: self.flow.with_untracked(|f| f.target().clone()),
                why: Lost::NoCallback,
            };
        }
        if !confirmed
            && matches!(
                resume,
                Resume::Lost {
                    why: Lost::NoElement,
                    ..
                }
            )
        {
            // The element that started it may still be on its way (a page that adds its widgets
            // late): it gets a moment to claim its attempt before this one reports it lost.
            set_timeout(move || self.resume_now(back, true), OWNER_GRACE);
            return;
        }
        if resume.claims() {
            // Read once: a reload, or another element, never resumes it again.
            session::clear();
            self.send(Input::Resume(resume));
        }
    }

    /// Redirect mode: saves the attempt (never the token) and sends the page to Facebook.
    fn redirect(self, attempt: u32, url: &str, target: Target, kind: socialchat_api::ChannelKind) {
        let element = self.element_id();
        let saved = session::attempt_id()
            .ok_or_else(|| "the browser gave no random numbers".to_owned())
            .and_then(|id| {
                let pending = PendingRedirect {
                    attempt: id,
                    channel: kind,
                    return_to: session::current_page(),
                    element,
                    target,
                    started_at: session::now(),
                };
                session::save_pending(&pending.to_json())
            });
        let left = saved.and_then(|()| {
            web_sys::window()
                .ok_or_else(|| "no window".to_owned())?
                .location()
                .assign(url)
                .map_err(|_| "the page could not go to the authorization URL".to_owned())
        });
        if let Err(detail) = left {
            session::clear();
            self.send(Input::RedirectFailed {
                attempt,
                error: FlowError::new(ErrorCode::ResumeFailed, None, detail),
            });
        }
    }

    /// Feeds an input to the flow and carries out the effects.
    pub fn send(self, input: Input) {
        let Some(effects) = self.flow.try_update(|f| f.handle(input)) else {
            return;
        };
        for effect in effects {
            self.run(effect);
        }
    }

    /// This element's `id` attribute, if it has one.
    fn element_id(self) -> Option<String> {
        self.host.try_with_value(|h| session::id_of(h)).flatten()
    }

    fn kind(self) -> Option<socialchat_api::ChannelKind> {
        self.config.try_with_value(|c| c.channel)
    }

    pub fn client_handle(self) -> Option<Rc<ProxyClient>> {
        self.client.try_get_value()
    }

    fn run(self, effect: Effect) {
        // Everything below may run late (after an await); a removed widget does nothing.
        let Some(kind) = self.kind() else { return };
        match effect {
            Effect::FetchAuthorize { attempt } => {
                let Some(client) = self.client_handle() else {
                    return;
                };
                leptos::task::spawn_local(async move {
                    let result = client
                        .authorize(kind)
                        .await
                        .map_err(|f| FlowError::from_failure(Stage::Authorize, f));
                    self.send(Input::AuthorizeAnswered { attempt, result });
                });
            }
            Effect::NavigatePopup { attempt, url } => {
                let _ = self.popup.try_with_value(|p| {
                    if let Some(p) = p {
                        p.navigate(&url);
                    }
                });
                self.watch_popup(attempt);
            }
            Effect::Redirect {
                attempt,
                url,
                target,
            } => self.redirect(attempt, &url, target, kind),
            Effect::ClosePopup => self.close_popup(),
            Effect::Acknowledge => self.acknowledge(),
            Effect::FetchAccounts {
                attempt,
                token,
                offset,
            } => {
                let Some(client) = self.client_handle() else {
                    return;
                };
                leptos::task::spawn_local(async move {
                    let result = client
                        .accounts(kind, &token, offset.as_ref())
                        .await
                        .map_err(|f| FlowError::from_failure(Stage::Accounts, f));
                    self.send(Input::AccountsAnswered { attempt, result });
                });
            }
            Effect::PostConnect {
                attempt,
                channel_id,
                token,
            } => {
                let Some(client) = self.client_handle() else {
                    return;
                };
                let account = self.flow.with_untracked(|f| match f.step() {
                    Step::Connecting { picker: Some(p) } => p.selected_account().cloned(),
                    _ => None,
                });
                leptos::task::spawn_local(async move {
                    let result = client
                        .connect(kind, &channel_id, &token)
                        .await
                        .map_err(|f| FlowError::from_failure(Stage::Connect, f))
                        .map(|answer| {
                            let channel = find_channel(&answer);
                            ConnectedChannel {
                                channel: kind,
                                channel_id: channel_id.as_str().to_owned(),
                                name: account.as_ref().map(|a| a.name.clone()).unwrap_or_default(),
                                picture: account.as_ref().and_then(|a| a.picture.clone()),
                                id: channel.map(|c| c.id.as_str().to_owned()),
                                reconnected: false,
                            }
                        });
                    self.send(Input::ConnectAnswered { attempt, result });
                });
            }
            Effect::PostReconnect { attempt, id, token } => {
                let Some(client) = self.client_handle() else {
                    return;
                };
                let known_name = self.flow.with_untracked(|f| match f.target() {
                    Target::Reconnect { name, .. } => name.clone(),
                    Target::Connect => None,
                });
                leptos::task::spawn_local(async move {
                    let result = client
                        .reconnect(kind, &id, &token)
                        .await
                        .map_err(|f| FlowError::from_failure(Stage::Reconnect, f))
                        .map(|answer| {
                            let channel = find_channel(&answer);
                            ConnectedChannel {
                                channel: kind,
                                channel_id: channel
                                    .as_ref()
                                    .and_then(|c| c.channel_id.clone())
                                    .unwrap_or_default(),
                                name: channel
                                    .as_ref()
                                    .map(|c| c.name.clone())
                                    .filter(|n| !n.is_empty())
                                    .or(known_name)
                                    .unwrap_or_default(),
                                picture: channel.as_ref().and_then(|c| c.picture.clone()),
                                id: Some(id.as_str().to_owned()),
                                reconnected: true,
                            }
                        });
                    self.send(Input::ConnectAnswered { attempt, result });
                });
            }
            Effect::Emit(event) => {
                if matches!(event, HostEvent::Connected(_)) {
                    self.channels_version.try_update(|v| *v += 1);
                }
                self.emit(&event);
            }
        }
    }

    /// Tells the host page. Silent once the widget is gone (a late answer after removal).
    pub fn emit(self, event: &HostEvent) {
        let _ = self.host.try_with_value(|host| events::emit(host, event));
    }

    fn watch_popup(self, attempt: u32) {
        self.stop_watching();
        let poll = set_interval_with_handle(
            move || {
                let closed = self
                    .popup
                    .try_with_value(|p| p.as_ref().map(Popup::is_closed).unwrap_or(true))
                    .unwrap_or(true);
                if closed {
                    if let Some(Some(handle)) = self.poll.try_update_value(|h| h.take()) {
                        handle.clear();
                    }
                    self.send(Input::PopupClosed { attempt });
                }
            },
            POPUP_POLL,
        )
        .ok();
        self.poll.try_set_value(poll);
        let timeout = set_timeout_with_handle(
            move || self.send(Input::TimedOut { attempt }),
            Duration::from_millis(AUTHORIZATION_TIMEOUT_MS as u64),
        )
        .ok();
        self.timeout.try_set_value(timeout);
    }

    fn stop_watching(self) {
        if let Some(Some(handle)) = self.poll.try_update_value(|h| h.take()) {
            handle.clear();
        }
        if let Some(Some(handle)) = self.timeout.try_update_value(|h| h.take()) {
            handle.clear();
        }
    }

    fn close_popup(self) {
        self.stop_watching();
        if let Some(Some(popup)) = self.popup.try_update_value(|p| p.take()) {
            popup.close();
        }
    }

    /// A message from the popup (`from_window`) or the BroadcastChannel.
    fn receive(self, event: &MessageEvent, from_window: bool) {
        let waiting = self
            .flow
            .try_with_untracked(|f| matches!(f.step(), Step::Waiting { .. }))
            .unwrap_or(false);
        if !waiting {
            return;
        }
        if !from_window && AUTHORIZING.with(|a| a.get()) != self.id {
            return;
        }
        let own = page_origin();
        // BroadcastChannel only carries messages of this page's origin.
        let origin = if from_window {
            event.origin()
        } else {
            own.clone()
        };
        let accepted = self
            .config
            .try_with_value(|c| c.accepts_origin(&origin, &own))
            .unwrap_or(false);
        if !accepted {
            return;
        }
        let source: Option<web_sys::Window> = event.source().and_then(|s| s.dyn_into().ok());
        if from_window {
            if let Some(source) = &source {
                let from_popup = self
                    .popup
                    .try_with_value(|p| p.as_ref().map(|p| p.is_source(source.as_ref())))
                    .flatten();
                // Where it can tell, only its own popup may answer.
                if from_popup == Some(false) {
                    return;
                }
            }
        }
        match CallbackMessage::from_json(&js_json::from_js(&event.data())) {
            Ok(message) => {
                self.sender.try_set_value(Some(Sender {
                    window: if from_window { source } else { None },
                    origin,
                }));
                self.send(Input::Callback(message));
            }
            Err(ProtocolError::Foreign) => {}
            Err(e @ ProtocolError::Malformed(_)) => {
                web_sys::console::warn_1(&JsValue::from_str(&format!(
                    "socialchat-connect: ignored a {e}"
                )));
            }
        }
    }

    fn acknowledge(self) {
        let ack = js_json::to_js(&acknowledgement());
        if let Some(Some(sender)) = self.sender.try_update_value(|s| s.take()) {
            if let Some(window) = sender.window {
                let _ = window.post_message(&ack, &sender.origin);
            }
        }
        let _ = self.broadcast.try_with_value(|b| {
            if let Some((channel, _)) = b {
                let _ = channel.post_message(&ack);
            }
        });
    }
}
