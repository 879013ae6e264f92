//! Whether a message from Socialchat may reach the browser: not when it shows a secret the
//! proxy knows (the API key, the call's Facebook or bot token) in any spelling, nor when it
//! holds anything shaped like a secret. Cutting the exact text out (`project`'s redaction) misses
//! a secret written another way: without its `=` padding, percent-encoded, in another case,
//! split by invisible characters or punctuation, the API key decoded from its base64, a
//! token's secret part alone, a token cut short by the message's length limit. Such a message
//! is replaced as a whole by [`fixed_message`], a plain sentence for its status.
//!
//! The rule, in [`reveals_secret`]:
//! - both sides are percent-decoded (a few times, for escapes of escapes) and reduced to their
//!   ASCII letters and digits, in lower case, so that no spelling, separator or invisible
//!   character hides a secret; then the message must not contain any of a secret's forms (the
//!   secret, the API key's decoded `{appId}_{secretKey}` and its secret key, a bot token's part
//!   after the colon), nor [`PART_CHARS`] characters in a row of any of them but the decoded
//!   key (a secret cut short);
//! - whatever the secrets, a run of [`OPAQUE_RUN_CHARS`] letters and digits (with the `-_+/=.~`
//!   of tokens and base64 between them, invisible characters ignored) is a token, never part
//!   of a sentence meant for a person: a 24-hex-digit `_id` or a UUID is shorter; a URL with a
//!   long path is not, and is withheld too, since a URL may carry a token.
//!
//! Forms shorter than [`MIN_FORM_CHARS`] are not looked for: they would match ordinary words.

use std::collections::HashSet;

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use socialchat_api::query::decode_component;

/// The shortest form of a secret that is looked for.
pub const MIN_FORM_CHARS: usize = 8;
/// How many characters of a longer form in a row give it away (a token the message cut short).
pub const PART_CHARS: usize = 16;
/// The letters and digits in a row that make a token whatever it is.
pub const OPAQUE_RUN_CHARS: usize = 40;
/// How many times a message is percent-decoded: `%253D` is `%3D` once, `=` twice.
const DECODE_ROUNDS: usize = 3;

/// Whether `message` shows one of `secrets` in any spelling, or any token-shaped run: then it
/// must not reach the browser, and [`fixed_message`] stands in for it.
pub fn reveals_secret(message: &str, secrets: &[&str]) -> bool {
    let decoded = percent_decoded(message);
    if has_opaque_run(&decoded) {
        return true;
    }
    let text = letters_and_digits(&decoded);
    let forms: Vec<Form> = secrets.iter().flat_map(|secret| forms(secret)).collect();
    if forms.iter().any(|form| text.contains(&form.text)) {
        return true;
    }
    // A secret the message cut short (Socialchat's, or its length limit): any PART_CHARS of a
    // longer form in a row, each run of the message looked up once.
    let parts: HashSet<&[u8]> = forms
        .iter()
        .filter(|form| form.partial)
        .flat_map(|form| form.text.as_bytes().windows(PART_CHARS))
        .collect();
    !parts.is_empty()
        && text
            .as_bytes()
            .windows(PART_CHARS)
            .any(|run| parts.contains(run))
}

/// A plain sentence for an error of `status`, sent instead of Socialchat's message when that
/// message reveals a secret.
pub fn fixed_message(status: u16) -> &'static str {
    match status {
        400 => "Socialchat refused the request: some of what was sent is not valid.",
        401 => {
            "Socialchat did not accept the credentials: the token or the API key is not valid \
             or has expired."
        }
        403 => "Socialchat does not allow this action for this account.",
        404 => "Socialchat has no such channel or account.",
        409 => "Socialchat says this is already done: the channel is probably connected already.",
        422 => "Socialchat could not process what was sent.",
        429 => "Socialchat is receiving too many requests: try again in a moment.",
        500..=599 => "Socialchat had a problem of its own: try again later.",
        _ => "Socialchat answered with an error.",
    }
}

/// A spelling of a secret to look for, reduced by [`letters_and_digits`].
struct Form {
    text: String,
    /// Whether a run of [`PART_CHARS`] of it gives it away. Not for the API key's decoded
    /// text, whose app id is no secret and may be named in a message.
    partial: bool,
}

