//! The back-end server: storage ([`db`]), sessions and passwords ([`auth`]), the implementation
//! of `backend_api::BackendApi` ([`http`]), configuration ([`config`]), logging ([`logging`]),
//! the server's time ([`clock`]), where uploads are kept ([`uploads`]), the background sweep of expired rows ([`housekeeping`]) and
//! start/stop plus user management ([`app`]). `src/main.rs` is the command line on top of it.

pub mod app;
pub mod auth;
pub mod clients;
pub mod clock;
pub mod config;
pub mod db;
pub mod housekeeping;
pub mod http;
pub mod logging;
pub mod metrics;
pub mod uploads;
