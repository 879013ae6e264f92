//! The log's lines on their way to the writer thread (see [`crate::observe::init_logging`]).
//! A server worker keeps the lines of its requests in a batch of its own and hands the batch
//! over [`HAND_OVER_AFTER`] after its first line, or at once when it grows past
//! [`BATCH_BYTES`]: under load one hand-over carries a few hundred lines, instead of the
//! writer thread being woken (and spinning, yielding and parking again) every few requests.
//! Other threads hand each line over at once.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

/// Where the lines go: the writer thread's queue.
static SINK: std::sync::OnceLock<tracing_appender::non_blocking::NonBlocking> =
    std::sync::OnceLock::new();

/// A batch larger than this is handed over at once.
const BATCH_BYTES: usize = 16 * 1024;

/// The longest a line waits in its worker's batch.
pub const HAND_OVER_AFTER: Duration = Duration::from_millis(20);

/// A worker's lines not yet handed over, and how it tells its timer that a batch has begun.
struct Batch {
    lines: Vec<u8>,
    begun: Arc<Notify>,
}

thread_local! {
    /// This thread's batch; `None` on a thread that does not batch.
    static BATCH: std::cell::RefCell<Option<Batch>> = const { std::cell::RefCell::new(None) };
}

/// Makes this thread, a server worker, keep its log lines in a batch. The returned task hands
/// each batch over in time; the worker's runtime runs it for as long as the worker lives, and
/// the worker calls [`flush`] once more when it stops.
pub fn batch_this_thread() -> impl std::future::Future<Output = ()> + Send + 'static {
    let begun = Arc::new(Notify::new());
    BATCH.with(|batch| {
        *batch.borrow_mut() = Some(Batch {
            lines: Vec::with_capacity(BATCH_BYTES),
            begun: begun.clone(),
        })
    });
    async move {
        loop {
            begun.notified().await;
            tokio::time::sleep(HAND_OVER_AFTER).await;
            flush();
        }
    }
}

/// Hands this thread's lines over to the writer thread, in one go.
pub fn flush() {
    BATCH.with(|batch| {
        if let Some(batch) = batch.borrow_mut().as_mut() {
            hand_over(&mut batch.lines);
        }
    });
}

fn hand_over(lines: &mut Vec<u8>) {
    if lines.is_empty() {
        return;
    }
    if let Some(sink) = SINK.get() {
        let _ = std::io::Write::write_all(&mut sink.clone(), lines);
    }
    lines.clear();
}

/// Writes a formatted line (tracing writes each event's line in one call): into this thread's
/// batch when it keeps one, else straight to the writer thread.
pub struct LogWriter;

impl std::io::Write for LogWriter {
    fn write(&mut self, line: &[u8]) -> std::io::Result<usize> {
        let batched = BATCH.with(|batch| match batch.borrow_mut().as_mut() {
            Some(batch) => {
                if batch.lines.is_empty() {
                    // Same thread, same runtime: the timer's task is queued, nothing is woken.
                    batch.begun.notify_one();
                }
                batch.lines.extend_from_slice(line);
                if batch.lines.len() >= BATCH_BYTES {
                    hand_over(&mut batch.lines);
                }
                true
            }
            None => false,
        });
        if !batched {
            if let Some(sink) = SINK.get() {
                std::io::Write::write_all(&mut sink.clone(), line)?;
            }
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Sets where the lines go (once, when the log is installed).
pub fn install(sink: tracing_appender::non_blocking::NonBlocking) {
    let _ = SINK.set(sink);
}
