//! Password checks for logins, within a budget: a fixed number of worker threads (setting
//! `password_checks`) run argon2 at a lower CPU priority, fed by a short queue
//! (`password_check_queue`). A login that finds every worker busy and the queue full is refused
//! at once ([`Busy`]), without hashing. What counts is the checks not yet answered, not where
//! the worker threads happen to be: a check's place is free before its answer is sent, so a
//! login sent after the last answer came back always finds it free.
//!
//! Why a budget: every check takes argon2's working memory and many milliseconds of a core, so
//! unbounded checks (tokio's blocking pool has hundreds of threads) let a flood of wrong-password
//! logins take every core and much of the memory from the rest of the API (`docs/performance.md`,
//! "Under a login flood"). Why a lower priority (nice 10): the workers then use the cores the
//! rest of the API leaves idle, and yield them when it needs them — a login under load takes
//! longer, a session check does not. Niceness ranks threads only within one scheduling autogroup
//! (a session; every systemd service is its own), so a PostgreSQL on the same machine gets no
//! such precedence over them: the budget is what bounds their share there.
//!
//! Why each worker keeps its working memory while logins keep coming, and gives it back
//! [`KEEP_FOR`] after they stop: allocated afresh, those 19 MiB come straight from mmap and every
//! page faults in and is zeroed, which makes a check markedly slower than argon2's own work
//! (`docs/performance.md`); but a server nobody logs in to should not hold them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::phc::{Output, PasswordHash};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TrySendError};

/// Whether `password` matches the PHC string `hash`, computed in `memory` (grown to the hash's
/// `m` if it is smaller). A malformed hash, or one of another algorithm family, matches nothing.
pub fn verify_in(password: &str, hash: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else { return false };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else { return false };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm.as_str()) else { return false };
    let Ok(version) = parsed.version.map_or(Ok(Version::default()), Version::try_from) else { return false };
    let Ok(params) = Params::try_from(&parsed) else { return false };
    if memory.len() < params.block_count() {
        memory.resize(params.block_count(), Block::default());
    }
    let mut computed = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params);
    if argon2
        .hash_password_into_with_memory(password.as_bytes(), salt.as_ref(), &mut computed, &mut memory[..])
        .is_err()
    {
        return false;
    }
    // `Output`'s equality is constant-time.
    Output::new(&computed).is_ok_and(|computed| computed == *expected)
}

/// The workers, and the queue in front of them. Dropping it stops them once the queue is empty.
pub struct PasswordChecks {
    jobs: Sender<Job>,
    /// Checks asked for and not yet answered, at most `places`.
    unanswered: Arc<AtomicUsize>,
    /// Workers plus places in the queue.
    places: usize,
    /// Working memories the workers hold now.
    buffers: Arc<AtomicUsize>,
}

/// No worker is free and the queue is full: the login is refused without a check.
#[derive(Debug, PartialEq, Eq)]
pub struct Busy;

struct Job {
    password: String,
    hash: String,
    answer: tokio::sync::oneshot::Sender<bool>,
    place: Place,
}

/// A check's place among the `places`, given back when dropped: by the worker before it
/// answers, or with the job on every other way out (the login gave up, a worker panicked, the
/// workers are gone).
struct Place(Arc<AtomicUsize>);

impl Drop for Place {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// How long a worker keeps its working memory after its last check.
const KEEP_FOR: Duration = Duration::from_secs(2);

/// The workers' niceness: below every other thread of the server (nice 0).
const WORKER_NICE: i32 = 10;

impl PasswordChecks {
    /// Starts `workers` threads (at least one) with a queue of `queue` waiting logins.
    pub fn start(workers: usize, queue: usize) -> Self {
        let places = workers.max(1) + queue;
        let (jobs, waiting) = crossbeam_channel::bounded(places);
        let buffers = Arc::new(AtomicUsize::new(0));
        for i in 0..workers.max(1) {
            let (waiting, buffers) = (waiting.clone(), buffers.clone());
            std::thread::Builder::new()
                .name(format!("password-check-{i}"))
                .spawn(move || work(&waiting, &buffers))
                .expect("the OS starts a thread");
        }
        PasswordChecks { jobs, unanswered: Arc::new(AtomicUsize::new(0)), places, buffers }
    }

    /// Queues a check of `password` against `hash`, or refuses at once if the queue is full.
    /// The future answers whether it matches; `None` if the check itself failed (a worker
    /// panicked).
    pub fn check(
        &self,
        password: String,
        hash: String,
    ) -> Result<impl std::future::Future<Output = Option<bool>> + use<>, Busy> {
        if self.unanswered.fetch_add(1, Ordering::SeqCst) >= self.places {
            self.unanswered.fetch_sub(1, Ordering::SeqCst);
            return Err(Busy);
        }
        let place = Place(self.unanswered.clone());
        let (answer, answered) = tokio::sync::oneshot::channel();
        match self.jobs.try_send(Job { password, hash, answer, place }) {
            // Not reached: the channel holds as many jobs as there are places.
            Err(TrySendError::Full(_)) => Err(Busy),
            // Disconnected (every worker gone): the job, and its answer, are dropped, so the
            // future answers `None` like a check that failed.
            Ok(()) | Err(TrySendError::Disconnected(_)) => Ok(async move { answered.await.ok() }),
        }
    }

