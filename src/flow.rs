//! The connect and reconnect flow as a pure state machine.
//!
//! [`Flow::handle`] takes an [`Input`] (a click, an HTTP answer, a callback message, a timer) and
//! returns the [`Effect`]s the browser shell must carry out (fetch this, point the popup there,
//! tell the host page that). It never touches the DOM or the network, so every transition,
//! including late, duplicate and out-of-order inputs, is tested natively.
//!
//! Every asynchronous answer carries the attempt it belongs to; an answer from an earlier attempt
//! is ignored. Callback messages are accepted only while waiting for Facebook, only for this
//! flow's channel kind, and only the first one counts.

use socialchat_api::{
    Account, AccountPage, ApiError, CallbackMessage, CallbackOutcome, ChannelId, ChannelKind,
    ChannelRecordId, NextOffset, ParseError, Token,
};

use crate::i18n::Text;
use crate::redirect::Resume;

/// How long the widget waits for the callback before giving up.
pub const AUTHORIZATION_TIMEOUT_MS: u32 = 10 * 60 * 1000;

/// What the flow ends in: a new channel, or a reconnected one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Connect,
    Reconnect {
        id: ChannelRecordId,
        /// The channel's name when known (from the channel list), for the success message.
        name: Option<String>,
    },
}

/// Which call failed, for the error code and the user's sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Authorize,
    Accounts,
    Connect,
    Reconnect,
    Channels,
}

/// How a call to the proxy failed, as the HTTP client saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiFailure {
    /// No answer at all: offline, DNS, CORS, aborted.
    Network(String),
    /// A non-2xx answer.
    Http(ApiError),
    /// A 2xx answer of the wrong shape.
    Unexpected(ParseError),
}

/// The stable error codes of the `socialchat:error` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    PopupBlocked,
    Network,
    AuthorizeFailed,
    AuthorizationFailed,
    AccountsFailed,
    TokenExpired,
    AlreadyConnected,
    ConnectFailed,
    ReconnectFailed,
    ChannelsFailed,
    UnexpectedResponse,
    /// A redirect came back and could not continue (no callback, storage cleared, no element).
    ResumeFailed,
    InvalidConfig,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::PopupBlocked => "popup-blocked",
            ErrorCode::Network => "network",
            ErrorCode::AuthorizeFailed => "authorize-failed",
            ErrorCode::AuthorizationFailed => "authorization-failed",
            ErrorCode::AccountsFailed => "accounts-failed",
            ErrorCode::TokenExpired => "token-expired",
            ErrorCode::AlreadyConnected => "already-connected",
            ErrorCode::ConnectFailed => "connect-failed",
            ErrorCode::ReconnectFailed => "reconnect-failed",
            ErrorCode::ChannelsFailed => "channels-failed",
            ErrorCode::UnexpectedResponse => "unexpected-response",
            ErrorCode::ResumeFailed => "resume-failed",
            ErrorCode::InvalidConfig => "invalid-config",
        }
    }

    /// The sentence the user sees.
    pub fn text(self) -> Text {
        match self {
            ErrorCode::PopupBlocked => Text::ErrorPopupBlocked,
            ErrorCode::Network => Text::ErrorNetwork,
            ErrorCode::AuthorizeFailed => Text::ErrorAuthorize,
            ErrorCode::AuthorizationFailed => Text::ErrorAuthorization,
            ErrorCode::AccountsFailed => Text::ErrorAccounts,
            ErrorCode::TokenExpired => Text::ErrorTokenExpired,
            ErrorCode::AlreadyConnected => Text::ErrorAlreadyConnected,
            ErrorCode::ConnectFailed => Text::ErrorConnect,
            ErrorCode::ReconnectFailed => Text::ErrorReconnect,
            ErrorCode::ChannelsFailed => Text::ErrorChannels,
            ErrorCode::UnexpectedResponse => Text::ErrorUnexpected,
            ErrorCode::ResumeFailed => Text::ErrorResume,
            ErrorCode::InvalidConfig => Text::ConfigErrorTitle,
        }
    }
}

/// An error the user sees and the host page hears about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowError {
    pub code: ErrorCode,
    pub status: Option<u16>,
    /// The technical detail (upstream message, parse problem) for the event and the console.
    pub detail: String,
}

impl FlowError {
    pub fn new(code: ErrorCode, status: Option<u16>, detail: impl Into<String>) -> Self {
        FlowError {
            code,
            status,
            detail: detail.into(),
        }
    }

    /// Classifies a failed call: no answer is a network error, 401 on a call that carries the
    /// token means the token expired, 409 on connect means the account is already connected.
    pub fn from_failure(stage: Stage, failure: ApiFailure) -> FlowError {
        let stage_code = match stage {
            Stage::Authorize => ErrorCode::AuthorizeFailed,
            Stage::Accounts => ErrorCode::AccountsFailed,
            Stage::Connect => ErrorCode::ConnectFailed,
            Stage::Reconnect => ErrorCode::ReconnectFailed,
            Stage::Channels => ErrorCode::ChannelsFailed,
        };
        let carries_token = matches!(stage, Stage::Accounts | Stage::Connect | Stage::Reconnect);
        match failure {
            ApiFailure::Network(detail) => FlowError::new(ErrorCode::Network, None, detail),
            ApiFailure::Unexpected(e) => {
                FlowError::new(ErrorCode::UnexpectedResponse, None, e.to_string())
            }
            ApiFailure::Http(e) => {
                let code = if e.is_unauthorized() && carries_token {
                    ErrorCode::TokenExpired
                } else if e.status == 409 && matches!(stage, Stage::Connect) {
                    ErrorCode::AlreadyConnected
                } else {
                    stage_code
                };
                FlowError::new(code, Some(e.status), e.detail())
            }
        }
    }
}

