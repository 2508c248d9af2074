//! Where a run's CPU goes: the server, the database, the pooler in front of it (where a run goes
//! through one) and the load generator, in µs of CPU per request, and how much of the machine sat
//! idle. All three share the same cores, so when the
//! machine is busy these costs, not waiting, decide the rates; they explain a ratio that a
//! faster server cannot move (`docs/performance.md`, "Against the targets").

use std::path::Path;

use anyhow::{Context, Result};

/// CPU per request of one measured run, in µs; `None` where that party was not involved.
#[derive(Clone, Copy, Debug)]
pub struct Split {
    pub server_us: Option<f64>,
    pub database_us: Option<f64>,
    /// PgBouncer, for a run through it.
    pub pooler_us: Option<f64>,
    /// wrk, pgbench, or the SQLite limit's own threads.
    pub load_us: f64,
    /// Share of the machine's CPU time left idle during the run.
    pub idle_pct: f64,
}

/// Who is watched during a run.
#[derive(Clone, Copy)]
pub struct Watch<'a> {
    pub load: Load,
    /// A running server's process id.
    pub server: Option<u32>,
    /// A PostgreSQL cluster's data dir (its `postmaster.pid`).
    pub postgres: Option<&'a Path>,
    /// A running PgBouncer's process id.
    pub pooler: Option<u32>,
}

/// Where the load generator runs.
#[derive(Clone, Copy)]
pub enum Load {
    /// A child process this one waits for (wrk, pgbench).
    Child,
    /// Threads of this process (the SQLite limit).
    Threads,
    /// Both: wrk against the bare HTTP server, which runs in this process.
    ChildAndThreads,
}

/// `run`, and where the CPU went while it ran: per request, `requests` telling how many it did.
pub fn measure<T>(watch: Watch, run: impl FnOnce() -> Result<T>, requests: impl Fn(&T) -> f64) -> Result<(T, Split)> {
    let before = start(watch)?;
    let done = run()?;
    let split = finish(watch, before, requests(&done))?;
    Ok((done, split))
}

/// Counters at the start of a run.
struct Start {
    children: f64,
    itself: f64,
    server: Option<f64>,
    postgres: Option<f64>,
    pooler: Option<f64>,
    machine: (f64, f64),
}

fn start(watch: Watch) -> Result<Start> {
    Ok(Start {
        children: rusage_secs(libc::RUSAGE_CHILDREN),
        itself: rusage_secs(libc::RUSAGE_SELF),
        server: watch.server.map(process_secs).transpose()?,
        postgres: watch.postgres.map(cluster_secs).transpose()?,
        pooler: watch.pooler.map(process_secs).transpose()?,
        machine: machine_busy_idle()?,
    })
}

/// The CPU of `requests` requests (or transactions) since `start`.
fn finish(watch: Watch, start: Start, requests: f64) -> Result<Split> {
    let per = |secs: f64| secs * 1e6 / requests.max(1.0);
    let children = rusage_secs(libc::RUSAGE_CHILDREN) - start.children;
    let itself = rusage_secs(libc::RUSAGE_SELF) - start.itself;
    let load = match watch.load {
        Load::Child => children,
        Load::Threads => itself,
        Load::ChildAndThreads => children + itself,
    };
    let server = match (watch.server, start.server) {
        (Some(pid), Some(before)) => Some(process_secs(pid)? - before),
        _ => None,
    };
    let database = match (watch.postgres, start.postgres) {
        (Some(dir), Some(before)) => Some(cluster_secs(dir)? - before),
        _ => None,
    };
    let pooler = match (watch.pooler, start.pooler) {
        (Some(pid), Some(before)) => Some(process_secs(pid)? - before),
        _ => None,
    };
    let (busy, idle) = machine_busy_idle()?;
    let (busy, idle) = (busy - start.machine.0, idle - start.machine.1);
    Ok(Split {
        server_us: server.map(per),
        database_us: database.map(per),
        pooler_us: pooler.map(per),
        load_us: per(load),
        idle_pct: 100.0 * idle / (busy + idle).max(1e-9),
    })
}

