//! The `server` binary as a process: [`Launch`] says how, [`ServerProcess`] is one running.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};

/// The line the server prints on stdout once it accepts connections, before its address.
const LISTENING: &str = "listening on http://";
/// The line it prints on stdout, before it listens, when it serves metrics.
const METRICS: &str = "metrics on http://";
/// The line it prints on stdout when it created the first `admin`, before the password.
const ADMIN_PASSWORD: &str = "created user admin with password: ";
/// The binary beside `server` whose clock a test moves (the server's
/// `src/bin/server-with-test-clock.rs`); `server` itself has no such clock.
const TEST_CLOCK_BINARY: &str = "server-with-test-clock";
/// What that binary reads its clock's offset from: a file holding milliseconds to add.
const TEST_CLOCK_FILE_VAR: &str = "BACKEND_TEST_CLOCK_FILE";
/// How long a server gets to start, and to stop after SIGTERM before it is killed.
const START_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// How to run the server: the binary, its database and upload folder, its settings. Cloning it
/// and starting the clone runs another instance on the same database and folders.
#[derive(Clone, Debug)]
pub struct Launch {
    binary: PathBuf,
    /// The temporary folder of the default SQLite database, the upload folder, logs and config;
    /// removed when the last launch and process using it are gone.
    dir: Arc<tempfile::TempDir>,
    database: String,
    upload_dir: PathBuf,
    /// `BACKEND_…` variables.
    env: Vec<(String, String)>,
    config_file: Option<PathBuf>,
    clock_file: Option<PathBuf>,
}

impl Launch {
    /// The binary at `binary` (in the server's own tests, `env!("CARGO_BIN_EXE_server")`), on a
    /// new SQLite database and upload folder in a new temporary folder (see [`Launch::fake_clock`]
    /// for the binary whose clock a test moves).
    pub fn new(binary: impl Into<PathBuf>) -> Launch {
        let dir = tempfile::Builder::new().prefix("backend-server-").tempdir().expect("creating a temporary folder");
        Launch {
            binary: binary.into(),
            database: format!("sqlite://{}", dir.path().join("backend.db").display()),
            upload_dir: dir.path().join("uploads"),
            dir: Arc::new(dir),
            env: Vec::new(),
            config_file: None,
            clock_file: None,
        }
    }

    /// Another database (`sqlite://…` or `postgres://…`).
    pub fn database(mut self, url: impl Into<String>) -> Self {
        self.database = url.into();
        self
    }