/// The forms of one secret: itself; for an API key (base64 of `{appId}_{secretKey}`) its
/// decoded text and its secret key; for a bot token (`123456:ABC…`) its part after the colon.
fn forms(secret: &str) -> Vec<Form> {
    let secret = secret.trim();
    let mut forms = vec![Form {
        text: letters_and_digits(secret),
        partial: true,
    }];
    if let Some((bot, key)) = secret.split_once(':') {
        if !bot.is_empty() && bot.bytes().all(|b| b.is_ascii_digit()) {
            forms.push(Form {
                text: letters_and_digits(key),
                partial: true,
            });
        }
    }
    if let Some(decoded) = base64_text(secret) {
        if let Some((_, key)) = decoded.split_once('_') {
            forms.push(Form {
                text: letters_and_digits(key),
                partial: true,
            });
        }
        forms.push(Form {
            text: letters_and_digits(&decoded),
            partial: false,
        });
    }
    forms.retain(|form| form.text.len() >= MIN_FORM_CHARS);
    forms
}

/// The text a secret encodes in base64 (standard or URL-safe, padded or not), when it is
/// printable ASCII: an API key's `{appId}_{secretKey}`.
fn base64_text(secret: &str) -> Option<String> {
    let config =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    [
        GeneralPurpose::new(&alphabet::STANDARD, config),
        GeneralPurpose::new(&alphabet::URL_SAFE, config),
    ]
    .iter()
    .find_map(|engine| engine.decode(secret).ok())
    .and_then(|bytes| String::from_utf8(bytes).ok())
    .filter(|text| text.len() >= MIN_FORM_CHARS && text.bytes().all(|b| b.is_ascii_graphic()))
}

/// `text` percent-decoded until it no longer changes, at most [`DECODE_ROUNDS`] times. A `+`
/// stays a `+` (base64's), not a form's space.
fn percent_decoded(text: &str) -> String {
    let mut text = text.to_owned();
    for _ in 0..DECODE_ROUNDS {
        if !text.contains('%') {
            break;
        }
        let decoded = decode_component(&text.replace('+', "%2B"));
        if decoded == text {
            break;
        }
        text = decoded;
    }
    text
}

/// Only the ASCII letters and digits of `text`, in lower case: what is left of a secret
/// whatever its case, padding, separators or invisible characters.
fn letters_and_digits(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Whether `text` has [`OPAQUE_RUN_CHARS`] letters and digits in a run of token characters.
fn has_opaque_run(text: &str) -> bool {
    let mut run = 0;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            run += 1;
            if run >= OPAQUE_RUN_CHARS {
                return true;
            }
        } else if !(matches!(c, '-' | '_' | '+' | '/' | '=' | '.' | '~') || is_invisible(c)) {
            run = 0;
        }
    }
    false
}

