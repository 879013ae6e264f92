//! Socialchat over HTTPS: adds the bearer key, bounds every wait and every body, and turns
//! transport failures into clear JSON errors. Error texts are stripped of URLs, because a URL
//! of an account call holds the token.

use std::time::Duration;

use axum::body::Bytes;
use axum::http::StatusCode;
use socialchat_api::{Method, MAX_BODY_BYTES};

use crate::call::{Answer, Backend, PartnerCall, RawAnswer};
use crate::problem::Problem;

pub struct Upstream {
    /// Parsed once: each call only sets its path and query on a copy.
    base: reqwest::Url,
    key: String,
    client: reqwest::Client,
    timeout: Duration,
}

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
        let mut request = self
            .client
            .request(method, url)
            .bearer_auth(&self.key)
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        let mut response = request
            .send()
            .await
            .map_err(|e| self.transport_problem(e))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if response.content_length().unwrap_or(0) > MAX_BODY_BYTES as u64 {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport_problem(e))?
        {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(RawAnswer {
            status,
            body: Bytes::from(body),
            retry_after,
        })
    }

    fn transport_problem(&self, error: reqwest::Error) -> Problem {
        let error = error.without_url();
        if error.is_timeout() {
            eprintln!("upstream: no answer within {} s", self.timeout.as_secs());
            return Problem::upstream_timeout(self.timeout);
        }
        eprintln!("upstream: {error}");
        Problem::new(
            StatusCode::BAD_GATEWAY,
            "could not reach Socialchat: try again in a moment",
        )
    }
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
}
