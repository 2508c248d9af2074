//! `cargo xtask test` fails when the tests leave something running: here the "tests" are a
//! script standing in for cargo (`CARGO`), which starts processes and leaves them behind or not.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// `cargo xtask test -- ARG` with `script` as cargo; its output.
fn xtask_test_with(dir: &Path, script: &str) -> Output {
    let cargo = dir.join("cargo");
    std::fs::write(&cargo, format!("#!/bin/sh\ncd {}\n{script}", dir.display())).unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["test", "--", "--stand-in"])
        .env("CARGO", &cargo)
        // What is noted rather than failed elsewhere must not depend on where this test runs.
        .env_remove("CI")
        .output()
        .unwrap()
}

/// The number a file holds, once something has written it (bounded wait).
fn number_in(path: &Path) -> u32 {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(n) = std::fs::read_to_string(path).ok().and_then(|t| t.trim().parse().ok()) {
            return n;
        }
        assert!(Instant::now() < deadline, "nothing wrote {}", path.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn running(pid: u32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    !stat.is_empty() && !stat.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
}

#[test]
fn an_orphaned_grandchild_and_its_port_fail_the_run_and_are_killed() {
    let dir = tempfile::tempdir().unwrap();
    // A sleeper and a listener, each started in the background and abandoned as the "tests"
    // exit; the listener says its port once it listens (a rename: all or nothing).
    let listen = "import os, socket, time; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); \
                  open('port.tmp', 'w').write(str(s.getsockname()[1])); os.rename('port.tmp', 'port'); \
                  time.sleep(600)";
    let script = format!(
        "sleep 600 &\necho $! > sleeper\npython3 -c \"{listen}\" &\necho $! > listener\n\
         while [ ! -f port ]; do sleep 0.02; done\necho 'test result: ok. 1 passed; 0 failed; 0 ignored'\n"
    );
    let out = xtask_test_with(dir.path(), &script);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let (sleeper, listener, port) = (
        number_in(&dir.path().join("sleeper")),
        number_in(&dir.path().join("listener")),
        number_in(&dir.path().join("port")),
    );
    assert!(!out.status.success(), "the run passed:\n{stderr}");
    assert!(stderr.contains(&format!("process {sleeper} still running: sleep 600")), "{stderr}");
    let named = format!("process {listener} still running, listening on 127.0.0.1:{port}: ");
    assert!(stderr.lines().any(|l| l.contains(&named) && l.contains("python3 -c")), "{stderr}");
    assert!(!running(sleeper) && !running(listener), "killed by the check");
    assert!(std::net::TcpStream::connect(("127.0.0.1", port as u16)).is_err(), "{port} still listens");
}

#[test]
fn a_run_that_stops_what_it_started_passes() {
    let dir = tempfile::tempdir().unwrap();
    // One child waited for, and one orphan that exits by itself (reaped by the check, no leak).
    let script =
        "sleep 0.1 &\nwait\n( sleep 0.1 & )\nsleep 0.5\necho 'test result: ok. 1 passed; 0 failed; 0 ignored'\n";
    let out = xtask_test_with(dir.path(), script);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}: {stdout}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("nothing the run started is left running"), "{stdout}");
}
