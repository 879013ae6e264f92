//! The session the widget carries to the proxy: a short-lived JWT that the partner's backend
//! minted for its signed-in user, sent as `Authorization: Bearer <session>` on every call.
//!
//! The widget gets it in one of two ways (the element's `session-url` attribute, or its
//! `session` attribute or property), and when the proxy says it expired, asks for a new one
//! once and repeats the call. Like the Facebook token, it never reaches an event, a log line,
//! the DOM or storage: [`SessionToken`] does not print. The rules live here, pure and tested
//! natively; the browser part (fetching `session-url`) is in the client.

use std::fmt;

use socialchat_api::RefusalCode;

use crate::flow::ApiFailure;

/// The value of `session` that tells the widget its proxy checks no session (a proxy started
/// with `--no-session-check`, behind the partner's own authenticating gateway).
pub const NO_SESSION: &str = "none";

/// The longest session accepted.
const MAX_LEN: usize = 8192;

/// A session, as the proxy wants it: a JWT's three base64url parts.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    pub fn new(value: &str) -> Result<SessionToken, String> {
        let value = value.trim();
        let parts: Vec<&str> = value.split('.').collect();
        let base64url = |part: &str| {
            part.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        let shaped = parts.len() == 3
            && !parts[0].is_empty()
            && !parts[1].is_empty()
            && parts.iter().all(|p| base64url(p));
        if value.len() > MAX_LEN || !shaped {
            return Err(
                "must be a session your backend minted (a JWT: three base64url parts \
                        separated by dots)"
                    .into(),
            );
        }
        Ok(SessionToken(value.to_owned()))
    }

    /// The session itself, for the `Authorization` header and for nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

/// A session given through the `session` attribute or property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Given {
    Session(SessionToken),
    /// `session="none"`: the proxy checks no session.
    Unchecked,
}

impl Given {
    pub fn parse(value: &str) -> Result<Given, String> {
        if value.trim() == NO_SESSION {
            Ok(Given::Unchecked)
        } else {
            SessionToken::new(value).map(Given::Session)
        }
    }
}

/// Where the widget's session comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionSource {
    /// `session-url`: an endpoint of the partner's backend that answers `{"session": "…"}` to a
    /// GET with the page's cookies.
    Endpoint(String),
    /// `session`, as an attribute or a property, read at every call (the page may set a new
    /// one at any time).
    Given,
}

/// Decides where the session comes from: `session-url` wins; else a `session` must have been
/// given (and be of a session's shape). Neither is a setup error, told in the element.
pub fn source(session_url: Option<&str>, given: Option<&str>) -> Result<SessionSource, String> {
    match (session_url, given) {
        (Some(url), _) => Ok(SessionSource::Endpoint(url.to_owned())),
        (None, Some(value)) => Given::parse(value).map(|_| SessionSource::Given),
        (None, None) => Err(
            "is missing: set session-url to your backend's endpoint that answers \
                             {\"session\": \"…\"}, or set the session attribute or property to a \
                             session your backend minted"
                .into(),
        ),
    }
}

/// Reads what the session endpoint answered: the `session` member of its JSON object.
pub fn from_endpoint(session: Option<&str>) -> Result<SessionToken, String> {
    let session =
        session.ok_or("the session endpoint did not answer {\"session\": \"…\"}".to_owned())?;
    SessionToken::new(session).map_err(|e| format!("the session endpoint's session {e}"))
}

/// Whether a failed call says the session expired: then the widget asks for a new session, once,
/// and repeats the call.
pub fn expired(failure: &ApiFailure) -> bool {
    matches!(failure, ApiFailure::Http(e) if e.status == 401 && e.refusal() == Some(RefusalCode::SessionExpired))
}

#[cfg(test)]
mod tests {
    use super::*;
    use socialchat_api::ApiError;

    const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl-_";

    #[test]
    fn a_session_is_a_jwt_and_never_prints() {
        let token = SessionToken::new(JWT).unwrap();
        assert_eq!(format!("{token:?}"), "SessionToken(<redacted>)");
        assert_eq!(token.expose(), JWT);
        for bad in [
            "",
            "abc",
            "a.b",
            "a.b.c.d",
            "a b.c.d",
            ".b.c",
            "a.b.c<",
            &"a.".repeat(5000),
        ] {
            assert!(SessionToken::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn session_url_wins_and_neither_is_a_setup_error() {
        assert_eq!(
            source(Some("/session"), Some(JWT)),
            Ok(SessionSource::Endpoint("/session".into()))
        );
        assert_eq!(source(None, Some(JWT)), Ok(SessionSource::Given));
        assert_eq!(source(None, Some("none")), Ok(SessionSource::Given));
        assert!(source(None, Some("not-a-jwt")).unwrap_err().contains("JWT"));
        assert!(source(None, None).unwrap_err().contains("session-url"));
        assert_eq!(Given::parse(" none "), Ok(Given::Unchecked));
    }

    #[test]
    fn only_an_expired_session_is_asked_for_again() {
        let answer = |status, code: Option<&str>| {
            ApiFailure::Http(ApiError {
                status,
                message: None,
                original_message: None,
                code: code.map(Into::into),
            })
        };
        assert!(expired(&answer(401, Some("session-expired"))));
        assert!(!expired(&answer(401, Some("session-invalid"))));
        assert!(
            !expired(&answer(401, None)),
            "a 401 without the code is the token's"
        );
        assert!(!expired(&ApiFailure::NoAnswer {
            detail: "offline".into(),
            online: false
        }));
    }

    #[test]
    fn the_endpoints_answer_must_hold_a_session() {
        assert!(from_endpoint(Some(JWT)).is_ok());
        assert!(from_endpoint(None).unwrap_err().contains("did not answer"));
        assert!(from_endpoint(Some("<html>")).is_err());
    }
}
