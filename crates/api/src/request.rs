//! The bodies of the calls: what authorize answers, what connect and reconnect send, and what
//! `PUT /partner` (set-callback) sends.

use serde::{Deserialize, Serialize};

#[cfg(feature = "json")]
use crate::error::parse_json;
use crate::error::ParseError;
use crate::input::{BotToken, ChannelId, DisplayName, PhoneNumber, Token, WebsiteUrl};
use crate::kind::{ChannelKind, Connection};

/// The longest authorization URL accepted; Facebook's dialog URLs are well under it.
pub const MAX_AUTHORIZE_URL_LEN: usize = 8192;

/// `GET /partner/channel/{kind}/authorize` answers `{ "url": String }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizeResponse {
    pub url: String,
}

impl AuthorizeResponse {
    /// Parses the answer and checks that `url` is an absolute `http(s)` URL that a popup may be
    /// pointed at (never `javascript:` or a relative path).
    #[cfg(feature = "json")]
    pub fn parse(body: &str) -> Result<AuthorizeResponse, ParseError> {
        parse_json::<AuthorizeResponse>(Self::WHAT, body)?.checked()
    }

    pub const WHAT: &'static str = "authorize answer";

    /// Checks an answer read by any deserializer (see [`AuthorizeResponse::parse`]).
    pub fn checked(self) -> Result<AuthorizeResponse, ParseError> {
        const WHAT: &str = AuthorizeResponse::WHAT;
        let url = self.url.trim();
        let lower = url.to_ascii_lowercase();
        let scheme_ok = lower.starts_with("https://") || lower.starts_with("http://");
        if !scheme_ok {
            return Err(ParseError::new(WHAT, "url is not an absolute http(s) URL"));
        }
        if url.len() > MAX_AUTHORIZE_URL_LEN
            || url.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(ParseError::new(WHAT, "url is too long or holds spaces"));
        }
        Ok(AuthorizeResponse {
            url: url.to_owned(),
        })
    }
}

/// `POST /partner/channel/{kind}`: what each kind sends to connect a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectRequest {
    /// Instagram and Messenger: `{channelId, token}`, the chosen account and the
    /// authorization's token.
    Account { channel_id: ChannelId, token: Token },
    /// WhatsApp (`…/whatsapp-unofficial`): `{name, phone}`; the QR code follows.
    Whatsapp {
        name: DisplayName,
        phone: PhoneNumber,
    },
    /// Telegram: `{token}`, the bot's token from BotFather.
    Telegram { token: BotToken },
    /// Webchat: `{name, websiteUrl}`.
    Webchat {
        name: DisplayName,
        website_url: WebsiteUrl,
    },
}

/// `POST /partner/channel/{kind}/{_id}`: what each kind sends to reconnect a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReconnectRequest {
    /// Instagram and Messenger: `{token}` from a fresh authorization.
    Authorization { token: Token },
    /// Telegram: `{token}`, the same bot's token (a token of another bot is refused).
    Telegram { token: BotToken },
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccountWire {
    channel_id: ChannelId,
    token: Token,
}

#[derive(Serialize, Deserialize)]
struct WhatsappWire {
    name: DisplayName,
    phone: PhoneNumber,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WebchatWire {
    name: DisplayName,
    website_url: WebsiteUrl,
}

#[derive(Serialize, Deserialize)]
struct TokenWire<T> {
    token: T,
}

impl Serialize for ConnectRequest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.clone() {
            ConnectRequest::Account { channel_id, token } => {
                AccountWire { channel_id, token }.serialize(s)
            }
            ConnectRequest::Whatsapp { name, phone } => WhatsappWire { name, phone }.serialize(s),
            ConnectRequest::Telegram { token } => TokenWire { token }.serialize(s),
            ConnectRequest::Webchat { name, website_url } => {
                WebchatWire { name, website_url }.serialize(s)
            }
        }
    }
}

impl Serialize for ReconnectRequest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.clone() {
            ReconnectRequest::Authorization { token } => TokenWire { token }.serialize(s),
            ReconnectRequest::Telegram { token } => TokenWire { token }.serialize(s),
        }
    }
}

impl ConnectRequest {
    /// The kind of channel this request connects, as far as its shape tells (an account is
    /// Instagram or Messenger).
    pub fn fits(&self, kind: ChannelKind) -> bool {
        match self {
            ConnectRequest::Account { .. } => kind.connection() == Connection::Facebook,
            ConnectRequest::Whatsapp { .. } => kind == ChannelKind::Whatsapp,
            ConnectRequest::Telegram { .. } => kind == ChannelKind::Telegram,
            ConnectRequest::Webchat { .. } => kind == ChannelKind::Webchat,
        }
    }

