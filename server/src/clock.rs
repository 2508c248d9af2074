//! The server's time, in Unix milliseconds: the unit of every time column.
//!
//! It is the system clock. Only the tests' binary (`src/bin/server-with-test-clock.rs`) moves it
//! forward, by an offset it gives [`Clock::offset_by`], to see a session idle out or a login
//! window pass without waiting for it; `server` itself never does. Only times compared with
//! stored times move; timeouts and intervals inside the process keep the real clock.

use std::sync::Arc;

/// Where the server reads the time.
#[derive(Clone, Default)]
pub struct Clock {
    offset_ms: Option<Arc<dyn Fn() -> i64 + Send + Sync>>,
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.offset_ms.is_some() { "Clock(moved)" } else { "Clock(system)" })
    }
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// The system clock moved forward by what `offset_ms` answers, asked on every call.
    pub fn offset_by(offset_ms: impl Fn() -> i64 + Send + Sync + 'static) -> Clock {
        Clock { offset_ms: Some(Arc::new(offset_ms)) }
    }

    pub fn now_ms(&self) -> i64 {
        let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let now = i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX);
        match &self.offset_ms {
            None => now,
            Some(offset_ms) => now.saturating_add(offset_ms()),
        }
    }
}

/// A setting in seconds in the clock's unit.
pub fn secs_to_ms(secs: u64) -> i64 {
    i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX)
}
