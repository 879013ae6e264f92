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
use std::sync::atomic::{AtomicU8, Ordering};
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
        let progress = Arc::new(Progress::new(Phase::Headers));
        let io = TokioIo::new(Guarded::new(stream, self.limits, progress.clone()));
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            progress.step(Event::Called);
            let answer = app.clone().answer(request.map(Body::new));
            let progress = progress.clone();
            async move {
                let response = answer.await;
                progress.step(Event::Responded);
                Ok::<_, std::convert::Infallible>(response)
            }
        });
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
#[repr(u8)]
enum Phase {
    /// Between requests (or writing the end of an answer): the idle timer runs.
    Idle = 0,
    /// A request's first bytes have come and hyper has not handed it over yet: the header
    /// timer runs.
    Headers = 1,
    /// hyper has read the request's headers and handed it to the app, which bounds its body
    /// and its wait.
    Request = 2,
    /// The app has answered; hyper is about to write it.
    Answered = 3,
}

/// What happens to a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    /// Bytes came from the client.
    Read,
    /// hyper handed a request to the app: its headers have ended, by hyper's own reading.
    Called,
    /// The app has its answer to the request.
    Responded,
    /// Bytes went to the client.
    Wrote,
}

impl Phase {
    /// The phase after `event`. Only hyper's hand-over ends the header timer (a guess at where
    /// headers end, made apart from hyper's parser, could be fooled into stopping it), and only
    /// a written answer starts the idle timer (an interim `100 Continue` does not).
    fn after(self, event: Event) -> Phase {
        match (self, event) {
            (_, Event::Called) => Phase::Request,
            (Phase::Request, Event::Responded) => Phase::Answered,
            (Phase::Idle, Event::Read) => Phase::Headers,
            (Phase::Answered | Phase::Idle, Event::Wrote) => Phase::Idle,
            (phase, _) => phase,
        }
    }

    fn of(value: u8) -> Phase {
        match value {
            0 => Phase::Idle,
            1 => Phase::Headers,
            2 => Phase::Request,
            _ => Phase::Answered,
        }
    }
}

/// A connection's phase, shared by its socket's [`Guarded`] and its service (which tells it
/// when a request is handed over and answered). Both run in the connection's one task.
struct Progress(AtomicU8);

impl Progress {
    fn new(phase: Phase) -> Progress {
        Progress(AtomicU8::new(phase as u8))
    }

    fn get(&self) -> Phase {
        Phase::of(self.0.load(Ordering::Relaxed))
    }

    /// Moves on with `event`; the phase before and after.
    fn step(&self, event: Event) -> (Phase, Phase) {
        let before = self.get();
        let after = before.after(event);
        self.0.store(after as u8, Ordering::Relaxed);
        (before, after)
    }
}

/// A client's socket that fails reads once the client has been idle, or sending headers, for
/// too long.
struct Guarded {
    stream: TcpStream,
    limits: ConnectionLimits,
    progress: Arc<Progress>,
    deadline: Pin<Box<Sleep>>,
}

impl Guarded {
    /// A new connection's guard: it is expected to send its request at once, so its `progress`
    /// starts in [`Phase::Headers`], timed from now.
    fn new(stream: TcpStream, limits: ConnectionLimits, progress: Arc<Progress>) -> Guarded {
        Guarded {
            stream,
            limits,
            progress,
            deadline: Box::pin(tokio::time::sleep(limits.header_read)),
        }
    }

    /// Moves on with `event`, starting the timer of the phase it enters. Each write while idle
    /// starts the idle timer again, so a client that stops reading an answer is let go too.
    fn step(&mut self, event: Event) {
        let (before, after) = self.progress.step(event);
        let wait = match after {
            Phase::Idle => self.limits.idle,
            Phase::Headers if before != Phase::Headers => self.limits.header_read,
            _ => return,
        };
        let now = Instant::now();
        self.deadline
            .as_mut()
            .reset(now.checked_add(wait).unwrap_or(now + LONGEST_WAIT));
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
        let phase = this.progress.get();
        let timed = matches!(phase, Phase::Idle | Phase::Headers);
        if timed && this.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err(timed_out(phase)));
        }
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.stream).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            if buf.filled().len() > before {
                this.step(Event::Read);
            }
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
            if n > 0 {
                this.step(Event::Wrote);
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
            if n > 0 {
                this.step(Event::Wrote);
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
    use super::{Event, Phase};

    /// A phase's walk through `events`.
    fn walk(from: Phase, events: &[Event]) -> Vec<Phase> {
        let mut phase = from;
        events
            .iter()
            .map(|&event| {
                phase = phase.after(event);
                phase
            })
            .collect()
    }

    #[test]
    fn a_request_is_timed_until_hyper_hands_it_over_and_idle_once_answered() {
        use Event::*;
        use Phase::*;
        assert_eq!(
            walk(
                Idle,
                &[Read, Read, Called, Read, Responded, Wrote, Wrote, Read]
            ),
            [Headers, Headers, Request, Request, Answered, Idle, Idle, Headers]
        );
    }

    #[test]
    fn an_interim_answer_does_not_start_the_idle_timer() {
        use Event::*;
        use Phase::*;
        // `100 Continue` is written while the app still has the request; its body follows.
        assert_eq!(
            walk(Headers, &[Called, Wrote, Read, Read, Responded, Wrote]),
            [Request, Request, Request, Request, Answered, Idle]
        );
    }

    #[test]
    fn only_hyper_ends_the_headers() {
        use Event::*;
        use Phase::*;
        // However the bytes look, reads keep a connection in its header time; hyper's own
        // answers (a 400, a 431) do not stop it either.
        assert_eq!(walk(Headers, &[Read, Read, Wrote, Read]), [Headers; 4]);
        for phase in [Idle, Headers, Request, Answered] {
            assert_eq!(phase.after(Called), Request);
            assert_eq!(Phase::of(phase as u8), phase);
        }
    }
}
