//! One log event per request (see [`crate::observe`]): its id, method, route template (never
//! the path or the query, which a client may fill with a token), status, duration,
//! Socialchat's status, the session's `sub`, and how many items of the answer were dropped when
//! some were; and the request counted in the metrics by route, method and status.
//!
//! The id is tower-http's request id (`x-request-id`, on the request and its answer), made
//! here: `req-` and 16 random hex digits, unique across replicas. TraceLayer opens a span with
//! it, so the other events of the request carry it in text logs (JSON lines carry it on the
//! request's own line).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::Request;
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::request_id::{MakeRequestId, RequestId};

use crate::observe::{names, CallFacts};
use crate::project::Dropped;

const REQUEST_ID: &str = "x-request-id";

/// Makes each request's id.
#[derive(Clone, Copy)]
pub struct MakeId;

impl MakeRequestId for MakeId {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let id = format!("req-{}", crate::random::hex(8));
        HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}

/// Every request gets an id of this proxy's making: one a client sent is dropped, so that no
/// client reuses another request's id in the log or forges fields of a text line.
pub async fn drop_given_id(mut request: Request) -> Request {
    request.headers_mut().remove(REQUEST_ID);
    request
}

/// The request's span, which every event logged while it is handled belongs to (its `id` is the
/// request log line's `request_id`).
pub fn span(request: &Request) -> tracing::Span {
    tracing::info_span!("request", id = %id_of(request))
}

fn id_of<B>(request: &axum::http::Request<B>) -> String {
    request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or("-")
        .to_owned()
}

/// Where the pipeline leaves the facts of a call for its log line, as it learns them: a call
/// refused half-way still logs its route and its `sub`.
#[derive(Clone, Default)]
pub struct Facts(Arc<Mutex<CallFacts>>);

impl Facts {
    pub fn update(&self, change: impl FnOnce(&mut CallFacts)) {
        change(&mut self.0.lock().unwrap_or_else(|e| e.into_inner()));
    }

    fn take(&self) -> CallFacts {
        std::mem::take(&mut self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Logs and counts the request once it is answered, or with status 499 (as nginx does) when it
/// is dropped unanswered: its client went away, or the shutdown's grace period ended it.
pub async fn logged(mut request: Request, next: Next) -> Response {
    let facts = Facts::default();
    request.extensions_mut().insert(facts.clone());
    let mut line = Line::start(id_of(&request), method_label(request.method()), facts);
    let response = next.run(request).await;
    let dropped = response.extensions().get::<Dropped>().map(|d| d.0);
    line.finish(response.status().as_u16(), dropped);
    response
}

/// One request, from its start to its log line: in the in-flight gauge for as long as it lives,
/// and logged and counted once.
struct Line {
    id: String,
    method: &'static str,
    start: Instant,
    facts: Facts,
    in_flight: metrics::Gauge,
    done: bool,
}

impl Line {
    fn start(id: String, method: &'static str, facts: Facts) -> Line {
        let in_flight = metrics::gauge!(names::IN_FLIGHT);
        in_flight.increment(1.0);
        Line {
            id,
            method,
            start: Instant::now(),
            facts,
            in_flight,
            done: false,
        }
    }

    fn finish(&mut self, status: u16, dropped: Option<usize>) {
        self.done = true;
        let facts = self.facts.take();
        let route = facts.route.unwrap_or("other");
        metrics::counter!(
            names::REQUESTS,
            "route" => route,
            "method" => self.method,
            "status" => status.to_string()
        )
        .increment(1);
        tracing::info!(
            request_id = %self.id,
            method = %self.method,
            route,
            status,
            duration_ms = (self.start.elapsed().as_secs_f64() * 10_000.0).round() / 10.0,
            upstream_status = facts.upstream_status,
            sub = facts.sub.as_deref(),
            dropped,
            "request"
        );
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        self.in_flight.decrement(1.0);
        if !self.done {
            self.finish(499, None);
        }
    }
}

/// A method as a metric label: the usual ones by name, anything else as one label.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::OPTIONS => "OPTIONS",
        Method::HEAD => "HEAD",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        _ => "other",
    }
}
