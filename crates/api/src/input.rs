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

/// Implements serde through `new` (deserializing checks) and `String` (serializing).
macro_rules! string_serde {
    ($name:ident) => {
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

/// The token of a Telegram bot, as BotFather gives it: the bot's id, a colon, and a secret
/// (`123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw`).
///
/// A credential, like [`Token`]: its `Debug` never shows it and only [`BotToken::expose`]
/// reads it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BotToken(String);

impl BotToken {
    pub fn new(value: impl Into<String>) -> Result<Self, InvalidInput> {
        let value = value.into().trim().to_owned();
        let shaped = value.split_once(':').is_some_and(|(id, secret)| {
            (5..=15).contains(&id.len())
                && id.bytes().all(|b| b.is_ascii_digit())
                && (30..=80).contains(&secret.len())
                && secret.chars().all(is_id_char)
        });
        if value.is_empty() {
            return Err(InvalidInput::new("token", "is missing or empty"));
        }
        if !shaped {
            return Err(InvalidInput::new(
                "token",
                "must be a bot token from BotFather: digits, a colon, then about 35 letters, digits, '_' or '-'",
            ));
        }
        Ok(BotToken(value))
    }

    /// The token itself, for the request that needs it and for nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The bot's id: the part before the colon, which is not secret.
    pub fn bot_id(&self) -> &str {
        self.0.split(':').next().unwrap_or("")
    }
}

impl fmt::Debug for BotToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BotToken(<redacted>)")
    }
}

string_serde!(BotToken);

