//! Socialchat over HTTPS: adds the bearer key, bounds every wait and every body, and turns
//! transport failures into clear JSON errors. Nothing logged names the URL, because a URL of an
//! account call holds the token.

use std::time::Duration;

use axum::body::Bytes;
use axum::http::uri::{Authority, PathAndQuery, Scheme};
use axum::http::{header, HeaderName, HeaderValue, Method as HttpMethod, StatusCode, Uri};
use socialchat_api::{Method, MAX_BODY_BYTES};

use crate::call::{Answer, Backend, PartnerCall, RawAnswer, Ready};
use crate::client::{Failure, HttpClient};
use crate::observe::names;
use crate::problem::Problem;

pub struct Upstream {
    /// Parsed once: each call only adds its path and query.
    scheme: Scheme,
    authority: Authority,
    /// The base URL's path, without its last `/`: calls' paths are appended to it.
    base_path: String,
    key: String,
    /// What the key is made of, `{appId}_{secretKey}` and the secret key alone: never passed
    /// on either, should Socialchat echo them.
    decoded: Vec<String>,
    /// `Authorization: Bearer {key}` and `Accept`, built once, the key's marked sensitive.
    headers: [(HeaderName, HeaderValue); 2],
    client: HttpClient,
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
    let printable = !key.is_empty() && key.bytes().all(|b| b.is_ascii_graphic());
    if !printable {
        return Err(
            "SOCIALCHAT_API_KEY holds a space, a line break or another character that cannot go \
             in an HTTP header: export the key exactly as Socialchat gave it"
                .into(),
        );
    }
    Ok(key.to_owned())
}

/// The parts of a key `base64("{appId}_{secretKey}")`: the decoded text and the secret key
/// (none when the key is not of that shape).
fn decoded_key(key: &str) -> Vec<String> {
    use base64::Engine;
    let Some(text) = base64::engine::general_purpose::STANDARD
        .decode(key)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
    else {
        return Vec::new();
    };
    let mut parts = vec![text.clone()];
    if let Some((_, secret)) = text.split_once('_') {
        parts.push(secret.to_owned());
    }
    parts
}

/// Whether `host` is this machine (a sandbox or a test upstream, where plain HTTP is fine).
fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The longest wait for a TCP and TLS connection to Socialchat.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Reads `--upstream`: an http(s) URL with a host, and nothing after its path.
fn parse_base(text: &str) -> Option<(Scheme, Authority, String)> {
    if text.contains('?') {
        return None;
    }
    let uri = crate::client::http_url(text)?;
    let path = uri.path().trim_end_matches('/').to_owned();
    Some((uri.scheme()?.clone(), uri.authority()?.clone(), path))
}

impl Upstream {
    pub fn new(base: &str, key: String, timeout: Duration) -> Result<Upstream, String> {
        let text = base.trim_end_matches('/');
        if !(text.starts_with("https://") || text.starts_with("http://")) {
            return Err(format!("--upstream must be an http(s) URL, not {text:?}"));
        }
        let (scheme, authority, base_path) = parse_base(text).ok_or_else(|| {
            format!("--upstream must be an http(s) URL without query, not {text:?}")
        })?;
        let mut bearer = HeaderValue::from_str(&format!("Bearer {}", check_key(&key)?))
            .map_err(|_| "SOCIALCHAT_API_KEY cannot go in an HTTP header".to_owned())?;
        bearer.set_sensitive(true);
        let headers = [
            (header::AUTHORIZATION, bearer),
            (header::ACCEPT, HeaderValue::from_static("application/json")),
        ];
        if scheme == Scheme::HTTP && !is_loopback(authority.host()) {
            tracing::warn!(
                "socialchat-proxy serve: WARNING: --upstream is plain http://: the API key \
                 crosses the network unencrypted"
            );
        }
        Ok(Upstream {
            scheme,
            authority,
            base_path,
            decoded: decoded_key(&key),
            key,
            headers,
            client: HttpClient::new(CONNECT_TIMEOUT)?,
            timeout,
            readiness: tokio::sync::Mutex::new(None),
        })
    }

    async fn forward(&self, call: &PartnerCall) -> Result<RawAnswer, Problem> {
        let method = match call.method() {
            Method::Get => HttpMethod::GET,
            Method::Post => HttpMethod::POST,
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

    /// `{base}{path}?{query}`.
    fn uri(&self, path: &str, query: &str) -> Result<Uri, Problem> {
        let mut target = String::with_capacity(self.base_path.len() + path.len() + query.len() + 1);
        target.push_str(&self.base_path);
        target.push_str(path);
        if !query.is_empty() {
            target.push('?');
            target.push_str(query);
        }
        let path_and_query = PathAndQuery::try_from(target).map_err(|_| {
            Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the call's path could not be written",
            )
        })?;
        Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(path_and_query)
            .build()
            .map_err(|_| {
                Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the call's URL could not be written",
                )
            })
    }

