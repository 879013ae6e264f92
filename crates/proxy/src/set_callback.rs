//! `set-callback`: step 1 of the partner guide, `PUT /partner` with the callback URLs.
//!
//! It sends only the fields given. Socialchat's PUT may replace the fields it is not sent, so it
//! warns, naming each one left out, before sending.

use std::time::Duration;

use socialchat_api::call::PARTNER_SETTINGS_PATH;
use socialchat_api::{ApiError, PartnerCallbacks};

use crate::upstream::Upstream;

fn check_url(flag: &str, url: &Option<String>) -> Result<(), String> {
    match url {
        Some(u) if !(u.starts_with("https://") || u.starts_with("http://")) => Err(format!(
            "--{flag} must be an absolute http(s) URL, not {u:?}"
        )),
        _ => Ok(()),
    }
}

pub async fn run(
    upstream: &str,
    key: &str,
    timeout: Duration,
    instagram: Option<String>,
    messenger: Option<String>,
    webhook: Option<String>,
) -> Result<(), String> {
    check_url("instagram", &instagram)?;
    check_url("messenger", &messenger)?;
    check_url("webhook", &webhook)?;
    if instagram.is_none() && messenger.is_none() && webhook.is_none() {
        return Err("nothing to set: give --instagram, --messenger and/or --webhook".into());
    }
    let body = PartnerCallbacks {
        webhook_chat_url: webhook,
        callback_messenger_url: messenger,
        callback_instagram_url: instagram,
    };
    for (field, given) in [
        (
            "webhookChatUrl (--webhook)",
            body.webhook_chat_url.is_some(),
        ),
        (
            "callbackMessengerUrl (--messenger)",
            body.callback_messenger_url.is_some(),
        ),
        (
            "callbackInstagramUrl (--instagram)",
            body.callback_instagram_url.is_some(),
        ),
    ] {
        if !given {
            eprintln!(
                "warning: {field} is not given and is not sent; Socialchat's PUT /partner may clear it. \
                 Pass its current value to keep it."
            );
        }
    }
    let client = Upstream::new(upstream, key.to_owned(), timeout)?;
    let json = serde_json::to_vec(&body).map_err(|e| e.to_string())?;
    let answer = client
        .send(
            axum::http::Method::PUT,
            PARTNER_SETTINGS_PATH,
            "",
            Some(json),
        )
        .await
        .map_err(|problem| problem.message)?;
    let text = String::from_utf8_lossy(&answer.body);
    if (200..300).contains(&answer.status) {
        println!("Socialchat answered HTTP {}:", answer.status);
        println!("{text}");
        Ok(())
    } else {
        let error = ApiError::from_response(answer.status, &text);
        Err(format!(
            "Socialchat refused the change (HTTP {}): {}",
            answer.status,
            error.detail()
        ))
    }
}
