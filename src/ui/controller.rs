//! The thin shell around the pure [`Flow`]: it feeds the flow its inputs and carries out the
//! effects the flow asks for. Each effect is mechanical: make the call, send its result back as
//! an input. Every browser resource is released where it is created (`on_cleanup` beside each
//! listener and channel; the popup releases its own timers and window when dropped).

use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use socialchat_api::callback::{acknowledgement, MessageWire, BROADCAST_CHANNEL};
use socialchat_api::{CallbackMessage, ChannelKind, ProtocolError};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{BroadcastChannel, HtmlElement, MessageEvent};

use crate::attempt::{EarlyClick, Target, Via, AUTHORIZATION_TIMEOUT_MS};
use crate::client::{ProxyClient, Sessions};
use crate::config::WidgetConfig;
use crate::events;
use crate::flow::{EarlyStart, Effect, Flow, HostEvent, Input};
use crate::i18n::Text;
use crate::popup::Popup;
use crate::redirect::{decide, plan_for_click, Claimant, Lost, PendingRedirect, Resume};
use crate::storage;
use crate::wire;

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
    sender: StoredValue<Option<Sender>, LocalStorage>,
    /// The BroadcastChannel the widget listens on, which also carries its acknowledgements.
    broadcast: StoredValue<Option<BroadcastChannel>, LocalStorage>,
    /// The time limit of the QR code on show, cleared when the widget goes.
    scan_timer: StoredValue<Option<TimeoutHandle>>,
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
    /// The controller of one widget. Call it inside the widget's component: what it creates is
    /// released when the component is.
    pub fn new(config: WidgetConfig, host: HtmlElement, sessions: Sessions) -> Controller {
        let client = Rc::new(ProxyClient::new(
            &config.proxy,
            config.credentials,
            sessions,
        ));
        let abort = SendWrapper::new(client.clone());
        on_cleanup(move || abort.abort());
        let flow = Flow::new(config.channel, config.reconnect.clone());
        let popup = StoredValue::new_local(None::<Popup>);
        // The popup closes, and its timers stop, when it is dropped.
        on_cleanup(move || drop(popup.try_update_value(Option::take)));
        let scan_timer = StoredValue::new(None::<TimeoutHandle>);
        on_cleanup(move || {
            if let Some(Some(timer)) = scan_timer.try_update_value(Option::take) {
                timer.clear();
            }
        });
        Controller {
            flow: RwSignal::new(flow),
            config: StoredValue::new(config),
            channels_version: RwSignal::new(0),
            interacted: RwSignal::new(false),
            host: StoredValue::new_local(host),
            client: StoredValue::new_local(client),
            popup,
            sender: StoredValue::new_local(None),
            broadcast: StoredValue::new_local(None),
            scan_timer,
            popup_count: StoredValue::new(0),
            id: NEXT_ID.with(|n| {
                let id = n.get();
                n.set(id.wrapping_add(1).max(1));
                id
            }),
        }
    }

    /// Starts listening for callback messages, from the popup and on the BroadcastChannel, and
    /// for the page coming back from the back-forward cache.
    pub fn listen(self) {
        let message = window_event_listener(leptos::ev::message, move |event: MessageEvent| {
            self.receive(&event, true);
        });
        on_cleanup(move || message.remove());
        // A page that left for Facebook and is restored by Back from the back-forward cache
        // would still say "Taking you to Facebook…": look at storage again.
        let pageshow = window_event_listener(leptos::ev::pageshow, move |event| {
            if event.persisted() {
                self.resume(true);
            }
        });
        on_cleanup(move || pageshow.remove());
        // A QR code nobody looks at is asked for less often.
        // (`visibilitychange` is fired at the document and bubbles to the window.)
        let visibility = window_event_listener_untyped("visibilitychange", move |_| {
            self.send(Input::PageHidden(document().hidden()));
        });
        on_cleanup(move || visibility.remove());
        if let Ok(channel) = BroadcastChannel::new(BROADCAST_CHANNEL) {
            let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                self.receive(&event, false);
            });
            channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            let listening = SendWrapper::new((channel.clone(), on_message));
            self.broadcast.set_value(Some(channel));
            on_cleanup(move || {
                let (channel, _on_message) = listening.take();
                channel.set_onmessage(None);
                channel.close();
            });
        }
    }

    /// A click that may start a connect, for the element's own target or `target`: a
    /// Facebook kind's popup opens inside the click, a form kind needs none.
    pub fn start(self, target: Option<Target>) {
        let (can_start, authorizes) = self
            .flow
            .with_untracked(|f| (f.can_start(), f.authorizes()));
        if can_start {
            self.interacted.try_set(true);
            let via = authorizes.then(|| self.open_window());
            self.send(Input::Start { via, target });
        }
    }

    /// A click that the first module's button took before this module had loaded: the same
    /// attempt as [`Controller::start`], with the popup that click opened in its own task.
    pub fn start_early(self, click: EarlyClick, popup: Option<web_sys::Window>) {
        match self.flow.with_untracked(|f| f.early_start(click)) {
            EarlyStart::Authorize(via) => {
                self.interacted.try_set(true);
                if let Some(window) = popup {
                    self.popup.set_value(Some(Popup::adopt(window)));
                    AUTHORIZING.with(|a| a.set(self.id));
                }
                self.send(Input::Start {
                    via: Some(via),
                    target: None,
                });
            }
            EarlyStart::Form => self.start(None),
            // Nothing to start (a redirect resumed instead): the popup is not needed.
            EarlyStart::Discard => {
                if let Some(window) = popup {
                    let _ = window.close();
                }
            }
        }
    }

    /// The Try again of a failure or a stop: a new authorization when the flow needs one (the
    /// popup opened inside this click), otherwise the same call again, or the form.
    pub fn try_again(self) {
        self.interacted.try_set(true);
        let via = self
            .flow
            .with_untracked(Flow::try_again_authorizes)
            .then(|| self.open_window());
        self.send(Input::TryAgain { via });
    }

    /// Opens the popup synchronously, inside the click, before anything else, so that popup
    /// blockers let it through; in redirect mode (or `auto` where a popup cannot work) the page
    /// itself goes to Facebook once the URL is known.
    fn open_window(self) -> Via {
        drop(self.popup.try_update_value(Option::take));
        let Some((lang, mode)) = self.config.try_with_value(|c| (c.lang, c.mode)) else {
            return Via::Popup { opened: false };
        };
        let user_agent = web_sys::window().and_then(|w| w.navigator().user_agent().ok());
        let plan = plan_for_click(mode, user_agent.as_deref());
        if !plan.opens_popup() {
            return plan.via(false);
        }
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
        plan.via(opened)
    }

    /// Redirect mode: takes a redirect that came back (or never left) out of storage and
    /// continues it, when it is this element's. `back`: the page was restored from the
    /// back-forward cache, so whatever storage holds, an attempt that was leaving is over.
    pub fn resume(self, back: bool) {
        self.resume_now(back, false);
    }

    /// `confirmed`: a second look, after the owner's grace period.
    fn resume_now(self, back: bool, confirmed: bool) {
        let Some(kind) = self.kind() else { return };
        let (pending, handoff) = storage::peek();
        let resume = if pending.is_none() && handoff.is_none() {
            Resume::NotMine
        } else {
            let element = self.element_id();
            decide(
                storage::read_pending(pending.as_deref()),
                storage::read_handoff(handoff.as_deref()),
                Claimant {
                    channel: kind,
                    element: element.as_deref(),
                },
                |id| storage::element_present(kind, id),
                storage::now(),
            )
        };
        let waits_for_owner = matches!(
            resume,
            Resume::Lost {
                why: Lost::NoElement,
                ..
            }
        );
        if waits_for_owner && !confirmed {
            // The element that started it may still be on its way (a page that adds its widgets
            // late): it gets a moment to claim its attempt before this one reports it lost.
            set_timeout(move || self.resume_now(back, true), OWNER_GRACE);
            return;
        }
        if resume.claims() {
            // Read once: a reload, or another element, never resumes it again.
            storage::clear();
            self.send(Input::Resume(resume));
        } else if back {
            self.send(Input::CameBack);
        }
    }

    /// Feeds an input to the flow and carries out the effects. A removed widget does nothing
    /// (its answers may still arrive after an await).
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
        self.host.try_with_value(|h| storage::id_of(h)).flatten()
    }

    fn kind(self) -> Option<ChannelKind> {
        self.config.try_with_value(|c| c.channel)
    }

    pub fn client_handle(self) -> Option<Rc<ProxyClient>> {
        self.client.try_get_value()
    }

    /// Runs `call` with the client and sends what it answers as the input `answered` makes.
    fn call<T: 'static, F>(
        self,
        call: impl FnOnce(Rc<ProxyClient>) -> F + 'static,
        answered: impl FnOnce(T) -> Input + 'static,
    ) where
        F: std::future::Future<Output = T> + 'static,
    {
        let Some(client) = self.client_handle() else {
            return;
        };
        leptos::task::spawn_local(async move {
            let result = call(client).await;
            self.send(answered(result));
        });
    }

    fn run(self, effect: Effect) {
        let Some(kind) = self.kind() else { return };
        match effect {
            Effect::FetchAuthorize { attempt } => self.call(
                move |client| async move { client.authorize(kind).await },
                move |result| Input::AuthorizeAnswered { attempt, result },
            ),
            Effect::NavigatePopup { attempt, url } => {
                let _ = self.popup.try_update_value(|popup| {
                    if let Some(popup) = popup {
                        popup.navigate_and_watch(
                            &url,
                            Duration::from_millis(AUTHORIZATION_TIMEOUT_MS.into()),
                            move || self.send(Input::PopupClosed { attempt }),
                            move || self.send(Input::TimedOut { attempt }),
                        );
                    }
                });
            }
            Effect::Redirect {
                attempt,
                url,
                target,
            } => self.redirect(attempt, &url, target, kind),
            Effect::ClosePopup => drop(self.popup.try_update_value(Option::take)),
            Effect::Acknowledge => self.acknowledge(),
            Effect::FetchAccounts {
                attempt,
                token,
                offset,
            } => self.call(
                move |client| async move { client.accounts(kind, &token, offset.as_ref()).await },
                move |result| Input::AccountsAnswered { attempt, result },
            ),
            Effect::PostConnect { attempt, body } => self.call(
                move |client| async move { client.connect(kind, body).await },
                move |result| Input::ConnectAnswered { attempt, result },
            ),
            Effect::PostReconnect { attempt, id, body } => self.call(
                move |client| async move { client.reconnect(kind, &id, body).await },
                move |result| Input::ConnectAnswered { attempt, result },
            ),
            Effect::FetchChannel {
                attempt,
                id,
                ticket,
            } => self.call(
                move |client| async move { client.channel(&id, ticket.as_deref()).await },
                move |result| Input::ChannelAnswered { attempt, result },
            ),
            Effect::SchedulePoll {
                attempt,
                poll,
                after_ms,
            } => {
                // A timer that fires after the element left sends to a flow that is gone.
                set_timeout(
                    move || self.send(Input::PollDue { attempt, poll }),
                    Duration::from_millis(after_ms.into()),
                );
            }
            Effect::StartScanTimer { attempt, after_ms } => {
                let timer = set_timeout_with_handle(
                    move || self.send(Input::ScanExpired { attempt }),
                    Duration::from_millis(after_ms.into()),
                );
                if let Ok(timer) = timer {
                    self.scan_timer.try_update_value(|old| {
                        if let Some(old) = old.replace(timer) {
                            old.clear();
                        }
                    });
                }
            }
            Effect::KeepReceipt(receipt) => {
                if let Some(client) = self.client_handle() {
                    client.keep_receipt(&receipt);
                }
            }
            Effect::Emit(event) => {
                if matches!(event, HostEvent::Connected(_)) {
                    self.channels_version.try_update(|v| *v += 1);
                }
                self.emit(&event);
            }
        }
    }

    /// Redirect mode: saves the attempt (never the token) and sends the page to Facebook.
    fn redirect(self, attempt: u32, url: &str, target: Target, kind: ChannelKind) {
        let element = self.element_id();
        let saved = storage::attempt_id()
            .ok_or_else(|| "the browser gave no random numbers".to_owned())
            .and_then(|id| {
                let pending = PendingRedirect {
                    attempt: id,
                    channel: kind,
                    return_to: storage::current_page(),
                    element,
                    target,
                    started_at: storage::now(),
                };
                storage::save_pending(&pending)
            });
        let left = saved.and_then(|()| {
            web_sys::window()
                .ok_or_else(|| "no window".to_owned())?
                .location()
                .assign(url)
                .map_err(|_| "the page could not go to the authorization URL".to_owned())
        });
        if let Err(detail) = left {
            storage::clear();
            self.send(Input::RedirectFailed { attempt, detail });
        }
    }

    /// Tells the host page. Silent once the widget is gone (a late answer after removal).
    pub fn emit(self, event: &HostEvent) {
        let _ = self.host.try_with_value(|host| events::emit(host, event));
    }

    /// A message from the popup (`from_window`) or the BroadcastChannel. Which origins count is
    /// the config's rule; whether the message counts now is the flow's.
    fn receive(self, event: &MessageEvent, from_window: bool) {
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
        if let (true, Some(source)) = (from_window, &source) {
            let from_popup = self
                .popup
                .try_with_value(|p| p.as_ref().map(|p| p.is_source(source.as_ref())))
                .flatten();
            // Where it can tell, only its own popup may answer.
            if from_popup == Some(false) {
                return;
            }
        }
        match CallbackMessage::from_wire(wire::from_js::<MessageWire>(event.data()).ok()) {
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
        let ack = wire::to_js(&acknowledgement());
        if let Some(Some(sender)) = self.sender.try_update_value(Option::take) {
            if let Some(window) = sender.window {
                let _ = window.post_message(&ack, &sender.origin);
            }
        }
        let _ = self.broadcast.try_with_value(|channel| {
            if let Some(channel) = channel {
                let _ = channel.post_message(&ack);
            }
        });
    }
}
