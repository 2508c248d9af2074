//! nginx (Debian's package) as a test's TLS front: a site file run by a throwaway nginx on a
//! loopback port, its files in a temporary folder, stopped when dropped — its master and its
//! workers (a process group of their own, [`ProcessGroup`]).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};

use crate::group::{ProcessGroup, STOP_GRACE};

/// A running nginx.
pub struct Nginx {
    master: ProcessGroup,
    pub port: u16,
    dir: tempfile::TempDir,
}

/// Where Debian installs nginx, if it is installed.
pub fn binary() -> Option<&'static Path> {
    [Path::new("/usr/sbin/nginx"), Path::new("/usr/bin/nginx")].into_iter().find(|p| p.exists())
}

impl Nginx {
    /// Runs `site` (a `server { … }` block and what it needs, e.g. an `upstream`) inside an
    /// `http { }` of its own. `site` is given the port to listen on, free at this moment; a port
    /// taken meanwhile is tried again with another.
    pub fn start(site: impl Fn(u16) -> String) -> Result<Nginx> {
        let nginx = binary().context("nginx is not installed (apt-get install nginx)")?;
        for _ in 0..5 {
            let dir = tempfile::Builder::new().prefix("backend-nginx-").tempdir()?;
            // Its workers may run as another user: they must reach the folder.
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777))?;
            let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
            let d = dir.path().display();
            let main = format!(
                "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
                 events {{ worker_connections 256; }}\n\
                 http {{\n  access_log {d}/access.log;\n  client_body_temp_path {d}/body;\n  \
                 proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  \
                 scgi_temp_path {d}/scgi;\n  include {d}/site.conf;\n}}\n"
            );
            std::fs::write(dir.path().join("nginx.conf"), main)?;
            std::fs::write(dir.path().join("site.conf"), site(port))?;
            let mut master = ProcessGroup::spawn(
                Command::new(nginx)
                    .arg("-p")
                    .arg(dir.path())
                    .arg("-c")
                    .arg(dir.path().join("nginx.conf"))
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null()),
            )
            .context("starting nginx")?;
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Ok(Nginx { master, port, dir });
                }
                if let Some(status) = master.try_wait()? {
                    let log = std::fs::read_to_string(dir.path().join("error.log")).unwrap_or_default();
                    if log.contains("Address already in use") {
                        break;
                    }
                    bail!("nginx exited ({status}):\n{log}");
                }
                if Instant::now() > deadline {
                    bail!("nginx did not listen on {port} within 20 s");
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        bail!("no free port for nginx after 5 tries")
    }

    /// Its error log so far.
    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    /// SIGTERM, nginx's fast shutdown: the master ends its workers, waits for them, and exits.
    fn drop(&mut self) {
        let _ = self.master.stop(libc::SIGTERM, STOP_GRACE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::tests::{assert_gone, members};

    /// Stopping nginx stops its workers too: none is left listening on the test's port.
    #[test]
    fn a_dropped_nginx_leaves_no_worker_behind() {
        if binary().is_none() {
            assert!(std::env::var_os("CI").is_none(), "nginx is not installed and CI is set");
            eprintln!("nginx is not installed: test skipped");
            return;
        }
        let nginx = Nginx::start(|port| format!("server {{ listen 127.0.0.1:{port}; return 200 'up'; }}\n")).unwrap();
        let (group, port) = (nginx.master.id(), nginx.port);
        assert!(members(group).len() >= 2, "a master and its worker: {:?}", members(group));
        drop(nginx);
        assert_gone(group);
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "something still listens on {port}");
    }
}
