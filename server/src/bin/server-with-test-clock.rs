//! `server-with-test-clock`: the same command line as `server`, on a clock the tests move. Only
//! the tests run it (`server-harness`: `Launch::fake_clock`); the movable clock is compiled into
//! this binary alone, so that whoever can set the deployed server's environment cannot move its
//! session expiry.
//!
//! When `BACKEND_TEST_CLOCK_FILE` names a file, the number of milliseconds that file holds is
//! added to the system time, read again on every call; a missing file or one that holds no number
//! is no offset. The harness moves the time forward (`ServerProcess::advance_clock`) to see a
//! session idle out or a login window pass without waiting for it.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use server::clock::Clock;

/// The environment variable that names the clock's offset file.
const TEST_CLOCK_FILE_VAR: &str = "BACKEND_TEST_CLOCK_FILE";

fn main() -> ExitCode {
    let clock = match std::env::var_os(TEST_CLOCK_FILE_VAR) {
        Some(file) if !file.is_empty() => offset_by_file(Path::new(&file).into()),
        _ => Clock::system(),
    };
    server::cli::main(clock)
}

/// The system clock moved forward by what `file` holds.
fn offset_by_file(file: Arc<Path>) -> Clock {
    // The harness writes the file whole (a rename), so a read never sees half a number.
    Clock::offset_by(move || std::fs::read_to_string(&file).ok().and_then(|t| t.trim().parse().ok()).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offset_file_moves_the_clock_forward() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("clock");
        let clock = offset_by_file(file.as_path().into());
        let before = Clock::system().now_ms();
        assert!(clock.now_ms() - before < 60_000, "no file: no offset");
        std::fs::write(&file, "3600000\n").unwrap();
        let moved = clock.now_ms() - Clock::system().now_ms();
        assert!((3_590_000..=3_600_000).contains(&moved), "{moved}");
    }
}
