//! What a browser receives: a backend's answer projected per call. Channels lose their secrets,
//! account pages keep name, channelId and picture, the authorization answer keeps its URL;
//! errors keep Socialchat's status and messages; anything that is not JSON becomes a JSON error.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use socialchat_api::channel::project_channels;
use socialchat_api::{AccountPage, ApiError, AuthorizeResponse, ChannelList, PartnerCall};

use crate::call::RawAnswer;
use crate::problem::{error_response, json_error, Source};

/// Turns a backend's answer into what the browser receives.
pub fn project_answer(call: &PartnerCall, answer: RawAnswer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
    let text = std::str::from_utf8(&answer.body).unwrap_or("");
    if !status.is_success() {
        let error = ApiError::from_response(answer.status, text);
        let status = if status.is_client_error() || status.is_server_error() {
            status
        } else {
            // A redirect or an informational status is not something the widget can follow.
            StatusCode::BAD_GATEWAY
        };
        return match error.message {
            Some(message) => upstream_error(status, &message, error.original_message.as_deref()),
            None => upstream_error(
                status,
                &format!("Socialchat answered HTTP {} without details", answer.status),
                error.original_message.as_deref(),
            ),
        };
    }
    // The answer is read once into its typed shape; only an answer of another shape is read
    // as a generic JSON value and stripped of the secrets a channel can carry.
    let typed = match call {
        PartnerCall::ChannelList { .. } => ChannelList::parse(text).map(|list| list.to_json()).ok(),
        PartnerCall::Accounts { .. } => AccountPage::parse(text).map(|page| page.to_json()).ok(),
        PartnerCall::Authorize { .. } => AuthorizeResponse::parse(text)
            .map(|a| serde_json::json!({ "url": a.url }))
            .ok(),
        PartnerCall::Connect { .. } | PartnerCall::Reconnect { .. } => None,
    };
    let projected = match typed {
        Some(projected) => projected,
        None => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(value) => project_channels(value),
            Err(_) => {
                return json_error(
                    StatusCode::BAD_GATEWAY,
                    "Socialchat answered with something that is not JSON",
                    None,
                )
            }
        },
    };
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        projected.to_string(),
    )
        .into_response()
}

/// An error Socialchat (or the sandbox) gave, passed on in Socialchat's shape.
fn upstream_error(status: StatusCode, message: &str, original: Option<&str>) -> Response {
    error_response(Source::Socialchat, status, message, original)
}
