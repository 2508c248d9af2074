//! The `cargo xtask` commands that need the server's crates: the client generator (progenitor),
//! the contract check (the server's API trait), and the commands that drive a live server
//! (benchmark, soak, schemathesis fuzzing, all through `server-harness`). `cargo xtask`
//! forwards them to this crate's binary, so that its own doc commands stay light.

pub mod bench;
pub mod client;
pub mod contract;
pub mod fuzz;
pub mod soak;

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context as _, Result};
use xtask::root;

/// Builds the `server` binary (debug, or release) with the whole workspace's features; its path.
pub fn build_server(release: bool) -> Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(&cargo);
    command.args(["build", "--workspace", "--bin", "server"]);
    if release {
        command.arg("--release");
    }
    let status = command.current_dir(root()).status().context("building the server")?;
    if !status.success() {
        bail!("building the server failed");
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root().join("target"));
    Ok(target.join(if release { "release/server" } else { "debug/server" }))
}
