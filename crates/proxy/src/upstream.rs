//! Socialchat over HTTPS: adds the bearer key, bounds every wait and every body, and turns
//! transport failures into clear JSON errors. Error texts are stripped of URLs, because a URL
//! of an account call holds the token.

use std::time::Duration;

use axum::body::Bytes;
use axum::http::StatusCode;
use socialchat_api::{Method, MAX_BODY_BYTES};

use crate::call::{Answer, Backend, PartnerCall, RawAnswer, Ready};
use crate::observe::names;
use crate::problem::Problem;

pub struct Upstream {
    /// Parsed once: each call only sets its path and query on a copy.
    base: reqwest::Url,
    key: String,
    client: reqwest::Client,
    timeout: Duration,
    /// The last readiness check: when, and whether Socialchat answered. Held while a check
    /// runs, so that probes arriving meanwhile wait for its result instead of asking again.
    readiness: tokio::sync::Mutex<Option<(std::time::Instant, bool)>>,
}

/// How long a readiness check's result is used again: an orchestrator probes every few
/// seconds, Socialchat hears of it at most this often.
const READINESS_LIFETIME: Duration = Duration::from_secs(10);
/// The longest a readiness check waits for Socialchat.
const READINESS_TIMEOUT: Duration = Duration::from_secs(3);

/// Checks the API key before anything uses it: it goes into an HTTP header, so a line break or
/// a space in it (a copy-paste slip) would make every call fail.
pub fn check_key(key: &str) -> Result<String, String> {
    let printable = key.bytes().all(|b| b.is_ascii_graphic());
    if !printable || reqwest::header::HeaderValue::from_str(&format!("Bearer {key}")).is_err() {
        return Err(
            "SOCIALCHAT_API_KEY holds a space, a line break or another character that cannot go \
             in an HTTP header: export the key exactly as Socialchat gave it"
                .into(),
        );
    }
    Ok(key.to_owned())
}

/// The longest wait for a TCP and TLS connection to Socialchat.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

