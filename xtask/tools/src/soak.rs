//! `cargo xtask soak [--secs 300] [--connections 32] [--database URL] [--release]`: mixed load on
//! the live server for a while, then a verdict — 0 errors and memory flat.
//!
//! It builds and starts the `server` binary (SQLite in a temporary folder unless `--database`
//! names another, e.g. a PostgreSQL database), adds one user per connection with the CLI, and runs
//! one keep-alive HTTP/1.1 connection per user, each repeating a user's day: create a task, find it
//! in the list, read it, change its note, move it 0 → 2 → 1, list a page, hola, and delete every
//! other task. Any answer other than 200, or a broken connection, is an error. The server's
//! resident memory (VmRSS) is sampled every 5 s; memory is flat when the RSS at the end is at most
//! 25 % (plus 8 MiB) above the RSS after the first fifth of the run (caches and pools warm).
//! Not part of CI (five minutes); `--secs 20` is a quick check.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use server_harness::Launch;

use crate::build_server;

pub struct Options {
    pub secs: u64,
    pub connections: usize,
    pub database: Option<String>,
    pub release: bool,
}

const PASSWORD: &str = "soak-password";

pub fn run(options: &Options) -> Result<()> {
    let binary = build_server(options.release)?;
    // Quiet log: the per-request line is not what is being soaked.
    let mut launch = Launch::new(binary).setting("log_level", "warn");
    if let Some(database) = &options.database {
        launch = launch.database(database);
    }
    // New names on every run: `--database` may name a database an earlier run used.
    let run_id = std::process::id();
    let names: Vec<String> = (0..options.connections).map(|i| format!("soak{run_id}x{i}")).collect();
    for name in &names {
        launch.add_user(name, PASSWORD)?;
    }
    // One session per connection.
    let server = launch.start()?;
    let pid = server.pid();
    let start_rss = rss_kib(pid)?;
    println!(
        "soak: {} connections for {} s against {} ({}), pid {pid}, RSS at start {} MiB",
        options.connections,
        options.secs,
        server.base,
        if options.release { "release" } else { "debug" },
        start_rss / 1024
    );

    let requests = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut threads = Vec::new();
    for name in &names {
        let token = server.login(name, PASSWORD)?;
        let (addr, requests, errors, stop) = (server.addr, requests.clone(), errors.clone(), stop.clone());
        threads.push(std::thread::spawn(move || user_day(addr, &token, &requests, &errors, &stop)));
    }

    let started = Instant::now();
    let total = Duration::from_secs(options.secs);
    let warm_at = total / 5;
    let (mut warm_rss, mut peak_rss, mut last) = (None, start_rss, 0);
    println!("{:>6} {:>10} {:>8} {:>8} {:>9} {:>8}", "secs", "requests", "req/s", "errors", "RSS MiB", "threads");
    while started.elapsed() < total {
        std::thread::sleep(Duration::from_secs(5).min(total.saturating_sub(started.elapsed())));
        let rss = rss_kib(pid)?;
        peak_rss = peak_rss.max(rss);
        if warm_rss.is_none() && started.elapsed() >= warm_at {
            warm_rss = Some(rss);
        }
        let n = requests.load(Ordering::Relaxed);
        println!(
            "{:>6} {:>10} {:>8} {:>8} {:>9.1} {:>8}",
            started.elapsed().as_secs(),
            n,
            (n - last) / 5,
            errors.load(Ordering::Relaxed),
            rss as f64 / 1024.0,
            proc_status(pid, "Threads:")?
        );
        last = n;
    }
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().map_err(|_| anyhow::anyhow!("a load thread panicked"))?;
    }
    let end_rss = rss_kib(pid)?;
    let warm_rss = warm_rss.unwrap_or(end_rss);
    let (n, e) = (requests.load(Ordering::Relaxed), errors.load(Ordering::Relaxed));
    let secs = started.elapsed().as_secs_f64();
    println!(
        "\nsoak: {n} requests in {secs:.0} s ({:.0}/s), {e} errors; RSS start {:.1} MiB, warm {:.1} MiB, \
         end {:.1} MiB, peak {:.1} MiB",
        n as f64 / secs,
        start_rss as f64 / 1024.0,
        warm_rss as f64 / 1024.0,
        end_rss as f64 / 1024.0,
        peak_rss as f64 / 1024.0
    );
    if e > 0 {
        bail!("soak: {e} errors");
    }
    if end_rss > warm_rss + warm_rss / 4 + 8 * 1024 {
        bail!("soak: memory grew from {warm_rss} KiB (warm) to {end_rss} KiB");
    }
    println!("soak: 0 errors, memory flat");
    Ok(())
}

