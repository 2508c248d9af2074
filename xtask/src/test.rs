//! `cargo xtask test`: the README's test command, and what CI runs after its format and lint
//! checks. It installs the pinned Node tools the suite uses, runs the workspace's tests, then
//! checks every committed spec with an independent OpenAPI validator and the two standard
//! OpenAPI linters — and fails if any of it leaves a process running or a port listening
//! ([`leaks`](crate::leaks)).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use xtask::root;

/// The whole suite, or with `only` the tests `cargo test ONLY…` selects (no spec checks); both
/// under the check that nothing is left behind.
pub fn run(only: &[String]) -> Result<()> {
    let watch = crate::leaks::Watch::start()?;
    let whole = only.is_empty();
    // Before the tests: the browser test needs playwright-core too.
    let node_tools = if whole { install_node_tools() } else { Ok(()) };
    let args: Vec<String> = if whole {
        ["test", "--workspace", "--no-fail-fast"].map(String::from).to_vec()
    } else {
        std::iter::once("test".to_owned()).chain(only.iter().cloned()).collect()
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut child = Command::new(&cargo)
        .args(&args)
        .current_dir(root())
        .stdout(Stdio::piped())
        .spawn()
        .context("running cargo test")?;
    // Pass the output through, adding up the test binaries' summaries for one closing line. A
    // process the tests leave behind may hold the pipe open: the reading ends once it is killed.
    let stdout = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let (mut passed, mut failed) = (0u64, 0u64);
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            if let Some(rest) = line.strip_prefix("test result: ") {
                passed += count_before(rest, " passed");
                failed += count_before(rest, " failed");
            }
        }
        (passed, failed)
    });
    let status = child.wait();
    let mut outcomes = vec![node_tools];
    match status {
        Ok(status) if status.success() => {}
        Ok(_) => outcomes.push(Err(anyhow::anyhow!("cargo {} failed", args.join(" ")))),
        Err(e) => outcomes.push(Err(e).context("waiting for cargo test")),
    }
    if whole {
        match committed_specs() {
            Ok(specs) => outcomes.extend([validate_specs(&specs), lint_specs(&specs)]),
            Err(e) => outcomes.push(Err(e)),
        }
    }
    outcomes.push(watch.finish());
    let (passed, failed) = reader.join().unwrap_or_default();
    println!("\ntests: {passed} passed, {failed} failed");
    let failures: Vec<String> = outcomes.into_iter().filter_map(|o| o.err()).map(|e| format!("{e:#}")).collect();
    if !failures.is_empty() {
        bail!("{}", failures.join("\n"));
    }
    Ok(())
}

/// Every spec the converter produced and the repo commits: the doc's and the golden ones.
fn committed_specs() -> Result<Vec<std::path::PathBuf>> {
    let mut specs = vec![root().join(xtask::DEFAULT_SPEC)];
    let golden = root().join("xtask/tests/golden");
    for entry in std::fs::read_dir(&golden).with_context(|| format!("reading {}", golden.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "json") {
            specs.push(path);
        }
    }
    specs.sort();
    Ok(specs)
}

/// A tool this command runs is missing: under CI that fails the run, elsewhere it is said and
/// the step skipped.
fn missing_tool(what: &str, install: &str, skipped: &str) -> Result<()> {
    if std::env::var_os("CI").is_some() {
        bail!("{what} is not installed ({install}): CI must run it");
    }
    eprintln!("NOTE: {what} is not installed ({install}); {skipped}");
    Ok(())
}

/// What `npm ci --prefix xtask/node` installs that the suite runs: the linters, and the browser
/// test's playwright-core.
const NODE_TOOLS: [&str; 3] = [".bin/redocly", ".bin/spectral", "playwright-core"];

