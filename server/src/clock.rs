//! The server's time, in Unix milliseconds: the unit of every time column.
//!
//! It is the system clock, unless `BACKEND_TEST_CLOCK_FILE` names a file: then the number of
//! milliseconds that file holds is added to it, read again on every call. Tests move the
//! server's time forward that way (`server-harness`: `ServerProcess::advance_clock`) to see a
//! session idle out or a login window pass without waiting for it. Only times compared with
//! stored times move; timeouts and intervals inside the process keep the real clock.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The environment variable that names a test clock's offset file.
pub const TEST_CLOCK_FILE_VAR: &str = "BACKEND_TEST_CLOCK_FILE";

/// Where the server reads the time.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_file: Option<Arc<Path>>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// The system clock moved forward by what `file` holds (a missing file is no offset).
    pub fn with_offset_file(file: PathBuf) -> Clock {
        Clock { offset_file: Some(file.into()) }
    }

    /// The clock the environment asks for: [`TEST_CLOCK_FILE_VAR`], else the system clock.
    pub fn from_env() -> Clock {
        match std::env::var_os(TEST_CLOCK_FILE_VAR) {
            Some(file) if !file.is_empty() => Clock::with_offset_file(file.into()),
            _ => Clock::system(),
        }
    }

    pub fn now_ms(&self) -> i64 {
        let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let now = i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX);
        match &self.offset_file {
            None => now,
            // The test writes the file whole (a rename), so a read never sees half a number.
            Some(file) => {
                let offset = std::fs::read_to_string(file).ok().and_then(|t| t.trim().parse::<i64>().ok());
                now.saturating_add(offset.unwrap_or(0))
            }
        }
    }
}

/// A setting in seconds in the clock's unit.
pub fn secs_to_ms(secs: u64) -> i64 {
    i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offset_file_moves_the_clock_forward() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("clock");
        let clock = Clock::with_offset_file(file.clone());
        let before = Clock::system().now_ms();
        assert!(clock.now_ms() - before < 60_000, "no file: no offset");
        std::fs::write(&file, "3600000\n").unwrap();
        let moved = clock.now_ms() - Clock::system().now_ms();
        assert!((3_590_000..=3_600_000).contains(&moved), "{moved}");
    }
}
