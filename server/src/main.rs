//! `server`, the binary people build and deploy: the command line (`server::cli`) on the system
//! clock. Nothing in it moves the server's time; the tests' binary that can is
//! `src/bin/server-with-test-clock.rs`.

use std::process::ExitCode;

fn main() -> ExitCode {
    server::cli::main(server::clock::Clock::system())
}