    /// Another upload folder.
    pub fn upload_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.upload_dir = dir.into();
        self
    }

    /// A setting, as its environment variable: `setting("db_pool_size", 8)` is
    /// `BACKEND_DB_POOL_SIZE=8` (which beats the config file).
    pub fn setting(mut self, key: &str, value: impl ToString) -> Self {
        self.env.push((format!("BACKEND_{}", key.to_ascii_uppercase()), value.to_string()));
        self
    }

    /// Another environment variable, as named (e.g. `AWS_ACCESS_KEY_ID`).
    pub fn var(mut self, name: &str, value: impl ToString) -> Self {
        self.env.push((name.to_owned(), value.to_string()));
        self
    }

    /// A configuration file with this TOML text (`--config`).
    pub fn config(mut self, toml: &str) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let path = self.dir.path().join(format!("config-{}.toml", N.fetch_add(1, Ordering::Relaxed)));
        std::fs::write(&path, toml).expect("writing the configuration file");
        self.config_file = Some(path);
        self
    }

    /// A clock the test moves forward ([`ServerProcess::advance_clock`]), shared by every
    /// instance of this launch. It runs `server-with-test-clock`, built beside `server` (cargo
    /// builds both for the server's tests), instead of the binary given to [`Launch::new`].
    pub fn fake_clock(mut self) -> Self {
        let binary = self.binary.with_file_name(format!("{TEST_CLOCK_BINARY}{}", std::env::consts::EXE_SUFFIX));
        assert!(
            binary.is_file(),
            "fake_clock needs {}, the server with a clock tests move: cargo build -p server --bin {TEST_CLOCK_BINARY}",
            binary.display()
        );
        self.binary = binary;
        let path = self.dir.path().join("clock");
        write_whole(&path, "0").expect("writing the clock file");
        self.clock_file = Some(path);
        self
    }

    pub fn database_url(&self) -> &str {
        &self.database
    }

    pub fn upload_path(&self) -> &Path {
        &self.upload_dir
    }

    /// The temporary folder this launch keeps its files in.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `server --database … [--config …] ARGS…` with this launch's settings; no other `BACKEND_…`
    /// variable of ours reaches it, nor an `AWS_…` one (a developer's own credentials or endpoint
    /// must not decide where a test's uploads go).
    pub fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut command = Command::new(&self.binary);
        for (key, _) in std::env::vars_os() {
            if key.to_str().is_some_and(|k| k.starts_with("BACKEND_") || k.starts_with("AWS_")) {
                command.env_remove(key);
            }
        }
        command.arg("--database").arg(&self.database);
        if let Some(config) = &self.config_file {
            command.arg("--config").arg(config);
        }
        command.args(args).envs(self.env.iter().map(|(k, v)| (k, v)));
        if let Some(clock) = &self.clock_file {
            command.env(TEST_CLOCK_FILE_VAR, clock);
        }
        command
    }

    /// `server user add NAME` with this role and permission bits; the new user's id.
    pub fn add_user_with(&self, name: &str, password: &str, role: u32, perm: u64) -> Result<i64> {
        let mut child = self
            .command(["user", "add", name, "--role", &role.to_string(), "--perm", &perm.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("running {}", self.binary.display()))?;
        child.stdin.take().expect("piped").write_all(format!("{password}\n").as_bytes())?;
        let out = child.wait_with_output()?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            bail!("server user add {name}: {}{}", stdout, String::from_utf8_lossy(&out.stderr));
        }
        // "added user NAME (id N)"
        stdout
            .rsplit_once("(id ")
            .and_then(|(_, id)| id.trim().trim_end_matches(')').parse().ok())
            .with_context(|| format!("server user add {name} printed no id: {stdout}"))
    }

    /// `server user add NAME`, role and permissions 0.
    pub fn add_user(&self, name: &str, password: &str) -> Result<i64> {
        self.add_user_with(name, password, 0, 0)
    }

    /// Starts `server serve` on a free loopback port and waits until it listens.
    pub fn start(&self) -> Result<ServerProcess> {
        static N: AtomicU32 = AtomicU32::new(0);
        let log_path = self.dir.path().join(format!("server-{}.log", N.fetch_add(1, Ordering::Relaxed)));
        let log = std::fs::File::create(&log_path).with_context(|| format!("creating {}", log_path.display()))?;
        // Port 0: the kernel picks a free port as the server binds, and the server says which.
        let mut child = self
            .command(["serve", "--bind", "127.0.0.1:0", "--upload-dir"])
            .arg(&self.upload_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", self.binary.display()))?;
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let lines = stdout.clone();
        let out = child.stdout.take().expect("piped");
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix(LISTENING) {
                    let _ = tx.send(addr.trim().to_owned());
                }
                lines.lock().unwrap_or_else(|e| e.into_inner()).push(line);
            }
        });
        let mut process = ServerProcess {
            child,
            stopped: None,
            launch: self.clone(),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            base: String::new(),
            admin_password: None,
            log_path,
            stdout,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        let addr = loop {
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(addr) => break addr,
                Err(mpsc::RecvTimeoutError::Timeout) if Instant::now() < deadline => {
                    if let Some(status) = process.child.try_wait()? {
                        bail!("the server exited ({status}) before listening:\n{}", process.output_tail());
                    }
                }
                Err(_) => {
                    // Its stdout closed: it is exiting, or has.
                    for _ in 0..100 {
                        if let Some(status) = process.child.try_wait()? {
                            bail!("the server exited ({status}) before listening:\n{}", process.output_tail());
                        }
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    bail!("the server did not listen within {START_TIMEOUT:?}:\n{}", process.output_tail())
                }
            }
        };
        process.addr = addr.parse().with_context(|| format!("the server's address {addr:?}"))?;
        process.base = format!("http://{addr}");
        // Printed before the address, so it is there now if this start created the admin.
        process.admin_password =
            process.stdout().iter().find_map(|l| l.strip_prefix(ADMIN_PASSWORD).map(str::to_owned));
        Ok(process)
    }
}