    /// The secret it carries, if any.
    pub fn credential(&self) -> Option<&str> {
        match self {
            ConnectRequest::Account { token, .. } => Some(token.expose()),
            ConnectRequest::Telegram { token } => Some(token.expose()),
            ConnectRequest::Whatsapp { .. } | ConnectRequest::Webchat { .. } => None,
        }
    }
}

impl ReconnectRequest {
    pub fn credential(&self) -> &str {
        match self {
            ReconnectRequest::Authorization { token } => token.expose(),
            ReconnectRequest::Telegram { token } => token.expose(),
        }
    }
}

/// `PUT /partner`: the partner's webhook and callback URLs (step 1 of the guide). Fields left
/// `None` are not sent; Socialchat may blank what is not sent, which set-callback warns about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartnerCallbacks {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_chat_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_messenger_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_instagram_url: Option<String>,
}

/// The largest JSON body the widget sends (and the proxy accepts) for connect or reconnect:
/// a token of [`Token::MAX_LEN`] plus an id and the keys, with room to spare.
pub const MAX_REQUEST_BODY_BYTES: usize = 8 * 1024;

#[cfg(feature = "json")]
impl ConnectRequest {
    /// Reads the body a connect of `kind` sends; `None` when the kind has no connect of its own
    /// (none today: every kind connects).
    pub fn parse(kind: ChannelKind, body: &str) -> Result<ConnectRequest, ParseError> {
        const WHAT: &str = "connect request";
        Ok(match kind {
            ChannelKind::Instagram | ChannelKind::Messenger => {
                let w: AccountWire = bounded_request(WHAT, body)?;
                ConnectRequest::Account {
                    channel_id: w.channel_id,
                    token: w.token,
                }
            }
            ChannelKind::Whatsapp => {
                let w: WhatsappWire = bounded_request(WHAT, body)?;
                ConnectRequest::Whatsapp {
                    name: w.name,
                    phone: w.phone,
                }
            }
            ChannelKind::Telegram => {
                let w: TokenWire<BotToken> = bounded_request(WHAT, body)?;
                ConnectRequest::Telegram { token: w.token }
            }
            ChannelKind::Webchat => {
                let w: WebchatWire = bounded_request(WHAT, body)?;
                ConnectRequest::Webchat {
                    name: w.name,
                    website_url: w.website_url,
                }
            }
        })
    }

    /// What the body must look like, for the error that says it.
    pub fn shape(kind: ChannelKind) -> &'static str {
        match kind {
            ChannelKind::Instagram | ChannelKind::Messenger => "{\"channelId\", \"token\"}",
            ChannelKind::Whatsapp => "{\"name\", \"phone\"}",
            ChannelKind::Telegram => "{\"token\"} with the bot's token",
            ChannelKind::Webchat => "{\"name\", \"websiteUrl\"}",
        }
    }
}

#[cfg(feature = "json")]
impl ReconnectRequest {
    /// Reads the body a reconnect of `kind` sends; `None` for a kind that reconnects without
    /// one (WhatsApp shows a fresh QR code) or not at all (webchat).
    pub fn parse(kind: ChannelKind, body: &str) -> Option<Result<ReconnectRequest, ParseError>> {
        const WHAT: &str = "reconnect request";
        Some(match kind {
            ChannelKind::Instagram | ChannelKind::Messenger => {
                bounded_request::<TokenWire<Token>>(WHAT, body)
                    .map(|w| ReconnectRequest::Authorization { token: w.token })
            }
            ChannelKind::Telegram => bounded_request::<TokenWire<BotToken>>(WHAT, body)
                .map(|w| ReconnectRequest::Telegram { token: w.token }),
            ChannelKind::Whatsapp | ChannelKind::Webchat => return None,
        })
    }
}

