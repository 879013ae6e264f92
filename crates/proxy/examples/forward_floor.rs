//! The floor under `bench/proxy.sh`'s throughput figure: the proxy's own server loop
//! ([`server::serve`]: its workers, connection limits and timers) and its outbound client
//! ([`HttpClient`]), with nothing in between. Every request's path and query go to the upstream
//! with the API key, and the upstream's answer comes back as it came: no session, no rate
//! limit, no validation, no projection, no log line.
//!
//! Not something to deploy (it checks nothing and passes the upstream's bytes through): it lets
//! the benchmark say what HTTP alone costs on the machine, next to nginx and to the proxy.
//!
//! `forward_floor LISTEN UPSTREAM_URL WORKERS`, with the key in `SOCIALCHAT_API_KEY`.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use socialchat_proxy::client::HttpClient;
use socialchat_proxy::server::{self, ConnectionLimits};

const MAX_BODY_BYTES: usize = 1 << 20;

/// The proxy's allocator (see its `main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), String> {
    let usage = "usage: forward_floor LISTEN UPSTREAM_URL WORKERS";
    let mut args = std::env::args().skip(1);
    let listen: std::net::SocketAddr = args.next().and_then(|a| a.parse().ok()).ok_or(usage)?;
    let upstream = args.next().ok_or(usage)?;
    let upstream = upstream.trim_end_matches('/').to_owned();
    let workers: usize = args.next().and_then(|a| a.parse().ok()).ok_or(usage)?;
    let key = std::env::var("SOCIALCHAT_API_KEY").map_err(|_| "SOCIALCHAT_API_KEY is not set")?;
    let authorization =
        HeaderValue::try_from(format!("Bearer {key}")).map_err(|e| e.to_string())?;
    let client = Arc::new(HttpClient::new(Duration::from_secs(5))?);
    let forward = move |request: Request| {
        let (client, authorization) = (client.clone(), authorization.clone());
        let target = request
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        let uri = format!("{upstream}{target}").parse();
        async move {
            let Ok(uri) = uri else {
                return StatusCode::BAD_REQUEST.into_response();
            };
            let sent = client
                .send(
                    request.method().clone(),
                    uri,
                    &[(header::AUTHORIZATION, authorization)],
                    None,
                    Duration::from_secs(20),
                    MAX_BODY_BYTES,
                )
                .await;
            match sent {
                Ok(received) => {
                    let mut response = Response::new(Body::from(received.body));
                    *response.status_mut() =
                        StatusCode::from_u16(received.status).unwrap_or(StatusCode::BAD_GATEWAY);
                    if let Some(kind) = received.headers.get(header::CONTENT_TYPE) {
                        response
                            .headers_mut()
                            .insert(header::CONTENT_TYPE, kind.clone());
                    }
                    response
                }
                Err(failure) => (StatusCode::BAD_GATEWAY, failure.to_string()).into_response(),
            }
        }
    };
    let router = axum::Router::new().fallback(forward);
    let limits = ConnectionLimits {
        header_read: Duration::from_secs(10),
        idle: Duration::from_secs(75),
        max_connections: 1000,
        shutdown_grace: Duration::ZERO,
    };
    let runtime = server::worker_runtime().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        let ready = |running: usize| {
            println!("forward_floor listening on {listen} with {running} worker(s)")
        };
        let stop = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        server::serve(listener, router, limits, workers, ready, stop).await;
        Ok(())
    })
}