/// A running `server serve`: SIGTERM when dropped, then SIGKILL if it has not exited in 10 s.
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    stopped: Option<ExitStatus>,
    launch: Launch,
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The password of the `admin` this start created, if it created one (first start).
    pub admin_password: Option<String>,
    log_path: PathBuf,
    stdout: Arc<Mutex<Vec<String>>>,
}

impl ServerProcess {
    /// The URL of an API path: `url("hola")` is `{base}/backend/api/v1/hola`.
    pub fn url(&self, path: &str) -> String {
        format!("{}/backend/api/v1/{path}", self.base)
    }

    /// How this server was started: start it again (after [`stop`](Self::stop) or
    /// [`kill9`](Self::kill9)) or start another instance on the same database and folders.
    pub fn launch(&self) -> &Launch {
        &self.launch
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its peak resident memory so far (`VmHWM` in `/proc/PID/status`), in KiB.
    pub fn peak_memory_kib(&self) -> Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:")?.trim().strip_suffix("kB")?.trim().parse().ok())
            .context("no VmHWM in /proc/PID/status")
    }

    /// What it wrote to stderr (its log) so far, line by line.
    pub fn log(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log_path).unwrap_or_default().lines().map(str::to_owned).collect()
    }

    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// Where it serves `GET /metrics`, when `metrics_bind` is set.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.stdout().iter().find_map(|l| l.strip_prefix(METRICS)?.strip_suffix("/metrics")?.parse().ok())
    }

    /// What it printed on stdout so far.
    pub fn stdout(&self) -> Vec<String> {
        self.stdout.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Logs in (`POST /login`); the session token it answered with.
    pub fn login(&self, name: &str, password: &str) -> Result<String> {
        let body = serde_json::json!({ "name": name, "password": password }).to_string();
        let response = crate::http::Request::new("POST", "/backend/api/v1/login").json(&body).send(self.addr)?;
        if response.status != 200 {
            bail!("login of {name}: HTTP {} {}", response.status, response.text());
        }
        response.header("x-auth-token").map(str::to_owned).context("a login answer without x-auth-token")
    }

    /// Moves the server's clock forward by `by` (the launch must have a [`Launch::fake_clock`]).
    pub fn advance_clock(&self, by: Duration) {
        let file = self.launch.clock_file.as_ref().expect("advance_clock needs Launch::fake_clock");
        let now: i64 = std::fs::read_to_string(file).ok().and_then(|t| t.trim().parse().ok()).unwrap_or(0);
        let by = i64::try_from(by.as_millis()).expect("a duration in range");
        write_whole(file, &(now + by).to_string()).expect("writing the clock file");
    }

    /// Stops it as an operator would: SIGTERM, then up to 10 s for in-flight requests to finish
    /// and the log to be written out; SIGKILL after that. Its exit status (an error if it had to
    /// be killed).
    pub fn stop(&mut self) -> Result<ExitStatus> {
        if let Some(status) = self.stopped {
            return Ok(status);
        }
        let pid = libc::pid_t::try_from(self.child.id()).context("pid")?;
        // SAFETY: signals only our own child, which is not reaped yet, so the pid is still its.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let deadline = Instant::now() + STOP_TIMEOUT;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                self.stopped = Some(status);
                return Ok(status);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        self.kill9();
        bail!("the server did not stop within {STOP_TIMEOUT:?} of SIGTERM and was killed")
    }

    /// SIGKILL: no clean-up of any kind, as a crash or a power cut.
    pub fn kill9(&mut self) {
        if self.stopped.is_none() {
            let _ = self.child.kill();
            self.stopped = self.child.wait().ok();
        }
    }

    /// The end of its output, for a message about why it failed.
    fn output_tail(&self) -> String {
        let log = self.log();
        let from = log.len().saturating_sub(20);
        format!("stdout: {:?}\nlog ({}):\n{}", self.stdout(), self.log_path.display(), log[from..].join("\n"))
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// Writes `text` to `path` through a temporary file and a rename: a reader sees all or nothing.
fn write_whole(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(tmp, path)
}
