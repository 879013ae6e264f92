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

use axum::body::Body;
use axum::extract::connect_info::ConnectInfo;
use axum::response::Response;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

/// A wait longer than the clock can count is this long instead.
const LONGEST_WAIT: Duration = Duration::from_secs(365 * 24 * 60 * 60);

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

/// What answers a connection's requests: a [`Router`], or the proxy's own [`crate::app::App`].
pub trait Serve: Clone + Send + Sync + 'static {
    fn answer(self, request: axum::extract::Request) -> impl Future<Output = Response> + Send;
}

impl Serve for Router {
    async fn answer(self, request: axum::extract::Request) -> Response {
        self.oneshot(request)
            .await
            .unwrap_or_else(|never| match never {})
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then drains. `ready` is told how
/// many workers run, once they all do.
///
/// The layout is nginx's: `workers` threads, each with a single-threaded runtime of its own,
/// and each connection lives on one of them from its first byte to its last, together with the
/// calls it makes upstream (whose pooled connections are that thread's too, see
/// [`crate::client`]). The calling task's runtime is worker 0 and the acceptor: it deals the
/// accepted connections to the workers in turn. Nothing of a request crosses threads, so there
/// is no work-stealing and no wake-up of another thread on the way.
pub async fn serve(
    listener: TcpListener,
    app: impl Serve,
    limits: ConnectionLimits,
    workers: usize,
    ready: impl FnOnce(usize),
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let mut running = Vec::new();
    for number in 1..workers.max(1) {
        match start_worker(number, app.clone(), limits) {
            Ok(worker) => running.push(worker),
            // Fewer threads than asked for: the others share the work.
            Err(e) => tracing::error!("socialchat-proxy: worker {number} cannot start: {e}"),
        }
    }
    let mut started = Vec::new();
    for mut worker in running {
        // A worker whose runtime could not start has said so, and takes no connection.
        if (&mut worker.started).await.is_ok() {
            started.push(worker);
        }
    }
    let running = started;
    ready(running.len() + 1);
    let local = Connections::new(app, limits);
    let mut turn = 0usize;
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
        turn = (turn + 1) % (running.len() + 1);
        if turn == 0 {
            local.open(stream, peer, slot);
            continue;
        }
        // Handed over as a plain socket: the worker registers it with its own runtime.
        match stream.into_std() {
            Ok(stream) => {
                let accepted = Accepted { stream, peer, slot };
                if let Err(mpsc::error::SendError(accepted)) = running[turn - 1].deal.send(accepted)
                {
                    // That worker is gone: this one serves the connection.
                    if let Ok(stream) = TcpStream::from_std(accepted.stream) {
                        local.open(stream, peer, accepted.slot);
                    }
                }
            }
            Err(e) => tracing::warn!("socialchat-proxy: a connection was lost: {e}"),
        }
    }
    drop(listener);
    // The workers drain once their queue of connections closes (their `deal` dropped here), at
    // the same time as this one.
    let finished: Vec<_> = running.into_iter().map(|worker| worker.finished).collect();
    local.drain().await;
    for finished in finished {
        let _ = finished.await;
    }
}

/// The most threads a worker's runtime starts for blocking work: name look-ups of new upstream
/// connections block a thread each, a few at most per worker, whatever a stuck resolver does.
const MAX_BLOCKING_THREADS: usize = 4;

/// The runtime of a worker, on the thread that runs it (the main thread's is worker 0): single
/// threaded, with this thread's log lines batched (see [`crate::log_batch`]) and handed over by
/// a task of the runtime.
pub fn worker_runtime() -> io::Result<tokio::runtime::Runtime> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(MAX_BLOCKING_THREADS)
        .build()?;
    runtime.spawn(crate::log_batch::batch_this_thread());
    Ok(runtime)
}