/// The server's resident memory in KiB, from /proc.
fn rss_kib(pid: u32) -> Result<u64> {
    proc_status(pid, "VmRSS:")
}

/// A number from /proc/PID/status (`VmRSS:`, `Threads:`).
fn proc_status(pid: u32, key: &str) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).context("reading the server's status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .with_context(|| format!("no {key} in /proc/{pid}/status"))
}

/// One user's requests on one keep-alive connection until `stop`.
fn user_day(addr: std::net::SocketAddr, token: &str, requests: &AtomicU64, errors: &AtomicU64, stop: &AtomicBool) {
    let mut conn: Option<Conn> = None;
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let result = (|| -> Result<u64> {
            let c = match &mut conn {
                Some(c) => c,
                None => conn.insert(Conn::open(addr)?),
            };
            let mut count = 0;
            let mut call = |method: &str, path: &str, body: &str| -> Result<serde_json::Value> {
                count += 1;
                let (status, text) = c.call(method, path, token, body)?;
                if status != 200 {
                    bail!("{method} {path} {body}: {status} {text}");
                }
                Ok(serde_json::from_str(&text)?)
            };
            call("POST", "task", &format!(r#"{{"type":"image","input":"soak {n}","note":"n{n}","priority":3}}"#))?;
            let listed = call("GET", "tasks?limit=1", "")?;
            let id = listed["items"][0]["id"].as_i64().context("the new task in the list")?;
            call("GET", &format!("task?id={id}"), "")?;
            call("PUT", "task", &format!(r#"{{"id":{id},"note":"changed {n}"}}"#))?;
            call("PUT", "task/status", &format!(r#"{{"id":{id},"status":2}}"#))?;
            call("PUT", "task/status", &format!(r#"{{"id":{id},"status":1}}"#))?;
            call("GET", "tasks?offset=0&limit=20", "")?;
            call("GET", "hola", "")?;
            if n.is_multiple_of(2) {
                call("DELETE", "task", &format!(r#"{{"ids":[{id}]}}"#))?;
            }
            Ok(count)
        })();
        match result {
            Ok(count) => {
                requests.fetch_add(count, Ordering::Relaxed);
            }
            Err(e) => {
                errors.fetch_add(1, Ordering::Relaxed);
                eprintln!("soak: {e:#}");
                conn = None;
            }
        }
    }
}

/// A keep-alive HTTP/1.1 connection.
struct Conn {
    reader: BufReader<TcpStream>,
    addr: std::net::SocketAddr,
}

impl Conn {
    fn open(addr: std::net::SocketAddr) -> Result<Conn> {
        let stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        stream.set_nodelay(true)?;
        Ok(Conn { reader: BufReader::new(stream), addr })
    }

    fn call(&mut self, method: &str, path: &str, token: &str, body: &str) -> Result<(u16, String)> {
        let head = format!(
            "{method} /backend/api/v1/{path} HTTP/1.1\r\nhost: {}\r\nx-auth-token: {token}\r\n\
             content-type: application/json\r\ncontent-length: {}\r\n\r\n",
            self.addr,
            body.len()
        );
        let stream = self.reader.get_mut();
        stream.write_all(head.as_bytes())?;
        stream.write_all(body.as_bytes())?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status = line.split(' ').nth(1).and_then(|s| s.parse().ok()).context("no status line")?;
        let mut length = None;
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((k, v)) = header.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse::<usize>().ok();
                }
            }
        }
        let mut bytes = vec![0; length.context("a response without content-length")?];
        self.reader.read_exact(&mut bytes)?;
        Ok((status, String::from_utf8(bytes)?))
    }
}
