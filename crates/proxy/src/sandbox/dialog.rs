//! The sandbox's stand-in for the Facebook authorization dialog: a plain HTML page (no script)
//! listing the simulated Pages and Instagram accounts, each ticked, with Allow and Deny. Unticked
//! accounts are missing from the account list afterwards, as on Facebook.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use socialchat_api::query;

use super::Sandbox;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

const PAGE_STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f0f2f5;margin:0;color:#1c1e21}\
main{max-width:520px;margin:24px auto;background:#fff;border-radius:10px;padding:20px 24px;box-shadow:0 1px 3px rgba(0,0,0,.15)}\
h1{font-size:20px;margin:0 0 4px}p{color:#606770}.badge{display:inline-block;background:#fff3cd;color:#7a5b00;border-radius:6px;padding:2px 8px;font-size:12px}\
ul{list-style:none;padding:0;max-height:50vh;overflow:auto;border:1px solid #dadde1;border-radius:8px}li{padding:8px 12px;border-bottom:1px solid #eee}\
.actions{display:flex;gap:12px;justify-content:flex-end;margin-top:16px}button{font:inherit;font-weight:600;padding:10px 20px;border-radius:6px;border:1px solid #ccd0d5;cursor:pointer}\
button[value=allow]{background:#1877f2;color:#fff;border-color:#1877f2}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<meta name=\"referrer\" content=\"no-referrer\"><title>{}</title><style>{PAGE_STYLE}</style></head><body><main>{body}</main></body></html>",
        escape(title)
    )
}

/// The dialog's pages run no script, load nothing but their own inline style, may not be framed
/// (clickjacking the Allow button) and are never sniffed as another type.
fn secured(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(
        header::X_FRAME_OPTIONS,
        header::HeaderValue::from_static("DENY"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

fn error_page(status: StatusCode, message: &str) -> Response {
    secured(
        (
            status,
            Html(page(
                "Sandbox authorization",
                &format!(
                    "<h1>Sandbox authorization</h1><p role=\"alert\">{}</p>",
                    escape(message)
                ),
            )),
        )
            .into_response(),
    )
}

#[derive(serde::Deserialize)]
pub struct DialogQuery {
    #[serde(default)]
    session: String,
}

pub async fn show(State(sandbox): State<Arc<Sandbox>>, Query(q): Query<DialogQuery>) -> Response {
    let Some((kind, accounts)) = sandbox.session_accounts(&q.session) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "This authorization has expired or was already used. Close this window and start again.",
        );
    };
    // Only the kinds connected through Facebook are ever authorized.
    let what = match kind {
        socialchat_api::ChannelKind::Instagram => "Instagram accounts",
        socialchat_api::ChannelKind::Messenger
        | socialchat_api::ChannelKind::Whatsapp
        | socialchat_api::ChannelKind::Telegram
        | socialchat_api::ChannelKind::Webchat => "Facebook Pages",
    };
    let items: String = accounts
        .iter()
        .map(|a| {
            format!(
                "<li><label><input type=\"checkbox\" name=\"account\" value=\"{}\" checked> {}</label></li>",
                escape(a.channel_id.as_str()),
                escape(&a.name)
            )
        })
        .collect();
    let body = format!(
        "<span class=\"badge\">Sandbox: simulated Facebook</span>\
<h1>Socialchat wants to access your {what}</h1>\
<p>Choose the {what} Socialchat may use. Allow all of them so that every one can be connected.</p>\
<form method=\"post\" action=\"/sandbox/dialog\"><input type=\"hidden\" name=\"session\" value=\"{}\">\
<ul aria-label=\"{what}\">{items}</ul>\
<div class=\"actions\"><button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>\
<button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button></div></form>",
        escape(&q.session)
    );
    secured(Html(page("Sandbox: authorize Socialchat", &body)).into_response())
}

/// The largest dialog form accepted: a few thousand ticked ids.
const MAX_FORM_BYTES: usize = 256 * 1024;

pub async fn decide(State(sandbox): State<Arc<Sandbox>>, body: Bytes) -> Response {
    if body.len() > MAX_FORM_BYTES {
        return error_page(StatusCode::PAYLOAD_TOO_LARGE, "The form is too large.");
    }
    let form = query::parse(&String::from_utf8_lossy(&body));
    let session = query::first(&form, "session").unwrap_or_default();
    let allow = match query::first(&form, "decision") {
        Some("allow") => true,
        Some("deny") => false,
        _ => return error_page(StatusCode::BAD_REQUEST, "Choose Allow or Deny."),
    };
    let ticked: Vec<String> = form
        .iter()
        .filter(|(k, _)| k == "account")
        .map(|(_, v)| v.clone())
        .collect();
    match sandbox.decide(session, allow, &ticked) {
        Ok(location) => {
            secured((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response())
        }
        Err(message) => error_page(StatusCode::BAD_REQUEST, message),
    }
}

#[derive(serde::Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    kind: String,
    /// How many accounts the token may see, from the first; all when absent.
    #[serde(default)]
    accounts: Option<usize>,
}

/// `POST /sandbox/token?kind=instagram`: a token for every account, as if Allow had been
/// pressed (browser tests cannot click inside a cross-origin popup).
pub async fn token(State(sandbox): State<Arc<Sandbox>>, Query(q): Query<TokenQuery>) -> Response {
    let Ok(kind) = q.kind.parse::<socialchat_api::ChannelKind>() else {
        return crate::problem::Problem::bad_request("kind must be instagram or messenger")
            .into_response();
    };
    let token = sandbox.grant_first(kind, q.accounts);
    (
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::json!({ "token": token }).to_string(),
    )
        .into_response()
}

#[derive(serde::Deserialize)]
pub struct SessionQuery {
    #[serde(default)]
    sub: Option<String>,
    /// Comma-separated; all kinds when absent.
    #[serde(default)]
    kinds: Option<String>,
    /// Comma-separated `_id`s, or `all`; none when absent.
    #[serde(default)]
    channels: Option<String>,
    #[serde(default)]
    ttl: Option<u64>,
    #[serde(default)]
    expired: Option<String>,
    #[serde(default)]
    expire_first: Option<String>,
}

fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `GET /sandbox/session?sub=…&kinds=…&channels=…`: the stand-in for the partner's session
/// endpoint, answering `{"session": "<jwt>"}` as the partner's backend would for its signed-in
/// user (the preview's and the tests' `session-url`).
pub async fn session(
    State(sandbox): State<Arc<Sandbox>>,
    Query(q): Query<SessionQuery>,
) -> Response {
    let sub = q
        .sub
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "sandbox-user".into());
    let kinds = q.kinds.map(|k| list(&k)).unwrap_or_else(|| {
        socialchat_api::ChannelKind::ALL
            .iter()
            .map(|k| k.as_str().to_owned())
            .collect()
    });
    let flag = |v: &Option<String>| v.as_deref().is_some_and(|v| v != "0" && v != "false");
    let token = sandbox.session(
        &sub,
        kinds,
        q.channels.map(|c| list(&c)),
        q.ttl.unwrap_or(600).clamp(1, 3600),
        flag(&q.expired),
        flag(&q.expire_first),
    );
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        serde_json::json!({ "session": token }).to_string(),
    )
        .into_response()
}

#[derive(serde::Deserialize)]
pub struct ScanQuery {
    #[serde(default)]
    id: String,
    /// Or the number, as the phone that scans knows it (with or without its `+`).
    #[serde(default)]
    phone: String,
}

/// `POST /sandbox/whatsapp/scan?id=…` (or `?phone=62…`): the user scanned the WhatsApp
/// channel's QR code with their phone (a test cannot hold a phone to the screen).
pub async fn scan(State(sandbox): State<Arc<Sandbox>>, Query(q): Query<ScanQuery>) -> Response {
    if sandbox.scan(&q.id, &q.phone) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        crate::problem::Problem::new(StatusCode::NOT_FOUND, "no WhatsApp channel with this _id")
            .into_response()
    }
}

#[derive(serde::Deserialize)]
pub struct DisconnectQuery {
    #[serde(default)]
    id: String,
}

/// `POST /sandbox/disconnect?id=…`: the channel breaks (its owner revoked access, the phone
/// unlinked), so that a test or a demo can reconnect it again.
pub async fn disconnect(
    State(sandbox): State<Arc<Sandbox>>,
    Query(q): Query<DisconnectQuery>,
) -> Response {
    if sandbox.disconnect(&q.id) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        crate::problem::Problem::new(StatusCode::NOT_FOUND, "no channel with this _id")
            .into_response()
    }
}

