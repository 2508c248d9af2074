//! The slog logger: terminal lines by default, bunyan JSON (`log_format = "json"`), on stderr.
//!
//! dropshot writes one "request completed" line per request (request id, method, URI, status,
//! latency); [`RequestUsers`] adds the user id of the authenticated session to that line, so each
//! request is one line with everything. Passwords and tokens are never logged.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use slog::{Drain, Level, Logger};

use crate::config::{Config, LogFormat};

pub fn parse_level(level: &str) -> anyhow::Result<Level> {
    level
        .parse::<Level>()
        .map_err(|()| anyhow::anyhow!("log_level {level:?}: expected trace, debug, info, warn, error or critical"))
}

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

/// Adds `user_id` to dropshot's "request completed" line.
struct WithUserId<D> {
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

impl<D: Drain> Drain for WithUserId<D> {
    type Ok = Option<D::Ok>;
    type Err = D::Err;

    fn log(&self, record: &slog::Record, values: &slog::OwnedKVList) -> Result<Self::Ok, D::Err> {
        let is_request_line = record.level() == Level::Info
            && record.module().starts_with("dropshot")
            && record.msg().to_string() == "request completed";
        if !is_request_line {
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

/// The server's logger, as the configuration asks for it.
pub fn logger(config: &Config, users: RequestUsers) -> anyhow::Result<Logger> {
    let level = parse_level(&config.log_level)?;
    let format: Box<dyn Drain<Ok = (), Err = slog::Never> + Send> = match config.log_format {
        LogFormat::Terminal => {
            let decorator = slog_term::TermDecorator::new().stderr().build();
            Box::new(slog_term::FullFormat::new(decorator).build().fuse())
        }
        LogFormat::Json => Box::new(slog_bunyan::with_name("backend", std::io::stderr()).build().fuse()),
    };
    // WithUserId sees every record (before the level filter), so it forgets each request's user
    // even when "request completed" lines are filtered out.
    let drain = WithUserId { inner: format.filter_level(level), users }.ignore_res();
    let drain = slog_async::Async::new(drain).chan_size(4096).build().fuse();
    Ok(Logger::root(drain, slog::o!("name" => "backend")))
}
