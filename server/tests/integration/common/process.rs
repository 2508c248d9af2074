//! The built `server` binary as a separate process (for what an in-process server cannot show: a
//! SIGKILL, a restart, the log it writes). Its port is ephemeral: it binds `127.0.0.1:0` and the
//! address is read from its JSON log's `listening` line. Everything it prints is kept for the test.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running `server serve` process; killed (by its pid) when dropped.
pub struct ServerProcess {
    child: Child,
    pub base: String,
    /// stdout, line by line, as the process wrote it.
    stdout: Arc<Mutex<Vec<String>>>,
    /// stderr: the JSON log, line by line.
    log: Arc<Mutex<Vec<String>>>,
}

impl ServerProcess {
    /// Starts the binary on `database` with uploads in `upload_dir`; `env` adds `BACKEND_…` settings.
    pub fn start(database: &str, upload_dir: &Path, env: &[(&str, &str)]) -> ServerProcess {
        let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
        command
            .args(["--database", database, "serve", "--bind", "127.0.0.1:0", "--upload-dir"])
            .arg(upload_dir)
            .env("BACKEND_LOG_FORMAT", "json")
            .env("BACKEND_LOG_LEVEL", "info")
            .env("BACKEND_DB_POOL_SIZE", "8")
            .env("BACKEND_DB_TIMEOUT_SECS", "2")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("starting the server binary");
        let (stdout, log) = (Arc::new(Mutex::new(Vec::new())), Arc::new(Mutex::new(Vec::new())));
        let (tx, rx) = std::sync::mpsc::channel();
        for (stream, output) in [
            (Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>, stdout.clone()),
            (Box::new(child.stderr.take().unwrap()), log.clone()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if line.contains("\"msg\":\"listening\"") {
                        // dropshot's line says `local_addr`, the server's own `address`.
                        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
                        if let Some(addr) = v["address"].as_str().or(v["local_addr"].as_str()) {
                            let _ = tx.send(addr.to_owned());
                        }
                    }
                    output.lock().unwrap().push(line);
                }
            });
        }
        let addr = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(addr) => addr,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the server did not start: {:#?}", log.lock().unwrap());
            }
        };
        ServerProcess { child, base: format!("http://{addr}"), stdout, log }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/backend/api/v1/{path}", self.base)
    }

    /// SIGKILL, then reaps the process.
    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// The log lines written so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// The admin password printed at first start, if this process printed one.
    pub fn admin_password(&self) -> Option<String> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let found = self
                .stdout
                .lock()
                .unwrap()
                .iter()
                .find_map(|l| l.strip_prefix("created user admin with password: ").map(|p| p.trim().to_owned()));
            if found.is_some() || Instant::now() > deadline {
                return found;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