fn rusage_secs(who: libc::c_int) -> f64 {
    // SAFETY: getrusage writes only into the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(who, &mut usage);
        usage
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

fn ticks_per_second() -> f64 {
    // SAFETY: sysconf has no preconditions.
    (unsafe { libc::sysconf(libc::_SC_CLK_TCK) }) as f64
}

/// Fields of `/proc/PID/stat` after the command name: index 0 is the state (field 3).
fn stat_fields(pid: u32) -> Result<Vec<u64>> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat"))?)
}

fn parse_stat(text: &str) -> Result<Vec<u64>> {
    // The command name is in parentheses and may hold spaces and ')': the fields start after the
    // last ')'.
    let rest = text.rsplit_once(')').map(|(_, r)| r).context("malformed /proc/PID/stat")?;
    let fields: Vec<u64> = rest.split_whitespace().map(|f| f.parse().unwrap_or(0)).collect();
    anyhow::ensure!(fields.len() > 14, "/proc/PID/stat has too few fields");
    Ok(fields)
}

/// utime + stime of one process, in seconds.
fn process_secs(pid: u32) -> Result<f64> {
    let f = stat_fields(pid)?;
    // Fields 14 and 15 (utime, stime) are at 11 and 12 here.
    Ok((f[11] + f[12]) as f64 / ticks_per_second())
}

/// The CPU of a PostgreSQL cluster: the postmaster's own, what its ended backends used
/// (cutime + cstime), and what its live backends have used so far.
fn cluster_secs(data_dir: &Path) -> Result<f64> {
    let pid_file = data_dir.join("postmaster.pid");
    let text = std::fs::read_to_string(&pid_file).with_context(|| format!("reading {}", pid_file.display()))?;
    let postmaster: u32 = text.lines().next().unwrap_or_default().trim().parse().context("postmaster.pid")?;
    // A backend that ends (pgbench's, when it exits) moves its time from its own stat to the
    // postmaster's cutime when it is reaped. Read the postmaster before and after its children and
    // retry until no reaping fell in between, so that time is counted once.
    loop {
        let before = stat_fields(postmaster)?;
        let mut ticks = 0;
        for entry in std::fs::read_dir("/proc")?.flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
            if let Ok(f) = stat_fields(pid) {
                // Field 4 (ppid) is at 1 here.
                if f.get(1) == Some(&u64::from(postmaster)) {
                    ticks += f[11] + f[12];
                }
            }
        }
        let after = stat_fields(postmaster)?;
        // Fields 16 and 17 (cutime, cstime) are at 13 and 14 here.
        if before[13..15] == after[13..15] {
            return Ok((after[11] + after[12] + after[13] + after[14] + ticks) as f64 / ticks_per_second());
        }
    }
}

/// The machine's busy and idle (idle + iowait) time so far, in ticks (`/proc/stat`).
fn machine_busy_idle() -> Result<(f64, f64)> {
    let text = std::fs::read_to_string("/proc/stat")?;
    let cpu: Vec<f64> = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("cpu "))
        .context("/proc/stat has no cpu line")?
        .split_whitespace()
        .map(|v| v.parse().unwrap_or(0.0))
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    let idle = cpu[3] + cpu[4];
    let busy: f64 = cpu.iter().take(8).sum::<f64>() - idle;
    Ok((busy, idle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_name_with_spaces_and_parentheses_does_not_shift_the_fields() {
        let stat = "4242 (postgres: a) b) S 17 4242 4242 0 -1 4194560 300 0 0 0 123 45 6 7 20 0 1 0";
        let f = parse_stat(stat).unwrap();
        assert_eq!(f[1], 17, "ppid");
        assert_eq!((f[11], f[12], f[13], f[14]), (123, 45, 6, 7), "utime, stime, cutime, cstime");
    }

    #[test]
    fn a_process_cpu_time_counts_what_it_burnt() {
        let before = process_secs(std::process::id()).unwrap();
        // Burn 200 ms of this thread's own CPU time, however long that takes on a busy machine.
        let thread_cpu = || {
            let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
            // SAFETY: clock_gettime writes only into the struct it is given.
            unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
            t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
        };
        let start = thread_cpu();
        let mut x = 0u64;
        while thread_cpu() - start < 0.2 {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
        }
        let burnt = process_secs(std::process::id()).unwrap() - before;
        // Ticks are 10 ms: 200 ms burnt shows as at least 180.
        assert!(burnt >= 0.18, "counted {burnt} s of the 0.2 s burnt");
    }
}
