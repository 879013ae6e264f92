//! The log's lines on their way to the writer thread (see [`crate::observe::init_logging`]).
//! A server worker keeps the lines of its requests in a batch of its own and hands the batch
//! over when its runtime runs out of work: the lines then go after the answers, in one message,
//! instead of waking the writer thread once per request before its answer is sent. A batch is
//! handed over sooner when it grows past [`BATCH_BYTES`], so a worker that never idles delays
//! its lines by a few dozen requests at most. Other threads hand each line over at once.

/// Where the lines go: the writer thread's queue.
static SINK: std::sync::OnceLock<tracing_appender::non_blocking::NonBlocking> =
    std::sync::OnceLock::new();

/// A batch larger than this is handed over at once, without waiting for the worker to idle.
const BATCH_BYTES: usize = 16 * 1024;

thread_local! {
    /// This thread's lines not yet handed over; `None` on a thread that does not batch.
    static BATCH: std::cell::RefCell<Option<Vec<u8>>> = const { std::cell::RefCell::new(None) };
}

/// Makes this thread keep its log lines until [`flush`]: for a server worker, whose
/// runtime calls it each time it runs out of work (and once more when it stops).
pub fn batch_this_thread() {
    BATCH.with(|batch| *batch.borrow_mut() = Some(Vec::with_capacity(BATCH_BYTES)));
}

/// Hands this thread's lines over to the writer thread, in one go.
pub fn flush() {
    BATCH.with(|batch| {
        if let Some(lines) = batch.borrow_mut().as_mut() {
            hand_over(lines);
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
            Some(lines) => {
                lines.extend_from_slice(line);
                if lines.len() >= BATCH_BYTES {
                    hand_over(lines);
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
