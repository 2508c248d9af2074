//! The live server for the commands that drive it (`fuzz-api`, `soak`): the built `server`
//! binary on a free loopback port, in a temporary folder, and a minimal HTTP/1.1 client.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use xtask::root;

/// Builds the `server` binary (debug, or release) and returns its path.
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
    Ok(target_dir().join(if release { "release/server" } else { "debug/server" }))
}

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root().join("target"))
}

/// A temporary folder removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> Result<TempDir> {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_nanos();
        let dir = std::env::temp_dir().join(format!("fuzz-api-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(TempDir(dir))
    }
    pub fn path(&self) -> &Path {
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
pub struct Server {
    child: Child,
    pub addr: String,
    pub base: String,
    pub admin_password: String,
    pub log: PathBuf,
}

impl Server {
    /// Starts `binary` on `database` (default: SQLite in `dir`), uploads in `dir`, `env` added.
    pub fn start(binary: &Path, dir: &Path, database: Option<&str>, env: &[(&str, &str)]) -> Result<Server> {
        let log = dir.join("server.log");
        let existed = database.is_some();
        // Below info the server does not log its address: then it gets a port that was free a
        // moment ago (bound to port 0 and released), and readiness is a successful connect.
        let quiet = env.iter().any(|(k, v)| *k == "BACKEND_LOG_LEVEL" && !matches!(*v, "info" | "debug" | "trace"));
        let bind = if quiet {
            let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
            format!("127.0.0.1:{port}")
        } else {
            "127.0.0.1:0".to_owned()
        };
        let database =
            database.map(str::to_owned).unwrap_or_else(|| format!("sqlite://{}", dir.join("backend.db").display()));
        let mut child = Command::new(binary)
            .arg("--database")
            .arg(&database)
            .args(["serve", "--bind", &bind, "--upload-dir"])
            .arg(dir.join("uploads"))
            .env("BACKEND_LOG_FORMAT", "json")
            .env("BACKEND_LOG_LEVEL", "info")
            .envs(env.iter().copied())
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
        if quiet {
            while TcpStream::connect(&bind).is_err() {
                if Instant::now() > deadline || child.try_wait()?.is_some() {
                    let _ = child.kill();
                    let _ = child.wait();
                    bail!("the server did not start on {bind}; its log: {}", log.display());
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            addr = Some(bind.clone());
        }
        // The admin password comes only on a database's first start.
        while addr.is_none() || (password.is_none() && !existed) {
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
        Ok(Server { child, base: format!("http://{addr}"), addr, admin_password: password.unwrap_or_default(), log })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Responses the server logged with a 5xx status.
    pub fn count_5xx(&self) -> Result<usize> {
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
pub fn login(server: &Server, name: &str, password: &str) -> Result<String> {
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
pub fn request(addr: &str, method: &str, path: &str, token: Option<&str>, body: &str) -> Result<(u16, String, String)> {
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