/// A worker thread, as the acceptor sees it.
struct Worker {
    /// Where its connections are dealt; dropping it tells the worker to drain and stop.
    deal: mpsc::UnboundedSender<Accepted>,
    /// Resolves once its runtime runs (or could not be built).
    started: oneshot::Receiver<()>,
    /// Resolves once it has drained and stopped.
    finished: oneshot::Receiver<()>,
}

/// Starts worker `number`: a thread with a single-threaded runtime that serves the connections
/// dealt to it until the acceptor stops dealing, then drains them.
fn start_worker(number: usize, app: impl Serve, limits: ConnectionLimits) -> io::Result<Worker> {
    let (deal, mut receive) = mpsc::unbounded_channel::<Accepted>();
    let (done, finished) = oneshot::channel::<()>();
    let (running, started) = oneshot::channel::<()>();
    std::thread::Builder::new()
        .name(format!("proxy-worker-{number}"))
        .spawn(move || {
            let runtime = match worker_runtime() {
                Ok(runtime) => runtime,
                Err(e) => {
                    tracing::error!("socialchat-proxy: worker {number} cannot start: {e}");
                    return;
                }
            };
            let _ = running.send(());
            runtime.block_on(async move {
                let connections = Connections::new(app, limits);
                while let Some(accepted) = receive.recv().await {
                    match TcpStream::from_std(accepted.stream) {
                        Ok(stream) => connections.open(stream, accepted.peer, accepted.slot),
                        Err(e) => tracing::warn!("socialchat-proxy: a connection was lost: {e}"),
                    }
                }
                connections.drain().await;
            });
            // What the grace period cut off is dropped with the runtime, and logged (499) then.
            drop(runtime);
            crate::log_batch::flush();
            let _ = done.send(());
        })?;
    Ok(Worker {
        deal,
        started,
        finished,
    })
}

/// A connection accepted by worker 0 for another worker.
struct Accepted {
    stream: std::net::TcpStream,
    peer: SocketAddr,
    /// Its place among `max_connections`, given back when it closes.
    slot: OwnedSemaphorePermit,
}

/// One worker's connections: served on its runtime and watched for a graceful shutdown.
struct Connections<S> {
    app: S,
    limits: ConnectionLimits,
    builder: hyper::server::conn::http1::Builder,
    graceful: GracefulShutdown,
}

impl<S: Serve> Connections<S> {
    fn new(app: S, limits: ConnectionLimits) -> Connections<S> {
        let mut builder = hyper::server::conn::http1::Builder::new();
        // The guard below times headers and idle connections; hyper's own header timer stays
        // off.
        builder.header_read_timeout(None).keep_alive(true);
        // A request's line and headers fit in 16 KiB (a session is about 1 KB, a token a few
        // hundred bytes); hyper's default buffer of ~400 KB per connection would let a few
        // hundred unfinished requests hold a hundred megabytes. Larger headers are answered
        // 431.
        builder.max_buf_size(MAX_HEADER_BYTES);
        Connections {
            app,
            limits,
            builder,
            graceful: GracefulShutdown::new(),
        }
    }

    /// Serves `stream` on this worker's runtime until it closes.
    fn open(&self, stream: TcpStream, peer: SocketAddr, slot: OwnedSemaphorePermit) {
        let app = self.app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let answer = app.clone().answer(request.map(Body::new));
            async move { Ok::<_, std::convert::Infallible>(answer.await) }
        });
        let io = TokioIo::new(Guarded::new(stream, self.limits));
        let connection = self
            .graceful
            .watch(self.builder.serve_connection(io, service));
        tokio::spawn(async move {
            let _ = connection.await;
            drop(slot);
        });
    }

    /// Lets the requests in flight finish within the grace period, then closes what is left.
    async fn drain(self) {
        let open = self.graceful.count();
        if open > 0 {
            tracing::info!(
                "socialchat-proxy: stopping: waiting up to {} s for {open} connection(s)",
                self.limits.shutdown_grace.as_secs()
            );
        }
        if tokio::time::timeout(self.limits.shutdown_grace, self.graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("socialchat-proxy: grace period over: closing the connections left");
        }
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
        let now = Instant::now();
        self.deadline
            .as_mut()
            .reset(now.checked_add(wait).unwrap_or(now + LONGEST_WAIT));
    }

    fn read_bytes(&mut self, mut bytes: &[u8]) {
        if self.phase == Phase::Idle {
            let Some((&first, rest)) = bytes.split_first() else {
                return;
            };
            self.enter(Phase::Headers);
            self.after_newline = first == b'\n';
            bytes = rest;
        }
        // Body bytes, or a pipelined request, are the handler's business.
        if self.phase == Phase::Headers && headers_end(&mut self.after_newline, bytes).is_some() {
            self.enter(Phase::Request);
        }
    }
}

