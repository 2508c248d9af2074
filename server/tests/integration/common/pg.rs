//! Throwaway PostgreSQL clusters: `initdb` into a temp dir, `pg_ctl start` on a free loopback port
//! with the socket in that dir, `pg_ctl -m immediate stop` and removal of the dir at the end.
//!
//! initdb refuses to run as root: as root the binaries run as the `postgres` user (`runuser`).
//! The binaries are looked up in `$PG_BIN`, then `/usr/lib/postgresql/<newest>/bin`, then `PATH`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{LazyLock, Mutex};

/// A running (or stopped) throwaway cluster; dropped → stopped and removed.
pub struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    pub port: u16,
}

/// The folder of `initdb` and `pg_ctl`, if PostgreSQL is installed.
pub fn bin_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find(|p| p.join("initdb").exists() && p.join("pg_ctl").exists())
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// A command for a PostgreSQL binary, run as `postgres` when we are root.
fn pg_command(bin: &Path, program: &str) -> Command {
    let program = bin.join(program);
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn run(mut command: Command, what: &str) {
    let out = command.stdin(Stdio::null()).output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Cluster {
    /// initdb + start. Panics with PostgreSQL's output when that fails.
    pub fn start(bin: &Path) -> Cluster {
        let dir = tempfile::Builder::new().prefix("backend-pg-").tempdir().unwrap().keep();
        // Whose cluster this is, so a later run can remove it if this process dies uncleanly.
        std::fs::write(dir.join("owner.pid"), std::process::id().to_string()).unwrap();
        if is_root() {
            let (uid, gid) = postgres_ids();
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).unwrap();
        }
        let mut initdb = pg_command(bin, "initdb");
        initdb.arg("-D").arg(dir.join("data")).args([
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        ]);
        run(initdb, "initdb");
        let cluster = Cluster { bin: bin.to_owned(), dir, port: free_port() };
        cluster.start_again();
        cluster
    }

    /// Starts the (stopped) cluster again on the same port.
    pub fn start_again(&self) {
        let mut pg_ctl = pg_command(&self.bin, "pg_ctl");
        pg_ctl
            .arg("-D")
            .arg(self.dir.join("data"))
            .arg("-l")
            .arg(self.dir.join("log"))
            .args(["-w", "-t", "60", "-o"])
            .arg(format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
                 -c full_page_writes=off -c max_connections=300",
                self.port,
                self.dir.display()
            ))
            .arg("start");
        run(pg_ctl, "pg_ctl start");
    }

    /// Stops the cluster (fast shutdown: connections are closed).
    pub fn stop(&self) {
        let mut pg_ctl = pg_command(&self.bin, "pg_ctl");
        pg_ctl.arg("-D").arg(self.dir.join("data")).args(["-w", "-m", "fast", "stop"]);
        run(pg_ctl, "pg_ctl stop");
    }

    /// Creates a fresh, empty database and returns its URL.
    pub async fn create_database(&self) -> String {
        create_database(self.port).await
    }

    fn remove(&self) {
        let mut pg_ctl = pg_command(&self.bin, "pg_ctl");
        pg_ctl.arg("-D").arg(self.dir.join("data")).args(["-w", "-m", "immediate", "stop"]);
        let _ = pg_ctl.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.remove();
    }
}

fn postgres_ids() -> (u32, u32) {
    let name = std::ffi::CString::new("postgres").unwrap();
    // SAFETY: getpwnam gets a NUL-terminated name; the result is read at once, single-threaded use
    // of its static buffer is guarded by SHARED's initialisation.
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    assert!(!pw.is_null(), "running as root needs a `postgres` user to run initdb");
    // SAFETY: pw is non-null and points to a valid passwd record.
    unsafe { ((*pw).pw_uid, (*pw).pw_gid) }
}

/// Removes the clusters of test processes that died without cleaning up (killed, timed out):
/// those whose `owner.pid` names no living process. Live clusters of concurrent runs stay.
fn remove_abandoned(bin: &Path) {
    let parent = if is_root() { PathBuf::from("/tmp") } else { std::env::temp_dir() };
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let dir = entry.path();
        let is_ours = entry.file_name().to_str().is_some_and(|n| n.starts_with("backend-pg-"));
        let owner = std::fs::read_to_string(dir.join("owner.pid")).ok().and_then(|p| p.trim().parse::<i32>().ok());
        // SAFETY: kill with signal 0 only checks whether the process exists.
        let dead = owner.is_some_and(|pid| unsafe { libc::kill(pid, 0) } != 0);
        if is_ours && dead {
            drop(Cluster { bin: bin.to_owned(), dir, port: 0 });
        }
    }
}

/// The cluster shared by this test binary, started on first use and removed at exit.
static SHARED: LazyLock<Mutex<Option<Cluster>>> = LazyLock::new(|| {
    let bin = bin_dir().expect("PostgreSQL binaries");
    remove_abandoned(&bin);
    let cluster = Cluster::start(&bin);
    extern "C" fn remove_shared() {
        let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        drop(shared.take());
    }
    // SAFETY: registers a plain extern "C" fn to run at exit.
    unsafe { libc::atexit(remove_shared) };
    Mutex::new(Some(cluster))
});

fn url(port: u16, database: &str) -> String {
    format!("postgres://postgres@127.0.0.1:{port}/{database}")
}

/// Creates a fresh, empty database `t_<random>` in the cluster on `port`; returns its URL.
async fn create_database(port: u16) -> String {
    use diesel_async::{AsyncConnection as _, AsyncPgConnection, SimpleAsyncConnection as _};
    let name = format!("t_{}", &server::auth::token_hash(&server::auth::new_token())[..16]);
    let mut conn = AsyncPgConnection::establish(&url(port, "postgres"))
        .await
        .unwrap_or_else(|e| panic!("connecting to the test cluster: {e}"));
    conn.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
    url(port, &name)
}

/// A fresh database in the shared cluster.
pub async fn shared_database() -> String {
    let port = {
        let shared = SHARED.lock().unwrap();
        shared.as_ref().expect("the shared cluster is running").port
    };
    create_database(port).await
}