/// A phone number for WhatsApp, normalised to the international form `+<country><number>`. An
/// Indonesian number may be written as it is dialled at home (`0812 3456 7890`) or with its
/// country code (`62812…`, `+62 812-3456-7890`); another country's needs its `+` and code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn new(value: impl Into<String>) -> Result<Self, InvalidInput> {
        let value = value.into();
        let written = value.trim();
        if written.is_empty() {
            return Err(InvalidInput::new("phone", "is missing or empty"));
        }
        let plus = written.starts_with('+');
        let body = if plus { &written[1..] } else { written };
        if !body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')'))
        {
            return Err(InvalidInput::new(
                "phone",
                "may only hold digits, spaces, dashes, dots, brackets and a leading +",
            ));
        }
        let digits: String = body.chars().filter(char::is_ascii_digit).collect();
        let international = if plus {
            // `+62 0812…`: the home trunk 0 written after the country code is not dialled.
            match digits.strip_prefix("620") {
                Some(local) => format!("62{local}"),
                None => digits,
            }
        } else if let Some(local) = digits.strip_prefix('0') {
            // Dialled at home in Indonesia: 08… is +628….
            format!("62{local}")
        } else if digits.starts_with("62") {
            digits
        } else {
            return Err(InvalidInput::new(
                "phone",
                "must be an Indonesian number (08…, 62…) or start with + and a country code",
            ));
        };
        // E.164: at most 15 digits; a real number has at least 8.
        if !(8..=15).contains(&international.len()) || international.starts_with('0') {
            return Err(InvalidInput::new(
                "phone",
                "is too short or too long for a phone number",
            ));
        }
        Ok(PhoneNumber(format!("+{international}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_serde!(PhoneNumber);

/// A name a person gives a channel (a WhatsApp number's display name, a website's chat box):
/// trimmed, 1 to 100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX_CHARS: usize = 100;

    pub fn new(value: impl Into<String>) -> Result<Self, InvalidInput> {
        let value = value.into().trim().to_owned();
        if value.is_empty() {
            return Err(InvalidInput::new("name", "is missing or empty"));
        }
        if value.chars().count() > Self::MAX_CHARS {
            return Err(InvalidInput::new(
                "name",
                format!("is longer than {} characters", Self::MAX_CHARS),
            ));
        }
        if value.chars().any(|c| c.is_control() || is_hidden_format(c)) {
            return Err(InvalidInput::new(
                "name",
                "may not hold control, direction-override or line-separator characters",
            ));
        }
        if !value
            .chars()
            .any(|c| !c.is_whitespace() && !is_invisible(c))
        {
            return Err(InvalidInput::new("name", "has nothing visible in it"));
        }
        Ok(DisplayName(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_serde!(DisplayName);

/// Characters that change how the text around them reads without showing themselves: the
/// direction overrides and isolates (a name that shows backwards), and the line and paragraph
/// separators.
fn is_hidden_format(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
}

/// Characters that take no room: a name of only these looks empty.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}')
}

/// The address of the website a chat box goes on: an `http(s)` URL with a host, at most 2048
/// characters, without spaces. A bare host (`toko.example`) is read as `https://toko.example`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WebsiteUrl(String);

impl WebsiteUrl {
    pub fn new(value: impl Into<String>) -> Result<Self, InvalidInput> {
        let value = value.into().trim().to_owned();
        if value.is_empty() {
            return Err(InvalidInput::new("websiteUrl", "is missing or empty"));
        }
        let lower = value.to_ascii_lowercase();
        let url = if lower.starts_with("https://") || lower.starts_with("http://") {
            value
        } else if !lower.contains("://") {
            format!("https://{value}")
        } else {
            return Err(InvalidInput::new(
                "websiteUrl",
                "must be an http(s) address",
            ));
        };
        let rest = url.split_once("://").map(|(_, rest)| rest).unwrap_or("");
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        let port_ok = port
            .is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
        if url.len() > 2048
            || url.chars().any(|c| c.is_whitespace() || c.is_control())
            || !port_ok
            || !is_public_domain(host)
        {
            return Err(InvalidInput::new(
                "websiteUrl",
                "must be a website's address, like https://toko.example",
            ));
        }
        Ok(WebsiteUrl(url))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_serde!(WebsiteUrl);

/// Whether `host` is a domain name a customer's website may have: labels of letters, digits and
/// `-`, at least two, the last alphabetic. Never an IP address, `localhost` or a name without a
/// dot: a chat box goes on a public website, and Socialchat must not be pointed at its own
/// network.
fn is_public_domain(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    let labels: Vec<&str> = host.split('.').collect();
    host.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|label| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && labels.last().is_some_and(|tld| {
            // A top-level domain is letters (or an internationalized one, `xn--…`): never
            // digits, so `127.0.0.1` and `10.0.0.8` are no domains.
            (tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
                || tld.starts_with("xn--")
        })
        && !matches!(labels.last(), Some(&"localhost" | &"local" | &"internal"))
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
    fn a_bot_token_has_botfathers_shape_and_never_prints() {
        let token = BotToken::new(" 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw ").unwrap();
        assert_eq!(
            token.expose(),
            "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
        );
        assert_eq!(token.bot_id(), "123456789");
        assert_eq!(format!("{token:?}"), "BotToken(<redacted>)");
        for bad in [
            "",
            "123456789",
            ":AAHdq",
            "abc:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
            "123456789:short",
            "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDs w",
            "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw:x",
        ] {
            assert!(BotToken::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phone_numbers_are_normalised_to_their_international_form() {
        for (written, normal) in [
            ("081234567890", "+6281234567890"),
            ("0812-3456-7890", "+6281234567890"),
            ("(0812) 3456 7890", "+6281234567890"),
            ("6281234567890", "+6281234567890"),
            ("+62 812 3456 7890", "+6281234567890"),
            ("+44 20 7946 0958", "+442079460958"),
        ] {
            assert_eq!(
                PhoneNumber::new(written).unwrap().as_str(),
                normal,
                "{written}"
            );
        }
        for bad in [
            "",
            "12345",
            "44 20 7946 0958",
            "+0812345678",
            "0812",
            "+1234567890123456",
            "0812abc4567",
            "+62 812 3456 7890 ext 5",
        ] {
            assert!(PhoneNumber::new(bad).is_err(), "{bad}");
        }
        // The home 0 written after +62 is dropped, as a phone would.
        assert_eq!(
            PhoneNumber::new("+62 0812 3456 7890").unwrap().as_str(),
            "+6281234567890"
        );
    }

    #[test]
    fn names_and_website_addresses_are_checked() {
        assert_eq!(
            DisplayName::new("  Toko Batik  ").unwrap().as_str(),
            "Toko Batik"
        );
        assert!(DisplayName::new("").is_err());
        assert!(DisplayName::new("a\u{7}b").is_err());
        assert!(DisplayName::new("n".repeat(101)).is_err());
        // Nothing that reads differently from what it shows, or shows nothing.
        for bad in [
            "Toko\u{202E}kitaB",
            "a\u{2066}b",
            "Toko\u{2028}Batik",
            "\u{200B}\u{200B}",
            "\u{FEFF}",
        ] {
            assert!(DisplayName::new(bad).is_err(), "{bad:?}");
        }
        assert!(DisplayName::new("Warung Bu Tini 🍛").is_ok());
        assert!(DisplayName::new("Toko Kain — ملابس").is_ok());
        assert_eq!(
            WebsiteUrl::new("toko.example").unwrap().as_str(),
            "https://toko.example"
        );
        assert_eq!(
            WebsiteUrl::new("http://toko.example/shop?x=1")
                .unwrap()
                .as_str(),
            "http://toko.example/shop?x=1"
        );
        for bad in [
            "",
            "javascript:alert(1)",
            "ftp://toko.example",
            "https://",
            "https://user@evil.example",
            "https://toko example",
            "toko",
            // Never Socialchat's own network, nor an address that is no website.
            "http://127.0.0.1",
            "https://169.254.169.254/latest/meta-data",
            "http://10.0.0.8:8080",
            "http://[::ffff:127.0.0.1]",
            "http://localhost:3000",
            "https://printer.local",
            "https://evil.example:javascript",
            "https://toko.example:123456",
            "https://-toko.example",
            "https://toko..example",
        ] {
            assert!(WebsiteUrl::new(bad).is_err(), "{bad}");
        }
        for good in [
            "https://toko-kain.co.id",
            "https://shop.toko.example:8443/chat",
            "https://xn--tko-0na.example",
            "TOKO.EXAMPLE.",
        ] {
            assert!(WebsiteUrl::new(good).is_ok(), "{good}");
        }
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
