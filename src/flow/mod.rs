//! The connect and reconnect flow as a pure state machine.
//!
//! [`Flow::handle`] takes an [`Input`] (a click, a call's result, a callback message, a timer)
//! and returns the [`Effect`]s the browser shell must carry out (fetch this, point the popup
//! there, tell the host page that). It makes every decision: it knows which call is pending, so
//! it classifies a failure itself ([`error`]); it builds the connected channel from its own
//! picker or target; it keeps the target of a Try again. The shell only runs effects and sends
//! their results back. Nothing here touches the DOM or the network, so every transition,
//! including late, duplicate and out-of-order inputs, is tested natively (`tests.rs`).
//!
//! Every asynchronous answer carries the attempt it belongs to; an answer from an earlier attempt
//! is ignored. Callback messages are accepted only while waiting for Facebook, only for this
//! flow's channel kind, and only the first one counts.
//!
//! | step | input | next step |
//! | --- | --- | --- |
//! | Idle, PopupBlocked, Stopped, Done, Waiting (popup closed), Failed (needs authorization), Picking (empty) | `Start`, `TryAgain` | Opening, or PopupBlocked when `window.open` gave nothing |
//! | Opening | `AuthorizeAnswered` ok | Waiting (popup) or Redirecting |
//! | Opening | `AuthorizeAnswered` failed | Failed (needs authorization) |
//! | Opening | `PopupClosed` | Idle |
//! | Waiting | `PopupClosed` | Waiting (popup closed), told as cancelled at once |
//! | Waiting | `Callback` with a token | LoadingAccounts, or Connecting (reconnect) |
//! | Waiting | `Callback` denied / failed | Stopped (denied) / Failed |
//! | Opening, Waiting | `TimedOut` | Stopped (timeout), told unless a closed popup was |
//! | Opening, Waiting, PopupBlocked, Picking, Stopped, Failed | `Cancel` | Idle, told unless a stop or a closed popup was |
//! | Redirecting | `RedirectFailed`, `CameBack` | Failed (needs authorization) |
//! | Idle, Redirecting | `Resume` | LoadingAccounts, Connecting, Stopped or Failed |
//! | LoadingAccounts | `AccountsAnswered` | Picking, or Failed (retry the accounts, or authorize again when the token expired) |
//! | Picking | `LoadMore`, `AccountsAnswered`, `Filter`, `Select`, `Move` | Picking |
//! | Picking | `Connect` | Connecting (with the picker) |
//! | Connecting | `ConnectAnswered` ok | Done |
//! | Connecting (with the picker) | `ConnectAnswered` failed | Picking with the error, or Failed when the token expired |
//! | Connecting (reconnect) | `ConnectAnswered` failed | Failed (retry the reconnect after a network failure, else authorize again) |
//! | Failed (retry the accounts or the reconnect) | `TryAgain` | LoadingAccounts, Connecting |
//! | Done | `Reset` | Idle |
//! | Idle, Stopped, Done, Failed (a form kind) | `Start`, `TryAgain` | Form, or Scanning (a WhatsApp number's reconnect) |
//! | Form | `Edit` | Form |
//! | Form | `Submit` | Form with its invalid fields, or Sending |
//! | Sending | `ConnectAnswered` ok | Done, or Scanning (a new WhatsApp number) |
//! | Sending | `ConnectAnswered` failed | Form with the error |
//! | Scanning | `PollDue`, `PageHidden` | Scanning (polling) |
//! | Scanning | `ChannelAnswered` | Done once connected, else Scanning; Failed after too many failed polls |
//! | Scanning | `ScanExpired` | Stopped (timeout) |
//! | Form, Scanning | `Cancel` | Idle |
//! | Picking | `ReconnectAccount` | Connecting (with the picker) |

mod error;
mod form;
mod picker;
mod scan;
#[cfg(test)]
mod tests;
// Native only: proptest does not build for wasm32-unknown-unknown.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties;

use socialchat_api::channel::ChannelStatus;
use socialchat_api::kind::Connection;
use socialchat_api::{
    AccountPage, CallbackMessage, CallbackOutcome, Channel, ChannelId, ChannelKind,
    ChannelRecordId, ConnectRequest, NextOffset, ReconnectRequest, Token,
};

pub use crate::attempt::{EarlyClick, Target, Via};
use crate::redirect::Resume;
pub use error::{ApiFailure, CancelReason, ErrorCode, FlowError, Stage};
pub use form::{fields, Field, Form};
pub use picker::{drawn_rows, name_matches, scroll_to_show, search_needle, Move, Picker};
pub use scan::{Scan, HIDDEN_POLL_MS, MAX_FAILED_POLLS, POLL_MS, SCAN_TIMEOUT_MS};

/// What the element does with a click the first module's button took ([`Flow::early_start`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EarlyStart {
    /// Start the authorization the click started (its popup, if it opened one, is adopted).
    Authorize(Via),
    /// Open the form.
    Form,
    /// Nothing to start: a popup the click opened is closed.
    Discard,
}

/// What the Try again of a failure does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// A new authorization: needs a click, because it opens a popup.
    Authorize,
    /// Load the accounts again with the same token.
    Accounts,
    /// Send the reconnect again with the same token.
    Reconnect,
}

