//! The bodies of the calls: what authorize answers, what connect and reconnect send, and what
//! `PUT /partner` (set-callback) sends.

use serde::{Deserialize, Serialize};

use crate::error::{parse_json, ParseError};
use crate::input::{ChannelId, Token};

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
    pub fn parse(body: &str) -> Result<AuthorizeResponse, ParseError> {
        const WHAT: &str = "authorize answer";
        let response: AuthorizeResponse = parse_json(WHAT, body)?;
        let url = response.url.trim();
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

/// `POST /partner/channel/{kind}`: connect the chosen account with the authorization's token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectRequest {
    pub channel_id: ChannelId,
    pub token: Token,
}

/// `POST /partner/channel/{kind}/{_id}`: reconnect an existing channel with a fresh token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconnectRequest {
    pub token: Token,
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

impl ConnectRequest {
    pub fn parse(body: &str) -> Result<ConnectRequest, ParseError> {
        bounded_request("connect request", body)
    }
}

impl ReconnectRequest {
    pub fn parse(body: &str) -> Result<ReconnectRequest, ParseError> {
        bounded_request("reconnect request", body)
    }
}

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
    parse_json(what, body)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let body = ConnectRequest {
            channel_id: ChannelId::new("11233412").unwrap(),
            token: Token::new("tok").unwrap(),
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"channelId": "11233412", "token": "tok"})
        );
        assert_eq!(
            ConnectRequest::parse(r#"{"channelId":"11233412","token":"tok"}"#).unwrap(),
            body
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
            assert!(ConnectRequest::parse(bad).is_err(), "{bad}");
        }
        let big = format!(r#"{{"token":"{}"}}"#, "a".repeat(MAX_REQUEST_BODY_BYTES));
        assert!(ReconnectRequest::parse(&big)
            .unwrap_err()
            .detail
            .contains("larger than"));
        assert!(ReconnectRequest::parse(r#"{"token":"abc"}"#).is_ok());
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
