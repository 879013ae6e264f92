//! Outbound HTTP: the one client the proxy calls out with (Socialchat, the partner's webhook, the
//! container's health probe). hyper's own pooled client over rustls. It follows no redirect,
//! bounds the connection, the whole exchange and the answer's size, and says which of those
//! failed.

use std::error::Error as _;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue, Request, Uri};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as Pooled;
use hyper_util::rt::{TokioExecutor, TokioTimer};

type Connection = Pooled<Connector, Full<Bytes>>;

/// The pool's connector: TCP, then TLS for `https:`, the whole within the connect timeout (the
/// TCP connector's own timeout stops at TCP, and a server that never answers the TLS handshake
/// would otherwise hold the call for the whole `--timeout-secs`). Running out of time is an
/// `io::ErrorKind::TimedOut`, as TCP's own timeout is.
#[derive(Clone)]
struct Connector {
    connect: HttpsConnector<HttpConnector>,
    within: Duration,
}

type Connecting = std::pin::Pin<
    Box<
        dyn std::future::Future<
                Output = Result<
                    <HttpsConnector<HttpConnector> as tower::Service<Uri>>::Response,
                    Box<dyn std::error::Error + Send + Sync>,
                >,
            > + Send,
    >,
>;

impl tower::Service<Uri> for Connector {
    type Response = <HttpsConnector<HttpConnector> as tower::Service<Uri>>::Response;
    type Error = Box<dyn std::error::Error + Send + Sync>;
    type Future = Connecting;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.connect.poll_ready(cx)
    }

    fn call(&mut self, uri: Uri) -> Connecting {
        let connecting = self.connect.call(uri);
        let within = self.within;
        Box::pin(async move {
            match tokio::time::timeout(within, connecting).await {
                Ok(connected) => connected,
                Err(_) => Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the connection (TCP and TLS) took too long",
                )
                .into()),
            }
        })
    }
}

/// The `User-Agent` of every outbound call.
const USER_AGENT: &str = concat!("socialchat-proxy/", env!("CARGO_PKG_VERSION"));

/// How long an idle pooled connection is kept: under the 60 s or more that servers and load
/// balancers usually keep one, so that the proxy closes it first.
const POOL_IDLE: Duration = Duration::from_secs(50);

/// `text` as a URL the proxy may call out to: `http` or `https`, a host, no credentials and no
/// fragment.
pub fn http_url(text: &str) -> Option<Uri> {
    if text.contains('#') {
        return None;
    }
    let uri: Uri = text.parse().ok()?;
    let callable = matches!(uri.scheme_str(), Some("https" | "http"))
        && uri
            .authority()
            .is_some_and(|a| !a.host().is_empty() && !a.as_str().contains('@'));
    callable.then_some(uri)
}

/// An answer, read whole.
pub struct Received {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Why no answer came.
#[derive(Debug)]
pub enum Failure {
    /// No connection could be made (refused, reset, no route, TLS refused): the request was
    /// never sent.
    Connect(String),
    /// The connection, or the whole exchange, took longer than allowed.
    Timeout,
    /// The answer was larger than allowed.
    TooLarge,
    /// The connection failed after the request was sent.
    Broken(String),
}

impl Failure {
    /// Whether the request surely never reached the server (a refused connection, not a
    /// timeout): only then may a GET be sent again.
    pub fn never_sent(&self) -> bool {
        matches!(self, Failure::Connect(_))
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Connect(why) => write!(f, "could not connect: {why}"),
            Failure::Timeout => f.write_str("no answer in time"),
            Failure::TooLarge => f.write_str("the answer is too large"),
            Failure::Broken(why) => write!(f, "the connection failed: {why}"),
        }
    }
}

pub struct HttpClient {
    pool: Connection,
}

impl HttpClient {
    /// A client whose connections (TCP and TLS) must be made within `connect_timeout`; HTTPS
    /// is checked against the Mozilla roots that `webpki-roots` carries (no system store
    /// needed in a distroless image).
    pub fn new(connect_timeout: Duration) -> Result<HttpClient, String> {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("cannot set up TLS: {e}"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(connect_timeout));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let pool = Pooled::builder(TokioExecutor::new())
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(POOL_IDLE)
            .build(Connector {
                connect: https,
                within: connect_timeout,
            });
        Ok(HttpClient { pool })
    }

    /// Sends `method uri` with `headers` (and `User-Agent`) and `body`, and reads the answer,
    /// all within `timeout`, the answer's body at most `max_body` bytes.
    pub async fn send(
        &self,
        method: axum::http::Method,
        uri: Uri,
        headers: &[(header::HeaderName, HeaderValue)],
        body: Option<Bytes>,
        timeout: Duration,
        max_body: usize,
    ) -> Result<Received, Failure> {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(map) = request.headers_mut() {
            map.insert(header::USER_AGENT, HeaderValue::from_static(USER_AGENT));
            for (name, value) in headers {
                map.insert(name.clone(), value.clone());
            }
        }
        let request = request
            .body(Full::new(body.unwrap_or_default()))
            .map_err(|e| Failure::Broken(e.to_string()))?;
        let exchange = async {
            let response = self.pool.request(request).await.map_err(|e| {
                if timed_out(&e) {
                    Failure::Timeout
                } else if e.is_connect() {
                    Failure::Connect(cause(&e))
                } else {
                    Failure::Broken(cause(&e))
                }
            })?;
            let (parts, body) = response.into_parts();
            let declared = parts
                .headers
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            if declared.is_some_and(|n| n > max_body as u64) {
                return Err(Failure::TooLarge);
            }
            let body = Limited::new(body, max_body)
                .collect()
                .await
                .map_err(|e| {
                    if e.is::<LengthLimitError>() {
                        Failure::TooLarge
                    } else {
                        Failure::Broken(e.to_string())
                    }
                })?
                .to_bytes();
            Ok(Received {
                status: parts.status.as_u16(),
                headers: parts.headers,
                body,
            })
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .unwrap_or(Err(Failure::Timeout))
    }
}

/// Whether a connection attempt ran out of time.
fn timed_out(error: &hyper_util::client::legacy::Error) -> bool {
    std::iter::successors(error.source(), |&cause| cause.source()).any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
    })
}

/// The innermost cause of a client error, for a log line: it names no URL (hyper's errors
/// never hold one), so no token.
fn cause(error: &hyper_util::client::legacy::Error) -> String {
    match std::iter::successors(error.source(), |&cause| cause.source()).last() {
        Some(innermost) => innermost.to_string(),
        None => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callable_urls_are_http_s_with_a_host_and_no_credentials_or_fragment() {
        for good in [
            "https://backend.example/hooks?x=1",
            "http://127.0.0.1:9000/",
        ] {
            assert!(http_url(good).is_some(), "{good}");
        }
        for bad in [
            "ftp://backend.example",
            "https://user:pass@backend.example",
            "https://backend.example/#x",
            "backend.example",
            "",
        ] {
            assert!(http_url(bad).is_none(), "{bad}");
        }
    }
}
