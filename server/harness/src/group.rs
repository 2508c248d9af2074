//! Processes the harness starts that start processes of their own (nginx's master its workers,
//! node its browser): each leads a process group of its own, so that whatever it started can be
//! found and stopped with it. A group is stopped as its program wants to be stopped — a signal to
//! its leader, which ends its own children, and a bounded wait — with SIGKILL to the whole group
//! as the last resort, and never outlives its [`ProcessGroup`].
//!
//! A group of its own no longer gets the terminal's Ctrl-C, so the first group started installs
//! a handler (for SIGINT, SIGTERM and SIGHUP, where the program had none) that passes the signal
//! on to every group alive before the program dies of it, as it would have without a handler.

use std::io::Read as _;
use std::os::unix::process::CommandExt as _;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};

/// How long a leader gets to stop after its signal before its whole group is killed.
pub const STOP_GRACE: Duration = Duration::from_secs(10);

/// A running process at the head of its own process group; stopped (SIGTERM, then SIGKILL to
/// the group) when dropped.
#[derive(Debug)]
pub struct ProcessGroup {
    child: Child,
    status: Option<ExitStatus>,
}

impl ProcessGroup {
    /// Starts `command` as the leader of a new process group.
    pub fn spawn(command: &mut Command) -> std::io::Result<ProcessGroup> {
        let child = command.process_group(0).spawn()?;
        interrupts::register(pid(&child));
        Ok(ProcessGroup { child, status: None })
    }

    /// The leader's pid, which is also the group's id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` to the leader alone (e.g. SIGSTOP), if it has not exited.
    pub fn signal(&self, signal: libc::c_int) {
        if self.status.is_none() {
            // SAFETY: the leader is our child and not reaped (no status yet), so the pid is its.
            unsafe { libc::kill(pid(&self.child), signal) };
        }
    }

    /// The leader's exit status if it has exited — and then nothing of its group is left either.
    pub fn try_wait(&mut self) -> std::io::Result<Option<ExitStatus>> {
        if self.status.is_none() && self.leader_exited()? {
            self.reap()?;
        }
        Ok(self.status)
    }