/// Why a flow stopped without an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelReason {
    PopupClosed,
    Denied,
    Timeout,
    User,
}

impl CancelReason {
    pub fn as_str(self) -> &'static str {
        match self {
            CancelReason::PopupClosed => "popup-closed",
            CancelReason::Denied => "denied",
            CancelReason::Timeout => "timeout",
            CancelReason::User => "user",
        }
    }
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
}

/// What the search box text is compared with: trimmed and lower-cased, once per keystroke.
pub fn search_needle(filter: &str) -> String {
    filter.trim().to_lowercase()
}

/// Whether an account whose lower-cased name is `name_lower` matches the search `needle`.
/// The picker's rows and [`Picker::visible`] share this one rule.
pub fn name_matches(name_lower: &str, needle: &str) -> bool {
    needle.is_empty() || name_lower.contains(needle)
}

/// The account picker: what is loaded, what is chosen, what is being typed in the search box.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Picker {
    pub accounts: Vec<Account>,
    pub next_offset: Option<NextOffset>,
    pub loading_more: bool,
    /// A Load more that failed, shown beside the button.
    pub more_error: Option<FlowError>,
    pub selected: Option<ChannelId>,
    pub filter: String,
    /// A connect that failed, shown above the Connect button.
    pub connect_error: Option<FlowError>,
}

impl Picker {
    /// The loaded accounts that match the search box, in order.
    pub fn visible(&self) -> impl Iterator<Item = &Account> {
        let needle = search_needle(&self.filter);
        self.accounts
            .iter()
            .filter(move |a| name_matches(&a.name.to_lowercase(), &needle))
    }

    /// How many loaded accounts the search shows.
    pub fn visible_count(&self) -> usize {
        self.visible().count()
    }

    pub fn selected_account(&self) -> Option<&Account> {
        let selected = self.selected.as_ref()?;
        self.accounts.iter().find(|a| &a.channel_id == selected)
    }

    pub fn has_more(&self) -> bool {
        self.next_offset.is_some()
    }

    fn append(&mut self, page: AccountPage) {
        for account in page.accounts {
            // A page that repeats an account (an offset that overlaps) must not list it twice.
            if !self
                .accounts
                .iter()
                .any(|a| a.channel_id == account.channel_id)
            {
                self.accounts.push(account);
            }
        }
        self.next_offset = page.next_offset;
    }
}

/// How the Facebook dialog is shown for one attempt (the `mode` attribute decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// In a popup; `opened`: whether `window.open` gave a window.
    Popup { opened: bool },
    /// The whole page goes to Facebook and comes back (redirect mode).
    Redirect,
}

/// Where the flow is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The Connect (or Reconnect) button.
    Idle,
    /// The popup is open; the authorization URL is on its way.
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
    /// Connect or reconnect in flight. The picker is kept to return to on failure.
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
}

/// What the host page is told, as DOM events on the element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostEvent {
    Authorized { channel: ChannelKind },
    Connected(ConnectedChannel),
    Cancelled { reason: CancelReason },
    Error(FlowError),
}