/// Where a request's headers end in `bytes`, the next piece of what its client sends: at a
/// line feed right after another (carriage returns between them skipped). `after_newline` says
/// whether the bytes before `bytes` ended a line, and is updated. Returns how many bytes of
/// `bytes` the headers took, once they have ended. Line feeds are found by `memchr`, not byte by
/// byte: a request's headers are most of a kilobyte with its session.
fn headers_end(after_newline: &mut bool, bytes: &[u8]) -> Option<usize> {
    let mut at = 0;
    loop {
        if !*after_newline {
            at += memchr::memchr(b'\n', &bytes[at..])? + 1;
            *after_newline = true;
        }
        while bytes.get(at) == Some(&b'\r') {
            at += 1;
        }
        match bytes.get(at) {
            None => return None,
            Some(b'\n') => return Some(at + 1),
            Some(_) => *after_newline = false,
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

#[cfg(test)]
mod tests {
    use super::headers_end;
    use proptest::prelude::*;

    /// The rule, byte by byte.
    fn end_byte_by_byte(after_newline: &mut bool, bytes: &[u8]) -> Option<usize> {
        for (at, &byte) in bytes.iter().enumerate() {
            match byte {
                b'\n' if *after_newline => return Some(at + 1),
                b'\n' => *after_newline = true,
                b'\r' => {}
                _ => *after_newline = false,
            }
        }
        None
    }

    #[test]
    fn headers_end_at_a_blank_line() {
        let request = b"GET / HTTP/1.1\r\nHost: x\r\n\r\nbody";
        assert_eq!(headers_end(&mut false, request), Some(request.len() - 4));
        let bare = b"GET / HTTP/1.1\nHost: x\n\n";
        assert_eq!(headers_end(&mut false, bare), Some(bare.len()));
        let mut after_newline = false;
        assert_eq!(
            headers_end(&mut after_newline, b"GET / HTTP/1.1\r\nHost: x\r"),
            None
        );
        assert!(!after_newline);
        assert_eq!(headers_end(&mut after_newline, b"\n\r"), None);
        assert!(after_newline);
        assert_eq!(headers_end(&mut after_newline, b"\nmore"), Some(1));
    }

    proptest! {
        /// Found by memchr, the end is where the byte-by-byte rule puts it, however the
        /// client's bytes are cut into reads.
        #[test]
        fn headers_end_where_the_byte_rule_says(
            bytes in prop::collection::vec(prop::sample::select(b"a\r\n:".to_vec()), 0..64),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
        ) {
            let mut cuts: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
            cuts.push(0);
            cuts.push(bytes.len());
            cuts.sort_unstable();
            let (mut fast, mut slow) = (false, false);
            for piece in cuts.windows(2).map(|w| &bytes[w[0]..w[1]]) {
                let found = headers_end(&mut fast, piece);
                prop_assert_eq!(found, end_byte_by_byte(&mut slow, piece));
                if found.is_some() {
                    break;
                }
                prop_assert_eq!(fast, slow);
            }
        }
    }
}
