//! Connections: accepting them (at most `max_connections` at once), giving each client only
//! so long to send its request headers and to sit idle between requests, and shutting down
//! gracefully: on SIGTERM the listener closes, requests in flight finish within the grace
//! period, and whatever is left is closed then.
//!
//! axum's own `serve` has no timeouts, so a client that sends half a request (or nothing) would
//! hold a connection, and a file handle, for ever. Here every connection's socket is wrapped in
//! [`Guarded`], which knows whether the client is between requests (idle), sending headers, or
//! waiting for its answer, and fails the read when the client has taken too long.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::connect_info::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

/// The most a request's line and headers may take, in bytes.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// How long clients may take, and how many may be connected at once.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// From a connection's first byte of a request to the end of its headers.
    pub header_read: Duration,
    /// Between two requests on a kept-alive connection (and before the first one).
    pub idle: Duration,
    /// Most connections open at once; more wait in the listen queue until one closes.
    pub max_connections: usize,
    /// How long requests in flight may take to finish after SIGTERM.
    pub shutdown_grace: Duration,
}

/// Serves `router` on `listener` until `shutdown` resolves, then drains.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    // The guard below times headers and idle connections; hyper's own header timer stays off.
    builder.header_read_timeout(None).keep_alive(true);
    // A request's line and headers fit in 16 KiB (a session is about 1 KB, a token a few
    // hundred bytes); hyper's default buffer of ~400 KB per connection would let a few hundred
    // unfinished requests hold a hundred megabytes. Larger headers are answered 431.
    builder.max_buf_size(MAX_HEADER_BYTES);
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
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request)
        });
        let io = TokioIo::new(Guarded::new(stream, limits));
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

/// Where a connection is, as far as its timers are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Between requests: the idle timer runs.
    Idle,
    /// A request has begun and its headers have not ended: the header timer runs.
    Headers,
    /// The headers are in: the request is the handler's (which bounds its body and its wait).
    Request,
}

/// A client's socket that fails reads once the client has been idle, or sending headers, for
/// too long.
struct Guarded {
    stream: TcpStream,
    limits: ConnectionLimits,
    phase: Phase,
    deadline: Pin<Box<Sleep>>,
    /// The last header byte read was a line feed (a carriage return in between is skipped), so
    /// another line feed ends the headers.
    after_newline: bool,
}

impl Guarded {
    fn new(stream: TcpStream, limits: ConnectionLimits) -> Guarded {
        // A new connection is expected to send its request at once.
        Guarded {
            stream,
            limits,
            phase: Phase::Headers,
            deadline: Box::pin(tokio::time::sleep(limits.header_read)),
            after_newline: false,
        }
    }

    fn enter(&mut self, phase: Phase) {
        self.phase = phase;
        let wait = match phase {
            Phase::Idle => self.limits.idle,
            Phase::Headers => self.limits.header_read,
            Phase::Request => return,
        };
        self.deadline.as_mut().reset(Instant::now() + wait);
    }

    fn read_bytes(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            match self.phase {
                Phase::Idle => {
                    self.enter(Phase::Headers);
                    self.after_newline = byte == b'\n';
                }
                Phase::Headers => match byte {
                    b'\n' if self.after_newline => {
                        self.enter(Phase::Request);
                        return;
                    }
                    b'\n' => self.after_newline = true,
                    b'\r' => {}
                    _ => self.after_newline = false,
                },
                // Body bytes, or a pipelined request: the handler's business.
                Phase::Request => return,
            }
        }
    }
}

fn timed_out(phase: Phase) -> io::Error {
    let what = match phase {
        Phase::Idle => "the connection was idle for too long",
        _ => "the request headers took too long",
    };
    io::Error::new(io::ErrorKind::TimedOut, what)
}

impl AsyncRead for Guarded {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.phase != Phase::Request && this.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err(timed_out(this.phase)));
        }
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.stream).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            this.read_bytes(&buf.filled()[before..]);
        }
        polled
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_write(cx, data);
        if let Poll::Ready(Ok(n)) = polled {
            // Answering: once the answer is written the client is between requests; each write
            // restarts the idle timer, so a client that stops reading the answer is let go too.
            if n > 0 && this.phase != Phase::Headers {
                this.enter(Phase::Idle);
            }
        }
        polled
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
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = polled {
            if n > 0 && this.phase != Phase::Headers {
                this.enter(Phase::Idle);
            }
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// The peer of a request, as the server saw it.
pub fn peer_of<B>(request: &hyper::Request<B>) -> Option<SocketAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0)
}