/// What happens to the flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A click that may start an authorization. For a popup the shell has already called
    /// `window.open` (synchronously, in the click) and says whether it got a window. `target`
    /// overrides the element's own (a Reconnect in the channel list).
    Start {
        via: Via,
        target: Option<Target>,
    },
    /// Redirect mode: what the element found in storage when it appeared (see
    /// [`crate::redirect::decide`]).
    Resume(Resume),
    /// Redirect mode: the attempt could not be saved before leaving.
    RedirectFailed {
        attempt: u32,
        error: FlowError,
    },
    AuthorizeAnswered {
        attempt: u32,
        result: Result<String, FlowError>,
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
        result: Result<AccountPage, FlowError>,
    },
    LoadMore,
    Filter(String),
    Select(ChannelId),
    Connect,
    ConnectAnswered {
        attempt: u32,
        result: Result<ConnectedChannel, FlowError>,
    },
    /// Try again, for failures that need no new authorization.
    Retry,
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
        channel_id: ChannelId,
        token: Token,
    },
    PostReconnect {
        attempt: u32,
        id: ChannelRecordId,
        token: Token,
    },
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
        }
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
            Step::Picking(picker) => picker.accounts.is_empty() && !picker.has_more(),
            Step::Opening | Step::Redirecting | Step::LoadingAccounts | Step::Connecting { .. } => {
                false
            }
        }
    }

    /// Whether the token is still needed: the shell wipes nothing itself, but tests check that
    /// the flow lets go of it once it is done.
    pub fn holds_token(&self) -> bool {
        self.token.is_some()
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
                let mut effects = Vec::new();
                if matches!(self.step, Step::Waiting { popup_closed: true }) {
                    effects.push(Effect::Emit(HostEvent::Cancelled {
                        reason: CancelReason::PopupClosed,
                    }));
                }
                self.attempt += 1;
                self.token = None;
                self.target = target.unwrap_or_else(|| self.default_target.clone());
                self.redirect = via == Via::Redirect;
                if via != (Via::Popup { opened: false }) {
                    self.step = Step::Opening;
                    effects.push(Effect::FetchAuthorize {
                        attempt: self.attempt,
                    });
                } else {
                    self.step = Step::PopupBlocked;
                    effects.push(Effect::Emit(HostEvent::Error(FlowError::new(
                        ErrorCode::PopupBlocked,
                        None,
                        "window.open returned no window: the browser blocked the popup",
                    ))));
                }
                effects
            }
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
                    Err(error) => {
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
                    Step::Waiting { .. } => {
                        self.step = Step::Waiting { popup_closed: true };
                    }
                    Step::Opening => {
                        // Closed before Facebook even loaded: nothing can arrive any more.
                        self.step = Step::Idle;
                        return vec![Effect::Emit(HostEvent::Cancelled {
                            reason: CancelReason::PopupClosed,
                        })];
                    }
                    _ => {}
                }
                Vec::new()
            }
            Input::Callback(message) => {
                if !matches!(self.step, Step::Waiting { .. }) || message.channel != self.kind {
                    return Vec::new();
                }
                let mut effects = vec![Effect::Acknowledge, Effect::ClosePopup];
                effects.extend(self.take_callback(message));
                effects
            }
            Input::Resume(resume) => {
                // On the page the redirect came back to (Idle), or on the page itself when the
                // browser restores it from its back-forward cache (Redirecting).
                if !matches!(self.step, Step::Idle | Step::Redirecting) || !resume.claims() {
                    return Vec::new();
                }
                self.attempt += 1;
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
                        vec![Effect::Emit(HostEvent::Cancelled {
                            reason: CancelReason::Timeout,
                        })]
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
            Input::RedirectFailed { attempt, error } => {
                if attempt != self.attempt || self.step != Step::Redirecting {
                    return Vec::new();
                }
                self.fail(error, Retry::Authorize)
            }
            Input::TimedOut { attempt } => {
                if attempt != self.attempt
                    || !matches!(self.step, Step::Waiting { .. } | Step::Opening)
                {
                    return Vec::new();
                }
                self.step = Step::Stopped(CancelReason::Timeout);
                vec![
                    Effect::ClosePopup,
                    Effect::Emit(HostEvent::Cancelled {
                        reason: CancelReason::Timeout,
                    }),
                ]
            }
            Input::Cancel => match self.step {
                Step::Opening | Step::Waiting { .. } | Step::PopupBlocked => {
                    self.step = Step::Idle;
                    self.token = None;
                    // Answers of this attempt are stale from now on.
                    self.attempt += 1;
                    vec![
                        Effect::ClosePopup,
                        Effect::Emit(HostEvent::Cancelled {
                            reason: CancelReason::User,
                        }),
                    ]
                }
                Step::Picking(_) | Step::Stopped(_) | Step::Failed { .. } => {
                    self.step = Step::Idle;
                    self.token = None;
                    self.attempt += 1;
                    vec![Effect::Emit(HostEvent::Cancelled {
                        reason: CancelReason::User,
                    })]
                }
                _ => Vec::new(),
            },
            Input::AccountsAnswered { attempt, result } => {
                if attempt != self.attempt {
                    return Vec::new();
                }
                match (&mut self.step, result) {
                    (Step::LoadingAccounts, Ok(page)) => {
                        let mut picker = Picker::default();
                        picker.append(page);
                        if picker.accounts.len() == 1 {
                            picker.selected = Some(picker.accounts[0].channel_id.clone());
                        }
                        if picker.accounts.is_empty() && !picker.has_more() {
                            // Nothing to pick: the token is of no further use.
                            self.token = None;
                        }
                        self.step = Step::Picking(picker);
                        Vec::new()
                    }
                    (Step::LoadingAccounts, Err(error)) => {
                        let retry = if error.code == ErrorCode::TokenExpired {
                            Retry::Authorize
                        } else {
                            Retry::Accounts
                        };
                        self.fail(error, retry)
                    }
                    (Step::Picking(picker), Ok(page)) if picker.loading_more => {
                        picker.loading_more = false;
                        picker.more_error = None;
                        picker.append(page);
                        Vec::new()
                    }
                    (Step::Picking(picker), Err(error)) if picker.loading_more => {
                        if error.code == ErrorCode::TokenExpired {
                            return self.fail(error, Retry::Authorize);
                        }
                        picker.loading_more = false;
                        picker.more_error = Some(error.clone());
                        vec![Effect::Emit(HostEvent::Error(error))]
                    }
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
                    picker.filter = text.chars().take(100).collect();
                }
                Vec::new()
            }
            Input::Select(channel_id) => {
                if let Step::Picking(picker) = &mut self.step {
                    if picker.accounts.iter().any(|a| a.channel_id == channel_id) {
                        picker.selected = Some(channel_id);
                        picker.connect_error = None;
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
                    channel_id: account.channel_id,
                    token,
                }]
            }
            Input::ConnectAnswered { attempt, result } => {
                if attempt != self.attempt {
                    return Vec::new();
                }
                let Step::Connecting { picker } = &self.step else {
                    return Vec::new();
                };
                let picker = picker.clone();
                match result {
                    Ok(channel) => {
                        self.token = None;
                        self.step = Step::Done(channel.clone());
                        vec![Effect::Emit(HostEvent::Connected(channel))]
                    }
                    Err(error) => match (picker, error.code) {
                        (_, ErrorCode::TokenExpired) => self.fail(error, Retry::Authorize),
                        (Some(mut picker), _) => {
                            picker.connect_error = Some(error.clone());
                            self.step = Step::Picking(picker);
                            vec![Effect::Emit(HostEvent::Error(error))]
                        }
                        (None, ErrorCode::Network) => self.fail(error, Retry::Reconnect),
                        (None, _) => self.fail(error, Retry::Authorize),
                    },
                }
            }
            Input::Retry => {
                let Step::Failed { retry, .. } = &self.step else {
                    return Vec::new();
                };
                let Some(token) = self.token.clone() else {
                    return Vec::new();
                };
                match retry {
                    Retry::Accounts | Retry::Reconnect => vec![self.after_authorization(token)],
                    Retry::Authorize => Vec::new(),
                }
            }
            Input::Reset => {
                if matches!(self.step, Step::Done(_)) {
                    self.step = Step::Idle;
                    self.target = self.default_target.clone();
                }
                Vec::new()
            }
        }
    }

    /// The callback's answer, from the popup or from a redirect that came back.
    fn take_callback(&mut self, message: CallbackMessage) -> Vec<Effect> {
        match message.outcome {
            CallbackOutcome::Declined(failure) if failure.is_denied() => {
                self.step = Step::Stopped(CancelReason::Denied);
                vec![Effect::Emit(HostEvent::Cancelled {
                    reason: CancelReason::Denied,
                })]
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
                    token,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use socialchat_api::callback::{CallbackFailure, CallbackOutcome};

    const IG: ChannelKind = ChannelKind::Instagram;

    fn token(s: &str) -> Token {
        Token::new(s).unwrap()
    }

    fn account(n: u32) -> Account {
        Account {
            name: format!("Akun {n}"),
            channel_id: ChannelId::new(format!("1784{n}")).unwrap(),
            picture: None,
        }
    }

    fn page(range: std::ops::Range<u32>, next: Option<&str>) -> AccountPage {
        AccountPage {
            accounts: range.map(account).collect(),
            next_offset: next.map(|n| NextOffset::new(n).unwrap()),
        }
    }

    fn authorized(kind: ChannelKind, t: &str) -> Input {
        Input::Callback(CallbackMessage {
            channel: kind,
            outcome: CallbackOutcome::Authorized(token(t)),
        })
    }

    fn declined(error: &str, reason: Option<&str>) -> Input {
        Input::Callback(CallbackMessage {
            channel: IG,
            outcome: CallbackOutcome::Declined(CallbackFailure {
                error: error.into(),
                reason: reason.map(Into::into),
                description: None,
            }),
        })
    }

    fn http(status: u16) -> ApiFailure {
        ApiFailure::Http(ApiError {
            status,
            message: Some("pesan".into()),
            original_message: None,
        })
    }

    fn start() -> Input {
        Input::Start {
            via: Via::Popup { opened: true },
            target: None,
        }
    }

    /// A connect flow brought to the Waiting step.
    fn waiting() -> Flow {
        let mut flow = Flow::new(IG, None);
        assert_eq!(
            flow.handle(start()),
            vec![Effect::FetchAuthorize { attempt: 1 }]
        );
        let effects = flow.handle(Input::AuthorizeAnswered {
            attempt: 1,
            result: Ok("https://fb.test/dialog".into()),
        });
        assert_eq!(
            effects,
            vec![Effect::NavigatePopup {
                attempt: 1,
                url: "https://fb.test/dialog".into()
            }]
        );
        flow
    }

    /// A connect flow brought to the picker with accounts 1..=10 and a next page.
    fn picking() -> Flow {
        let mut flow = waiting();
        flow.handle(authorized(IG, "tok"));
        flow.handle(Input::AccountsAnswered {
            attempt: 1,
            result: Ok(page(1..11, Some("n1"))),
        });
        flow
    }

    fn picker(flow: &Flow) -> &Picker {
        match flow.step() {
            Step::Picking(p) => p,
            other => panic!("not picking: {other:?}"),
        }
    }

    #[test]
    fn the_happy_path_from_click_to_connected() {
        let mut flow = waiting();
        assert_eq!(
            flow.step(),
            &Step::Waiting {
                popup_closed: false
            }
        );
        let effects = flow.handle(authorized(IG, "tok"));
        assert_eq!(
            effects,
            vec![
                Effect::Acknowledge,
                Effect::ClosePopup,
                Effect::Emit(HostEvent::Authorized { channel: IG }),
                Effect::FetchAccounts {
                    attempt: 1,
                    token: token("tok"),
                    offset: None
                },
            ]
        );
        assert_eq!(flow.step(), &Step::LoadingAccounts);
        flow.handle(Input::AccountsAnswered {
            attempt: 1,
            result: Ok(page(1..4, None)),
        });
        assert_eq!(picker(&flow).accounts.len(), 3);
        flow.handle(Input::Select(account(2).channel_id));
        let effects = flow.handle(Input::Connect);
        assert_eq!(
            effects,
            vec![Effect::PostConnect {
                attempt: 1,
                channel_id: account(2).channel_id,
                token: token("tok")
            }]
        );
        let connected = ConnectedChannel {
            channel: IG,
            channel_id: "17842".into(),
            name: "Akun 2".into(),
            picture: None,
            id: Some("66aa".into()),
            reconnected: false,
        };
        let effects = flow.handle(Input::ConnectAnswered {
            attempt: 1,
            result: Ok(connected.clone()),
        });
        assert_eq!(
            effects,
            vec![Effect::Emit(HostEvent::Connected(connected.clone()))]
        );
        assert_eq!(flow.step(), &Step::Done(connected));
        assert!(!flow.holds_token(), "the token is dropped once connected");
        flow.handle(Input::Reset);
        assert_eq!(flow.step(), &Step::Idle);
    }

    #[test]
    fn a_blocked_popup_says_so_and_a_new_click_retries() {
        let mut flow = Flow::new(IG, None);
        let effects = flow.handle(Input::Start {
            via: Via::Popup { opened: false },
            target: None,
        });
        assert_eq!(flow.step(), &Step::PopupBlocked);
        assert!(
            matches!(&effects[..], [Effect::Emit(HostEvent::Error(e))] if e.code == ErrorCode::PopupBlocked)
        );
        assert!(flow.can_start());
        assert_eq!(
            flow.handle(start()),
            vec![Effect::FetchAuthorize { attempt: 2 }]
        );
    }

    #[test]
    fn a_failed_authorize_closes_the_popup_and_offers_a_new_attempt() {
        let mut flow = Flow::new(IG, None);
        flow.handle(start());
        let error =
            FlowError::from_failure(Stage::Authorize, ApiFailure::Network("offline".into()));
        let effects = flow.handle(Input::AuthorizeAnswered {
            attempt: 1,
            result: Err(error.clone()),
        });
        assert_eq!(
            effects,
            vec![
                Effect::ClosePopup,
                Effect::Emit(HostEvent::Error(error.clone()))
            ]
        );
        assert_eq!(
            flow.step(),
            &Step::Failed {
                error,
                retry: Retry::Authorize
            }
        );
        assert!(flow.can_start());
    }

    #[test]
    fn callbacks_are_ignored_unless_waiting() {
        let mut idle = Flow::new(IG, None);
        assert!(idle.handle(authorized(IG, "early")).is_empty());
        assert_eq!(idle.step(), &Step::Idle);
        let mut opening = Flow::new(IG, None);
        opening.handle(start());
        assert!(opening.handle(authorized(IG, "early")).is_empty());
        assert_eq!(opening.step(), &Step::Opening);
    }

    #[test]
    fn a_duplicate_callback_is_acted_on_once() {
        let mut flow = waiting();
        let first = flow.handle(authorized(IG, "tok"));
        assert_eq!(first.len(), 4);
        assert!(
            flow.handle(authorized(IG, "tok")).is_empty(),
            "second delivery ignored"
        );
        assert!(
            flow.handle(authorized(IG, "other")).is_empty(),
            "a late different token ignored"
        );
    }

    #[test]
    fn a_callback_for_another_channel_kind_is_ignored() {
        let mut flow = waiting();
        assert!(flow
            .handle(authorized(ChannelKind::Messenger, "tok"))
            .is_empty());
        assert_eq!(
            flow.step(),
            &Step::Waiting {
                popup_closed: false
            }
        );
    }

    #[test]
    fn a_closed_popup_still_completes_when_the_callback_arrives() {
        let mut flow = waiting();
        assert!(flow.handle(Input::PopupClosed { attempt: 1 }).is_empty());
        assert_eq!(flow.step(), &Step::Waiting { popup_closed: true });
        assert!(flow.can_start(), "Try again is offered");
        let effects = flow.handle(authorized(IG, "tok"));
        assert!(effects.contains(&Effect::Emit(HostEvent::Authorized { channel: IG })));
        assert_eq!(flow.step(), &Step::LoadingAccounts);
    }

    #[test]
    fn trying_again_after_a_closed_popup_cancels_the_old_attempt() {
        let mut flow = waiting();
        flow.handle(Input::PopupClosed { attempt: 1 });
        let effects = flow.handle(start());
        assert_eq!(
            effects,
            vec![
                Effect::Emit(HostEvent::Cancelled {
                    reason: CancelReason::PopupClosed
                }),
                Effect::FetchAuthorize { attempt: 2 },
            ]
        );
        // The first attempt's late authorize answer is ignored.
        assert!(flow
            .handle(Input::AuthorizeAnswered {
                attempt: 1,
                result: Ok("https://old".into())
            })
            .is_empty());
    }

    #[test]
    fn a_popup_closed_before_facebook_loaded_cancels() {
        let mut flow = Flow::new(IG, None);
        flow.handle(start());
        let effects = flow.handle(Input::PopupClosed { attempt: 1 });
        assert_eq!(
            effects,
            vec![Effect::Emit(HostEvent::Cancelled {
                reason: CancelReason::PopupClosed
            })]
        );
        assert_eq!(flow.step(), &Step::Idle);
    }

    #[test]
    fn denial_is_a_cancellation_and_a_tokenless_callback_an_error() {
        let mut flow = waiting();
        let effects = flow.handle(declined("access_denied", Some("user_denied")));
        assert!(effects.contains(&Effect::Emit(HostEvent::Cancelled {
            reason: CancelReason::Denied
        })));
        assert_eq!(flow.step(), &Step::Stopped(CancelReason::Denied));
        assert!(flow.can_start());

        let mut flow = waiting();
        flow.handle(declined("missing_token", None));
        assert!(matches!(
            flow.step(),
            Step::Failed { error, retry: Retry::Authorize } if error.code == ErrorCode::AuthorizationFailed
        ));
    }

    #[test]
    fn timing_out_stops_the_attempt_and_a_late_timer_is_ignored() {
        let mut flow = waiting();
        assert!(flow.handle(Input::TimedOut { attempt: 0 }).is_empty());
        let effects = flow.handle(Input::TimedOut { attempt: 1 });
        assert_eq!(
            effects,
            vec![
                Effect::ClosePopup,
                Effect::Emit(HostEvent::Cancelled {
                    reason: CancelReason::Timeout
                })
            ]
        );
        assert_eq!(flow.step(), &Step::Stopped(CancelReason::Timeout));
        assert!(
            flow.handle(authorized(IG, "late")).is_empty(),
            "too late now"
        );
    }

    #[test]
    fn cancel_while_waiting_closes_the_popup_and_makes_answers_stale() {
        let mut flow = Flow::new(IG, None);
        flow.handle(start());
        let effects = flow.handle(Input::Cancel);
        assert_eq!(
            effects,
            vec![
                Effect::ClosePopup,
                Effect::Emit(HostEvent::Cancelled {
                    reason: CancelReason::User
                })
            ]
        );
        assert!(flow
            .handle(Input::AuthorizeAnswered {
                attempt: 1,
                result: Ok("https://x".into())
            })
            .is_empty());
        assert_eq!(flow.step(), &Step::Idle);
    }

    #[test]
    fn load_more_appends_the_next_page_once_at_a_time() {
        let mut flow = picking();
        assert_eq!(picker(&flow).accounts.len(), 10);
        let effects = flow.handle(Input::LoadMore);
        assert_eq!(
            effects,
            vec![Effect::FetchAccounts {
                attempt: 1,
                token: token("tok"),
                offset: Some(NextOffset::new("n1").unwrap())
            }]
        );
        assert!(
            flow.handle(Input::LoadMore).is_empty(),
            "no second request while one is in flight"
        );
        flow.handle(Input::AccountsAnswered {
            attempt: 1,
            result: Ok(page(11..21, Some("n2"))),
        });
        assert_eq!(picker(&flow).accounts.len(), 20);
        flow.handle(Input::LoadMore);
        flow.handle(Input::AccountsAnswered {
            attempt: 1,
            result: Ok(page(20..24, None)),
        });
        let p = picker(&flow);
        assert_eq!(
            p.accounts.len(),
            23,
            "an overlapping account is not listed twice"
        );
        assert!(!p.has_more());
        assert!(flow.handle(Input::LoadMore).is_empty());
    }

    #[test]
    fn a_failed_load_more_keeps_the_list_and_can_be_retried() {
        let mut flow = picking();
        flow.handle(Input::LoadMore);
        let error = FlowError::from_failure(Stage::Accounts, http(500));
        let effects = flow.handle(Input::AccountsAnswered {
            attempt: 1,
            result: Err(error.clone()),
        });
        assert_eq!(effects, vec![Effect::Emit(HostEvent::Error(error.clone()))]);
        let p = picker(&flow);
        assert_eq!((p.accounts.len(), p.more_error.clone()), (10, Some(error)));
        assert_eq!(
            flow.handle(Input::LoadMore).len(),
            1,
            "Load more works again"
        );
    }

    #[test]
    fn search_filters_the_loaded_accounts_case_insensitively() {
        let mut flow = picking();
        flow.handle(Input::Filter("AKUN 1".into()));
        let names: Vec<_> = picker(&flow).visible().map(|a| a.name.clone()).collect();
        assert_eq!(names, ["Akun 1", "Akun 10"]);
        flow.handle(Input::Filter("  ".into()));
        assert_eq!(picker(&flow).visible_count(), 10);
        flow.handle(Input::Filter("zzz".into()));
        assert_eq!(picker(&flow).visible_count(), 0);
    }

    #[test]
    fn connect_needs_a_selection_and_fires_once() {
        let mut flow = picking();
        assert!(flow.handle(Input::Connect).is_empty(), "nothing chosen yet");
        flow.handle(Input::Select(ChannelId::new("999").unwrap()));
        assert_eq!(
            picker(&flow).selected,
            None,
            "an unknown id is not selectable"
        );
        flow.handle(Input::Select(account(3).channel_id));
        assert_eq!(flow.handle(Input::Connect).len(), 1);
        assert!(
            flow.handle(Input::Connect).is_empty(),
            "a double click connects once"
        );
        assert!(matches!(flow.step(), Step::Connecting { .. }));
    }

    #[test]
    fn a_single_account_is_chosen_for_the_user() {
        let mut flow = waiting();
        flow.handle(authorized(IG, "tok"));
        flow.handle(Input::AccountsAnswered {
            attempt: 1,
            result: Ok(page(7..8, None)),
        });
        assert_eq!(picker(&flow).selected, Some(account(7).channel_id));
    }

    #[test]
    fn an_empty_list_lets_the_user_authorize_again() {
        let mut flow = waiting();
        flow.handle(authorized(IG, "tok"));
        flow.handle(Input::AccountsAnswered {
            attempt: 1,
            result: Ok(page(0..0, None)),
        });
        assert!(picker(&flow).accounts.is_empty());
        assert!(flow.can_start());
        assert!(!flow.holds_token());
        assert_eq!(
            flow.handle(start()),
            vec![Effect::FetchAuthorize { attempt: 2 }]
        );
    }

    #[test]
    fn a_failed_connect_returns_to_the_picker_with_the_choice_kept() {
        let mut flow = picking();
        flow.handle(Input::Select(account(3).channel_id));
        flow.handle(Input::Connect);
        let error = FlowError::from_failure(Stage::Connect, http(409));
        assert_eq!(error.code, ErrorCode::AlreadyConnected);
        flow.handle(Input::ConnectAnswered {
            attempt: 1,
            result: Err(error.clone()),
        });
        let p = picker(&flow);
        assert_eq!(p.selected, Some(account(3).channel_id));
        assert_eq!(p.connect_error, Some(error));
        assert_eq!(
            flow.handle(Input::Connect).len(),
            1,
            "Connect can be pressed again"
        );
    }

    #[test]
    fn an_expired_token_sends_the_user_back_to_authorization() {
        for stage_of_failure in ["accounts", "more", "connect"] {
            let mut flow = picking();
            let error = FlowError::from_failure(Stage::Accounts, http(401));
            assert_eq!(error.code, ErrorCode::TokenExpired);
            match stage_of_failure {
                "accounts" => {
                    let mut fresh = waiting();
                    fresh.handle(authorized(IG, "tok"));
                    fresh.handle(Input::AccountsAnswered {
                        attempt: 1,
                        result: Err(error.clone()),
                    });
                    flow = fresh;
                }
                "more" => {
                    flow.handle(Input::LoadMore);
                    flow.handle(Input::AccountsAnswered {
                        attempt: 1,
                        result: Err(error.clone()),
                    });
                }
                _ => {
                    flow.handle(Input::Select(account(1).channel_id));
                    flow.handle(Input::Connect);
                    let error = FlowError::from_failure(Stage::Connect, http(401));
                    flow.handle(Input::ConnectAnswered {
                        attempt: 1,
                        result: Err(error),
                    });
                }
            }
            assert!(
                matches!(flow.step(), Step::Failed { error, retry: Retry::Authorize } if error.code == ErrorCode::TokenExpired),
                "{stage_of_failure}: {:?}",
                flow.step()
            );
            assert!(
                !flow.holds_token(),
                "{stage_of_failure}: the dead token is dropped"
            );
            assert!(flow.can_start());
        }
    }

    #[test]
    fn a_failed_first_page_retries_with_the_same_token() {
        let mut flow = waiting();
        flow.handle(authorized(IG, "tok"));
        let error = FlowError::from_failure(Stage::Accounts, http(500));
        flow.handle(Input::AccountsAnswered {
            attempt: 1,
            result: Err(error),
        });
        assert!(!flow.can_start(), "no new popup needed");
        assert_eq!(
            flow.handle(Input::Retry),
            vec![Effect::FetchAccounts {
                attempt: 1,
                token: token("tok"),
                offset: None
            }]
        );
        assert_eq!(flow.step(), &Step::LoadingAccounts);
    }

    #[test]
    fn reconnect_posts_the_token_for_the_channel_without_a_picker() {
        let id = ChannelRecordId::new("65f0a1b2c3d4e5f6a7b8c902").unwrap();
        let mut flow = Flow::new(IG, Some(id.clone()));
        flow.handle(start());
        flow.handle(Input::AuthorizeAnswered {
            attempt: 1,
            result: Ok("https://fb".into()),
        });
        let effects = flow.handle(authorized(IG, "tok"));
        assert_eq!(
            effects.last(),
            Some(&Effect::PostReconnect {
                attempt: 1,
                id: id.clone(),
                token: token("tok")
            })
        );
        assert_eq!(flow.step(), &Step::Connecting { picker: None });
        let network =
            FlowError::from_failure(Stage::Reconnect, ApiFailure::Network("offline".into()));
        flow.handle(Input::ConnectAnswered {
            attempt: 1,
            result: Err(network),
        });
        assert_eq!(
            flow.handle(Input::Retry),
            vec![Effect::PostReconnect {
                attempt: 1,
                id,
                token: token("tok")
            }]
        );
    }

    #[test]
    fn a_reconnect_from_the_channel_list_overrides_the_target_for_one_attempt() {
        let mut flow = Flow::new(IG, None);
        let id = ChannelRecordId::new("abc").unwrap();
        flow.handle(Input::Start {
            via: Via::Popup { opened: true },
            target: Some(Target::Reconnect {
                id: id.clone(),
                name: Some("Kopi".into()),
            }),
        });
        assert!(matches!(flow.target(), Target::Reconnect { .. }));
        flow.handle(Input::AuthorizeAnswered {
            attempt: 1,
            result: Ok("https://fb".into()),
        });
        flow.handle(authorized(IG, "tok"));
        let done = ConnectedChannel {
            channel: IG,
            channel_id: "1".into(),
            name: "Kopi".into(),
            picture: None,
            id: Some("abc".into()),
            reconnected: true,
        };
        flow.handle(Input::ConnectAnswered {
            attempt: 1,
            result: Ok(done),
        });
        flow.handle(Input::Reset);
        assert_eq!(flow.target(), &Target::Connect);
    }

    #[test]
    fn errors_are_classified_with_stable_codes() {
        let cases = [
            (Stage::Authorize, http(401), "authorize-failed"),
            (Stage::Authorize, http(500), "authorize-failed"),
            (Stage::Accounts, http(401), "token-expired"),
            (Stage::Accounts, http(502), "accounts-failed"),
            (Stage::Connect, http(409), "already-connected"),
            (Stage::Connect, http(400), "connect-failed"),
            (Stage::Reconnect, http(404), "reconnect-failed"),
            (Stage::Channels, http(401), "channels-failed"),
            (Stage::Accounts, ApiFailure::Network("x".into()), "network"),
            (
                Stage::Accounts,
                ApiFailure::Unexpected(ParseError::new("account page", "bad")),
                "unexpected-response",
            ),
        ];
        for (stage, failure, code) in cases {
            let error = FlowError::from_failure(stage, failure);
            assert_eq!(error.code.as_str(), code);
        }
        let e = FlowError::from_failure(Stage::Connect, http(409));
        assert_eq!((e.status, e.detail.as_str()), (Some(409), "pesan"));
    }

    #[test]
    fn out_of_order_answers_from_old_attempts_are_ignored() {
        let mut flow = picking();
        flow.handle(Input::Cancel);
        flow.handle(start());
        assert!(flow
            .handle(Input::AccountsAnswered {
                attempt: 1,
                result: Ok(page(1..3, None))
            })
            .is_empty());
        assert!(flow
            .handle(Input::ConnectAnswered {
                attempt: 1,
                result: Err(FlowError::new(ErrorCode::Network, None, "x"))
            })
            .is_empty());
        assert_eq!(flow.step(), &Step::Opening);
    }

    fn resume_with(message: CallbackMessage, target: Target) -> Input {
        Input::Resume(Resume::Continue { target, message })
    }

    fn message(kind: ChannelKind, t: &str) -> CallbackMessage {
        CallbackMessage {
            channel: kind,
            outcome: CallbackOutcome::Authorized(token(t)),
        }
    }

    #[test]
    fn redirect_mode_fetches_the_url_then_leaves_the_page_without_the_token() {
        let mut flow = Flow::new(IG, None);
        let effects = flow.handle(Input::Start {
            via: Via::Redirect,
            target: None,
        });
        assert_eq!(effects, vec![Effect::FetchAuthorize { attempt: 1 }]);
        assert_eq!(flow.step(), &Step::Opening);
        let effects = flow.handle(Input::AuthorizeAnswered {
            attempt: 1,
            result: Ok("https://fb.test/dialog".into()),
        });
        assert_eq!(
            effects,
            vec![Effect::Redirect {
                attempt: 1,
                url: "https://fb.test/dialog".into(),
                target: Target::Connect
            }]
        );
        assert_eq!(flow.step(), &Step::Redirecting);
        assert!(!flow.can_start(), "no second click while the page leaves");
        assert!(flow.handle(Input::Cancel).is_empty());
        assert!(
            flow.handle(authorized(IG, "tok")).is_empty(),
            "no popup callback while redirecting"
        );
    }

    #[test]
    fn a_redirect_that_cannot_be_saved_fails_with_a_new_authorization() {
        let mut flow = Flow::new(IG, None);
        flow.handle(Input::Start {
            via: Via::Redirect,
            target: None,
        });
        flow.handle(Input::AuthorizeAnswered {
            attempt: 1,
            result: Ok("https://fb.test/dialog".into()),
        });
        let error = FlowError::new(ErrorCode::ResumeFailed, None, "sessionStorage is off");
        let effects = flow.handle(Input::RedirectFailed {
            attempt: 1,
            error: error.clone(),
        });
        assert_eq!(effects, vec![Effect::Emit(HostEvent::Error(error))]);
        assert!(flow.can_start());
    }

    #[test]
    fn a_resumed_redirect_continues_at_the_picker() {
        let mut flow = Flow::new(IG, None);
        let effects = flow.handle(resume_with(message(IG, "tok"), Target::Connect));
        assert_eq!(
            effects,
            vec![
                Effect::Emit(HostEvent::Authorized { channel: IG }),
                Effect::FetchAccounts {
                    attempt: 1,
                    token: token("tok"),
                    offset: None
                }
            ]
        );
        flow.handle(Input::AccountsAnswered {
            attempt: 1,
            result: Ok(page(1..3, None)),
        });
        assert_eq!(picker(&flow).accounts.len(), 2);
        // Only once, and only from the button's step.
        assert!(flow
            .handle(resume_with(message(IG, "tok2"), Target::Connect))
            .is_empty());
    }

    #[test]
    fn a_resumed_reconnect_posts_the_reconnect() {
        let id = ChannelRecordId::new("65f0a1b2c3d4e5f6a7b8c902").unwrap();
        let target = Target::Reconnect {
            id: id.clone(),
            name: Some("Kopi".into()),
        };
        let mut flow = Flow::new(IG, None);
        let effects = flow.handle(resume_with(message(IG, "tok"), target.clone()));
        assert_eq!(
            effects[1],
            Effect::PostReconnect {
                attempt: 1,
                id,
                token: token("tok")
            }
        );
        assert_eq!(flow.target(), &target);
    }

    #[test]
    fn a_resume_that_cannot_continue_says_so_and_offers_a_new_start() {
        for (resume, code) in [
            (
                Resume::Lost {
                    target: Target::Connect,
                    why: crate::redirect::Lost::NoCallback,
                },
                Some(ErrorCode::ResumeFailed),
            ),
            (
                Resume::Continue {
                    target: Target::Connect,
                    message: message(ChannelKind::Messenger, "tok"),
                },
                Some(ErrorCode::ResumeFailed),
            ),
            (
                Resume::Expired {
                    target: Target::Connect,
                },
                None,
            ),
        ] {
            let mut flow = Flow::new(IG, None);
            let effects = flow.handle(Input::Resume(resume));
            match code {
                Some(code) => {
                    assert!(
                        matches!(&effects[..], [Effect::Emit(HostEvent::Error(e))] if e.code == code)
                    );
                    assert!(matches!(
                        flow.step(),
                        Step::Failed {
                            retry: Retry::Authorize,
                            ..
                        }
                    ));
                }
                None => {
                    assert_eq!(
                        effects,
                        vec![Effect::Emit(HostEvent::Cancelled {
                            reason: CancelReason::Timeout
                        })]
                    );
                    assert_eq!(flow.step(), &Step::Stopped(CancelReason::Timeout));
                }
            }
            assert!(!flow.holds_token());
            assert!(flow.can_start(), "Start again is offered");
        }
        let mut flow = Flow::new(IG, None);
        assert!(flow.handle(Input::Resume(Resume::NotMine)).is_empty());
        assert_eq!(flow.step(), &Step::Idle);
    }

    #[test]
    fn a_declined_redirect_is_a_cancellation() {
        let mut flow = Flow::new(IG, None);
        let declined = CallbackMessage {
            channel: IG,
            outcome: CallbackOutcome::Declined(CallbackFailure {
                error: "access_denied".into(),
                reason: Some("user_denied".into()),
                description: None,
            }),
        };
        let effects = flow.handle(resume_with(declined, Target::Connect));
        assert_eq!(
            effects,
            vec![Effect::Emit(HostEvent::Cancelled {
                reason: CancelReason::Denied
            })]
        );
    }
}
