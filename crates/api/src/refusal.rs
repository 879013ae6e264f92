//! The stable codes of the proxy's own refusals: the `code` member of its error answers
//! (`{"statusCode": 401, "message": …, "code": "session-expired"}`), which the widget reads to
//! tell one refusal from another whatever call it made. The proxy writes them and the widget
//! reads them from this one list.
//!
//! ## Usage
//!
//! ```
//! use socialchat_api::RefusalCode;
//!
//! assert_eq!(RefusalCode::SessionExpired.as_str(), "session-expired");
//! assert_eq!(RefusalCode::parse("rate-limited"), Some(RefusalCode::RateLimited));
//! assert_eq!(RefusalCode::parse("something-else"), None);
//! ```

use std::fmt;
use std::str::FromStr;

/// Why the proxy refused a call before anything went upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefusalCode {
    /// 401: the call carried no session (`Authorization: Bearer …`).
    SessionRequired,
    /// 401: the session is forged, malformed, of another algorithm or audience, too
    /// long-lived, not valid yet, or has a header the proxy does not understand.
    SessionInvalid,
    /// 401: the session expired; the widget asks the partner's backend for a new one.
    SessionExpired,
    /// 403: the session's `kinds` do not list the call's kind of channel.
    KindNotAllowed,
    /// 403: the session's `channels` do not list the channel's `_id`.
    ChannelNotAllowed,
    /// 429: too many calls or connects in a short time (the proxy's limits).
    RateLimited,
}

/// A `code` that is none of the proxy's refusals.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a refusal code of the proxy")]
pub struct UnknownRefusal(pub String);

impl RefusalCode {
    /// Every code.
    pub const ALL: [RefusalCode; 6] = [
        RefusalCode::SessionRequired,
        RefusalCode::SessionInvalid,
        RefusalCode::SessionExpired,
        RefusalCode::KindNotAllowed,
        RefusalCode::ChannelNotAllowed,
        RefusalCode::RateLimited,
    ];

    /// The code as the answer's `code` member writes it: `session-expired`, `rate-limited`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalCode::SessionRequired => "session-required",
            RefusalCode::SessionInvalid => "session-invalid",
            RefusalCode::SessionExpired => "session-expired",
            RefusalCode::KindNotAllowed => "kind-not-allowed",
            RefusalCode::ChannelNotAllowed => "channel-not-allowed",
            RefusalCode::RateLimited => "rate-limited",
        }
    }

    /// The refusal an answer's `code` names, exactly as [`RefusalCode::as_str`] writes it;
    /// `None` for any other text (a code of a newer proxy changes nothing).
    pub fn parse(code: &str) -> Option<RefusalCode> {
        RefusalCode::ALL.into_iter().find(|c| c.as_str() == code)
    }
}

impl fmt::Display for RefusalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RefusalCode {
    type Err = UnknownRefusal;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RefusalCode::parse(s).ok_or_else(|| UnknownRefusal(s.to_owned()))
    }
}

/// A code compares equal to the text it is written as, so that an answer's `code` is checked
/// against one without spelling it again.
impl PartialEq<str> for RefusalCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for RefusalCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_as_itself() {
        for code in RefusalCode::ALL {
            assert_eq!(RefusalCode::parse(code.as_str()), Some(code));
            assert_eq!(code.as_str().parse::<RefusalCode>(), Ok(code));
            assert_eq!(code.to_string(), code.as_str());
            assert_eq!(code, code.as_str());
        }
    }

    #[test]
    fn every_code_is_distinct_and_kebab_case() {
        let texts: std::collections::BTreeSet<&str> =
            RefusalCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(texts.len(), RefusalCode::ALL.len());
        for text in texts {
            assert!(
                text.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{text}"
            );
        }
    }

    #[test]
    fn any_other_text_is_no_refusal() {
        for other in [
            "",
            "Session-Expired",
            "session-expired ",
            "session_expired",
            "token-expired",
        ] {
            assert_eq!(RefusalCode::parse(other), None, "{other:?}");
            assert_eq!(
                other.parse::<RefusalCode>(),
                Err(UnknownRefusal(other.to_owned()))
            );
        }
    }
}
