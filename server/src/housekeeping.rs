//! Forgetting what no request will read again, in the background: expired sessions and failed
//! logins whose window has passed. A request drops an expired session it meets and a login drops
//! its user's, but the sessions of a user who never comes back, and the failure counts of names
//! tried and never again (guessed names), would otherwise stay forever.
//!
//! Every instance sweeps; two sweeping at once delete the same rows, which is harmless. Each also
//! drops, every minute, the login buckets of client addresses that have refilled (kept in memory).

use std::time::Duration;

use slog::Logger;

use crate::auth::limits::ClientBuckets;
use crate::clock::{secs_to_ms, Clock};
use crate::config::Config;
use crate::db::{db, DbError, Pool};

/// How often the sweep runs, the first time one interval after start (start-up does no more work,
/// and instances restarted together do not all write at once).
pub const SWEEP_EVERY: Duration = Duration::from_secs(10 * 60);

/// What one sweep deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub sessions: usize,
    pub login_failures: usize,
}

/// Deletes the sessions that are past their idle time or lifetime and the failed-login counts
/// whose window has passed, as of `now` (ms).
pub async fn sweep(pool: &Pool, config: &Config, now: i64) -> Result<Swept, DbError> {
    let idle_before = now - secs_to_ms(config.session_idle_secs);
    let created_before = now - secs_to_ms(config.session_lifetime_secs);
    let sessions = db!(write: pool, sessions::delete_expired(idle_before, created_before))?;
    let window_start = now - secs_to_ms(config.login_window_secs);
    let login_failures = db!(write: pool, sessions::forget_failures(window_start))?;
    Ok(Swept { sessions, login_failures })
}

/// How often the login buckets of quiet clients are dropped.
const BUCKETS_EVERY: Duration = Duration::from_secs(60);

/// Sweeps every [`SWEEP_EVERY`] (and drops full login buckets every [`BUCKETS_EVERY`]) until
/// the returned task is aborted. A failed sweep (the database away) is logged and tried again
/// next time.
pub fn start(
    pool: Pool,
    config: std::sync::Arc<Config>,
    clock: Clock,
    buckets: std::sync::Arc<ClientBuckets>,
    log: Logger,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let start = tokio::time::Instant::now();
        let mut every = tokio::time::interval_at(start + SWEEP_EVERY, SWEEP_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut buckets_every = tokio::time::interval_at(start + BUCKETS_EVERY, BUCKETS_EVERY);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = buckets_every.tick() => {
                    buckets.forget_full();
                    continue;
                }
            }
            match sweep(&pool, &config, clock.now_ms()).await {
                Ok(swept) => slog::debug!(log, "housekeeping";
                    "expired_sessions" => swept.sessions, "login_failures" => swept.login_failures),
                Err(e) => slog::warn!(log, "housekeeping failed"; "cause" => %e),
            }
        }
    })
}
