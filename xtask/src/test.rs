//! `cargo xtask test`: the README's test command, and what CI runs after its format and lint
//! checks. It runs the workspace's tests, then validates every committed spec with an
//! independent OpenAPI validator.

use std::process::Command;

use anyhow::{bail, Context, Result};

use xtask::root;

pub fn run() -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        .args(["test", "--workspace", "--all-targets"])
        .current_dir(root())
        .status()
        .context("running cargo test")?;
    if !status.success() {
        bail!("cargo test --workspace failed");
    }
    validate_specs()
}

/// Every spec the converter produced and the repo commits, checked by Python's
/// `openapi-spec-validator`: an independent reading of OpenAPI 3.0, not our own.
fn validate_specs() -> Result<()> {
    let mut specs = vec![root().join(xtask::DEFAULT_SPEC)];
    let golden = root().join("xtask/tests/golden");
    for entry in std::fs::read_dir(&golden).with_context(|| format!("reading {}", golden.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "json") {
            specs.push(path);
        }
    }
    specs.sort();
    let probe = Command::new("python3").args(["-c", "import openapi_spec_validator"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        let msg = "openapi-spec-validator is not installed (pip install openapi-spec-validator)";
        if std::env::var_os("CI").is_some() {
            bail!("{msg}: CI must validate the specs");
        }
        eprintln!("NOTE: {msg}; the {} specs were NOT validated as OpenAPI 3.0", specs.len());
        return Ok(());
    }
    let status = Command::new("python3")
        .args(["-m", "openapi_spec_validator", "--schema", "3.0.0"])
        .args(&specs)
        .status()
        .context("running openapi-spec-validator")?;
    if !status.success() {
        bail!("openapi-spec-validator refused a spec");
    }
    println!("openapi-spec-validator: {} specs valid OpenAPI 3.0", specs.len());
    Ok(())
}