    /// Working memories the workers hold now.
    pub fn buffers(&self) -> usize {
        self.buffers.load(Ordering::Relaxed)
    }
}

fn work(waiting: &Receiver<Job>, buffers: &AtomicUsize) {
    lower_priority();
    let mut memory: Vec<Block> = Vec::new();
    loop {
        let job = if memory.is_empty() {
            match waiting.recv() {
                Ok(job) => job,
                Err(_) => return,
            }
        } else {
            match waiting.recv_timeout(KEEP_FOR) {
                Ok(job) => job,
                Err(RecvTimeoutError::Timeout) => {
                    memory = Vec::new();
                    buffers.fetch_sub(1, Ordering::Relaxed);
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => return,
            }
        };
        // The login gave up (client gone) while waiting: no check to run.
        if job.answer.is_closed() {
            continue;
        }
        if memory.is_empty() {
            buffers.fetch_add(1, Ordering::Relaxed);
        }
        let checked =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| verify_in(&job.password, &job.hash, &mut memory)));
        match checked {
            Ok(matches) => {
                drop(job.place);
                // The login may have given up meanwhile: nobody to answer then.
                let _ = job.answer.send(matches);
            }
            // Dropping the answer tells the login the check failed; the memory may be half-grown.
            Err(_) => {
                if !memory.is_empty() {
                    memory = Vec::new();
                    buffers.fetch_sub(1, Ordering::Relaxed);
                }
            }
        }
    }
}

/// Lowers this thread's CPU priority (Linux: niceness is per thread). Failing leaves it as is:
/// checks still run, only without yielding to the rest.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: plain system calls on the calling thread's own id.
    unsafe {
        let tid = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, WORKER_NICE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_like_the_argon2_crate() {
        use argon2::password_hash::PasswordVerifier as _;
        let hash = crate::auth::hash_password("correct horse").unwrap();
        let parsed = PasswordHash::new(&hash).unwrap();
        let mut memory = Vec::new();
        for (password, expected) in [("correct horse", true), ("correct hors", false), ("", false)] {
            assert_eq!(Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(), expected);
            assert_eq!(verify_in(password, &hash, &mut memory), expected, "{password:?}");
        }
        // Memory left from a check with other parameters is reused or grown, not misread.
        let small = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(64, 1, 1, None).unwrap());
        let small_hash = argon2::password_hash::PasswordHasher::hash_password(&small, b"pw").unwrap().to_string();
        assert!(verify_in("pw", &small_hash, &mut memory));
        assert!(verify_in("correct horse", &hash, &mut Vec::new()));
        assert!(!verify_in("pw", "not a hash", &mut memory));
        assert!(!verify_in("pw", "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ", &mut memory), "no hash part");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn checks_beyond_the_queue_are_refused_and_memory_is_given_back() {
        let hash = crate::auth::hash_password("pw").unwrap();
        let checks = PasswordChecks::start(1, 1);
        // Six asked for at once: one worker, one place in the queue; the rest are refused
        // unchecked, wherever the worker thread is.
        let asked: Vec<_> = (0..6).map(|_| checks.check("pw".into(), hash.clone())).collect();
        let busy = asked.iter().filter(|a| a.is_err()).count();
        assert_eq!(busy, 4, "refused with one worker and a queue of one");
        for accepted in asked.into_iter().flatten() {
            assert_eq!(accepted.await, Some(true));
        }
        assert_eq!(checks.buffers(), 1, "the worker keeps its memory for the next login");
        assert_eq!(checks.check("wrong".into(), hash.clone()).unwrap().await, Some(false));
        // Given back once nobody logged in for KEEP_FOR (the worker runs at nice 10: on a busy
        // machine it may take a while longer to notice).
        let deadline = std::time::Instant::now() + KEEP_FOR + Duration::from_secs(10);
        while checks.buffers() != 0 {
            assert!(std::time::Instant::now() < deadline, "memory still held long after KEEP_FOR");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Answered, so free: with no queue at all, one login after another is never refused,
    /// however late the worker thread gets back to waiting for the next.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_check_asked_after_the_last_answer_is_never_refused() {
        let hash = crate::auth::hash_password("pw").unwrap();
        let alone = PasswordChecks::start(1, 0);
        for _ in 0..20 {
            assert_eq!(alone.check("pw".into(), hash.clone()).expect("the worker is free").await, Some(true));
        }
    }
}
