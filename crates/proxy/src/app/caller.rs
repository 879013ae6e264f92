//! Who is calling, and what for: the extractors a widget's call passes through before anything
//! is read or goes upstream, in this order, and the refusals they answer with.
//!
//! 1. [`limit_address`] (a route layer): the per-address rate limit.
//! 2. [`Recognized`]: a page of another site is refused whether or not the browser would let it
//!    read the answer; the path and method must name one of the widget's calls; a POST must be
//!    JSON (which a page of another site cannot send without a preflight) and not declare a
//!    body over the limit.
//! 3. [`Caller`]: the session (one `Authorization` header, checked) and the per-user limit.
//! 4. [`Call`]: the body, read within the body timeout and the size limit, and the whole call
//!    validated into a [`PartnerCall`].

use std::sync::Arc;
use std::time::Duration;

use axum::body::to_bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use socialchat_api::call::{RECEIPT_HEADER, TICKET_HEADER};
use socialchat_api::request::MAX_REQUEST_BODY_BYTES;
use socialchat_api::{PartnerCall, RefusalCode, Rejection, Route};

use super::request_log::Facts;
use super::state::AppState;
use crate::limit;
use crate::observe::Reason;
use crate::problem::{json_error, Problem};
use crate::session::{Denied, Session};

/// Why a call is answered by the proxy itself, not forwarded.
pub enum Refusal {
    Problem(Problem),
    Rejected(Rejection),
}

impl From<Problem> for Refusal {
    fn from(problem: Problem) -> Self {
        Refusal::Problem(problem)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Problem(problem) => problem.into_response(),
            Refusal::Rejected(Rejection::NotFound) => Problem::not_found().into_response(),
            Refusal::Rejected(Rejection::MethodNotAllowed { allowed }) => {
                let mut response = json_error(
                    StatusCode::METHOD_NOT_ALLOWED,
                    &format!("this route takes {} only", allowed.as_str()),
                    None,
                );
                response
                    .headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static(allowed.as_str()));
                response
            }
            Refusal::Rejected(Rejection::BadRequest(message)) => {
                Problem::bad_request(message).into_response()
            }
        }
    }
}

/// A call that is not one of the widget's, or not a valid one.
pub fn invalid(rejection: Rejection) -> Refusal {
    Reason::Validation.count();
    Refusal::Rejected(rejection)
}

/// 429 with `Retry-After`: `what` was over its limit for `wait`.
pub fn too_many(wait: Duration, what: &str) -> Refusal {
    Reason::RateLimit.count();
    let seconds = wait.as_secs() + 1;
    Problem::new(
        StatusCode::TOO_MANY_REQUESTS,
        format!("{what}: try again in {seconds} s"),
    )
    .with_code(RefusalCode::RateLimited)
    .with_retry_after(seconds)
    .into()
}

pub fn forbidden(denied: Denied) -> Refusal {
    Reason::Forbidden.count();
    Problem::new(StatusCode::FORBIDDEN, denied.message())
        .with_code(denied.code())
        .into()
}

fn too_large() -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("request body is larger than {MAX_REQUEST_BODY_BYTES} bytes"),
    )
}

/// The facts slot of the request's log line (see [`super::request_log`]).
fn facts(parts: &Parts) -> Facts {
    parts.extensions.get::<Facts>().cloned().unwrap_or_default()
}

/// The path of a widget's call below the prefix.
fn call_path<'a>(state: &AppState, path: &'a str) -> &'a str {
    path.strip_prefix(state.prefix.as_str()).unwrap_or("")
}

/// The per-address rate limit: the connection's peer, or the client a trusted load balancer
/// names in `X-Forwarded-For`.
pub async fn limit_address(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(limit) = &state.limits.address {
        let peer = request
            .extensions()
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0.ip());
        let forwarded: Vec<&str> = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        if let Some(key) = limit::client_key(peer, &forwarded, state.limits.trust_forwarded_for) {
            if let Err(wait) = limit.check(&key) {
                return too_many(wait, "too many calls from this address").into_response();
            }
        }
    }
    next.run(request).await
}

/// Whether a request's `Content-Type` says JSON (`application/json`, any parameters).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// A request from an allowed page, naming one of the widget's routes, in the right form.
pub struct Recognized;

impl FromRequestParts<Arc<AppState>> for Recognized {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Refusal> {
        let headers = &parts.headers;
        if let Some(origin) = headers.get(header::ORIGIN) {
            let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
            let allowed = origin
                .to_str()
                .is_ok_and(|origin| state.origins.allow(origin, host));
            if !allowed {
                Reason::Origin.count();
                return Err(Problem::new(
                    StatusCode::FORBIDDEN,
                    "this origin may not call the proxy: add it with --allow-origin",
                )
                .into());
            }
        }
        // A path that names no call, or not with this method, says so before anything else.
        let path = call_path(state, parts.uri.path());
        let route = Route::recognize(parts.method.as_str(), path).map_err(invalid)?;
        facts(parts).update(|facts| facts.route = Some(route.template()));
        if parts.method == Method::POST {
            if !is_json(headers) {
                Reason::Validation.count();
                return Err(Problem::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "send the body as JSON, with Content-Type: application/json",
                )
                .into());
            }
            let declared = headers
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            if declared.is_some_and(|n| n > MAX_REQUEST_BODY_BYTES as u64) {
                Reason::Validation.count();
                return Err(too_large().into());
            }
        }
        Ok(Recognized)
    }
}