#[cfg(feature = "json")]
fn bounded_request<T: serde::de::DeserializeOwned>(
    what: &'static str,
    body: &str,
) -> Result<T, ParseError> {
    if body.len() > MAX_REQUEST_BODY_BYTES {
        return Err(ParseError::new(
            what,
            format!("body is larger than {MAX_REQUEST_BODY_BYTES} bytes"),
        ));
    }
    // An object, and nothing else: serde would also fill a struct from an array.
    if !body.trim_start().starts_with('{') {
        return Err(ParseError::new(what, "body is not a JSON object"));
    }
    parse_json(what, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_must_be_an_object_and_a_refusal_never_repeats_its_values() {
        let bot = "7000000001:AAFsandboxBotOfTheCustomerServiceTeam01";
        for body in [
            format!("{bot:?}"),
            format!("[{bot:?}]"),
            r#"["Toko","081299990400"]"#.to_owned(),
            format!(r#"{{"token": [{bot:?}]}}"#),
            format!(r#"{{"token": {bot:?}, "extra": {bot:?}}}"#),
        ] {
            for kind in [ChannelKind::Telegram, ChannelKind::Whatsapp] {
                if let Err(e) = ConnectRequest::parse(kind, &body) {
                    assert!(!e.detail.contains("AAF"), "{}", e.detail);
                    assert!(e.detail.len() <= 200);
                } else {
                    assert!(body.starts_with('{'), "{body} accepted for {kind:?}");
                }
            }
        }
        assert!(
            ConnectRequest::parse(ChannelKind::Telegram, &format!(r#" {{"token": {bot:?}}}"#))
                .is_ok()
        );
    }

    #[test]
    fn authorize_answer_parses_and_refuses_unsafe_urls() {
        let ok = AuthorizeResponse::parse(
            r#"{"url":"https://www.facebook.com/v19.0/dialog/oauth?client_id=1&state=x"}"#,
        );
        assert_eq!(
            ok.unwrap().url,
            "https://www.facebook.com/v19.0/dialog/oauth?client_id=1&state=x"
        );
        for bad in [
            r#"{"url":"javascript:alert(1)"}"#,
            r#"{"url":"/relative"}"#,
            r#"{"url":""}"#,
            r#"{"url":null}"#,
            r#"{"url":"https://a b"}"#,
            r#"{}"#,
            "<html>",
            "",
        ] {
            assert!(AuthorizeResponse::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn connect_body_has_the_guides_shape() {
        let body = ConnectRequest::Account {
            channel_id: ChannelId::new("11233412").unwrap(),
            token: Token::new("tok").unwrap(),
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"channelId": "11233412", "token": "tok"})
        );
        assert_eq!(
            ConnectRequest::parse(
                ChannelKind::Instagram,
                r#"{"channelId":"11233412","token":"tok"}"#
            )
            .unwrap(),
            body
        );
    }

    #[test]
    fn every_kind_sends_the_documented_body() {
        let cases = [
            (
                ChannelKind::Whatsapp,
                serde_json::json!({"name": "Toko", "phone": "+6281234567890"}),
            ),
            (
                ChannelKind::Telegram,
                serde_json::json!({"token": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"}),
            ),
            (
                ChannelKind::Webchat,
                serde_json::json!({"name": "Toko", "websiteUrl": "https://toko.example"}),
            ),
        ];
        for (kind, json) in cases {
            let parsed = ConnectRequest::parse(kind, &json.to_string()).unwrap();
            assert!(parsed.fits(kind));
            assert_eq!(serde_json::to_value(&parsed).unwrap(), json, "{kind}");
        }
        let local = ConnectRequest::parse(
            ChannelKind::Whatsapp,
            r#"{"name":"Toko","phone":"0812-3456-7890"}"#,
        )
        .unwrap();
        assert_eq!(
            serde_json::to_value(&local).unwrap()["phone"],
            "+6281234567890",
            "normalised before it goes up"
        );
        assert!(ReconnectRequest::parse(ChannelKind::Whatsapp, "{}").is_none());
        assert!(ReconnectRequest::parse(ChannelKind::Webchat, "{}").is_none());
        assert!(
            ReconnectRequest::parse(ChannelKind::Telegram, r#"{"token":"tok"}"#)
                .unwrap()
                .is_err()
        );
    }

    #[test]
    fn request_bodies_are_validated_and_bounded() {
        for bad in [
            r#"{"channelId":"1"}"#,
            r#"{"token":"t"}"#,
            r#"{"channelId":"","token":"t"}"#,
            r#"{"channelId":"1","token":""}"#,
            r#"{"channelId":1,"token":"t"}"#,
            r#"{"channelId":"1","token":null}"#,
            "[]",
            "",
        ] {
            assert!(
                ConnectRequest::parse(ChannelKind::Instagram, bad).is_err(),
                "{bad}"
            );
        }
        let big = format!(r#"{{"token":"{}"}}"#, "a".repeat(MAX_REQUEST_BODY_BYTES));
        assert!(ReconnectRequest::parse(ChannelKind::Instagram, &big)
            .unwrap()
            .unwrap_err()
            .detail
            .contains("larger than"));
        assert!(
            ReconnectRequest::parse(ChannelKind::Instagram, r#"{"token":"abc"}"#)
                .unwrap()
                .is_ok()
        );
    }

    #[test]
    fn set_callback_sends_only_what_was_given() {
        let body = PartnerCallbacks {
            callback_instagram_url: Some("https://app.test/callback/instagram".into()),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"callbackInstagramUrl": "https://app.test/callback/instagram"})
        );
    }
}