/// Installs the Node tools pinned in `xtask/node/package-lock.json` (`npm ci`) when one is
/// missing or the lock file changed since they were installed. Without npm that is said plainly
/// (and fails under CI): the linters and the browser test then cannot run.
fn install_node_tools() -> Result<()> {
    if !needs_install(&root().join("xtask/node")) {
        return Ok(());
    }
    // Two runs in one working tree would each empty node_modules under the other: one at a time,
    // and the second finds the tools installed.
    let lock_path = xtask::target_dir().join("npm-ci.lock");
    std::fs::create_dir_all(xtask::target_dir())?;
    let lock = std::fs::File::create(&lock_path).with_context(|| format!("creating {}", lock_path.display()))?;
    // SAFETY: flock on a file we hold open; the lock goes with the file when it is closed.
    if unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(&lock), libc::LOCK_EX) } != 0 {
        bail!("locking {}: {}", lock_path.display(), std::io::Error::last_os_error());
    }
    if !needs_install(&root().join("xtask/node")) {
        return Ok(());
    }
    let install = ["ci", "--prefix", "xtask/node", "--no-audit", "--no-fund", "--loglevel=error"];
    if Command::new("npm").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_err() {
        return missing_tool(
            "npm",
            "Node.js and npm, e.g. apt-get install npm",
            "the pinned OpenAPI linters and playwright-core cannot be installed (npm ci --prefix xtask/node): \
             the specs will NOT be linted and the browser test is skipped",
        );
    }
    println!("==> npm {} (the pinned OpenAPI linters and playwright-core)", install.join(" "));
    let status = Command::new("npm").args(install).current_dir(root()).status().context("running npm ci")?;
    if !status.success() {
        if std::env::var_os("CI").is_some() {
            bail!("npm ci --prefix xtask/node failed: CI must run the linters and the browser test");
        }
        eprintln!(
            "NOTE: npm ci --prefix xtask/node failed; the specs will NOT be linted and the browser test is skipped"
        );
    }
    Ok(())
}

/// Whether the Node tools in `node` (`xtask/node`) are to be installed: one is missing, or the
/// lock file is newer than the copy `npm ci` keeps of the lock it installed.
fn needs_install(node: &std::path::Path) -> bool {
    let modified = |path: &std::path::Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let installed = modified(&node.join("node_modules/.package-lock.json"));
    let current = installed.is_some() && installed >= modified(&node.join("package-lock.json"));
    !current || !NODE_TOOLS.iter().all(|tool| node.join("node_modules").join(tool).exists())
}

/// The two standard linters other teams run on a spec, Redocly CLI (`recommended`) and
/// Spectral (`spectral:oas`), pinned in `xtask/node/`: no errors on any committed spec. Their
/// configs, and why a rule is off, are beside the script.
fn lint_specs(specs: &[std::path::PathBuf]) -> Result<()> {
    let node = root().join("xtask/node");
    if !node.join("node_modules/.bin/redocly").exists() || !node.join("node_modules/.bin/spectral").exists() {
        return missing_tool(
            "the OpenAPI linters",
            "npm ci --prefix xtask/node",
            &format!("the {} specs were NOT linted", specs.len()),
        );
    }
    let status =
        Command::new(node.join("lint-specs.sh")).args(specs).status().context("running xtask/node/lint-specs.sh")?;
    if !status.success() {
        bail!("a linter reported errors in a committed spec (details: LINT_SPECS_VERBOSE=1 xtask/node/lint-specs.sh FILE)");
    }
    Ok(())
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

/// Every committed spec, checked by Python's `openapi-spec-validator`: an independent reading of
/// OpenAPI 3.0, not our own.
fn validate_specs(specs: &[std::path::PathBuf]) -> Result<()> {
    let probe = Command::new("python3").args(["-c", "import openapi_spec_validator"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        return missing_tool(
            "openapi-spec-validator",
            "pip install openapi-spec-validator",
            &format!("the {} specs were NOT validated as OpenAPI 3.0", specs.len()),
        );
    }
    let status = Command::new("python3")
        .args(["-m", "openapi_spec_validator", "--schema", "3.0.0"])
        .args(specs)
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
    fn node_tools_are_installed_when_missing_or_older_than_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let node = dir.path();
        let at = |secs| std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs);
        let write = |path: &str, when| {
            let path = node.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::File::create(&path).unwrap().set_modified(at(when)).unwrap();
        };
        write("package-lock.json", 1_000);
        assert!(super::needs_install(node), "nothing installed");
        for tool in super::NODE_TOOLS {
            write(&format!("node_modules/{tool}"), 2_000);
        }
        write("node_modules/.package-lock.json", 2_000);
        assert!(!super::needs_install(node), "installed from this lock");
        write("package-lock.json", 3_000);
        assert!(super::needs_install(node), "the lock changed since");
        write("node_modules/.package-lock.json", 3_000);
        std::fs::remove_file(node.join("node_modules/playwright-core")).unwrap();
        assert!(super::needs_install(node), "a tool is missing");
    }

    #[test]
    fn summaries_are_added_up() {
        let line = "ok. 49 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in 28.65s";
        assert_eq!(super::count_before(line, " passed"), 49);
        assert_eq!(super::count_before(line, " failed"), 2);
        assert_eq!(super::count_before("FAILED. 3 passed; 1 failed; 0 ignored", " failed"), 1);
    }
}
