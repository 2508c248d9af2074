//! Throwaway PostgreSQL clusters, for the server's tests and the benchmark: `initdb` into a temp
//! dir, `pg_ctl start` on a free loopback port with the socket in that dir, and on drop
//! `pg_ctl -m immediate stop` and removal of the dir. Tests take a fresh database in the one
//! cluster their process shares ([`test_database`]), or a cluster of their own to stop and start
//! ([`test_cluster`]).
//!
//! initdb refuses to run as root: as root the binaries run as the `postgres` user (`runuser`).
//! The binaries are looked up in `$PG_BIN`, then `/usr/lib/postgresql/<newest>/bin`, then `PATH`.
//! Each cluster's dir holds `owner.pid`, so a later run can remove the clusters of processes that
//! died without cleaning up ([`remove_abandoned`]).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

/// The prefix of every cluster dir under the temp folder.
const PREFIX: &str = "backend-pg-";

/// A running (or stopped) throwaway cluster; dropped → stopped and removed.
pub struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    pub port: u16,
    /// `-c name=value` server settings beyond the port, socket and listen address.
    settings: Vec<String>,
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

/// A command for a PostgreSQL server binary, run as `postgres` when we are root.
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

fn run(mut command: Command, what: &str) -> Result<()> {
    let out = command.stdin(Stdio::null()).output().with_context(|| what.to_string())?;
    if !out.status.success() {
        bail!(
            "{what} failed ({}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// A port free at this moment. PostgreSQL cannot be handed a listening socket, so its port is
/// picked this way; [`Cluster::start`] tries again on another if it was taken meanwhile.
fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// `program` run as the `postgres` user when we are root (it refuses root), as ourselves
/// otherwise; without `runuser` in between, for a program the harness stops with a signal.
pub(crate) fn as_postgres(program: &Path) -> Command {
    use std::os::unix::process::CommandExt as _;
    let mut command = Command::new(program);
    if is_root() {
        if let Ok((uid, gid)) = postgres_ids() {
            command.uid(uid).gid(gid);
        }
    }
    command
}

/// Makes `path` the `postgres` user's when we are root, so that what runs as it can use it.
pub(crate) fn give_to_postgres(path: &Path) -> Result<()> {
    if is_root() {
        let (uid, gid) = postgres_ids()?;
        std::os::unix::fs::chown(path, Some(uid), Some(gid)).with_context(|| format!("chown {}", path.display()))?;
    }
    Ok(())
}

/// The temp folder clusters live in (as root, `/tmp`, which the `postgres` user can reach).
pub(crate) fn parent_dir() -> PathBuf {
    if is_root() {
        PathBuf::from("/tmp")
    } else {
        std::env::temp_dir()
    }
}

/// A cluster's TLS: its certificate (the chain, PEM) and key (PEM), and whether its
/// `pg_hba.conf` takes TCP connections over TLS only (`hostssl`).
pub struct Tls<'a> {
    pub cert_pem: &'a str,
    pub key_pem: &'a str,
    pub hostssl_only: bool,
}

impl Cluster {
    /// initdb + start, with the given `-c` settings (e.g. `fsync=off` for tests; none for the
    /// benchmark, which measures PostgreSQL as deployed).
    pub fn start(bin: &Path, settings: &[&str]) -> Result<Cluster> {
        Cluster::start_with(bin, settings, None)
    }

    /// [`Cluster::start`] with TLS on (`ssl = on`, the certificate and key given).
    pub fn start_tls(bin: &Path, settings: &[&str], tls: &Tls) -> Result<Cluster> {
        Cluster::start_with(bin, settings, Some(tls))
    }

    fn start_with(bin: &Path, settings: &[&str], tls: Option<&Tls>) -> Result<Cluster> {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = parent_dir().join(format!("{PREFIX}{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        // From here on, drop removes whatever was made.
        let cluster = Cluster {
            bin: bin.to_owned(),
            dir,
            port: free_port()?,
            settings: settings.iter().map(|s| s.to_string()).collect(),
        };
        std::fs::write(cluster.dir.join("owner.pid"), std::process::id().to_string())?;
        if is_root() {
            let (uid, gid) = postgres_ids()?;
            std::os::unix::fs::chown(&cluster.dir, Some(uid), Some(gid))?;
        }
        let mut initdb = pg_command(bin, "initdb");
        initdb.arg("-D").arg(cluster.dir.join("data")).args([
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        ]);
        run(initdb, "initdb")?;
        let mut cluster = cluster;
        if let Some(tls) = tls {
            cluster.set_up_tls(tls)?;
        }
        for attempt in 1.. {
            match cluster.start_again() {
                Ok(()) => break,
                Err(e) if attempt < 5 && cluster.log().contains("Address already in use") => {
                    let _ = e;
                    cluster.port = free_port()?;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(cluster)
    }

    /// Writes the certificate, key (and `pg_hba.conf`) into the data folder, owned by the
    /// server's user, and turns TLS on.
    fn set_up_tls(&mut self, tls: &Tls) -> Result<()> {
        use std::os::unix::fs::PermissionsExt as _;
        let data = self.data_dir();
        let mut files = vec![("server.crt", tls.cert_pem), ("server.key", tls.key_pem)];
        let hba = "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n";
        if tls.hostssl_only {
            files.push(("pg_hba.conf", hba));
        }
        for (name, text) in files {
            let path = data.join(name);
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
            // PostgreSQL refuses a key others may read.
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
            if is_root() {
                let (uid, gid) = postgres_ids()?;
                std::os::unix::fs::chown(&path, Some(uid), Some(gid))?;
            }
        }
        self.settings.extend(["ssl=on", "ssl_cert_file=server.crt", "ssl_key_file=server.key"].map(String::from));
        Ok(())
    }

    /// The cluster's data directory (its `postmaster.pid` names the running postmaster).
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// Starts the (stopped) cluster again on the same port.
    pub fn start_again(&self) -> Result<()> {
        let mut options = format!("-p {} -k {} -c listen_addresses=127.0.0.1", self.port, self.dir.display());
        for s in &self.settings {
            options.push_str(&format!(" -c {s}"));
        }
        let mut pg_ctl = pg_command(&self.bin, "pg_ctl");
        pg_ctl
            .arg("-D")
            .arg(self.data_dir())
            .arg("-l")
            .arg(self.dir.join("log"))
            .args(["-w", "-t", "60", "-o", &options, "start"]);
        run(pg_ctl, "pg_ctl start")
    }

    /// Stops the cluster (fast shutdown: connections are closed).
    pub fn stop(&self) -> Result<()> {
        let mut pg_ctl = pg_command(&self.bin, "pg_ctl");
        pg_ctl.arg("-D").arg(self.data_dir()).args(["-w", "-m", "fast", "stop"]);
        run(pg_ctl, "pg_ctl stop")
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Runs SQL through `psql` (stop at the first error); returns its output.
    pub fn psql(&self, database: &str, sql: &str) -> Result<String> {
        let out = Command::new(self.bin.join("psql"))
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", "postgres"])
            .args(["-p", &self.port.to_string(), "-d", database, "-c", sql])
            .stdin(Stdio::null())
            .output()
            .context("psql")?;
        if !out.status.success() {
            bail!("psql failed: {}\n{sql}", String::from_utf8_lossy(&out.stderr));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }

    /// Creates a fresh, empty database; returns its URL.
    pub fn create_database(&self) -> Result<String> {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!("t_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
        self.psql("postgres", &format!("CREATE DATABASE {name}"))?;
        Ok(self.url(&name))
    }

    pub fn pgbench(&self) -> PathBuf {
        self.bin.join("pgbench")
    }

    /// Stops the postmaster as PostgreSQL wants it stopped — immediate shutdown: it ends its
    /// backends, waits for them and exits, and `pg_ctl -w` waits for that — then removes the
    /// folder. If `pg_ctl` cannot stop it, the postmaster is killed, and its backends, which
    /// watch it, exit on their own.
    fn remove(&self) {
        let mut pg_ctl = pg_command(&self.bin, "pg_ctl");
        pg_ctl.arg("-D").arg(self.data_dir()).args(["-w", "-t", "30", "-m", "immediate", "stop"]);
        let stopped = pg_ctl.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).status();
        if !stopped.is_ok_and(|s| s.success()) {
            self.kill_postmaster();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    /// SIGKILL to the postmaster named by `postmaster.pid`, if that process still runs in this
    /// cluster's data folder (a pid alone may have been given to another process since).
    fn kill_postmaster(&self) {
        let pid_file = std::fs::read_to_string(self.data_dir().join("postmaster.pid")).unwrap_or_default();
        let Some(pid) = pid_file.lines().next().and_then(|l| l.trim().parse::<libc::pid_t>().ok()) else { return };
        let cwd = std::fs::read_link(format!("/proc/{pid}/cwd")).ok();
        if cwd.is_some() && cwd.as_deref().and_then(|c| c.canonicalize().ok()) == self.data_dir().canonicalize().ok() {
            // SAFETY: signals the process just checked to be this cluster's postmaster.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.remove();
    }
}

fn postgres_ids() -> Result<(u32, u32)> {
    let name = std::ffi::CString::new("postgres")?;
    // SAFETY: getpwnam gets a NUL-terminated name; the record is read at once.
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    if pw.is_null() {
        bail!("running as root needs a `postgres` user to run initdb");
    }
    // SAFETY: pw is non-null and points to a valid passwd record.
    Ok(unsafe { ((*pw).pw_uid, (*pw).pw_gid) })
}

/// Removes the clusters of processes that died without cleaning up (killed, timed out): those
/// whose `owner.pid` names no living process. Live clusters of concurrent runs stay.
pub fn remove_abandoned(bin: &Path) {
    let Ok(entries) = std::fs::read_dir(parent_dir()) else { return };
    for entry in entries.flatten() {
        let dir = entry.path();
        let is_ours = entry.file_name().to_str().is_some_and(|n| n.starts_with(PREFIX));
        let owner = std::fs::read_to_string(dir.join("owner.pid")).ok().and_then(|p| p.trim().parse::<i32>().ok());
        // SAFETY: kill with signal 0 only checks whether the process exists.
        let dead = owner.is_some_and(|pid| unsafe { libc::kill(pid, 0) } != 0);
        if is_ours && dead {
            drop(Cluster { bin: bin.to_owned(), dir, port: 0, settings: Vec::new() });
        }
    }
}

/// The database a URL of [`Cluster::url`]'s form names.
pub fn database_of(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or(url)
}

/// Test clusters trade durability for speed: nothing in them must survive a power cut.
pub const TEST_SETTINGS: [&str; 4] =
    ["fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=300"];

/// Whether tests that need PostgreSQL can run: true when it is installed. Without it the test
/// says it is skipped and should return — unless `CI` is set, where a missing PostgreSQL panics.
pub fn available() -> bool {
    if bin_dir().is_some() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("PostgreSQL not installed (no initdb in $PG_BIN, /usr/lib/postgresql/*/bin or PATH) and CI is set");
    }
    eprintln!("PostgreSQL not installed: PostgreSQL test skipped");
    false
}

/// A cluster of the test's own (for tests that stop and start it), with [`TEST_SETTINGS`].
pub fn test_cluster() -> Cluster {
    Cluster::start(&bin_dir().expect("PostgreSQL binaries"), &TEST_SETTINGS).unwrap_or_else(|e| panic!("{e:#}"))
}

/// A fresh database in the cluster this process's tests share (started on first use, removed
/// when the process exits); its URL.
pub fn test_database() -> String {
    with_shared_cluster(|cluster| cluster.create_database()).unwrap_or_else(|e| panic!("{e:#}"))
}

/// `f` of the cluster this process's tests share (started on first use, removed when the process
/// exits).
pub fn with_shared_cluster<T>(f: impl FnOnce(&Cluster) -> T) -> T {
    use std::sync::{LazyLock, Mutex};
    static SHARED: LazyLock<Mutex<Option<Cluster>>> = LazyLock::new(|| {
        let bin = bin_dir().expect("PostgreSQL binaries");
        remove_abandoned(&bin);
        let cluster = Cluster::start(&bin, &TEST_SETTINGS).unwrap_or_else(|e| panic!("{e:#}"));
        extern "C" fn remove_shared() {
            drop(SHARED.lock().unwrap_or_else(|e| e.into_inner()).take());
        }
        // SAFETY: registers a plain extern "C" fn to run at exit.
        unsafe { libc::atexit(remove_shared) };
        Mutex::new(Some(cluster))
    });
    let shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    f(shared.as_ref().expect("the shared test cluster is running"))
}
