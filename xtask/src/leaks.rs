//! What a test run leaves behind, found by `cargo xtask test`: a process it started still
//! running, or a TCP port it opened still listening.
//!
//! Processes: before the run this process makes itself a child subreaper
//! (`PR_SET_CHILD_SUBREAPER`), so that whatever the run starts and abandons — an orphan, however
//! deep, daemonized or not — is re-parented to it rather than to init. Once the run is over it
//! has no child of its own left, so every live process below it is a leak: each is named (pid
//! and command line), killed, and fails the run. Orphans that already exited (PostgreSQL's
//! postmasters, which `pg_ctl` starts in the background and stops later) are only reaped.
//!
//! Ports: the TCP sockets listening before and after the run (`/proc/net/tcp` and `tcp6`, state
//! `0A`). A new one held by a process below this one is named with it. One whose holder cannot be
//! seen is a leak under CI (which runs nothing else) and noted elsewhere; one held by a process
//! outside the run — another session's, as nothing the run starts can leave this tree — is
//! noted.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

use anyhow::{bail, Result};

/// The listening sockets when the run began; dropped at [`Watch::finish`].
pub struct Watch {
    listening_before: BTreeSet<SocketAddr>,
}

/// A process as `/proc/PID/stat` and `cmdline` describe it.
#[derive(Debug, Clone, PartialEq)]
struct Process {
    pid: i32,
    ppid: i32,
    /// `R`, `S`, `Z` (exited, not yet reaped), …
    state: char,
}

impl Watch {
    /// Becomes the subreaper of whatever is started from now on, and notes the listening ports.
    pub fn start() -> Result<Watch> {
        become_subreaper()?;
        Ok(Watch { listening_before: listening().into_keys().collect() })
    }

    /// After the run: fails naming every process it left running (they are killed) and every
    /// port it left listening.
    pub fn finish(self) -> Result<()> {
        reap_exited();
        let mut left = live_descendants();
        // A process killed a moment ago (a group's last resort) may still be dying.
        let deadline = Instant::now() + Duration::from_secs(2);
        while !left.is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
            reap_exited();
            left = live_descendants();
        }
        let new_ports: BTreeMap<SocketAddr, u64> =
            listening().into_iter().filter(|(addr, _)| !self.listening_before.contains(addr)).collect();
        let holders = if new_ports.is_empty() { HashMap::new() } else { socket_holders() };

        let mut leaks = Vec::new();
        for pid in &left {
            let ports: Vec<String> = new_ports
                .iter()
                .filter(|(_, inode)| holders.get(inode) == Some(pid))
                .map(|(addr, _)| addr.to_string())
                .collect();
            let listens = if ports.is_empty() { String::new() } else { format!(", listening on {}", ports.join(", ")) };
            leaks.push(format!("process {pid} still running{listens}: {}", command_line(*pid)));
        }
        let under_ci = std::env::var_os("CI").is_some();
        for (addr, inode) in &new_ports {
            match holders.get(inode) {
                Some(pid) if left.contains(pid) => {}
                Some(pid) => println!(
                    "NOTE: {addr} began listening during the run, held by process {pid} outside it: {}",
                    command_line(*pid)
                ),
                None if under_ci => leaks.push(format!("port {addr} still listening, held by no process in sight")),
                None => println!(
                    "NOTE: {addr} began listening during the run; no process in sight holds it (another user's?)"
                ),
            }
        }
        kill_all(&left);
        if !leaks.is_empty() {
            bail!(
                "the run left {} thing(s) behind (killed now), every one a test or tool that does not stop what it \
                 starts:\n  {}",
                leaks.len(),
                leaks.join("\n  ")
            );
        }
        println!("nothing the run started is left running: no process, no listening port");
        Ok(())
    }
}

fn become_subreaper() -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: PR_SET_CHILD_SUBREAPER takes an integer flag and touches no memory of ours.
        if unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) } != 0 {
            bail!("prctl(PR_SET_CHILD_SUBREAPER): {}", std::io::Error::last_os_error());
        }
    }
    #[cfg(not(target_os = "linux"))]
    println!("NOTE: only on Linux are the processes a run leaves behind found");
    Ok(())
}

/// Every process now, from `/proc`.
fn processes() -> Vec<Process> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .flatten()
        .filter_map(|e| {
            let pid = e.file_name().to_str()?.parse().ok()?;
            let (ppid, state) = parse_stat(&std::fs::read_to_string(e.path().join("stat")).ok()?)?;
            Some(Process { pid, ppid, state })
        })
        .collect()
}

/// `(ppid, state)` from a `/proc/PID/stat` line: `PID (COMM) STATE PPID …`, where COMM may hold
/// spaces and parentheses of its own.
fn parse_stat(stat: &str) -> Option<(i32, char)> {
    let (_, rest) = stat.rsplit_once(')')?;
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    Some((fields.next()?.parse().ok()?, state))
}

/// The live (not exited) processes below this one, parents before their children.
fn live_descendants() -> Vec<i32> {
    descendants(&processes(), std::process::id() as i32).into_iter().filter(|p| p.state != 'Z').map(|p| p.pid).collect()
}

/// The processes below `root` in `all`, parents before their children.
fn descendants(all: &[Process], root: i32) -> Vec<&Process> {
    let mut found: Vec<&Process> = Vec::new();
    let mut parents = vec![root];
    while let Some(parent) = parents.pop() {
        for p in all.iter().filter(|p| p.ppid == parent && p.pid != root) {
            found.push(p);
            parents.push(p.pid);
        }
    }
    found
}

