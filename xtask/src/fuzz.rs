//! `cargo xtask fuzz-api`: property-based fuzzing of the live server from the doc's spec, with
//! schemathesis (`pip install schemathesis`, 4.x).
//!
//! It builds the `server` binary, starts it on a fresh SQLite file and upload folder in a temporary
//! folder, on a free loopback port (the server binds port 0 and logs its address), logs in as the
//! first-start `admin` (a real login: the password the server prints once) and runs schemathesis
//! with every check in two passes:
//!
//! 1. every operation except `post_logout`, authenticated with one token;
//! 2. `post_logout` alone with a token of its own (logging out revokes the token, so it cannot run
//!    in the first pass without turning the rest into 401s).
//!
//! The checks schemathesis cannot run meaningfully against this API are configured in
//! `xtask/schemathesis.toml`, each with the reason written there. The server is never changed to
//! please the fuzzer.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use xtask::root;

/// Options of one run.
pub struct Options {
    /// Generated cases per operation and phase (schemathesis `--max-examples`).
    pub max_examples: u32,
    /// schemathesis `--seed`: the same seed generates the same cases.
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
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        .args(["build", "--workspace", "--bin", "server"])
        .current_dir(root())
        .status()
        .context("building the server")?;
    if !status.success() {
        bail!("building the server failed");
    }
    let binary = target_dir().join("debug/server");
    let work = TempDir::new()?;
    let server = Server::start(&binary, work.path())?;
    println!("fuzz-api: server at {} (log: {})", server.base, server.log.display());

    let config = root().join("xtask/schemathesis.toml");
    let spec = root().join(xtask::DEFAULT_SPEC);
    // Some tasks, so that the ids schemathesis generates sometimes exist.
    let token = login(&server, "admin", &server.admin_password)?;
    for i in 0..20 {
        let body = format!(r#"{{"type":"image","input":"seed {i}","priority":1}}"#);
        let (status, _, text) = request(&server.addr, "POST", "/backend/api/v1/task", Some(&token), &body)?;
        if status != 200 {
            bail!("creating a seed task: {status} {text}");
        }
    }

    let mut total = 0u64;
    let passes: [(&str, &[&str]); 2] = [
        ("every operation but post_logout", &["--exclude-operation-id", "post_logout"]),
        ("post_logout, with its own token", &["--include-operation-id", "post_logout"]),
    ];
    for (what, filter) in passes {
        let token = login(&server, "admin", &server.admin_password)?;
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
            .current_dir(work.path())
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
            bail!("schemathesis found failures ({what}); the server's log is {}", server.log.display());
        }
    }
    let five_hundreds = server.count_5xx()?;
    if five_hundreds > 0 {
        bail!("the server logged {five_hundreds} responses with a 5xx status; see {}", server.log.display());
    }
    let requests = count_requests(&server)?;
    println!("\nfuzz-api: {total} generated cases ({requests} requests answered by the server), 0 failures, no 5xx");
    if total < 1000 {
        bail!("fuzz-api: only {total} generated cases; raise --max-examples (at least 1,000 are required)");
    }
    Ok(())
}

/// Requests the server answered: its request log lines (one per request, with `response_code`).
fn count_requests(server: &Server) -> Result<usize> {
    let text = std::fs::read_to_string(&server.log)?;
    Ok(text.lines().filter(|l| l.contains("\"response_code\"")).count())
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root().join("target"))
}

/// A temporary folder removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<TempDir> {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_nanos();
        let dir = std::env::temp_dir().join(format!("fuzz-api-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(TempDir(dir))
    }
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::env::var_os("FUZZ_KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// The server process this command started (killed by its pid on drop, never by name).
struct Server {
    child: Child,
    addr: String,
    base: String,
    admin_password: String,
    log: PathBuf,
}

impl Server {
    fn start(binary: &Path, dir: &Path) -> Result<Server> {
        let log = dir.join("server.log");
        let mut child = Command::new(binary)
            .arg("--database")
            .arg(format!("sqlite://{}", dir.join("backend.db").display()))
            .args(["serve", "--bind", "127.0.0.1:0", "--upload-dir"])
            .arg(dir.join("uploads"))
            .env("BACKEND_LOG_FORMAT", "json")
            .env("BACKEND_LOG_LEVEL", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        // stdout: the admin password (printed once); stderr: the JSON log, copied to a file.
        let (tx, rx) = mpsc::channel();
        let stdout = child.stdout.take().expect("piped");
        let tx_out = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(p) = line.strip_prefix("created user admin with password: ") {
                    let _ = tx_out.send(Found::Password(p.trim().to_owned()));
                }
            }
        });
        let stderr = child.stderr.take().expect("piped");
        let mut file = std::fs::File::create(&log)?;
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = writeln!(file, "{line}");
                if line.contains("\"msg\":\"listening\"") {
                    if let Some(addr) = serde_json::from_str::<serde_json::Value>(&line)
                        .ok()
                        .and_then(|v| v["address"].as_str().or(v["local_addr"].as_str()).map(str::to_owned))
                    {
                        let _ = tx.send(Found::Address(addr));
                    }
                }
            }
        });
        let (mut addr, mut password) = (None, None);
        let deadline = Instant::now() + Duration::from_secs(60);
        while addr.is_none() || password.is_none() {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(Found::Address(a)) => addr = Some(a),
                Ok(Found::Password(p)) => password = Some(p),
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    bail!("the server did not start within 60 s; its log: {}", log.display());
                }
            }
        }
        let addr = addr.expect("set");
        Ok(Server { child, base: format!("http://{addr}"), addr, admin_password: password.expect("set"), log })
    }

    /// Responses the server logged with a 5xx status.
    fn count_5xx(&self) -> Result<usize> {
        let text = std::fs::read_to_string(&self.log)?;
        Ok(text
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["response_code"].as_u64().is_some_and(|c| c >= 500))
            .count())
    }
}

enum Found {
    Address(String),
    Password(String),
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Logs in and returns the session token from the `x-auth-token` header.
fn login(server: &Server, name: &str, password: &str) -> Result<String> {
    let body = serde_json::json!({ "name": name, "password": password }).to_string();
    let (status, headers, text) = request(&server.addr, "POST", "/backend/api/v1/login", None, &body)?;
    if status != 200 {
        bail!("login of {name}: {status} {text}");
    }
    headers
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("x-auth-token").then(|| v.trim().to_owned())
        })
        .context("login answered without an x-auth-token header")
}

/// One HTTP/1.1 request with a JSON body (`Connection: close`); status, headers, body.
fn request(addr: &str, method: &str, path: &str, token: Option<&str>, body: &str) -> Result<(u16, String, String)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let auth = token.map(|t| format!("x-auth-token: {t}\r\n")).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n{auth}content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (head, rest) = response.split_once("\r\n\r\n").context("no end of headers")?;
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).context("no status")?;
    Ok((status, head.to_owned(), rest.to_owned()))
}