/// The most receipts one call may carry.
const MAX_RECEIPTS: usize = 16;

/// The checked session of the call (everything allowed on a proxy that checks none), and the
/// proofs it carries: a ticket, receipts.
pub struct Caller {
    pub session: Arc<Session>,
    pub ticket: Option<String>,
    /// Receipts of channels the caller connected a moment ago (unchecked here).
    pub receipts: Vec<String>,
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Refusal> {
        let mut authorizations = parts.headers.get_all(header::AUTHORIZATION).iter();
        let authorization = authorizations.next();
        if authorizations.next().is_some() {
            Reason::Session.count();
            return Err(Problem::bad_request(
                "send one Authorization header: this request has several",
            )
            .into());
        }
        let session = match &state.sessions {
            None => Arc::new(Session::unchecked()),
            Some(sessions) => sessions
                .verify(authorization.and_then(|v| v.to_str().ok()))
                .map_err(|refused| {
                    Reason::Session.count();
                    Problem::new(StatusCode::UNAUTHORIZED, refused.message())
                        .with_code(refused.code())
                })?,
        };
        facts(parts).update(|facts| facts.sub.clone_from(&session.sub));
        if let (Some(limit), Some(sub)) = (&state.limits.call, &session.sub) {
            // Without sessions every caller is one user: the address limit is the one that
            // counts.
            limit
                .check(sub)
                .map_err(|wait| too_many(wait, "too many calls by this user"))?;
        }
        let ticket = parts
            .headers
            .get(TICKET_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let receipts = parts
            .headers
            .get_all(RECEIPT_HEADER)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split([',', ' ']))
            .filter(|r| !r.is_empty())
            .take(MAX_RECEIPTS)
            .map(str::to_owned)
            .collect();
        Ok(Caller {
            session,
            ticket,
            receipts,
        })
    }
}

/// The call, validated: path, query and (for a POST) the body, read within the body timeout and
/// the size limit.
pub struct Call(pub PartnerCall);

impl FromRequest<Arc<AppState>> for Call {
    type Rejection = Refusal;

    async fn from_request(request: Request, state: &Arc<AppState>) -> Result<Self, Refusal> {
        let (parts, body) = request.into_parts();
        // Only the POSTs carry a body; whatever else a request sends is not read.
        let body = if parts.method == Method::POST {
            // The whole body within the timeout: tower-http's body timeout is per frame, and a
            // body trickled a byte at a time would never end.
            let read = to_bytes(body, MAX_REQUEST_BODY_BYTES);
            match tokio::time::timeout(state.body_timeout, read).await {
                Ok(Ok(body)) => body,
                Ok(Err(error)) => return Err(unread_body(&error)),
                Err(_) => {
                    Reason::Validation.count();
                    return Err(Problem::new(
                        StatusCode::REQUEST_TIMEOUT,
                        format!(
                            "the request body did not arrive within {} s",
                            state.body_timeout.as_secs()
                        ),
                    )
                    .into());
                }
            }
        } else {
            Default::default()
        };
        let path = call_path(state, parts.uri.path());
        PartnerCall::from_request(parts.method.as_str(), path, parts.uri.query(), &body)
            .map(Call)
            .map_err(invalid)
    }
}

/// Why a request's body could not be read: over the limit (413), its client gone before the
/// end (499, as nginx logs it: nobody reads that answer), or not a valid HTTP body (400).
fn unread_body(error: &axum::Error) -> Refusal {
    let causes = std::iter::successors(Some(error as &(dyn std::error::Error + 'static)), |e| {
        e.source()
    });
    for cause in causes {
        if cause.is::<http_body_util::LengthLimitError>() {
            Reason::Validation.count();
            return too_large().into();
        }
        let client_gone = cause.downcast_ref::<std::io::Error>().is_some_and(|e| {
            use std::io::ErrorKind::*;
            matches!(
                e.kind(),
                UnexpectedEof | ConnectionReset | ConnectionAborted | BrokenPipe
            )
        });
        if client_gone {
            let status = StatusCode::from_u16(499).unwrap_or(StatusCode::BAD_REQUEST);
            return Problem::new(
                status,
                "the client closed the connection before its body ended",
            )
            .into();
        }
    }
    Reason::Validation.count();
    Problem::bad_request("the request body could not be read").into()
}
