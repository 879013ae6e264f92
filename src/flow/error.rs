//! How the flow fails: which call was pending ([`Stage`]), how the call failed as the HTTP client
//! saw it ([`ApiFailure`]), and the error the user sees and the host page hears about
//! ([`FlowError`] with its stable [`ErrorCode`]). Classifying a failure is a decision, so it is
//! made here, in the pure core, and nowhere in the browser shell.

use socialchat_api::{ApiError, ParseError, RefusalCode};

use crate::i18n::Text;

/// Which call failed, for the error code and the user's sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Authorize,
    Accounts,
    Connect,
    Reconnect,
    Channels,
    /// A poll of one channel (a WhatsApp number waiting for its scan).
    Channel,
    /// A Telegram connect or reconnect, whose refusal is about the bot's token.
    BotToken,
}

impl Stage {
    /// Whether the call carries the authorization's token (then a 401 means it expired).
    fn carries_token(self) -> bool {
        match self {
            Stage::Accounts | Stage::Connect | Stage::Reconnect => true,
            Stage::Authorize | Stage::Channels | Stage::Channel | Stage::BotToken => false,
        }
    }

    fn code(self) -> ErrorCode {
        match self {
            Stage::Authorize => ErrorCode::AuthorizeFailed,
            Stage::Accounts => ErrorCode::AccountsFailed,
            Stage::Connect => ErrorCode::ConnectFailed,
            Stage::Reconnect => ErrorCode::ReconnectFailed,
            Stage::Channels => ErrorCode::ChannelsFailed,
            Stage::Channel => ErrorCode::ChannelFailed,
            Stage::BotToken => ErrorCode::ConnectFailed,
        }
    }
}

/// How a call to the proxy failed, as the HTTP client saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiFailure {
    /// No answer at all (offline, DNS, CORS, a timeout, the proxy down), and whether the
    /// browser said it was online then.
    NoAnswer { detail: String, online: bool },
    /// A non-2xx answer.
    Http(ApiError),
    /// A 2xx answer of the wrong shape.
    Unexpected(ParseError),
    /// The partner's session endpoint (`session-url`) gave no session.
    Session(String),
}

/// The stable error codes of the `socialchat:error` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    PopupBlocked,
    /// No answer from the proxy, and the browser is offline.
    Network,
    /// No answer from the proxy while the browser is online: the service is unreachable.
    ServiceUnreachable,
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
    /// The proxy got no session: the partner's setup is wrong.
    SessionRequired,
    /// The proxy refused the session (forged, wrong audience, too long-lived): the partner's
    /// setup is wrong.
    SessionInvalid,
    /// The session expired, and so did the one asked for again.
    SessionExpired,
    /// The partner's session endpoint gave no session.
    SessionUnavailable,
    /// The session may not connect this kind of channel.
    KindNotAllowed,
    /// The session may not use this channel.
    ChannelNotAllowed,
    /// Telegram refused the bot's token (not a bot's, or another bot's on reconnect).
    BotTokenRefused,
    /// The channel waiting for its scan could not be read.
    ChannelFailed,
    /// This user connected too many channels in a short time (the proxy's limit).
    RateLimited,
    /// The element's module could not be loaded (the partner bundle's first module drew the
    /// button, and says so in its place).
    LoadFailed,
}