/// A successfully connected (or reconnected) channel, as the `socialchat:connected` event
/// reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectedChannel {
    pub channel: ChannelKind,
    pub channel_id: String,
    pub name: String,
    pub picture: Option<String>,
    /// Socialchat's `_id` of the channel, when the answer gave it.
    pub id: Option<String>,
    pub reconnected: bool,
    /// The proxy's signed receipt of the connection, for the partner's backend (the book,
    /// "Sessions and ownership"); kept by the widget to list the channel before the session
    /// does.
    pub receipt: Option<String>,
}

/// Where the flow is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The Connect (or Reconnect) button.
    Idle,
    /// The popup is open (or the page is about to leave); the authorization URL is on its way.
    Opening,
    /// `window.open` returned nothing.
    PopupBlocked,
    /// Redirect mode: the page is on its way to Facebook.
    Redirecting,
    /// The user is on Facebook. `popup_closed`: the popup reads closed (the user closed it, or
    /// Facebook severed it); a valid callback still completes the flow.
    Waiting {
        popup_closed: bool,
    },
    LoadingAccounts,
    Picking(Picker),
    /// Connect or reconnect in flight. The picker is kept to return to on failure; a reconnect
    /// has none.
    Connecting {
        picker: Option<Picker>,
    },
    Done(ConnectedChannel),
    /// Stopped without an error (declined, timed out).
    Stopped(CancelReason),
    Failed {
        error: FlowError,
        retry: Retry,
    },
    /// A form kind's form (WhatsApp, Telegram, webchat).
    Form(Form),
    /// The form was sent; it is kept to return to on failure (without the bot token).
    Sending {
        form: Form,
    },
    /// A WhatsApp number shows its QR code until it is scanned.
    Scanning(Scan),
}

/// What a connect or reconnect answered: the channel, and for a new WhatsApp number, the ticket
/// that lets the session poll it (read by the api crate, the one home of that answer's shape).
pub type Connected = socialchat_api::channel::ConnectAnswer;

/// What the host page is told, as DOM events on the element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostEvent {
    Authorized { channel: ChannelKind },
    Connected(ConnectedChannel),
    Cancelled { reason: CancelReason },
    Error(FlowError),
}

impl HostEvent {
    /// Sent by the element once it is drawn and listening (not by the flow).
    pub const READY: &'static str = "socialchat:ready";
    pub const AUTHORIZED: &'static str = "socialchat:authorized";
    pub const CONNECTED: &'static str = "socialchat:connected";
    pub const CANCELLED: &'static str = "socialchat:cancelled";
    pub const ERROR: &'static str = "socialchat:error";

    /// Every event the element sends, as the book's reference lists them.
    pub const NAMES: [&'static str; 5] = [
        HostEvent::READY,
        HostEvent::AUTHORIZED,
        HostEvent::CONNECTED,
        HostEvent::CANCELLED,
        HostEvent::ERROR,
    ];

    /// The DOM event's name.
    pub fn name(&self) -> &'static str {
        match self {
            HostEvent::Authorized { .. } => HostEvent::AUTHORIZED,
            HostEvent::Connected(_) => HostEvent::CONNECTED,
            HostEvent::Cancelled { .. } => HostEvent::CANCELLED,
            HostEvent::Error(_) => HostEvent::ERROR,
        }
    }
}

/// What happens to the flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A click that may start a connect. For a Facebook kind the shell has already called
    /// `window.open` (synchronously, in the click) and says how the dialog goes (`via`); a form
    /// kind needs none. `target` overrides the element's own (a Reconnect in the channel list).
    Start {
        via: Option<Via>,
        target: Option<Target>,
    },
    /// The Try again of a failure or a stop. When it needs a new authorization
    /// ([`Flow::try_again_authorizes`]) the shell opened the popup in the click and says how
    /// (`via`); otherwise it sends `None` and the same call is made again. The target stays the
    /// flow's own.
    TryAgain {
        via: Option<Via>,
    },
    /// Redirect mode: what the element found in storage when it appeared (see
    /// [`crate::redirect::decide`]).
    Resume(Resume),
    /// Redirect mode: the page was restored from the back-forward cache while it was leaving,
    /// and no callback was waiting for it.
    CameBack,
    /// Redirect mode: the attempt could not be saved, or the page could not leave.
    RedirectFailed {
        attempt: u32,
        detail: String,
    },
    AuthorizeAnswered {
        attempt: u32,
        result: Result<String, ApiFailure>,
    },
    PopupClosed {
        attempt: u32,
    },
    /// A validated callback message from an allowed origin.
    Callback(CallbackMessage),
    TimedOut {
        attempt: u32,
    },
    Cancel,
    AccountsAnswered {
        attempt: u32,
        result: Result<AccountPage, ApiFailure>,
    },
    LoadMore,
    Filter(String),
    Select(ChannelId),
    /// A key of the radio group in the list, pressed on the radio of `from`: the choice moves
    /// among the accounts shown.
    Move {
        from: Option<ChannelId>,
        key: Move,
    },
    Connect,
    /// The answer to a connect or a reconnect.
    ConnectAnswered {
        attempt: u32,
        result: Result<Connected, ApiFailure>,
    },
    /// A Facebook account whose channel broke: reconnect that channel with the token in hand.
    ReconnectAccount(ChannelId),
    /// A field of the form changed.
    Edit {
        field: Field,
        value: String,
    },
    /// The form's submit button.
    Submit,
    /// The answer to a poll of the channel waiting for its scan.
    ChannelAnswered {
        attempt: u32,
        result: Result<ChannelStatus, ApiFailure>,
    },
    /// The time for the next poll (`poll`: which one it was scheduled as).
    PollDue {
        attempt: u32,
        poll: u32,
    },
    /// The page was hidden or shown again.
    PageHidden(bool),
    /// The QR code waited too long for its scan.
    ScanExpired {
        attempt: u32,
    },
    /// Back to the button after a success.
    Reset,
}

