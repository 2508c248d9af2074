//! Log lines written to stderr in batches by a background thread.
//!
//! Why not slog-async: it hands every record to its thread over a channel (copying each value
//! into an owned record) and wakes that thread for each one; the thread then formats the record
//! and writes it: under load that thread and its wake-ups cost more than the request itself
//! (`docs/performance.md`). Here the thread that logs formats the line itself, appends it to a
//! shared buffer, and the writer thread wakes once per batch: a few times per second under load
//! instead of once per request.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long the writer thread lets lines gather after the first one arrives.
const GATHER: Duration = Duration::from_millis(10);
/// Beyond this much unwritten text (stderr not being read), new lines are dropped and counted.
const MAX_PENDING: usize = 8 << 20;

struct Shared {
    pending: Mutex<Pending>,
    wake: Condvar,
    dropped: AtomicU64,
}

#[derive(Default)]
struct Pending {
    text: Vec<u8>,
    closed: bool,
}

/// The writing end (one, owned by the formatter): `write` takes whole lines (see
/// [`super::WholeLines`]). Dropping it stops the writer thread after a last write.
pub struct Sink {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.shared.pending.lock().unwrap_or_else(|e| e.into_inner()).closed = true;
        self.shared.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts the writer thread for `out` (stderr in the server).
pub fn start<W: Write + Send + 'static>(mut out: W) -> std::io::Result<Sink> {
    let shared = Arc::new(Shared { pending: Mutex::default(), wake: Condvar::new(), dropped: AtomicU64::new(0) });
    let thread_shared = shared.clone();
    let thread = std::thread::Builder::new().name("log-writer".into()).spawn(move || {
        let shared = thread_shared;
        let mut batch = Vec::new();
        loop {
            let mut pending = shared.pending.lock().unwrap_or_else(|e| e.into_inner());
            while pending.text.is_empty() && !pending.closed {
                pending = shared.wake.wait(pending).unwrap_or_else(|e| e.into_inner());
            }
            let closed = pending.closed;
            if !closed {
                // Let the lines of the next few milliseconds join this write.
                drop(pending);
                std::thread::sleep(GATHER);
                pending = shared.pending.lock().unwrap_or_else(|e| e.into_inner());
            }
            std::mem::swap(&mut batch, &mut pending.text);
            drop(pending);
            let dropped = shared.dropped.swap(0, Ordering::Relaxed);
            if dropped > 0 {
                let _ = writeln!(batch, "log: {dropped} lines dropped (stderr was not being read fast enough)");
            }
            // A failed write (stderr closed) loses these lines; there is nowhere to report it.
            let _ = out.write_all(&batch).and_then(|()| out.flush());
            batch.clear();
            if closed {
                return;
            }
        }
    })?;
    Ok(Sink { shared, thread: Some(thread) })
}

impl Write for Sink {
    fn write(&mut self, lines: &[u8]) -> std::io::Result<usize> {
        let mut pending = self.shared.pending.lock().unwrap_or_else(|e| e.into_inner());
        if pending.text.len() + lines.len() > MAX_PENDING {
            self.shared.dropped.fetch_add(1, Ordering::Relaxed);
            return Ok(lines.len());
        }
        let was_empty = pending.text.is_empty();
        pending.text.extend_from_slice(lines);
        drop(pending);
        if was_empty {
            self.shared.wake.notify_one();
        }
        Ok(lines.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the writer thread wrote, and in how many writes.
    #[derive(Clone, Default)]
    struct Recorded(Arc<Mutex<Vec<Vec<u8>>>>);

    impl Write for Recorded {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().push(buf.to_vec());
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_arrive_in_order_in_few_writes_and_all_are_written_at_the_end() {
        let recorded = Recorded::default();
        let mut sink = start(recorded.clone()).unwrap();
        let mut expected = Vec::new();
        for i in 0..1000 {
            let line = format!("line {i}\n");
            sink.write_all(line.as_bytes()).unwrap();
            expected.extend_from_slice(line.as_bytes());
        }
        drop(sink); // the last sink: the thread writes what is left and stops
        let writes = recorded.0.lock().unwrap();
        assert_eq!(writes.concat(), expected);
        assert!(writes.len() < 100, "{} writes for 1000 lines", writes.len());
    }

    #[test]
    fn a_line_is_written_soon_without_waiting_for_more() {
        let recorded = Recorded::default();
        let mut sink = start(recorded.clone()).unwrap();
        sink.write_all(b"listening\n").unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        while recorded.0.lock().unwrap().is_empty() {
            assert!(std::time::Instant::now() < deadline, "the line was not written");
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(recorded.0.lock().unwrap().concat(), b"listening\n");
    }
}
