//! How the flow fails: which call was pending ([`Stage`]), how the call failed as the HTTP client
//! saw it ([`ApiFailure`]), and the error the user sees and the host page hears about
//! ([`FlowError`] with its stable [`ErrorCode`]). Classifying a failure is a decision, so it is
//! made here, in the pure core, and nowhere in the browser shell.

use socialchat_api::{ApiError, ParseError};

use crate::i18n::Text;

/// Which call failed, for the error code and the user's sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Authorize,
    Accounts,
    Connect,
    Reconnect,
    Channels,
}

impl Stage {
    /// Whether the call carries the authorization's token (then a 401 means it expired).
    fn carries_token(self) -> bool {
        match self {
            Stage::Accounts | Stage::Connect | Stage::Reconnect => true,
            Stage::Authorize | Stage::Channels => false,
        }
    }

    fn code(self) -> ErrorCode {
        match self {
            Stage::Authorize => ErrorCode::AuthorizeFailed,
            Stage::Accounts => ErrorCode::AccountsFailed,
            Stage::Connect => ErrorCode::ConnectFailed,
            Stage::Reconnect => ErrorCode::ReconnectFailed,
            Stage::Channels => ErrorCode::ChannelsFailed,
        }
    }
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
        match failure {
            ApiFailure::Network(detail) => FlowError::new(ErrorCode::Network, None, detail),
            ApiFailure::Unexpected(e) => {
                FlowError::new(ErrorCode::UnexpectedResponse, None, e.to_string())
            }
            ApiFailure::Http(e) => {
                let code = if e.is_unauthorized() && stage.carries_token() {
                    ErrorCode::TokenExpired
                } else if e.status == 409 && stage == Stage::Connect {
                    ErrorCode::AlreadyConnected
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
            (Stage::Accounts, ApiFailure::Network("x".into()), "network"),
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
}
