//! `cargo xtask fuzz-api`: property-based fuzzing of the live server from the doc's spec, with
//! schemathesis (`pip install schemathesis==4.32.5`, the version CI pins).
//!
//! It builds the `server` binary, starts it through `server-harness` (a fresh SQLite file and
//! upload folder in a temporary folder, a free loopback port), logs in as the first-start `admin`
//! (a real login: the password the server prints once) and runs schemathesis with every check in
//! two passes:
//!
//! 1. every operation except `post_logout`, authenticated with one token;
//! 2. `post_logout` alone with a token of its own (logging out revokes the token, so it cannot run
//!    in the first pass without turning the rest into 401s).
//!
//! The checks schemathesis cannot run meaningfully against this API are configured in
//! `xtask/tools/schemathesis.toml`, each with the reason written there. The server is never weakened
//! to please the fuzzer; what it finds is fixed in the server with a regression test (the first
//! finding: a JSON array accepted as a request body, see `errors::every_json_body_must_be_an_object`).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};

use server_harness::http::Request;
use server_harness::{Launch, ServerProcess};
use xtask::root;

use crate::build_server;

/// Options of one run.
pub struct Options {
    /// Generated cases per operation and phase (schemathesis `--max-examples`).
    pub max_examples: u32,
    /// schemathesis `--seed` (with two workers the run is close to, not exactly, reproducible).
    pub seed: u64,
}

pub fn run(options: &Options) -> Result<()> {
    let probe = Command::new("schemathesis").arg("--version").output();
    match probe {
        Ok(out) if out.status.success() => {
            println!("fuzz-api: {}", String::from_utf8_lossy(&out.stdout).trim());
        }
        _ => bail!("schemathesis is not installed (pip install schemathesis)"),
    }
    let binary = build_server(false)?;
    // JSON at info: one line per request, with its status, to count them and find any 5xx.
    // Hundreds of generated logins come from one address: a bucket of logins would hold most of
    // them back a second each. The fuzzer checks what answers say; the limits have their own
    // tests (`login_limits`).
    let server = Launch::new(binary)
        .setting("log_format", "json")
        .setting("log_level", "info")
        .setting("login_rate_per_minute", "0")
        .start()?;
    let admin_password = server.admin_password.clone().context("the server printed no admin password")?;
    println!("fuzz-api: server at {} (log: {})", server.base, server.log_path().display());

    let config = root().join("xtask/tools/schemathesis.toml");
    let spec = root().join(xtask::DEFAULT_SPEC);
    // Some tasks, so that the ids schemathesis generates sometimes exist.
    let token = server.login("admin", &admin_password)?;
    for i in 0..20 {
        let body = format!(r#"{{"type":"image","input":"seed {i}","priority":1}}"#);
        let created = Request::new("POST", "/backend/api/v1/task")
            .header("x-auth-token", &token)
            .json(&body)
            .send(server.addr)?;
        if created.status != 200 {
            bail!("creating a seed task: {} {}", created.status, created.text());
        }
    }

    let mut total = 0u64;
    let passes: [(&str, &[&str]); 2] = [
        ("every operation but post_logout", &["--exclude-operation-id", "post_logout"]),
        ("post_logout, with its own token", &["--include-operation-id", "post_logout"]),
    ];
    for (what, filter) in passes {
        let token = server.login("admin", &admin_password)?;
        println!("\n==> schemathesis: {what}");
        let started = Instant::now();
        let mut child = Command::new("schemathesis")
            .arg("--config-file")
            .arg(&config)
            .arg("run")
            .arg(&spec)
            .args(["--url", &server.base])
            .args(["--header", &format!("x-auth-token: {token}")])
            .args(["--checks", "all"])
            .args(["--max-examples", &options.max_examples.to_string()])
            .args(["--seed", &options.seed.to_string()])
            .args(["--workers", "2", "--no-color"])
            .args(filter)
            .current_dir(server.launch().dir())
            .stdout(Stdio::piped())
            .spawn()
            .context("running schemathesis")?;
        // Pass its output through, keeping its count of generated cases ("  496 generated, …").
        let mut generated = None;
        for line in BufReader::new(child.stdout.take().expect("piped")).lines() {
            let line = line?;
            println!("{line}");
            if let Some((n, _)) = line.trim().split_once(" generated") {
                generated = n.parse::<u64>().ok().or(generated);
            }
        }
        let status = child.wait()?;
        let generated = generated.context("schemathesis printed no count of generated cases")?;
        println!("fuzz-api: {what}: {generated} cases in {:.0?}", started.elapsed());
        total += generated;
        if !status.success() {
            bail!("schemathesis found failures ({what}); the server's log: {}", keep_log(&server)?);
        }
    }
    let five_hundreds =
        request_lines(&server).filter(|v| v["response_code"].as_u64().is_some_and(|c| c >= 500)).count();
    if five_hundreds > 0 {
        bail!("the server logged {five_hundreds} responses with a 5xx status; its log: {}", keep_log(&server)?);
    }
    let requests = request_lines(&server).count();
    println!("\nfuzz-api: {total} generated cases ({requests} requests answered by the server), 0 failures, no 5xx");
    if total < 1000 {
        bail!("fuzz-api: only {total} generated cases; raise --max-examples (at least 1,000 are required)");
    }
    Ok(())
}

/// The server's request log lines (one per answered request, with its `response_code`).
fn request_lines(server: &ServerProcess) -> impl Iterator<Item = serde_json::Value> {
    server
        .log()
        .into_iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(&l).ok())
        .filter(|v| !v["response_code"].is_null())
}

/// A copy of the server's log that outlives its temporary folder; its path.
fn keep_log(server: &ServerProcess) -> Result<String> {
    let kept = root().join("target/fuzz-api-server.log");
    std::fs::copy(server.log_path(), &kept)?;
    Ok(kept.display().to_string())
}
