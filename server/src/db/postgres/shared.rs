//! PostgreSQL connections that many requests read through at once, outside the pool.
//!
//! Why: a pooled connection carries one request's statements at a time, so every session lookup
//! is its own write to the socket, its own wake-up of a PostgreSQL backend and its own read of the
//! answer. tokio-postgres pipelines whatever statements are queued on one connection: when 32
//! requests share it, their statements go out in a few writes and one backend answers them back to
//! back, which is what lets the server keep up with many concurrent reads
//! (`docs/performance.md`).
//!
//! What goes through them: statements outside transactions that don't need a connection to
//! themselves — the session lookup of every request and the reads sent with it (`db!(shared: …)`).
//! Transactions, and the writes that hold locks, stay on pooled connections.
//!
//! A shared connection that failed because the database went away is forgotten; the next request
//! opens a fresh one (within the pool's connection timeout), so recovery needs no restart.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use super::tls::Connector;
use super::{Conn, Pooler};
use crate::db::DbError;

pub struct SharedConns {
    connector: Arc<Connector>,
    pooler: Pooler,
    timeout: Duration,
    slots: Vec<Slot>,
    next: AtomicUsize,
}

#[derive(Default)]
struct Slot {
    conn: RwLock<Option<Arc<Conn>>>,
    /// Held while the slot's connection is being opened: requests arriving meanwhile wait for it
    /// instead of each opening their own.
    opening: tokio::sync::Mutex<()>,
}

impl SharedConns {
    /// `count` connections made by `connector` for `pooler` (at least one), opened on first use.
    pub fn new(connector: Arc<Connector>, pooler: Pooler, count: u32, timeout: Duration) -> Self {
        let slots = (0..count.max(1)).map(|_| Slot::default()).collect();
        SharedConns { connector, pooler, timeout, slots, next: AtomicUsize::new(0) }
    }

    /// One of the shared connections, in turn; opened if it is not (or no longer) open. Waits at
    /// most the pool's connection timeout in all, also behind another request that is opening it.
    pub async fn get(&self) -> Result<Arc<Conn>, DbError> {
        let slot = &self.slots[self.next.fetch_add(1, Ordering::Relaxed) % self.slots.len()];
        if let Some(conn) = slot.current() {
            return Ok(conn);
        }
        match tokio::time::timeout(self.timeout, self.open(slot)).await {
            Ok(opened) => opened,
            Err(_) => Err(DbError::Unavailable("timed out connecting to the database".to_owned())),
        }
    }

    async fn open(&self, slot: &Slot) -> Result<Arc<Conn>, DbError> {
        let _opening = slot.opening.lock().await;
        if let Some(conn) = slot.current() {
            return Ok(conn);
        }
        let conn = Arc::new(
            super::establish(&self.connector, self.pooler).await.map_err(|e| DbError::Unavailable(e.to_string()))?,
        );
        *slot.conn.write().unwrap_or_else(|p| p.into_inner()) = Some(conn.clone());
        Ok(conn)
    }

    /// Called when a statement on `conn` found the database gone: drops it from its slot (if a
    /// fresh one has not replaced it already) so that the next request opens a new one.
    pub fn forget(&self, conn: &Arc<Conn>) {
        for slot in &self.slots {
            let mut current = slot.conn.write().unwrap_or_else(|p| p.into_inner());
            if current.as_ref().is_some_and(|c| Arc::ptr_eq(c, conn)) {
                *current = None;
            }
        }
    }
}

impl Slot {
    fn current(&self) -> Option<Arc<Conn>> {
        self.conn.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}
