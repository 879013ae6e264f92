//! The values that travel from the browser to Socialchat, each validated once at construction so
//! that a value of these types is always of a sane shape and length: the widget checks before it
//! sends, the proxy checks again before it forwards.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A value that is not of the shape the Partner API expects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {problem}")]
pub struct InvalidInput {
    /// The name of the field as the API spells it (`token`, `channelId`, `id`, ...).
    pub field: &'static str,
    /// What is wrong, as the end of a sentence starting with the field's name.
    pub problem: String,
}

impl InvalidInput {
    pub fn new(field: &'static str, problem: impl Into<String>) -> Self {
        InvalidInput {
            field,
            problem: problem.into(),
        }
    }
}

fn check(
    field: &'static str,
    value: &str,
    max_len: usize,
    allowed: impl Fn(char) -> bool,
    description: &str,
) -> Result<(), InvalidInput> {
    if value.is_empty() {
        return Err(InvalidInput::new(field, "is missing or empty"));
    }
    if value.len() > max_len {
        return Err(InvalidInput::new(
            field,
            format!("is longer than {max_len} characters"),
        ));
    }
    if !value.chars().all(allowed) {
        return Err(InvalidInput::new(
            field,
            format!("may only hold {description}"),
        ));
    }
    Ok(())
}

fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Printable ASCII without spaces: what tokens and offsets are made of (JWTs, Facebook tokens,
/// base64 cursors), and nothing that could break a URL or a log line.
fn is_visible_ascii(c: char) -> bool {
    c.is_ascii_graphic()
}

macro_rules! validated_string {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:expr, $allowed:expr, $description:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const MAX_LEN: usize = $max;

            pub fn new(value: impl Into<String>) -> Result<Self, InvalidInput> {
                let value = value.into();
                check($field, &value, Self::MAX_LEN, $allowed, $description)?;
                Ok($name(value))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidInput;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                $name::new(value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }
    };
}

validated_string!(
    /// A channel's `_id` in Socialchat (from `GET /partner/channel`), used to reconnect it.
    /// Socialchat's are 24 hex digits; any short run of letters, digits, `_` and `-` is accepted.
    ChannelRecordId, "id", 64, is_id_char, "letters, digits, '_' and '-'"
);

validated_string!(
    /// An account's `channelId` (the Instagram or Facebook id) from the account list.
    ChannelId, "channelId", 64, |c: char| is_id_char(c) || c == '.', "letters, digits, '.', '_' and '-'"
);

validated_string!(
    /// The opaque cursor to the next page of accounts.
    NextOffset, "nextOffset", 2048, is_visible_ascii, "printable characters without spaces"
);

impl fmt::Debug for ChannelRecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChannelRecordId({:?})", self.0)
    }
}

impl fmt::Debug for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChannelId({:?})", self.0)
    }
}

impl fmt::Debug for NextOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NextOffset({:?})", self.0)
    }
}

/// The token Socialchat hands to the callback URL after a Facebook authorization.
///
/// It is a credential: its `Debug` never shows it, it has no `Display`, and the only way to read
/// it is [`Token::expose`], so that it cannot reach a log line, an event or a URL by accident.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Token(String);

impl Token {
    pub const MAX_LEN: usize = 4096;

    pub fn new(value: impl Into<String>) -> Result<Self, InvalidInput> {
        let value = value.into();
        check(
            "token",
            &value,
            Self::MAX_LEN,
            is_visible_ascii,
            "printable characters without spaces",
        )?;
        Ok(Token(value))
    }

    /// The token itself, for the request that needs it and for nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl TryFrom<String> for Token {
    type Error = InvalidInput;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Token::new(value)
    }
}

impl From<Token> for String {
    fn from(value: Token) -> String {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_id_accepts_a_mongo_object_id_and_refuses_path_tricks() {
        assert!(ChannelRecordId::new("65a0b1c2d3e4f5a6b7c8d9e0").is_ok());
        for bad in [
            "",
            "..",
            "a/b",
            "a b",
            "a?b",
            "%2e%2e",
            "ä",
            &"x".repeat(65),
        ] {
            assert!(
                ChannelRecordId::new(bad).is_err(),
                "{bad:?} must be refused"
            );
        }
    }

    #[test]
    fn channel_id_accepts_facebook_ids() {
        assert!(ChannelId::new("17841400000000001").is_ok());
        assert!(ChannelId::new("11233412").is_ok());
        assert_eq!(
            ChannelId::new("").unwrap_err().to_string(),
            "channelId is missing or empty"
        );
        assert!(ChannelId::new("1 2").is_err());
    }

    #[test]
    fn token_is_bounded_and_never_printed() {
        let token = Token::new("eyJhbGciOi.J9-_x").unwrap();
        assert_eq!(format!("{token:?}"), "Token(<redacted>)");
        assert_eq!(token.expose(), "eyJhbGciOi.J9-_x");
        assert!(Token::new("a".repeat(Token::MAX_LEN)).is_ok());
        assert_eq!(
            Token::new("a".repeat(Token::MAX_LEN + 1))
                .unwrap_err()
                .to_string(),
            "token is longer than 4096 characters"
        );
        assert!(Token::new("has space").is_err());
        assert!(Token::new("line\nbreak").is_err());
        assert!(Token::new("").is_err());
    }

    #[test]
    fn validated_strings_deserialize_through_their_checks() {
        let ok: ChannelId = serde_json::from_str("\"123\"").unwrap();
        assert_eq!(ok.as_str(), "123");
        assert!(serde_json::from_str::<ChannelId>("\"\"").is_err());
        assert!(serde_json::from_str::<Token>("\"a b\"").is_err());
        assert!(serde_json::from_str::<NextOffset>("null").is_err());
    }
}