impl ErrorCode {
    /// Every code, as the book and the package's types list them.
    pub const ALL: [ErrorCode; 24] = [
        ErrorCode::PopupBlocked,
        ErrorCode::Network,
        ErrorCode::ServiceUnreachable,
        ErrorCode::AuthorizeFailed,
        ErrorCode::AuthorizationFailed,
        ErrorCode::AccountsFailed,
        ErrorCode::TokenExpired,
        ErrorCode::AlreadyConnected,
        ErrorCode::ConnectFailed,
        ErrorCode::ReconnectFailed,
        ErrorCode::ChannelsFailed,
        ErrorCode::UnexpectedResponse,
        ErrorCode::ResumeFailed,
        ErrorCode::InvalidConfig,
        ErrorCode::SessionRequired,
        ErrorCode::SessionInvalid,
        ErrorCode::SessionExpired,
        ErrorCode::SessionUnavailable,
        ErrorCode::KindNotAllowed,
        ErrorCode::ChannelNotAllowed,
        ErrorCode::BotTokenRefused,
        ErrorCode::ChannelFailed,
        ErrorCode::RateLimited,
        ErrorCode::LoadFailed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::PopupBlocked => "popup-blocked",
            ErrorCode::Network => "network",
            ErrorCode::ServiceUnreachable => "service-unreachable",
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
            ErrorCode::SessionRequired => RefusalCode::SessionRequired.as_str(),
            ErrorCode::SessionInvalid => RefusalCode::SessionInvalid.as_str(),
            ErrorCode::SessionExpired => RefusalCode::SessionExpired.as_str(),
            ErrorCode::SessionUnavailable => "session-unavailable",
            ErrorCode::KindNotAllowed => RefusalCode::KindNotAllowed.as_str(),
            ErrorCode::ChannelNotAllowed => RefusalCode::ChannelNotAllowed.as_str(),
            ErrorCode::BotTokenRefused => "bot-token-refused",
            ErrorCode::ChannelFailed => "channel-failed",
            ErrorCode::RateLimited => RefusalCode::RateLimited.as_str(),
            ErrorCode::LoadFailed => "load-failed",
        }
    }

    /// The code of one of the proxy's own refusals, which says more than the stage does.
    fn from_proxy(refusal: RefusalCode) -> ErrorCode {
        match refusal {
            RefusalCode::SessionRequired => ErrorCode::SessionRequired,
            RefusalCode::SessionInvalid => ErrorCode::SessionInvalid,
            RefusalCode::SessionExpired => ErrorCode::SessionExpired,
            RefusalCode::KindNotAllowed => ErrorCode::KindNotAllowed,
            RefusalCode::ChannelNotAllowed => ErrorCode::ChannelNotAllowed,
            RefusalCode::RateLimited => ErrorCode::RateLimited,
        }
    }

    /// Whether nothing answered (offline, or the service unreachable): the same call may
    /// succeed later.
    pub fn is_no_answer(self) -> bool {
        matches!(self, ErrorCode::Network | ErrorCode::ServiceUnreachable)
    }

    /// Whether the error is about the session, not the authorization: the same call can be
    /// tried again (with a new session) without a new Facebook authorization.
    pub fn is_session(self) -> bool {
        matches!(
            self,
            ErrorCode::SessionRequired
                | ErrorCode::SessionInvalid
                | ErrorCode::SessionExpired
                | ErrorCode::SessionUnavailable
                | ErrorCode::KindNotAllowed
                | ErrorCode::ChannelNotAllowed
        )
    }

    /// The sentence the user sees.
    pub fn text(self) -> Text {
        match self {
            ErrorCode::PopupBlocked => Text::ErrorPopupBlocked,
            ErrorCode::Network => Text::ErrorNetwork,
            ErrorCode::ServiceUnreachable => Text::ErrorUnreachable,
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
            ErrorCode::SessionRequired | ErrorCode::SessionInvalid => Text::ErrorSessionSetup,
            ErrorCode::SessionExpired => Text::ErrorSessionExpired,
            ErrorCode::SessionUnavailable => Text::ErrorSessionUnavailable,
            ErrorCode::KindNotAllowed => Text::ErrorKindNotAllowed,
            ErrorCode::ChannelNotAllowed => Text::ErrorChannelNotAllowed,
            ErrorCode::BotTokenRefused => Text::ErrorBotTokenRefused,
            ErrorCode::ChannelFailed => Text::ErrorChannelFailed,
            ErrorCode::RateLimited => Text::ErrorRateLimited,
            ErrorCode::LoadFailed => Text::ErrorLoadFailed,
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

    /// Classifies a failed call: no answer is a network error; a refusal of the proxy's
    /// (sessions) keeps its own code; otherwise 401 on a call that carries the token means the
    /// token expired, and 409 on connect means the account is already connected.
    pub fn from_failure(stage: Stage, failure: ApiFailure) -> FlowError {
        match failure {
            // Offline, the user's own connection is the problem; online, the service is.
            ApiFailure::NoAnswer {
                detail,
                online: false,
            } => FlowError::new(ErrorCode::Network, None, detail),
            ApiFailure::NoAnswer {
                detail,
                online: true,
            } => FlowError::new(ErrorCode::ServiceUnreachable, None, detail),
            ApiFailure::Unexpected(e) => {
                FlowError::new(ErrorCode::UnexpectedResponse, None, e.to_string())
            }
            ApiFailure::Session(detail) => {
                FlowError::new(ErrorCode::SessionUnavailable, None, detail)
            }
            ApiFailure::Http(e) => {
                let proxy_code = e.refusal().map(ErrorCode::from_proxy);
                let code = if let Some(code) = proxy_code {
                    code
                } else if e.is_unauthorized() && stage.carries_token() {
                    ErrorCode::TokenExpired
                } else if e.status == 409 && matches!(stage, Stage::Connect | Stage::BotToken) {
                    ErrorCode::AlreadyConnected
                } else if e.status == 400 && stage == Stage::BotToken {
                    ErrorCode::BotTokenRefused
                } else {
                    stage.code()
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
    pub const ALL: [CancelReason; 4] = [
        CancelReason::PopupClosed,
        CancelReason::Denied,
        CancelReason::Timeout,
        CancelReason::User,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CancelReason::PopupClosed => "popup-closed",
            CancelReason::Denied => "denied",
            CancelReason::Timeout => "timeout",
            CancelReason::User => "user",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn http(status: u16) -> ApiFailure {
        ApiFailure::Http(ApiError {
            status,
            message: Some("pesan".into()),
            original_message: None,
            code: None,
        })
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
            (Stage::Reconnect, http(409), "reconnect-failed"),
            (Stage::Channels, http(401), "channels-failed"),
            (
                Stage::Accounts,
                ApiFailure::NoAnswer {
                    detail: "x".into(),
                    online: false,
                },
                "network",
            ),
            (
                Stage::Connect,
                ApiFailure::NoAnswer {
                    detail: "x".into(),
                    online: true,
                },
                "service-unreachable",
            ),
            (
                Stage::Accounts,
                ApiFailure::Unexpected(ParseError::new("account page", "bad")),
                "unexpected-response",
            ),
        ];
        for (stage, failure, code) in cases {
            let error = FlowError::from_failure(stage, failure);
            assert_eq!(error.code.as_str(), code, "{stage:?}");
        }
        let e = FlowError::from_failure(Stage::Connect, http(409));
        assert_eq!((e.status, e.detail.as_str()), (Some(409), "pesan"));
    }

    #[test]
    fn each_refusal_of_the_proxy_is_the_error_code_of_the_same_name() {
        for refusal in RefusalCode::ALL {
            let code = ErrorCode::from_proxy(refusal);
            assert_eq!(code.as_str(), refusal.as_str());
            assert!(ErrorCode::ALL.contains(&code));
        }
    }

    #[test]
    fn the_proxys_refusals_keep_their_codes_whatever_the_stage() {
        let refusal = |status, code: &str| {
            ApiFailure::Http(ApiError {
                status,
                message: Some("m".into()),
                original_message: None,
                code: Some(code.into()),
            })
        };
        for (failure, code) in [
            (refusal(401, "session-expired"), ErrorCode::SessionExpired),
            (refusal(401, "session-required"), ErrorCode::SessionRequired),
            (refusal(401, "session-invalid"), ErrorCode::SessionInvalid),
            (refusal(403, "kind-not-allowed"), ErrorCode::KindNotAllowed),
            (
                refusal(403, "channel-not-allowed"),
                ErrorCode::ChannelNotAllowed,
            ),
            (
                ApiFailure::Session("no session".into()),
                ErrorCode::SessionUnavailable,
            ),
        ] {
            for stage in [
                Stage::Authorize,
                Stage::Accounts,
                Stage::Connect,
                Stage::Reconnect,
            ] {
                let error = FlowError::from_failure(stage, failure.clone());
                assert_eq!(error.code, code, "{stage:?}");
                assert!(error.code.is_session());
            }
        }
        // The proxy's limit on connects keeps its code too, and is not the session's.
        for stage in [Stage::Connect, Stage::Reconnect, Stage::BotToken] {
            let error = FlowError::from_failure(stage, refusal(429, "rate-limited"));
            assert_eq!(error.code, ErrorCode::RateLimited);
            assert!(!error.code.is_session());
        }
        // A code the widget does not know changes nothing: a 401 on accounts is the token's.
        let unknown = FlowError::from_failure(Stage::Accounts, refusal(401, "something-else"));
        assert_eq!(unknown.code, ErrorCode::TokenExpired);
    }
}
