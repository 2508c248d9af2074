//! `cargo xtask test`: the README's test command, and what CI runs after its format and lint
//! checks. It runs the workspace's tests, then validates every committed spec with an
//! independent OpenAPI validator.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use xtask::root;

pub fn run() -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut child = Command::new(&cargo)
        .args(["test", "--workspace", "--no-fail-fast"])
        .current_dir(root())
        .stdout(Stdio::piped())
        .spawn()
        .context("running cargo test")?;
    // Pass the output through, adding up the test binaries' summaries for one closing line.
    let (mut passed, mut failed) = (0u64, 0u64);
    for line in BufReader::new(child.stdout.take().expect("piped")).lines() {
        let line = line?;
        println!("{line}");
        if let Some(rest) = line.strip_prefix("test result: ") {
            passed += count_before(rest, " passed");
            failed += count_before(rest, " failed");
        }
    }
    let status = child.wait()?;
    let validated = validate_specs();
    println!("\ntests: {passed} passed, {failed} failed");
    if !status.success() {
        bail!("cargo test --workspace failed");
    }
    validated
}

/// `3` from `ok. 3 passed; 0 failed; …` for `" passed"`.
fn count_before(summary: &str, what: &str) -> u64 {
    summary
        .split(';')
        .find_map(|part| {
            part.trim().trim_start_matches("ok. ").trim_start_matches("FAILED. ").strip_suffix(what.trim())
        })
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
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

#[cfg(test)]
mod tests {
    #[test]
    fn summaries_are_added_up() {
        let line = "ok. 49 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in 28.65s";
        assert_eq!(super::count_before(line, " passed"), 49);
        assert_eq!(super::count_before(line, " failed"), 2);
        assert_eq!(super::count_before("FAILED. 3 passed; 1 failed; 0 ignored", " failed"), 1);
    }
}
