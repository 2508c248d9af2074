//! Throwaway PgBouncers (Debian's `pgbouncer`) in transaction mode, in front of a throwaway
//! PostgreSQL cluster ([`crate::pg`]): a configuration, its log and its pid file in a temporary
//! folder, a free loopback port, stopped when dropped. Tests take a fresh database through the
//! one PgBouncer their process shares ([`test_database`]), or one of their own in front of a
//! cluster of their own ([`Bouncer::start`]).
//!
//! PgBouncer refuses to run as root: as root it runs as the `postgres` user (`runuser`), like the
//! cluster. It cannot be handed a listening socket, and with port 0 it never says which port it
//! got, so its port is picked free and tried again if it was taken meanwhile.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};

use crate::group::ProcessGroup;
use crate::pg::{self, Cluster};

/// Where Debian installs PgBouncer, if it is installed.
pub fn binary() -> Option<&'static Path> {
    [Path::new("/usr/sbin/pgbouncer"), Path::new("/usr/bin/pgbouncer")].into_iter().find(|p| p.exists())
}

/// Whether tests through PgBouncer can run: PostgreSQL and PgBouncer installed. Without them the
/// test says it is skipped and should return — unless `CI` is set, where a missing one panics.
pub fn available() -> bool {
    if !pg::available() {
        return false;
    }
    if binary().is_some() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("PgBouncer not installed (apt-get install pgbouncer) and CI is set");
    }
    eprintln!("PgBouncer not installed: PgBouncer test skipped");
    false
}

/// How a PgBouncer pools: at most `pool_size` PostgreSQL connections for each database, shared by
/// up to `max_clients` client connections.
#[derive(Debug, Clone, Copy)]
pub struct Pooling {
    pub pool_size: u32,
    pub max_clients: u32,
}

impl Default for Pooling {
    /// A small pool, so that a client's consecutive transactions run on different PostgreSQL
    /// sessions: what a server that kept something on a session would trip on.
    fn default() -> Self {
        Pooling { pool_size: 4, max_clients: 1000 }
    }
}

/// A running PgBouncer, `pool_mode = transaction`; dropped → stopped and its folder removed.
pub struct Bouncer {
    process: Option<ProcessGroup>,
    dir: tempfile::TempDir,
    pub port: u16,
}

impl Bouncer {
    /// A PgBouncer on a free loopback port in front of `cluster` (every database of it, as the
    /// `postgres` user, which the cluster trusts), pooling as `pooling` says.
    pub fn start(cluster: &Cluster, pooling: Pooling) -> Result<Bouncer> {
        let dir = tempfile::Builder::new().prefix("backend-pgbouncer-").tempdir_in(pg::parent_dir())?;
        pg::give_to_postgres(dir.path())?;
        let mut bouncer = Bouncer { process: None, dir, port: 0 };
        for _ in 0..5 {
            bouncer.port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
            bouncer.write_config(cluster.port, pooling)?;
            match bouncer.start_again() {
                Ok(()) => return Ok(bouncer),
                Err(_) if bouncer.log().contains("Address already in use") => continue,
                Err(e) => return Err(e),
            }
        }
        bail!("PgBouncer found no free port:\n{}", bouncer.log())
    }

    fn write_config(&self, cluster_port: u16, pooling: Pooling) -> Result<()> {
        let d = self.dir.path().display();
        let ini = format!(
            "[databases]\n* = host=127.0.0.1 port={cluster_port}\n\n\
             [pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n\
             auth_type = trust\nauth_file = {d}/userlist.txt\n\
             pool_mode = transaction\ndefault_pool_size = {pool}\nmax_client_conn = {clients}\n\
             ; A PostgreSQL that refused or lost a login is tried again at once, not after 15 s.\n\
             server_login_retry = 1\n\
             logfile = {d}/pgbouncer.log\npidfile = {d}/pgbouncer.pid\n",
            port = self.port,
            pool = pooling.pool_size,
            clients = pooling.max_clients,
        );
        for (name, text) in [("pgbouncer.ini", ini.as_str()), ("userlist.txt", "\"postgres\" \"\"\n")] {
            let path = self.dir.path().join(name);
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
            pg::give_to_postgres(&path)?;
        }
        Ok(())
    }

    /// Starts the (stopped) PgBouncer again on the same port; returns once it accepts
    /// connections.
    pub fn start_again(&mut self) -> Result<()> {
        let pgbouncer = binary().context("PgBouncer is not installed (apt-get install pgbouncer)")?;
        let mut command = pg::as_postgres(pgbouncer);
        command
            .arg(self.dir.path().join("pgbouncer.ini"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut process = ProcessGroup::spawn(&mut command).context("starting pgbouncer")?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                self.process = Some(process);
                return Ok(());
            }
            if let Some(status) = process.try_wait()? {
                bail!("pgbouncer exited ({status}):\n{}", self.log());
            }
            if Instant::now() > deadline {
                bail!("pgbouncer did not listen on port {} within 30 s:\n{}", self.port, self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops it: SIGINT, PgBouncer's safe shutdown (it waits for the transactions in progress to
    /// end, then exits), within a bound.
    pub fn stop(&mut self) -> Result<()> {
        if let Some(mut process) = self.process.take() {
            process.stop(libc::SIGINT, Duration::from_secs(10)).context("stopping pgbouncer")?;
        }
        Ok(())
    }

    /// Its process id while it runs: PgBouncer is one process, so this is all its CPU.
    pub fn pid(&self) -> Option<u32> {
        self.process.as_ref().map(ProcessGroup::id)
    }

    /// A fresh database in `cluster` (the one it is in front of), as its clients reach it through
    /// this PgBouncer: its URL.
    pub fn create_database(&self, cluster: &Cluster) -> Result<String> {
        Ok(self.url(pg::database_of(&cluster.create_database()?)))
    }

    /// Its own clients' view of database `database`.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("pgbouncer.log")).unwrap_or_default()
    }
}

impl Drop for Bouncer {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// A fresh database in the cluster this process's tests share, reached through the PgBouncer
/// they share (started on first use, stopped when the process exits); its URL.
pub fn test_database() -> String {
    use std::sync::{LazyLock, Mutex};
    static SHARED: LazyLock<Mutex<Option<Bouncer>>> = LazyLock::new(|| {
        let bouncer = pg::with_shared_cluster(|cluster| Bouncer::start(cluster, Pooling::default()))
            .unwrap_or_else(|e| panic!("{e:#}"));
        extern "C" fn stop_shared() {
            drop(SHARED.lock().unwrap_or_else(|e| e.into_inner()).take());
        }
        // SAFETY: registers a plain extern "C" fn to run at exit.
        unsafe { libc::atexit(stop_shared) };
        Mutex::new(Some(bouncer))
    });
    let shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    let bouncer = shared.as_ref().expect("the shared PgBouncer is running");
    pg::with_shared_cluster(|cluster| bouncer.create_database(cluster)).unwrap_or_else(|e| panic!("{e:#}"))
}