    /// Sends one request to `{base}{path}?{query}` with the bearer key; `query` is encoded and
    /// `body` is JSON.
    pub async fn send(
        &self,
        method: HttpMethod,
        path: &str,
        query: &str,
        body: Option<Vec<u8>>,
    ) -> Result<RawAnswer, Problem> {
        let uri = self.uri(path, query)?;
        let route = call_route(&method, path);
        let start = std::time::Instant::now();
        let json = (
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let with_body;
        let headers: &[(HeaderName, HeaderValue)] = if body.is_some() {
            with_body = [self.headers[0].clone(), self.headers[1].clone(), json];
            &with_body
        } else {
            &self.headers
        };
        let body = body.map(Bytes::from);
        let send = || {
            self.client.send(
                method.clone(),
                uri.clone(),
                headers,
                body.clone(),
                self.timeout,
                MAX_BODY_BYTES,
            )
        };
        let mut sent = send().await;
        // A GET whose connection was refused or reset before it was sent (it never reached
        // Socialchat) is tried once more; a POST never is, nor a connection that timed out
        // (the call would then outlast --timeout-secs), nor anything that got an answer.
        if method == HttpMethod::GET && sent.as_ref().is_err_and(Failure::never_sent) {
            metrics::counter!(names::UPSTREAM_RETRIES, "route" => route).increment(1);
            tracing::warn!(
                route,
                "upstream: could not connect, trying the GET once more"
            );
            sent = send().await;
        }
        let outcome = match &sent {
            Ok(answer) => status_class(answer.status),
            Err(Failure::Timeout) => "timeout",
            Err(Failure::TooLarge) => "too-large",
            Err(Failure::Connect(_) | Failure::Broken(_)) => "unreachable",
        };
        metrics::histogram!(names::UPSTREAM_SECONDS, "route" => route, "outcome" => outcome)
            .record(start.elapsed().as_secs_f64());
        let answer = sent.map_err(|failure| self.transport_problem(failure))?;
        let retry_after = answer
            .headers
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(RawAnswer {
            status: answer.status,
            body: answer.body,
            retry_after,
        })
    }

    fn transport_problem(&self, failure: Failure) -> Problem {
        match failure {
            Failure::Timeout => {
                tracing::warn!("upstream: no answer within {} s", self.timeout.as_secs());
                Problem::upstream_timeout(self.timeout)
            }
            Failure::TooLarge => Problem::new(
                StatusCode::BAD_GATEWAY,
                format!("Socialchat's answer is larger than {MAX_BODY_BYTES} bytes"),
            ),
            failure => {
                tracing::warn!("upstream: {failure}");
                Problem::new(
                    StatusCode::BAD_GATEWAY,
                    "could not reach Socialchat: try again in a moment",
                )
            }
        }
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
fn call_route(method: &HttpMethod, path: &str) -> &'static str {
    let method = if *method == HttpMethod::POST {
        "POST"
    } else {
        "GET"
    };
    socialchat_api::Route::recognize(method, path).map_or("/partner", |r| r.template())
}

impl Backend for Upstream {
    fn mode(&self) -> &'static str {
        "serve"
    }

    fn secrets(&self) -> Vec<&str> {
        let mut secrets = vec![self.key.as_str()];
        secrets.extend(self.decoded.iter().map(String::as_str));
        secrets
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
            let root = Uri::builder()
                .scheme(self.scheme.clone())
                .authority(self.authority.clone())
                .path_and_query("/")
                .build();
            let ready = match root {
                Ok(root) => self
                    .client
                    .send(
                        HttpMethod::GET,
                        root,
                        &[],
                        None,
                        READINESS_TIMEOUT,
                        MAX_BODY_BYTES,
                    )
                    .await
                    .is_ok(),
                Err(_) => false,
            };
            if !ready {
                tracing::warn!("readyz: Socialchat cannot be reached");
            }
            *last = Some((std::time::Instant::now(), ready));
            ready
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_url_is_an_http_s_url_with_a_host_and_nothing_after_its_path() {
        let (scheme, authority, path) = parse_base("https://api.socialchat.id/v1").unwrap();
        assert_eq!(
            (scheme.as_str(), authority.as_str(), path.as_str()),
            ("https", "api.socialchat.id", "/v1")
        );
        assert_eq!(parse_base("http://127.0.0.1:8080").unwrap().2, "");
        for bad in [
            "ftp://api.socialchat.id",
            "https://",
            "https://api.socialchat.id/?x=1",
            "https://api.socialchat.id/#x",
            "https://user:pass@api.socialchat.id",
            "api.socialchat.id",
        ] {
            assert!(parse_base(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_key_is_cut_into_what_it_is_made_of() {
        // base64("testapp_testsecret")
        assert_eq!(
            decoded_key("dGVzdGFwcF90ZXN0c2VjcmV0"),
            ["testapp_testsecret", "testsecret"]
        );
        assert!(decoded_key("not base64!").is_empty());
    }

    #[test]
    fn loopback_hosts_are_this_machine() {
        for host in ["localhost", "127.0.0.1", "[::1]", "127.1.2.3"] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "api.socialchat.id",
            "10.0.0.1",
            "[2001:db8::1]",
            "localhost.evil",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }
}
