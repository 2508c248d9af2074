//! The slog logger: terminal lines by default, bunyan JSON (`log_format = "json"`), on stderr.
//!
//! dropshot writes one "request completed" line per request (request id, method, URI, status,
//! latency); [`RequestUsers`] adds the user id of the authenticated session to that line, so each
//! request is one line with everything. Passwords and tokens are never logged. Lines reach
//! stderr through [`batch`]: formatted by the thread that logs, written in batches.

mod batch;

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use slog::{Drain, Level, Logger};

use crate::config::{Config, LogFormat};

/// The user id each in-flight request authenticated as, by request id.
#[derive(Debug, Default, Clone)]
pub struct RequestUsers(Arc<Mutex<HashMap<String, i64>>>);

impl RequestUsers {
    pub fn set(&self, request_id: &str, user_id: i64) {
        self.0.lock().unwrap().insert(request_id.to_owned(), user_id);
    }

    fn take(&self, request_id: &str) -> Option<i64> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(request_id)
    }
}

/// dropshot's message on its one line per request.
const REQUEST_LINE: &str = "request completed";
/// dropshot's message on each new connection, which it logs at info: debug here, a line per
/// connection is noise at the level operators run.
const CONNECTION_LINE: &str = "accepted connection";

/// What dropshot logs, shaped for this server: `user_id` added to its "request completed" line,
/// its "accepted connection" line moved down to debug.
struct DropshotLines<D> {
    inner: D,
    users: RequestUsers,
}

struct FindReqId(Option<String>);

impl slog::Serializer for FindReqId {
    fn emit_arguments(&mut self, key: slog::Key, val: &std::fmt::Arguments) -> slog::Result {
        if key == "req_id" {
            self.0 = Some(val.to_string());
        }
        Ok(())
    }
}

impl<D: Drain> Drain for DropshotLines<D> {
    type Ok = Option<D::Ok>;
    type Err = D::Err;

    fn log(&self, record: &slog::Record, values: &slog::OwnedKVList) -> Result<Self::Ok, D::Err> {
        let dropshot_says = |message: &str| {
            record.level() == Level::Info
                && record.module().starts_with("dropshot")
                && record.msg().as_str().map_or_else(|| record.msg().to_string() == message, |m| m == message)
        };
        if dropshot_says(CONNECTION_LINE) {
            let debug = slog::RecordStatic { location: record.location(), level: Level::Debug, tag: record.tag() };
            return self.inner.log(&slog::Record::new(&debug, record.msg(), record.kv()), values).map(Some);
        }
        if !dropshot_says(REQUEST_LINE) {
            return self.inner.log(record, values).map(Some);
        }
        let mut find = FindReqId(None);
        let _ = slog::KV::serialize(values, record, &mut find);
        let user_id = find.0.and_then(|id| self.users.take(&id));
        let kv = slog::o!("user_id" => user_id);
        let record_kv = record.kv();
        let both = (record_kv, kv);
        let record_static =
            slog::RecordStatic { location: record.location(), level: record.level(), tag: record.tag() };
        let with_user = slog::Record::new(&record_static, record.msg(), slog::BorrowedKV(&both));
        self.inner.log(&with_user, values).map(Some)
    }
}

/// A writer that passes on only whole lines, each in one `write`, so that a line is never split
/// between two batches. The formatters write a line in many small pieces (about 20). Unlike
/// `std::io::LineWriter` it ignores `flush` in the middle of a line: slog-term flushes a record
/// before writing its final newline.
struct WholeLines<W: Write> {
    out: W,
    line: Vec<u8>,
}

impl<W: Write> WholeLines<W> {
    fn new(out: W) -> Self {
        WholeLines { out, line: Vec::with_capacity(512) }
    }
}

impl<W: Write> Write for WholeLines<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.line.extend_from_slice(buf);
        // Only the new bytes can hold a newline: what is buffered holds none.
        if let Some(i) = buf.iter().rposition(|&b| b == b'\n') {
            let end = self.line.len() - buf.len() + i;
            let result = self.out.write_all(&self.line[..=end]);
            self.line.drain(..=end);
            result?;
        }
        Ok(buf.len())
    }

    /// Nothing: a line goes out when its newline arrives.
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<W: Write> Drop for WholeLines<W> {
    fn drop(&mut self) {
        // A last line without its newline (never from our formatters) is still written.
        let _ = self.out.write_all(&self.line);
    }
}

/// The server's logger, as the configuration asks for it.
pub fn logger(config: &Config, users: RequestUsers) -> anyhow::Result<Logger> {
    let level = config.log_level;
    let format: Box<dyn Drain<Ok = (), Err = slog::Never> + Send> = match config.log_format {
        // Plain text, no colours, also on a terminal: a terminal that stops reading (scrolled
        // back, paused with Ctrl-S) must not stop the requests, and only the writer thread
        // ever waits on stderr.
        LogFormat::Terminal => {
            let sink = batch::start(std::io::stderr()).context("starting the log writer")?;
            let decorator = slog_term::PlainDecorator::new(WholeLines::new(sink));
            Box::new(slog_term::FullFormat::new(decorator).build().fuse())
        }
        LogFormat::Json => {
            let sink = batch::start(std::io::stderr()).context("starting the log writer")?;
            Box::new(slog_bunyan::with_name("backend", WholeLines::new(sink)).build().fuse())
        }
    };
    // One formatter, so one line at a time; a line takes a few µs to format.
    let format = Mutex::new(format).ignore_res();
    // DropshotLines sees every record (before the level filter), so it forgets each request's
    // user even when "request completed" lines are filtered out.
    let drain = DropshotLines { inner: format.filter_level(level), users }.ignore_res();
    // No `name` here: bunyan's format writes its own (a second would repeat the key).
    Ok(Logger::root(drain, slog::o!()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records each `write` it is given.
    #[derive(Default)]
    struct Writes(Vec<Vec<u8>>);

    impl Write for Writes {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.push(buf.to_vec());
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn each_line_reaches_the_writer_whole_in_one_write() {
        let mut lines = WholeLines::new(Writes::default());
        for piece in ["INFO ", "request completed", ", status: 200"] {
            lines.write_all(piece.as_bytes()).unwrap();
            lines.flush().unwrap(); // what slog-term does before the newline
        }
        lines.write_all(b"\n").unwrap();
        lines.write_all(b"second\nthird").unwrap();
        assert_eq!(lines.out.0, [b"INFO request completed, status: 200\n".to_vec(), b"second\n".to_vec()]);
    }

    #[test]
    fn a_real_log_line_is_one_write() {
        let writes = Arc::new(Mutex::new(Writes::default()));
        struct Shared(Arc<Mutex<Writes>>);
        impl Write for Shared {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().write(buf)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let decorator = slog_term::PlainDecorator::new(WholeLines::new(Shared(writes.clone())));
        let drain = std::sync::Mutex::new(slog_term::FullFormat::new(decorator).build()).fuse();
        let log = Logger::root(drain, slog::o!("name" => "backend"));
        slog::info!(log, "request completed"; "response_code" => 200, "user_id" => 7);
        let writes = &writes.lock().unwrap().0;
        assert_eq!(writes.len(), 1, "{writes:?}");
        let line = String::from_utf8_lossy(&writes[0]);
        assert!(line.ends_with("response_code: 200, name: backend\n") && line.contains("user_id: 7"), "{line}");
    }
}