/// Characters that show nothing: zero-width spaces and joiners, the soft hyphen, direction
/// marks, variation selectors, the byte order mark, tags.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    /// The API key's parts: base64 of `app42_k3yS3cr3tV4lue` ends with one `=`.
    const SECRET_KEY: &str = "k3yS3cr3tV4lue";
    /// A Facebook token, short enough that only its being known can give it away.
    const FACEBOOK: &str = "EAABwzLixnjYBO3x9Zq";
    const BOT: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

    fn api_key() -> String {
        STANDARD.encode(format!("app42_{SECRET_KEY}"))
    }

    fn secrets(key: &str) -> [&str; 3] {
        [key, FACEBOOK, BOT]
    }

    /// `message` is withheld because it shows a known secret, not because of its shape alone.
    #[track_caller]
    fn shows_a_known_secret(message: &str) {
        let key = api_key();
        assert!(
            reveals_secret(message, &secrets(&key)),
            "missed: {message:?}"
        );
        assert!(
            !reveals_secret(message, &[]),
            "shaped like a secret anyway, so this checks nothing: {message:?}"
        );
    }

    #[track_caller]
    fn passes(message: &str) {
        let key = api_key();
        assert!(!reveals_secret(message, &secrets(&key)), "{message:?}");
    }

    fn percent_encode_every_byte(text: &str) -> String {
        text.bytes().map(|b| format!("%{b:02X}")).collect()
    }

    /// `text` with `separator` after every `every` characters.
    fn split(text: &str, separator: &str, every: usize) -> String {
        let chars: Vec<char> = text.chars().collect();
        chars
            .chunks(every)
            .map(|chunk| chunk.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join(separator)
    }

    #[test]
    fn the_test_key_has_padding() {
        assert!(api_key().ends_with('='), "{}", api_key());
        assert!(api_key().len() < OPAQUE_RUN_CHARS);
    }

    #[test]
    fn each_secret_as_it_is() {
        shows_a_known_secret(&format!("invalid api key {}", api_key()));
        shows_a_known_secret(&format!("Token {FACEBOOK} tidak valid"));
        shows_a_known_secret(&format!("bot {BOT} unauthorized"));
    }

    #[test]
    fn the_api_key_without_its_padding() {
        shows_a_known_secret(&format!(
            "key {} is unknown",
            api_key().trim_end_matches('=')
        ));
    }

    #[test]
    fn percent_encoded_padding_and_any_percent_escape() {
        shows_a_known_secret(&format!("key={}", api_key().replace('=', "%3D")));
        shows_a_known_secret(&format!("key={}", api_key().replace('=', "%3d")));
        shows_a_known_secret(&format!("token={}", percent_encode_every_byte(FACEBOOK)));
        shows_a_known_secret(&format!("bot={}", BOT.replace(':', "%3A")));
    }

    #[test]
    fn percent_encoded_twice() {
        shows_a_known_secret(&format!("key={}", api_key().replace('=', "%253D")));
        let twice = percent_encode_every_byte(FACEBOOK).replace('%', "%25");
        shows_a_known_secret(&format!("token={twice}"));
    }

    #[test]
    fn upper_or_lower_case() {
        shows_a_known_secret(&api_key().to_uppercase());
        shows_a_known_secret(&api_key().to_lowercase());
        shows_a_known_secret(&format!("token {}", FACEBOOK.to_lowercase()));
        shows_a_known_secret(&format!("token {}", FACEBOOK.to_uppercase()));
    }

    #[test]
    fn split_by_invisible_characters() {
        for invisible in ["\u{200B}", "\u{200D}", "\u{00AD}", "\u{FEFF}", "\u{2060}"] {
            shows_a_known_secret(&format!("token {}", split(FACEBOOK, invisible, 3)));
            shows_a_known_secret(&format!("key {}", split(&api_key(), invisible, 1)));
        }
    }

    #[test]
    fn split_by_punctuation_or_spaces() {
        for separator in ["-", ".", ", ", " ", "\n", "_", "/", "*"] {
            shows_a_known_secret(&format!("token: {}", split(FACEBOOK, separator, 4)));
            shows_a_known_secret(&format!("key: {}", split(&api_key(), separator, 5)));
        }
    }

    #[test]
    fn the_api_key_decoded_from_its_base64() {
        shows_a_known_secret(&format!("no partner app42_{SECRET_KEY}"));
        shows_a_known_secret(&format!("partner app42 secret {SECRET_KEY} unknown"));
    }

    #[test]
    fn the_api_keys_secret_part_alone() {
        shows_a_known_secret(&format!("secretKey {SECRET_KEY} is wrong"));
        shows_a_known_secret(&format!("secretKey {} is wrong", SECRET_KEY.to_uppercase()));
        shows_a_known_secret(&format!(
            "secretKey {} is wrong",
            split(SECRET_KEY, "\u{200B}", 2)
        ));
    }

    #[test]
    fn a_url_safe_api_key_is_decoded_too() {
        let key = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("app>?_s3cr3t??>>k3y");
        assert!(key.contains(['-', '_']), "{key}");
        let message = "partner secret s3cr3t??>>k3y unknown";
        assert!(reveals_secret(message, &[&key]));
        assert!(!reveals_secret(message, &[]));
    }

    #[test]
    fn a_bot_tokens_secret_part_alone() {
        let (_, secret) = BOT.split_once(':').unwrap();
        shows_a_known_secret(&format!("bot token {secret} was revoked"));
        shows_a_known_secret(&format!("bot token {} was revoked", secret.to_lowercase()));
        shows_a_known_secret(&format!("bot {}", percent_encode_every_byte(secret)));
    }

    #[test]
    fn a_secret_the_message_cut_short() {
        let cut: String = FACEBOOK.chars().take(PART_CHARS).collect();
        shows_a_known_secret(&format!("Token {cut}…"));
        let (_, secret) = BOT.split_once(':').unwrap();
        shows_a_known_secret(&format!("bot {}…", &secret[..20]));
        // Shorter than PART_CHARS: too little to tell from chance.
        let stub: String = FACEBOOK.chars().take(PART_CHARS - 1).collect();
        passes(&format!("Token {stub}…"));
    }

    #[test]
    fn a_long_opaque_run_is_withheld_whatever_the_secrets() {
        let run: String = "a1B2c3D4e5".repeat(4);
        assert!(reveals_secret(&format!("token {run} expired"), &[]));
        assert!(!reveals_secret(
            &format!("token {} expired", &run[..39]),
            &[]
        ));
        assert!(
            reveals_secret(&split(&run, "\u{200B}", 5), &[]),
            "invisible joins"
        );
        let base64 = "EAAB+wzLi/xnjYBO3x9Zq+1aB2cD3eF/4gH5iJ6kL7mN8oP9qR==";
        assert!(reveals_secret(&format!("token {base64}"), &[]));
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIiwiYXVkIjoic29jaWFsY2hhdCJ9.c2lnbmF0dXJlc2lnbmF0dXJl";
        assert!(reveals_secret(&format!("session {jwt}"), &[]));
        let sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        assert!(reveals_secret(sha256, &[]));
        assert!(reveals_secret(&percent_encode_every_byte(&run), &[]));
    }

    #[test]
    fn ids_and_sentences_pass() {
        for message in [
            "Channel 65a0b1c2d3e4f5a6b7c8d9e0 not found",
            "Channel 65a0b1c2d3e4f5a6b7c8d9e0, 65a0b1c2d3e4f5a6b7c8d9ff already exists",
            "request 0b0a3c0e-7f1d-4f5e-9d2b-1c3e5a7b9d0f failed",
            "Autentikasi tidak sah, silahkan login",
            "token must be a string; channelId should not be empty",
            "Error validating access token: Session has expired on Tuesday, 10-Jan-23 04:00:00 \
             PST. The current time is Wednesday, 11-Jan-23 05:13:26 PST.",
            "(#200) Requires instagram_manage_messages permission to manage the object",
            "Nomor WhatsApp sudah terhubung dengan perangkat lain. Silakan coba lagi dalam 5 menit.",
            "Internal server error",
            "",
        ] {
            passes(message);
        }
    }

    #[test]
    fn the_api_keys_app_id_alone_is_no_secret() {
        let app_id = "65a0b1c2d3e4f5a6b7c8d9e0";
        let key = STANDARD.encode(format!("{app_id}_{SECRET_KEY}"));
        assert!(!reveals_secret(
            &format!("no company for app {app_id}"),
            &[&key]
        ));
        assert!(reveals_secret(
            &format!("app {app_id} secret {SECRET_KEY}"),
            &[&key]
        ));
    }

    #[test]
    fn short_or_empty_secrets_are_not_looked_for() {
        let message = "abc: the value is not valid";
        assert!(!reveals_secret(
            message,
            &["", "   ", "----", "abc", "valid", "1234567"]
        ));
        assert!(reveals_secret("value 12345678", &["12345678"]));
    }

    #[test]
    fn each_status_class_has_its_own_plain_sentence() {
        let classes = [400, 401, 403, 404, 409, 422, 429, 500, 418];
        let sentences: HashSet<&str> = classes.iter().map(|&s| fixed_message(s)).collect();
        assert_eq!(sentences.len(), classes.len());
        for status in [500, 502, 503, 504, 599] {
            assert_eq!(fixed_message(status), fixed_message(500), "{status}");
        }
        for status in [0, 200, 302, 405, 451, 600] {
            assert_eq!(fixed_message(status), fixed_message(418), "{status}");
        }
        for sentence in sentences {
            assert!(sentence.starts_with("Socialchat ") && sentence.ends_with('.'));
            assert!(!reveals_secret(sentence, &[]), "{sentence}");
        }
    }
}
