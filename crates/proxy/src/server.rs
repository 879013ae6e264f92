//! Connections: hyper's HTTP/1 server under the router, with the stack's own timers and
//! shutdown, and two small pieces of our own where the stack has none:
//!
//! - hyper times a request's headers itself (`header_read_timeout`, its own parser decides
//!   where they end, interim `100 Continue` answers included) and hyper-util drains the
//!   connections on SIGTERM ([`GracefulShutdown`]);
//! - **at most `max_connections` at once** ([`serve`]'s semaphore): neither axum's `serve` nor
//!   hyper caps them, and each open connection holds a file handle;
//! - **a kept-alive connection may rest longer than a client may take over its headers**
//!   ([`RestingTimer`]): hyper starts its header timer as soon as it waits for a request, which
//!   on a kept-alive connection is right after the previous answer, so on its own a connection
//!   may rest only as long as `--header-timeout-secs` (10 s), far under the 60 s that load
//!   balancers keep their connections to a backend. The test
//!   `hyper_alone_closes_a_resting_connection_at_its_header_timeout` shows it.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::connect_info::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::rt::{Sleep, Timer};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// How long clients may take, and how many may be connected at once .
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// From a connection's first byte of a request to the end of its headers.
    pub header_read: Duration,
    /// Between two requests on a kept-alive connection.
    pub idle: Duration,
    /// Most connections open at once; more wait in the listen queue until one closes.
    pub max_connections: usize,
    /// How long requests in flight may take to finish after SIGTERM.
    pub shutdown_grace: Duration,
}

/// The most a request's line and headers may take, in bytes.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// Serves `app` on `listener` until `shutdown` resolves, then lets the requests in flight
/// finish within the grace period and closes what is left.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file handles, most likely: wait for some to be freed.
                    tracing::error!("socialchat-proxy: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let reads = Arc::new(AtomicU64::new(0));
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(RestingTimer::new(limits, reads.clone()))
            .header_read_timeout(limits.header_read)
            .keep_alive(true)
            // A request's line and headers fit in 16 KiB (a session is about 1 KB, a token a
            // few hundred bytes); hyper's default buffer of ~400 KB per connection would let a
            // few hundred unfinished requests hold a hundred megabytes. Larger headers get 431.
            .max_buf_size(MAX_HEADER_BYTES);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(request.map(Body::new))
        });
        let io = TokioIo::new(Counted { stream, reads });
        let connection = graceful.watch(builder.serve_connection(io, service));
        tokio::spawn(async move {
            let _ = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    let open = graceful.count();
    if open > 0 {
        tracing::info!(
            "socialchat-proxy: stopping: waiting up to {} s for {open} connection(s)",
            limits.shutdown_grace.as_secs()
        );
    }
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("socialchat-proxy: grace period over: closing the connections left");
    }
}

/// A client's socket that counts its reads, for [`RestingTimer`] to tell a resting connection
/// from one that is sending a request.
struct Counted {
    stream: TcpStream,
    reads: Arc<AtomicU64>,
}

impl AsyncRead for Counted {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.stream).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.reads.fetch_add(1, Ordering::Relaxed);
        }
        polled
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, data)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// The timer hyper runs one connection's header timeout with (hyper's HTTP/1 server uses its
/// timer for nothing else). The first request is timed as hyper times it, from the connection's
/// start. A later one waits on a kept-alive connection: until its first byte comes the wait is
/// the idle timeout, and from that byte on the header timeout.
#[derive(Clone)]
struct RestingTimer {
    limits: ConnectionLimits,
    /// The connection's reads so far ([`Counted`]).
    reads: Arc<AtomicU64>,
    /// How many waits for a request hyper has started.
    waits: Arc<AtomicUsize>,
}

impl RestingTimer {
    fn new(limits: ConnectionLimits, reads: Arc<AtomicU64>) -> RestingTimer {
        RestingTimer {
            limits,
            reads,
            waits: Arc::new(AtomicUsize::new(0)),
        }
    }
}

impl Timer for RestingTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        self.sleep_until(Instant::now() + duration)
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Sleep>> {
        if self.waits.fetch_add(1, Ordering::Relaxed) == 0 {
            return TokioTimer::new().sleep_until(deadline);
        }
        let now = Instant::now();
        Box::pin(Resting {
            reads: self.reads.clone(),
            reads_at_start: self.reads.load(Ordering::Relaxed),
            header_read: self.limits.header_read,
            sending: false,
            sleep: Box::pin(tokio::time::sleep_until(
                (now + self.limits.idle.max(self.limits.header_read)).into(),
            )),
        })
    }
}

/// A kept-alive connection's wait for its next request's headers (see [`RestingTimer`]).
struct Resting {
    reads: Arc<AtomicU64>,
    reads_at_start: u64,
    header_read: Duration,
    /// Whether the request's first byte has come (the header timeout runs from then).
    sending: bool,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

impl Sleep for Resting {}

impl Future for Resting {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        // hyper polls its timer right after each read that did not end the headers, so the
        // first byte is seen here as it comes.
        if !this.sending && this.reads.load(Ordering::Relaxed) != this.reads_at_start {
            this.sending = true;
            this.sleep
                .as_mut()
                .reset(tokio::time::Instant::now() + this.header_read);
        }
        this.sleep.as_mut().poll(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use super::*;

    fn limits() -> ConnectionLimits {
        ConnectionLimits {
            header_read: Duration::from_secs(1),
            idle: Duration::from_secs(3),
            max_connections: 10,
            shutdown_grace: Duration::ZERO,
        }
    }

    /// A kept-alive client: one request, a rest of `rest`, another request. Whether the
    /// second was answered.
    fn second_request_after(address: std::net::SocketAddr, rest: Duration) -> bool {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let request = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        let mut buf = [0u8; 1024];
        stream.write_all(request).unwrap();
        assert!(stream.read(&mut buf).unwrap() > 0);
        std::thread::sleep(rest);
        let _ = stream.write_all(request);
        stream.read(&mut buf).is_ok_and(|n| n > 0)
    }

    fn app() -> Router {
        Router::new().route("/", axum::routing::get(|| async { "ok" }))
    }

    #[test]
    fn hyper_alone_closes_a_resting_connection_at_its_header_timeout() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let address = listener.local_addr().unwrap();
        runtime.spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits().header_read);
            let service = hyper::service::service_fn(|request: hyper::Request<Incoming>| {
                app().oneshot(request.map(Body::new))
            });
            let _ = builder
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
        assert!(!second_request_after(address, Duration::from_millis(1800)));
    }

    #[test]
    fn a_resting_connection_is_kept_for_the_idle_timeout_then_closed() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let address = listener.local_addr().unwrap();
        runtime.spawn(serve(listener, app(), limits(), std::future::pending()));
        assert!(second_request_after(address, Duration::from_millis(1800)));
        assert!(!second_request_after(address, Duration::from_millis(3500)));
    }
}