/// What the shell must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    FetchAuthorize {
        attempt: u32,
    },
    /// Point the popup at the authorization URL and start watching it (closed poll, timeout).
    NavigatePopup {
        attempt: u32,
        url: String,
    },
    /// Redirect mode: save the attempt (never the token) and send the page to `url`.
    Redirect {
        attempt: u32,
        url: String,
        target: Target,
    },
    /// Close the popup if it is open, stop watching it.
    ClosePopup,
    /// Tell the callback page that its message arrived, so that it closes itself.
    Acknowledge,
    FetchAccounts {
        attempt: u32,
        token: Token,
        offset: Option<NextOffset>,
    },
    PostConnect {
        attempt: u32,
        body: ConnectRequest,
    },
    PostReconnect {
        attempt: u32,
        id: ChannelRecordId,
        body: ReconnectRequest,
    },
    /// Ask for the channel waiting for its scan (with the ticket of a new one).
    FetchChannel {
        attempt: u32,
        id: ChannelRecordId,
        ticket: Option<String>,
    },
    /// Send `PollDue { attempt, poll }` after `after_ms`.
    SchedulePoll {
        attempt: u32,
        poll: u32,
        after_ms: u32,
    },
    /// Send `ScanExpired { attempt }` after `after_ms`.
    StartScanTimer {
        attempt: u32,
        after_ms: u32,
    },
    /// Keep the receipt of a channel connected here, for the channel list (the proxy lists the
    /// channel to its own user before the session does).
    KeepReceipt(String),
    Emit(HostEvent),
}

/// The flow of one widget.
#[derive(Debug, Clone)]
pub struct Flow {
    pub kind: ChannelKind,
    /// The element's own target (`reconnect` attribute or a plain connect).
    default_target: Target,
    /// The target of the current attempt.
    target: Target,
    attempt: u32,
    /// Whether the current attempt goes through a redirect instead of a popup.
    redirect: bool,
    step: Step,
    /// The token of the current authorization, held only between the callback and the end.
    token: Option<Token>,
    /// The number of the poll scheduled last: an older timer is stale.
    poll: u32,
    /// The ticket that lets the session poll a WhatsApp number created in this widget, kept for
    /// a Try again after its code expired.
    ticket: Option<String>,
    /// Whether this attempt has told the host page it was cancelled: one attempt sends one
    /// `socialchat:cancelled` (a closed popup, then a late denial, is told once).
    cancel_told: bool,
}

impl Flow {
    pub fn new(kind: ChannelKind, reconnect: Option<ChannelRecordId>) -> Flow {
        let target = match reconnect {
            Some(id) => Target::Reconnect { id, name: None },
            None => Target::Connect,
        };
        Flow {
            kind,
            default_target: target.clone(),
            target,
            attempt: 0,
            redirect: false,
            step: Step::Idle,
            token: None,
            poll: 0,
            ticket: None,
            cancel_told: false,
        }
    }

    /// Whether a start goes through Facebook's dialog (then the shell opens the popup in the
    /// click) rather than a form in the widget.
    pub fn authorizes(&self) -> bool {
        self.kind.connection() == Connection::Facebook
    }