/// Reaps this process's exited children (re-parented orphans among them).
fn reap_exited() {
    let me = std::process::id() as i32;
    for p in processes().into_iter().filter(|p| p.ppid == me && p.state == 'Z') {
        // SAFETY: waits, without blocking, for a child of ours that has exited.
        unsafe { libc::waitpid(p.pid, std::ptr::null_mut(), libc::WNOHANG) };
    }
}

/// SIGKILL to each process, then reaps them: their own children, re-parented here as they die,
/// are found and killed in the next round.
fn kill_all(pids: &[i32]) {
    let mut left = pids.to_vec();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !left.is_empty() && Instant::now() < deadline {
        for pid in &left {
            // SAFETY: each is below this process (not reaped: its pid is still its own).
            unsafe { libc::kill(*pid, libc::SIGKILL) };
        }
        std::thread::sleep(Duration::from_millis(50));
        reap_exited();
        left = live_descendants();
    }
}

/// What `/proc/PID/cmdline` says, arguments separated by spaces; `[comm]` for a process without
/// one.
fn command_line(pid: i32) -> String {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let args: Vec<String> =
        raw.split(|b| *b == 0).filter(|a| !a.is_empty()).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
    if !args.is_empty() {
        return args.join(" ");
    }
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let comm = stat.split_once('(').and_then(|(_, rest)| rest.rsplit_once(')')).map_or("?", |(comm, _)| comm);
    format!("[{comm}]")
}

/// The listening TCP sockets now, by address, with their inodes.
fn listening() -> BTreeMap<SocketAddr, u64> {
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .into_iter()
        .flat_map(|table| parse_net_tcp(&std::fs::read_to_string(table).unwrap_or_default()))
        .collect()
}

/// The listening sockets (state `0A`) of a `/proc/net/tcp` or `tcp6` table, with their inodes.
/// Addresses are hex in the kernel's byte order (32-bit words in the machine's), ports hex.
fn parse_net_tcp(table: &str) -> Vec<(SocketAddr, u64)> {
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() < 10 || fields[3] != "0A" {
                return None;
            }
            let (ip, port) = fields[1].split_once(':')?;
            let port = u16::from_str_radix(port, 16).ok()?;
            let words: Vec<[u8; 4]> = (0..ip.len() / 8)
                .map(|i| u32::from_str_radix(&ip[i * 8..i * 8 + 8], 16).map(u32::to_ne_bytes))
                .collect::<Result<_, _>>()
                .ok()?;
            let ip = match words[..] {
                [a] => IpAddr::V4(Ipv4Addr::from(a)),
                [a, b, c, d] => IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from([a, b, c, d].concat()).ok()?)),
                _ => return None,
            };
            Some((SocketAddr::new(ip, port), fields[9].parse().ok()?))
        })
        .collect()
}

/// Which process holds each socket (by inode), from the `socket:[INODE]` links in `/proc/*/fd`
/// (only those this user may read).
fn socket_holders() -> HashMap<u64, i32> {
    let mut holders = HashMap::new();
    for p in processes() {
        let Ok(fds) = std::fs::read_dir(format!("/proc/{}/fd", p.pid)) else { continue };
        for fd in fds.flatten() {
            let Ok(target) = std::fs::read_link(fd.path()) else { continue };
            let inode = target.to_str().and_then(|t| t.strip_prefix("socket:[")?.strip_suffix(']')?.parse().ok());
            if let Some(inode) = inode {
                holders.entry(inode).or_insert(p.pid);
            }
        }
    }
    holders
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stat_line_gives_its_parent_and_state_whatever_the_command_is_called() {
        let stat = "4242 (nginx: worker (1)) S 1 4240 4240 0 -1 4194624 88 0 0 0 0 0 0 0 20 0 1 0";
        assert_eq!(parse_stat(stat), Some((1, 'S')));
        assert_eq!(parse_stat("17 (postgres) Z 9 17 17 0"), Some((9, 'Z')));
        assert_eq!(parse_stat("no parentheses"), None);
    }

    #[test]
    fn descendants_are_found_however_deep() {
        let p = |pid, ppid| Process { pid, ppid, state: 'S' };
        let all = [p(10, 1), p(11, 10), p(12, 11), p(13, 1), p(14, 12)];
        let mut below: Vec<i32> = descendants(&all, 10).iter().map(|p| p.pid).collect();
        below.sort();
        assert_eq!(below, [11, 12, 14]);
    }

    #[test]
    fn listening_sockets_are_read_from_both_tables() {
        // Two listeners (127.0.0.1:8080 and [::1]:5432), one connection (state 01), as the
        // kernel writes them on a little-endian machine.
        let v4 = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
           0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 31337 1 0000000000000000 100 0 0 10 0\n\
           1: 0100007F:A2C4 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 31338 1 0000000000000000 20 4 30 10 -1\n";
        let v6 = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
           0: 00000000000000000000000001000000:1538 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   106        0 4711 1 0000000000000000 100 0 0 10 0\n";
        if cfg!(target_endian = "little") {
            assert_eq!(parse_net_tcp(v4), [("127.0.0.1:8080".parse().unwrap(), 31337)]);
            assert_eq!(parse_net_tcp(v6), [("[::1]:5432".parse().unwrap(), 4711)]);
        }
    }

    #[test]
    fn this_process_s_own_listener_is_seen_with_its_holder() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let inode = listening().get(&addr).copied().expect("the listener is in /proc/net/tcp");
        assert_eq!(socket_holders().get(&inode), Some(&(std::process::id() as i32)));
    }
}