    /// Waits up to `limit` for the leader to exit on its own; its status, or `None` if it still
    /// runs.
    pub fn wait_timeout(&mut self, limit: Duration) -> std::io::Result<Option<ExitStatus>> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.try_wait()? {
                return Ok(Some(status));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Stops the group: `signal` to the leader (nginx: SIGTERM, a fast shutdown in which the
    /// master ends its workers), up to `grace` for it to exit, then SIGKILL to the whole group.
    /// The leader's status, and whether it exited within `grace`.
    pub fn stop(&mut self, signal: libc::c_int, grace: Duration) -> std::io::Result<(ExitStatus, bool)> {
        if let Some(status) = self.status {
            return Ok((status, true));
        }
        self.signal(signal);
        // A stopped process (SIGSTOP) would never act on the signal.
        self.signal(libc::SIGCONT);
        let deadline = Instant::now() + grace;
        let mut in_time = true;
        while !self.leader_exited()? {
            if in_time && Instant::now() >= deadline {
                in_time = false;
                self.kill_group();
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok((self.reap()?, in_time))
    }

    /// Whether the leader has exited, without reaping it: as long as it is not reaped its pid
    /// stays its group's, and no other process can be given it.
    fn leader_exited(&self) -> std::io::Result<bool> {
        // SAFETY: waitid writes into the zeroed siginfo_t it is given; WNOWAIT leaves the child
        // waitable, WNOHANG returns at once.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let id = libc::id_t::try_from(self.child.id()).expect("a pid");
        let flags = libc::WEXITED | libc::WNOHANG | libc::WNOWAIT;
        if unsafe { libc::waitid(libc::P_PID, id, &mut info, flags) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: waitid filled in a child's state, or left the pid 0 when none changed.
        Ok(unsafe { info.si_pid() } != 0)
    }

    /// SIGKILL to whatever is left of the group, then reaps the (exited) leader.
    fn reap(&mut self) -> std::io::Result<ExitStatus> {
        if let Some(status) = self.status {
            return Ok(status);
        }
        self.kill_group();
        let status = self.child.wait()?;
        interrupts::unregister(pid(&self.child));
        self.status = Some(status);
        Ok(status)
    }

    fn kill_group(&self) {
        // SAFETY: the leader is not reaped yet, so its pid still names this group and no other.
        unsafe { libc::kill(-pid(&self.child), libc::SIGKILL) };
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        let _ = self.stop(libc::SIGTERM, STOP_GRACE);
    }
}

fn pid(child: &Child) -> libc::pid_t {
    libc::pid_t::try_from(child.id()).expect("a pid")
}

/// Runs `command` in a group of its own and collects its output, as [`Command::output`], but for
/// at most `limit`: then it is stopped (SIGTERM, then SIGKILL to the group) and this fails.
pub fn output_within(command: &mut Command, limit: Duration) -> Result<Output> {
    let mut group = ProcessGroup::spawn(command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()))
        .with_context(|| format!("starting {:?}", command.get_program()))?;
    let read = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = read(Box::new(group.child.stdout.take().expect("piped")));
    let stderr = read(Box::new(group.child.stderr.take().expect("piped")));
    let Some(status) = group.wait_timeout(limit)? else {
        group.stop(libc::SIGTERM, STOP_GRACE)?;
        let said = String::from_utf8_lossy(&stderr.join().unwrap_or_default()).into_owned();
        bail!("{:?} did not finish within {limit:?} and was stopped:\n{said}", command.get_program());
    };
    Ok(Output { status, stdout: stdout.join().unwrap_or_default(), stderr: stderr.join().unwrap_or_default() })
}

/// The groups alive, for the signal handler: their ids in a fixed table it can read without a lock.
mod interrupts {
    use super::*;

    const SLOTS: usize = 256;
    /// Group ids; 0 is a free slot.
    static GROUPS: [AtomicI32; SLOTS] = [const { AtomicI32::new(0) }; SLOTS];
    const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

    pub fn register(group: libc::pid_t) {
        static INSTALL: std::sync::Once = std::sync::Once::new();
        INSTALL.call_once(install);
        // A full table only means a Ctrl-C would leave that group behind.
        let _ = GROUPS.iter().find(|slot| slot.compare_exchange(0, group, Ordering::SeqCst, Ordering::SeqCst).is_ok());
    }

    pub fn unregister(group: libc::pid_t) {
        if let Some(slot) = GROUPS.iter().find(|slot| slot.load(Ordering::SeqCst) == group) {
            slot.store(0, Ordering::SeqCst);
        }
    }

    /// Our handler, for each signal the program leaves at its default (it dies of it).
    fn install() {
        for signal in SIGNALS {
            // SAFETY: reads the current action into a zeroed sigaction; installs a handler that
            // only makes async-signal-safe calls.
            unsafe {
                let mut current: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(signal, std::ptr::null(), &mut current) != 0 || current.sa_sigaction != libc::SIG_DFL
                {
                    continue;
                }
                let mut ours: libc::sigaction = std::mem::zeroed();
                ours.sa_sigaction = pass_on as *const () as libc::sighandler_t;
                libc::sigemptyset(&mut ours.sa_mask);
                libc::sigaction(signal, &ours, std::ptr::null_mut());
            }
        }
    }

    /// Sends the signal to every group alive, then dies of it as the program would have.
    extern "C" fn pass_on(signal: libc::c_int) {
        for slot in &GROUPS {
            let group = slot.load(Ordering::SeqCst);
            if group > 0 {
                // SAFETY: kill is async-signal-safe.
                unsafe { libc::kill(-group, signal) };
            }
        }
        // SAFETY: signal and raise are async-signal-safe; the signal is delivered, now at its
        // default action, once this handler returns.
        unsafe {
            libc::signal(signal, libc::SIG_DFL);
            libc::raise(signal);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The live processes (zombies aside) in process group `group`, from `/proc/*/stat`.
    pub(crate) fn members(group: u32) -> Vec<u32> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
            // After the command's name in parentheses: state, ppid, pgrp, …
            let fields: Vec<&str> = stat.rsplit_once(')').map_or(vec![], |(_, rest)| rest.split_whitespace().collect());
            if fields.len() > 2 && fields[0] != "Z" && fields[2] == group.to_string() {
                found.push(pid);
            }
        }
        found
    }

    /// Waits (bounded) until nothing of the group is left: SIGKILL is sent at once, but a
    /// process takes a moment to die of it.
    pub(crate) fn assert_gone(group: u32) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !members(group).is_empty() {
            assert!(Instant::now() < deadline, "still running in group {group}: {:?}", members(group));
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn shell(script: &str) -> ProcessGroup {
        ProcessGroup::spawn(Command::new("sh").args(["-c", script]).stdin(Stdio::null())).unwrap()
    }

    /// Waits (bounded) until the group has `n` members.
    fn until_members(group: &ProcessGroup, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while members(group.id()).len() < n {
            assert!(Instant::now() < deadline, "the group never had {n} members: {:?}", members(group.id()));
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn dropping_a_group_ends_the_children_its_leader_left_running() {
        // The leader exits on SIGTERM; its children ignore it: only the last resort ends them.
        let group = shell("(trap '' TERM; sleep 600) & (trap '' TERM; sleep 600) & wait");
        until_members(&group, 3);
        let id = group.id();
        drop(group);
        assert_gone(id);
    }

    #[test]
    fn a_leader_that_ignores_its_signal_is_killed_after_the_grace() {
        let mut group = shell("trap '' TERM; sleep 600 & wait");
        until_members(&group, 2);
        let (status, in_time) = group.stop(libc::SIGTERM, Duration::from_millis(200)).unwrap();
        assert!(!in_time && !status.success(), "{status}");
        assert_gone(group.id());
    }

    #[test]
    fn a_leader_that_exits_on_its_own_takes_what_it_left_with_it() {
        let mut group = shell("sleep 600 & exit 3");
        let status = group.wait_timeout(Duration::from_secs(10)).unwrap().expect("sh exits");
        assert_eq!(status.code(), Some(3));
        assert_gone(group.id());
    }

    /// Ctrl-C on a program that started groups (it is not theirs: they are not in the terminal's
    /// group) reaches them too, and the program still dies of it. The program is this test run
    /// again in a process of its own, which starts a group and waits.
    #[test]
    fn ctrl_c_ends_the_groups_too() {
        const PID_FILE: &str = "SERVER_HARNESS_TEST_GROUP_FILE";
        if let Some(file) = std::env::var_os(PID_FILE) {
            let group = shell("sleep 600");
            std::fs::write(file, group.id().to_string()).unwrap();
            std::thread::sleep(Duration::from_secs(600));
            unreachable!("SIGINT ends this process");
        }
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("group");
        let mut program = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "group::tests::ctrl_c_ends_the_groups_too", "--nocapture"])
            .env(PID_FILE, &file)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        let group: u32 = loop {
            if let Some(id) = std::fs::read_to_string(&file).ok().and_then(|t| t.parse().ok()) {
                break id;
            }
            assert!(Instant::now() < deadline, "the program never started its group");
            std::thread::sleep(Duration::from_millis(10));
        };
        // SAFETY: signals our own child, not yet reaped.
        unsafe { libc::kill(program.id() as libc::pid_t, libc::SIGINT) };
        use std::os::unix::process::ExitStatusExt as _;
        assert_eq!(program.wait().unwrap().signal(), Some(libc::SIGINT));
        assert_gone(group);
    }

    #[test]
    fn output_within_collects_or_stops_a_run_that_hangs() {
        let done = output_within(Command::new("sh").args(["-c", "echo out; echo err >&2"]), Duration::from_secs(10));
        let done = done.unwrap();
        assert_eq!((&done.stdout[..], &done.stderr[..], done.status.success()), (&b"out\n"[..], &b"err\n"[..], true));
        let hung =
            output_within(Command::new("sh").args(["-c", "echo waiting >&2; sleep 600"]), Duration::from_millis(300));
        let message = format!("{:#}", hung.unwrap_err());
        assert!(message.contains("did not finish within") && message.contains("waiting"), "{message}");
    }
}
