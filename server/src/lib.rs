//! The back-end server: storage ([`db`]), sessions and passwords ([`auth`]), the implementation
//! of `backend_api::BackendApi` ([`http`]), configuration ([`config`]), logging ([`logging`]),
//! the server's time ([`clock`]), where uploads are kept ([`uploads`]), the background sweep of expired rows ([`housekeeping`]),
//! start/stop plus user management ([`app`]) and the command line on top of them ([`cli`]), which
//! both binaries run: `src/main.rs` (`server`) and the tests' `src/bin/server-with-test-clock.rs`.

pub mod app;
pub mod auth;
pub mod cli;
pub mod clients;
pub mod clock;
pub mod config;
pub mod db;
pub mod housekeeping;
pub mod http;
pub mod logging;
pub mod metrics;
pub mod uploads;