impl Upstream {
    pub fn new(base: &str, key: String, timeout: Duration) -> Result<Upstream, String> {
        let text = base.trim_end_matches('/');
        if !(text.starts_with("https://") || text.starts_with("http://")) {
            return Err(format!("--upstream must be an http(s) URL, not {text:?}"));
        }
        let base = reqwest::Url::parse(text)
            .ok()
            .filter(|url| url.host().is_some() && url.query().is_none() && url.fragment().is_none())
            .ok_or_else(|| {
                format!("--upstream must be an http(s) URL without query, not {text:?}")
            })?;
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(timeout)
            // Never follow a redirect with the key attached; a 3xx is reported instead.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("socialchat-proxy/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Upstream {
            base,
            key,
            client,
            timeout,
            readiness: tokio::sync::Mutex::new(None),
        })
    }

    async fn forward(&self, call: &PartnerCall) -> Result<RawAnswer, Problem> {
        let method = match call.method() {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
        };
        let body = match call.body() {
            Some(body) => Some(serde_json::to_vec(&body).map_err(|_| {
                Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the call's body could not be written",
                )
            })?),
            None => None,
        };
        self.send(method, &call.path(), &call.query_string(), body)
            .await
    }

    /// Sends one request to `{base}{path}?{query}` with the bearer key; `query` is encoded and
    /// `body` is JSON.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &str,
        body: Option<Vec<u8>>,
    ) -> Result<RawAnswer, Problem> {
        let mut url = self.base.clone();
        let joined = format!("{}{}", self.base.path().trim_end_matches('/'), path);
        url.set_path(&joined);
        if !query.is_empty() {
            url.set_query(Some(query));
        }
        let route = call_route(&method, path);
        let start = std::time::Instant::now();
        let request = |url: reqwest::Url| {
            let request = self
                .client
                .request(method.clone(), url)
                .bearer_auth(&self.key)
                .header(reqwest::header::ACCEPT, "application/json");
            match &body {
                Some(body) => request
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone()),
                None => request,
            }
        };
        let mut sent = request(url.clone()).send().await;
        // A GET whose connection was refused or reset before it was sent (it never reached
        // Socialchat) is tried once more; a POST never is, nor a connection that timed out
        // (the call would then outlast --timeout-secs), nor anything that got an answer.
        if method == reqwest::Method::GET
            && sent
                .as_ref()
                .is_err_and(|e| e.is_connect() && !e.is_timeout())
        {
            metrics::counter!(names::UPSTREAM_RETRIES, "route" => route).increment(1);
            tracing::warn!(
                route,
                "upstream: could not connect, trying the GET once more"
            );
            sent = request(url).send().await;
        }
        let observe = |outcome: &'static str| {
            metrics::histogram!(names::UPSTREAM_SECONDS, "route" => route, "outcome" => outcome)
                .record(start.elapsed().as_secs_f64());
        };
        // A transport failure, before or during the answer: observed, then told as a problem.
        let failed = |e: reqwest::Error| {
            observe(if e.is_timeout() {
                "timeout"
            } else {
                "unreachable"
            });
            self.transport_problem(e)
        };
        let mut response = sent.map_err(failed)?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if response.content_length().unwrap_or(0) > MAX_BODY_BYTES as u64 {
            observe("too-large");
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(failed)? {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                observe("too-large");
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        observe(status_class(status));
        Ok(RawAnswer {
            status,
            body: Bytes::from(body),
            retry_after,
        })
    }

    fn transport_problem(&self, error: reqwest::Error) -> Problem {
        let error = error.without_url();
        if error.is_timeout() {
            tracing::warn!("upstream: no answer within {} s", self.timeout.as_secs());
            return Problem::upstream_timeout(self.timeout);
        }
        tracing::warn!("upstream: {error}");
        Problem::new(
            StatusCode::BAD_GATEWAY,
            "could not reach Socialchat: try again in a moment",
        )
    }
}

/// The metric label of an answer's status: its class, so that the labels stay few.
fn status_class(status: u16) -> &'static str {
    match status {
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// The route of a call by its method and path, for metrics: its template, as the request
/// metrics label it (`set-callback`'s `PUT /partner` is `/partner`).
fn call_route(method: &reqwest::Method, path: &str) -> &'static str {
    let method = if *method == reqwest::Method::POST {
        "POST"
    } else {
        "GET"
    };
    socialchat_api::Route::recognize(method, path).map_or("/partner", |r| r.template())
}

fn too_large() -> Problem {
    Problem::new(
        StatusCode::BAD_GATEWAY,
        format!("Socialchat's answer is larger than {MAX_BODY_BYTES} bytes"),
    )
}

impl Backend for Upstream {
    fn mode(&self) -> &'static str {
        "serve"
    }

    fn secrets(&self) -> Vec<&str> {
        vec![&self.key]
    }

    fn call<'a>(&'a self, call: &'a PartnerCall) -> Answer<'a> {
        Box::pin(self.forward(call))
    }

    /// Whether Socialchat answers at all: a `GET` of its root without the key (any HTTP answer
    /// will do), at most once per [`READINESS_LIFETIME`].
    fn ready(&self) -> Ready<'_> {
        Box::pin(async move {
            let mut last = self.readiness.lock().await;
            if let Some((at, ready)) = *last {
                if at.elapsed() < READINESS_LIFETIME {
                    return ready;
                }
            }
            let mut root = self.base.clone();
            root.set_path("/");
            let ready = self
                .client
                .get(root)
                .timeout(READINESS_TIMEOUT)
                .send()
                .await
                .is_ok();
            if !ready {
                tracing::warn!("readyz: Socialchat cannot be reached");
            }
            *last = Some((std::time::Instant::now(), ready));
            ready
        })
    }
}