#[derive(serde::Deserialize)]
pub struct FailQuery {
    #[serde(default)]
    rule: String,
}

/// `POST /sandbox/fail?rule=ROUTE:OUTCOME[:TIMES]`: injects a failure into the running sandbox,
/// like `--fail` at start.
pub async fn fail(State(sandbox): State<Arc<Sandbox>>, Query(q): Query<FailQuery>) -> Response {
    match super::Fault::parse(&q.rule) {
        Ok(fault) => {
            sandbox.add_fault(fault);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(message) => crate::problem::Problem::bad_request(message).into_response(),
    }
}

const AVATAR_COLOURS: [[u8; 3]; 6] = [
    [0xd6, 0x29, 0x76],
    [0x4f, 0x5b, 0xd5],
    [0xfa, 0x7e, 0x1e],
    [0x2e, 0x7d, 0x32],
    [0x00, 0x83, 0x8f],
    [0x6a, 0x1b, 0x9a],
];

/// A generated picture for account N (`N.png`); anything else is a 404, which the widget must
/// survive (it shows the account's initial instead).
pub async fn avatar(State(sandbox): State<Arc<Sandbox>>, Path(file): Path<String>) -> Response {
    let number = file
        .strip_suffix(".png")
        .and_then(|n| n.parse::<usize>().ok());
    let Some((number, initial)) = number.and_then(|n| Some((n, sandbox.avatar_initial(n)?))) else {
        return (StatusCode::NOT_FOUND, "no such picture").into_response();
    };
    let colour = AVATAR_COLOURS[number % AVATAR_COLOURS.len()];
    (
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        super::avatar::png(initial, colour),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_into_the_page() {
        assert_eq!(
            escape("<b>Toko \"Kopi\" & Teh</b>"),
            "&lt;b&gt;Toko &quot;Kopi&quot; &amp; Teh&lt;/b&gt;"
        );
    }
}