    pub fn step(&self) -> &Step {
        &self.step
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The form on show, being filled in or sent.
    pub fn form(&self) -> Option<&Form> {
        match &self.step {
            Step::Form(form) | Step::Sending { form } => Some(form),
            _ => None,
        }
    }

    /// The number waiting for its scan.
    pub fn scanning(&self) -> Option<&Scan> {
        match &self.step {
            Step::Scanning(scan) => Some(scan),
            _ => None,
        }
    }

    /// Whether the button of the idle widget reconnects (the element's own target: an attempt
    /// that ended left its target behind).
    pub fn reconnects(&self) -> bool {
        matches!(self.default_target, Target::Reconnect { .. })
    }

    /// Whether the current attempt goes through a redirect instead of a popup.
    pub fn is_redirect(&self) -> bool {
        self.redirect
    }

    /// Whether a click may start an authorization now. The shell asks before it opens a popup,
    /// so that it never opens one that the flow would not use.
    pub fn can_start(&self) -> bool {
        match &self.step {
            Step::Idle | Step::PopupBlocked | Step::Stopped(_) | Step::Done(_) => true,
            Step::Waiting { popup_closed } => *popup_closed,
            Step::Failed { retry, .. } => *retry == Retry::Authorize,
            Step::Picking(picker) => picker.is_empty(),
            Step::Opening
            | Step::Redirecting
            | Step::LoadingAccounts
            | Step::Connecting { .. }
            | Step::Form(_)
            | Step::Sending { .. }
            | Step::Scanning(_) => false,
        }
    }

    /// What the element does with a click the first module's button took before the element's
    /// module had loaded: the same start, when the flow can start as that click did (a redirect
    /// that resumed instead cannot), else nothing (and the popup it opened is closed).
    pub fn early_start(&self, click: EarlyClick) -> EarlyStart {
        match click {
            _ if !self.can_start() => EarlyStart::Discard,
            EarlyClick::Authorize(via) if self.authorizes() => EarlyStart::Authorize(via),
            EarlyClick::Form if !self.authorizes() => EarlyStart::Form,
            EarlyClick::Authorize(_) | EarlyClick::Form => EarlyStart::Discard,
        }
    }

    /// Whether Try again, now, starts a new authorization (then the shell opens the popup in
    /// the click) rather than repeating a call with the token it has, or going back to a form.
    pub fn try_again_authorizes(&self) -> bool {
        self.authorizes() && self.try_again_starts_over()
    }

    /// Whether Try again starts the attempt over (a new authorization, or the form again).
    fn try_again_starts_over(&self) -> bool {
        match &self.step {
            Step::Failed { retry, .. } => *retry == Retry::Authorize,
            Step::PopupBlocked | Step::Stopped(_) | Step::Waiting { popup_closed: true } => true,
            _ => false,
        }
    }

    /// Tells the host page that this attempt was cancelled, unless it was told already.
    fn cancelled(&mut self, reason: CancelReason) -> Vec<Effect> {
        if std::mem::replace(&mut self.cancel_told, true) {
            Vec::new()
        } else {
            vec![Effect::Emit(HostEvent::Cancelled { reason })]
        }
    }

    /// Whether the token is still needed: the shell wipes nothing itself, but tests check that
    /// the flow lets go of it once it is done.
    pub fn holds_token(&self) -> bool {
        self.token.is_some()
    }

    /// The call whose answer the flow waits for now, if any.
    fn pending_stage(&self) -> Option<Stage> {
        match &self.step {
            Step::Opening => Some(Stage::Authorize),
            Step::LoadingAccounts => Some(Stage::Accounts),
            Step::Picking(picker) if picker.loading_more => Some(Stage::Accounts),
            Step::Connecting { picker: Some(_) } => Some(Stage::Connect),
            Step::Connecting { picker: None } => Some(Stage::Reconnect),
            Step::Sending { .. } if self.kind == ChannelKind::Telegram => Some(Stage::BotToken),
            Step::Sending { .. } => Some(Stage::Connect),
            Step::Scanning(scan) if scan.polling => Some(Stage::Channel),
            _ => None,
        }
    }

    fn classify(&self, failure: ApiFailure) -> Option<FlowError> {
        Some(FlowError::from_failure(self.pending_stage()?, failure))
    }

    fn fail(&mut self, error: FlowError, retry: Retry) -> Vec<Effect> {
        if retry == Retry::Authorize {
            self.token = None;
        }
        self.step = Step::Failed {
            error: error.clone(),
            retry,
        };
        vec![Effect::Emit(HostEvent::Error(error))]
    }

    /// Applies an input; returns what the shell must do. Inputs that do not fit the current
    /// step (late answers, duplicate messages, clicks on a disabled button) change nothing.
    pub fn handle(&mut self, input: Input) -> Vec<Effect> {
        match input {
            Input::Start { via, target } => {
                if !self.can_start() {
                    return Vec::new();
                }
                let target = target.unwrap_or_else(|| self.default_target.clone());
                if target != self.target {
                    self.ticket = None;
                }
                match (self.authorizes(), via) {
                    (true, Some(via)) => self.authorize(via, target),
                    (true, None) => Vec::new(),
                    (false, _) => self.begin_form(target),
                }
            }
            Input::TryAgain { via } => self.try_again(via),
            Input::AuthorizeAnswered { attempt, result } => {
                if attempt != self.attempt || self.step != Step::Opening {
                    return Vec::new();
                }
                match result {
                    Ok(url) if self.redirect => {
                        self.step = Step::Redirecting;
                        vec![Effect::Redirect {
                            attempt,
                            url,
                            target: self.target.clone(),
                        }]
                    }
                    Ok(url) => {
                        self.step = Step::Waiting {
                            popup_closed: false,
                        };
                        vec![Effect::NavigatePopup { attempt, url }]
                    }
                    Err(failure) => {
                        let error = FlowError::from_failure(Stage::Authorize, failure);
                        let mut effects = vec![Effect::ClosePopup];
                        effects.extend(self.fail(error, Retry::Authorize));
                        effects
                    }
                }
            }
            Input::PopupClosed { attempt } => {
                if attempt != self.attempt {
                    return Vec::new();
                }
                match self.step {
                    // Told at once, so that a funnel sees the user leave when they leave. A
                    // popup that Facebook severed reads closed too while the user is still
                    // there, so the callback is still awaited: `authorized` and `connected`
                    // then follow this `cancelled`.
                    Step::Waiting {
                        popup_closed: false,
                    } => {
                        self.step = Step::Waiting { popup_closed: true };
                        self.cancelled(CancelReason::PopupClosed)
                    }
                    Step::Opening => {
                        // Closed before Facebook even loaded: nothing can arrive any more.
                        self.step = Step::Idle;
                        self.cancelled(CancelReason::PopupClosed)
                    }
                    _ => Vec::new(),
                }
            }
            Input::Callback(message) => {
                if !matches!(self.step, Step::Waiting { .. }) || message.channel != self.kind {
                    return Vec::new();
                }
                let mut effects = vec![Effect::Acknowledge, Effect::ClosePopup];
                effects.extend(self.take_callback(message));
                effects
            }
            Input::Resume(resume) => self.resume(resume),
            Input::CameBack => {
                if self.step != Step::Redirecting {
                    return Vec::new();
                }
                self.attempt += 1;
                self.fail(
                    FlowError::new(
                        ErrorCode::ResumeFailed,
                        None,
                        crate::redirect::Lost::NoCallback.as_str(),
                    ),
                    Retry::Authorize,
                )
            }
            Input::RedirectFailed { attempt, detail } => {
                if attempt != self.attempt || self.step != Step::Redirecting {
                    return Vec::new();
                }
                let error = FlowError::new(ErrorCode::ResumeFailed, None, detail);
                self.fail(error, Retry::Authorize)
            }
            Input::TimedOut { attempt } => {
                if attempt != self.attempt
                    || !matches!(self.step, Step::Waiting { .. } | Step::Opening)
                {
                    return Vec::new();
                }
                // A closed popup's attempt was told as cancelled already.
                self.step = Step::Stopped(CancelReason::Timeout);
                let mut effects = vec![Effect::ClosePopup];
                effects.extend(self.cancelled(CancelReason::Timeout));
                effects
            }
            Input::Cancel => {
                let closes_popup = match self.step {
                    Step::Opening | Step::Waiting { .. } | Step::PopupBlocked => true,
                    Step::Picking(_)
                    | Step::Stopped(_)
                    | Step::Failed { .. }
                    | Step::Form(_)
                    | Step::Scanning(_) => false,
                    _ => return Vec::new(),
                };
                let told = self.cancel_told;
                self.step = Step::Idle;
                self.token = None;
                // The attempt is over: the button is the element's own again.
                self.target = self.default_target.clone();
                self.ticket = None;
                // Answers of this attempt are stale from now on.
                self.attempt += 1;
                let mut effects = Vec::new();
                if closes_popup {
                    effects.push(Effect::ClosePopup);
                }
                if !told {
                    effects.push(Effect::Emit(HostEvent::Cancelled {
                        reason: CancelReason::User,
                    }));
                }
                self.cancel_told = false;
                effects
            }
            Input::AccountsAnswered { attempt, result } => {
                if attempt != self.attempt || self.pending_stage() != Some(Stage::Accounts) {
                    return Vec::new();
                }
                let result = result.map_err(|failure| self.classify(failure));
                match (&mut self.step, result) {
                    (Step::LoadingAccounts, Ok(page)) => {
                        let picker = Picker::first(page);
                        if picker.is_empty() {
                            // Nothing to pick: the token is of no further use.
                            self.token = None;
                        }
                        self.step = Step::Picking(picker);
                        Vec::new()
                    }
                    (Step::Picking(picker), Ok(page)) => {
                        picker.loading_more = false;
                        picker.more_error = None;
                        picker.append(page);
                        Vec::new()
                    }
                    (_, Err(Some(error))) if error.code == ErrorCode::TokenExpired => {
                        self.fail(error, Retry::Authorize)
                    }
                    (Step::Picking(picker), Err(Some(error))) => {
                        picker.loading_more = false;
                        picker.more_error = Some(error.clone());
                        vec![Effect::Emit(HostEvent::Error(error))]
                    }
                    (_, Err(Some(error))) => self.fail(error, Retry::Accounts),
                    _ => Vec::new(),
                }
            }
            Input::LoadMore => {
                let Step::Picking(picker) = &mut self.step else {
                    return Vec::new();
                };
                let (Some(offset), Some(token)) = (picker.next_offset.clone(), self.token.clone())
                else {
                    return Vec::new();
                };
                if picker.loading_more {
                    return Vec::new();
                }
                picker.loading_more = true;
                picker.more_error = None;
                vec![Effect::FetchAccounts {
                    attempt: self.attempt,
                    token,
                    offset: Some(offset),
                }]
            }
            Input::Filter(text) => {
                if let Step::Picking(picker) = &mut self.step {
                    picker.set_filter(&text);
                }
                Vec::new()
            }
            Input::Select(channel_id) => {
                if let Step::Picking(picker) = &mut self.step {
                    picker.select(channel_id);
                }
                Vec::new()
            }
            Input::Move { from, key } => {
                if let Step::Picking(picker) = &mut self.step {
                    if let Some(to) = picker.moved(&picker.matching(), from.as_ref(), key) {
                        picker.select(to);
                    }
                }
                Vec::new()
            }
            Input::Connect => {
                let Step::Picking(picker) = &self.step else {
                    return Vec::new();
                };
                let (Some(account), Some(token)) =
                    (picker.selected_account().cloned(), self.token.clone())
                else {
                    return Vec::new();
                };
                let mut picker = picker.clone();
                picker.connect_error = None;
                self.step = Step::Connecting {
                    picker: Some(picker),
                };
                vec![Effect::PostConnect {
                    attempt: self.attempt,
                    body: ConnectRequest::Account {
                        channel_id: account.channel_id,
                        token,
                    },
                }]
            }
            Input::ReconnectAccount(channel_id) => {
                let Step::Picking(picker) = &self.step else {
                    return Vec::new();
                };
                let Some(account) = picker
                    .accounts
                    .iter()
                    .find(|a| a.channel_id == channel_id)
                    .cloned()
                else {
                    return Vec::new();
                };
                let (Some(id), Some(token)) = (account.reconnect.clone(), self.token.clone())
                else {
                    return Vec::new();
                };
                let mut picker = picker.clone();
                picker.selected = Some(account.channel_id.clone());
                picker.connect_error = None;
                self.target = Target::Reconnect {
                    id: id.clone(),
                    name: Some(account.name),
                };
                self.step = Step::Connecting {
                    picker: Some(picker),
                };
                vec![Effect::PostReconnect {
                    attempt: self.attempt,
                    id,
                    body: ReconnectRequest::Authorization { token },
                }]
            }
            Input::Edit { field, value } => {
                if let Step::Form(form) = &mut self.step {
                    form.edit(field, &value);
                }
                Vec::new()
            }
            Input::Submit => self.submit(),
            Input::ChannelAnswered { attempt, result } => self.channel_answered(attempt, result),
            Input::PollDue { attempt, poll } => {
                if attempt != self.attempt || poll != self.poll {
                    return Vec::new();
                }
                self.poll_now()
            }
            Input::PageHidden(hidden) => {
                let Step::Scanning(scan) = &mut self.step else {
                    return Vec::new();
                };
                let shown_again = scan.hidden && !hidden;
                scan.hidden = hidden;
                if shown_again {
                    // Someone is looking again: show the current code at once.
                    self.poll_now()
                } else {
                    Vec::new()
                }
            }
            Input::ScanExpired { attempt } => {
                if attempt != self.attempt || !matches!(self.step, Step::Scanning(_)) {
                    return Vec::new();
                }
                self.step = Step::Stopped(CancelReason::Timeout);
                self.cancelled(CancelReason::Timeout)
            }
            Input::ConnectAnswered { attempt, result } => {
                if attempt != self.attempt {
                    return Vec::new();
                }
                match &self.step {
                    Step::Connecting { picker } => {
                        let picker = picker.clone();
                        self.facebook_answered(picker, result)
                    }
                    Step::Sending { form } => {
                        let form = form.clone();
                        self.form_answered(form, result)
                    }
                    _ => Vec::new(),
                }
            }
            Input::Reset => {
                if matches!(self.step, Step::Done(_)) {
                    self.step = Step::Idle;
                    self.target = self.default_target.clone();
                    self.ticket = None;
                }
                Vec::new()
            }
        }
    }

    /// A new authorization for `target`, shown `via` a popup or a redirect.
    fn authorize(&mut self, via: Via, target: Target) -> Vec<Effect> {
        let mut effects = Vec::new();
        self.attempt += 1;
        self.cancel_told = false;
        self.token = None;
        self.target = target;
        self.redirect = via == Via::Redirect;
        if via == (Via::Popup { opened: false }) {
            self.step = Step::PopupBlocked;
            effects.push(Effect::Emit(HostEvent::Error(FlowError::new(
                ErrorCode::PopupBlocked,
                None,
                "window.open returned no window: the browser blocked the popup",
            ))));
        } else {
            self.step = Step::Opening;
            effects.push(Effect::FetchAuthorize {
                attempt: self.attempt,
            });
        }
        effects
    }

    fn try_again(&mut self, via: Option<Via>) -> Vec<Effect> {
        if self.try_again_starts_over() {
            return match (self.authorizes(), via) {
                (true, Some(via)) => self.authorize(via, self.target.clone()),
                (true, None) => Vec::new(),
                (false, _) => self.begin_form(self.target.clone()),
            };
        }
        let Step::Failed { retry, .. } = &self.step else {
            return Vec::new();
        };
        let (Retry::Accounts | Retry::Reconnect) = retry else {
            return Vec::new();
        };
        match self.token.clone() {
            Some(token) => vec![self.after_authorization(token)],
            None => Vec::new(),
        }
    }

    fn resume(&mut self, resume: Resume) -> Vec<Effect> {
        // On the page the redirect came back to (Idle), or on the page itself when the browser
        // restores it from its back-forward cache (Redirecting).
        if !matches!(self.step, Step::Idle | Step::Redirecting) || !resume.claims() {
            return Vec::new();
        }
        self.attempt += 1;
        self.cancel_told = false;
        self.token = None;
        self.redirect = true;
        match resume {
            Resume::NotMine => Vec::new(),
            Resume::Continue { target, message } if message.channel == self.kind => {
                self.target = target;
                self.take_callback(message)
            }
            Resume::Continue { target, .. } => {
                self.target = target;
                self.fail(
                    FlowError::new(
                        ErrorCode::ResumeFailed,
                        None,
                        "the callback was for another channel kind",
                    ),
                    Retry::Authorize,
                )
            }
            Resume::Expired { target } => {
                self.target = target;
                self.step = Step::Stopped(CancelReason::Timeout);
                self.cancelled(CancelReason::Timeout)
            }
            Resume::Lost { target, why } => {
                self.target = target;
                self.fail(
                    FlowError::new(ErrorCode::ResumeFailed, None, why.as_str()),
                    Retry::Authorize,
                )
            }
        }
    }

    /// The callback's answer, from the popup or from a redirect that came back.
    fn take_callback(&mut self, message: CallbackMessage) -> Vec<Effect> {
        match message.outcome {
            CallbackOutcome::Declined(failure) if failure.is_denied() => {
                self.step = Step::Stopped(CancelReason::Denied);
                self.cancelled(CancelReason::Denied)
            }
            CallbackOutcome::Declined(failure) => {
                let detail = match &failure.description {
                    Some(d) => format!("{}: {d}", failure.error),
                    None => failure.error.clone(),
                };
                self.fail(
                    FlowError::new(ErrorCode::AuthorizationFailed, None, detail),
                    Retry::Authorize,
                )
            }
            CallbackOutcome::Authorized(token) => {
                self.token = Some(token.clone());
                vec![
                    Effect::Emit(HostEvent::Authorized { channel: self.kind }),
                    self.after_authorization(token),
                ]
            }
        }
    }

    /// With a token in hand: list the accounts, or reconnect straight away (the API needs
    /// nothing but the token and the channel's `_id`, so there is no picker).
    fn after_authorization(&mut self, token: Token) -> Effect {
        match &self.target {
            Target::Connect => {
                self.step = Step::LoadingAccounts;
                Effect::FetchAccounts {
                    attempt: self.attempt,
                    token,
                    offset: None,
                }
            }
            Target::Reconnect { id, .. } => {
                self.step = Step::Connecting { picker: None };
                Effect::PostReconnect {
                    attempt: self.attempt,
                    id: id.clone(),
                    body: ReconnectRequest::Authorization { token },
                }
            }
        }
    }

    /// The answer of a Facebook kind's connect or reconnect.
    fn facebook_answered(
        &mut self,
        picker: Option<Picker>,
        result: Result<Connected, ApiFailure>,
    ) -> Vec<Effect> {
        match result {
            Ok(answer) => {
                let mut connected = self.connected(picker.as_ref(), answer.channel);
                connected.receipt = answer.receipt;
                self.token = None;
                self.step = Step::Done(connected.clone());
                Self::announce(connected)
            }
            Err(failure) => {
                let Some(error) = self.classify(failure) else {
                    return Vec::new();
                };
                match (picker, error.code) {
                    (_, ErrorCode::TokenExpired) => self.fail(error, Retry::Authorize),
                    (Some(mut picker), _) => {
                        // Back to the picker (a reconnect from it included), for a connect.
                        self.target = self.default_target.clone();
                        picker.connect_error = Some(error.clone());
                        self.step = Step::Picking(picker);
                        vec![Effect::Emit(HostEvent::Error(error))]
                    }
                    (None, code)
                        if code.is_no_answer()
                            || code == ErrorCode::RateLimited
                            || code.is_session() =>
                    {
                        // The token still holds: Try again repeats the reconnect.
                        self.fail(error, Retry::Reconnect)
                    }
                    (None, _) => self.fail(error, Retry::Authorize),
                }
            }
        }
    }

    /// A form kind's attempt begins: its form, or, for a WhatsApp number to reconnect (or one
    /// created a moment ago), its QR code at once.
    fn begin_form(&mut self, target: Target) -> Vec<Effect> {
        self.attempt += 1;
        self.cancel_told = false;
        self.token = None;
        self.redirect = false;
        self.target = target;
        match (&self.target, self.kind) {
            (Target::Reconnect { id, name }, ChannelKind::Whatsapp) => {
                let mut scan = Scan::new(
                    id.clone(),
                    name.clone().unwrap_or_default(),
                    self.ticket.clone(),
                );
                // Only a number created in this widget has a ticket: its success is a connect.
                scan.creating = self.ticket.is_some();
                self.scan(scan)
            }
            _ => {
                self.step = Step::Form(Form::default());
                Vec::new()
            }
        }
    }

    /// Checks the form and sends it.
    fn submit(&mut self) -> Vec<Effect> {
        let Step::Form(form) = &mut self.step else {
            return Vec::new();
        };
        let effect = match (&self.target, self.kind) {
            (Target::Reconnect { id, .. }, ChannelKind::Telegram) => {
                form.reconnect_request().map(|body| Effect::PostReconnect {
                    attempt: self.attempt,
                    id: id.clone(),
                    body,
                })
            }
            _ => form
                .connect_request(self.kind)
                .map(|body| Effect::PostConnect {
                    attempt: self.attempt,
                    body,
                }),
        };
        match effect {
            Ok(effect) => {
                let mut form = form.clone();
                form.forget_secret();
                form.invalid.clear();
                form.error = None;
                self.step = Step::Sending { form };
                vec![effect]
            }
            Err(invalid) => {
                form.invalid = invalid;
                Vec::new()
            }
        }
    }

    /// The answer of a form kind's connect or reconnect.
    fn form_answered(
        &mut self,
        mut form: Form,
        result: Result<Connected, ApiFailure>,
    ) -> Vec<Effect> {
        match result {
            Ok(Connected {
                channel,
                ticket,
                receipt,
            }) => {
                let reconnected = matches!(self.target, Target::Reconnect { .. });
                match (self.kind, channel) {
                    (ChannelKind::Whatsapp, Some(channel)) if !reconnected => {
                        // The number exists: from now on this attempt is about that channel,
                        // and Try again shows its code again instead of making another.
                        let name = channel.name.clone();
                        self.target = Target::Reconnect {
                            id: channel.id.clone(),
                            name: Some(name.clone()),
                        };
                        self.ticket = ticket.clone();
                        let mut scan = Scan::new(channel.id, name, ticket);
                        scan.creating = true;
                        self.scan(scan)
                    }
                    (ChannelKind::Whatsapp, None) => self.fail(
                        FlowError::new(
                            ErrorCode::UnexpectedResponse,
                            None,
                            "the new WhatsApp number's answer held no channel",
                        ),
                        Retry::Authorize,
                    ),
                    (_, channel) => {
                        let mut connected = self.connected(None, channel);
                        connected.receipt = receipt;
                        let typed = form.value(Field::Name).trim();
                        if connected.name == self.kind.display_name() && !typed.is_empty() {
                            // An answer without the channel's name: the name the user gave.
                            connected.name = typed.to_owned();
                        }
                        self.step = Step::Done(connected.clone());
                        Self::announce(connected)
                    }
                }
            }
            Err(failure) => {
                let Some(error) = self.classify(failure) else {
                    return Vec::new();
                };
                form.error = Some(error.clone());
                self.step = Step::Form(form);
                vec![Effect::Emit(HostEvent::Error(error))]
            }
        }
    }

    /// Shows a number's QR code: asks for it now, and gives the scan its time limit.
    fn scan(&mut self, scan: Scan) -> Vec<Effect> {
        self.step = Step::Scanning(scan);
        let mut effects = self.poll_now();
        effects.push(Effect::StartScanTimer {
            attempt: self.attempt,
            after_ms: SCAN_TIMEOUT_MS,
        });
        effects
    }

    /// Asks for the channel now, unless a poll is in flight; any poll scheduled before is stale.
    fn poll_now(&mut self) -> Vec<Effect> {
        let Step::Scanning(scan) = &mut self.step else {
            return Vec::new();
        };
        if scan.polling {
            return Vec::new();
        }
        scan.polling = true;
        self.poll += 1;
        vec![Effect::FetchChannel {
            attempt: self.attempt,
            id: scan.id.clone(),
            ticket: scan.ticket.clone(),
        }]
    }

    /// What a poll of the number waiting for its scan answered.
    fn channel_answered(
        &mut self,
        attempt: u32,
        result: Result<ChannelStatus, ApiFailure>,
    ) -> Vec<Effect> {
        if attempt != self.attempt || self.pending_stage() != Some(Stage::Channel) {
            return Vec::new();
        }
        let result = result.map_err(|failure| self.classify(failure));
        let Step::Scanning(scan) = &mut self.step else {
            return Vec::new();
        };
        scan.polling = false;
        match result {
            Ok(ChannelStatus { channel, receipt }) if channel.is_connected => {
                let mut connected = self.connected(None, Some(channel));
                connected.receipt = receipt;
                if let Step::Scanning(scan) = &self.step {
                    connected.reconnected = !scan.creating;
                    if connected.name.is_empty() {
                        connected.name = scan.name.clone();
                    }
                }
                self.step = Step::Done(connected.clone());
                Self::announce(connected)
            }
            Ok(ChannelStatus { channel, .. }) => {
                scan.failed_polls = 0;
                scan.trouble = None;
                if channel.qrcode.is_some() {
                    scan.qrcode = channel.qrcode;
                }
                self.schedule_poll()
            }
            Err(Some(error)) => {
                let passing = error.code.is_no_answer()
                    || error.code == ErrorCode::UnexpectedResponse
                    || error.status.is_some_and(|s| s == 429 || s >= 500);
                scan.failed_polls += 1;
                if passing && scan.failed_polls < MAX_FAILED_POLLS {
                    scan.trouble = Some(error);
                    self.schedule_poll()
                } else {
                    self.fail(error, Retry::Authorize)
                }
            }
            Err(None) => Vec::new(),
        }
    }

    fn schedule_poll(&mut self) -> Vec<Effect> {
        let Step::Scanning(scan) = &self.step else {
            return Vec::new();
        };
        let after_ms = scan.interval();
        self.poll += 1;
        vec![Effect::SchedulePoll {
            attempt: self.attempt,
            poll: self.poll,
            after_ms,
        }]
    }

    /// What the host page hears about a success: the account the user picked (a connect, or a
    /// reconnect from the picker), or the channel the answer held, completed by what the flow
    /// knew of the target.
    /// What a connection done leaves to do: keep its receipt, tell the host page.
    fn announce(connected: ConnectedChannel) -> Vec<Effect> {
        let keep = connected.receipt.clone().map(Effect::KeepReceipt);
        keep.into_iter()
            .chain([Effect::Emit(HostEvent::Connected(connected))])
            .collect()
    }

    fn connected(&self, picker: Option<&Picker>, channel: Option<Channel>) -> ConnectedChannel {
        let account = picker.and_then(Picker::selected_account);
        let (target_id, target_name) = match &self.target {
            Target::Reconnect { id, name } => (Some(id.as_str().to_owned()), name.clone()),
            Target::Connect => (None, None),
        };
        let channel = channel.as_ref();
        let name = account
            .map(|a| a.name.clone())
            .or_else(|| channel.map(|c| c.name.clone()).filter(|n| !n.is_empty()))
            .or(target_name)
            .unwrap_or_else(|| self.kind.display_name().to_owned());
        ConnectedChannel {
            channel: self.kind,
            channel_id: account
                .map(|a| a.channel_id.as_str().to_owned())
                .or_else(|| channel.and_then(|c| c.channel_id.clone()))
                .unwrap_or_default(),
            name,
            picture: account
                .and_then(|a| a.picture.clone())
                .or_else(|| channel.and_then(|c| c.picture.clone())),
            id: channel.map(|c| c.id.as_str().to_owned()).or(target_id),
            reconnected: matches!(self.target, Target::Reconnect { .. }),
            receipt: None,
        }
    }
}
