//! Password checks for logins: at most one per core at a time, on the blocking pool, with argon2's
//! working memory kept for the next check while logins keep coming, and given back two seconds
//! after they stop.
//!
//! Why keep it: each check needs 19 MiB (the crate's default `m`). Allocated afresh, that memory
//! comes straight from mmap (see `fixed_mmap_threshold` in main.rs) and every one of its pages
//! faults in and is zeroed, which makes a check markedly slower than argon2's own work
//! (`docs/performance.md`). Why give it back: a server nobody logs in to should not hold 19 MiB
//! per core.

use std::sync::{Mutex, OnceLock};

use argon2::password_hash::phc::{Output, PasswordHash};
use argon2::{Algorithm, Argon2, Block, Params, Version};

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

/// [`verify_in`] on the blocking pool, one check per core at a time. Running every waiting login's
/// check at once (up to the blocking pool's 512 threads) would only multiply memory — a peak of
/// 1 GB under 32 concurrent logins — and make every one of them slower.
pub async fn verify_bounded(password: String, hash: String) -> Result<bool, tokio::task::JoinError> {
    let checks = checks();
    let mut turn = Turn::new(checks);
    let _permit = checks.permits.acquire().await.expect("the semaphore is never closed");
    let mut memory = checks.memory().take();
    let (matches, memory) = tokio::task::spawn_blocking(move || {
        let matches = verify_in(&password, &hash, &mut memory);
        (matches, memory)
    })
    .await?;
    turn.memory = Some(memory);
    Ok(matches)
}

struct Checks {
    permits: tokio::sync::Semaphore,
    memory: Mutex<Memory>,
}

#[derive(Default)]
struct Memory {
    /// Logins between asking for a check and having finished it (waiting or checking).
    wanting: usize,
    /// Working memory of finished checks, for the next ones; never more than one per permit,
    /// since a check takes one only when it holds a permit and finds none spare.
    spare: Vec<Vec<Block>>,
    /// How many working memories were made afresh (not reused), for the tests.
    made: usize,
    /// Counts the times nobody wanted a check: memory is given back only if this has not moved
    /// (and nobody wants one) when the keeping time is over.
    quiet_since: u64,
}

impl Memory {
    fn take(&mut self) -> Vec<Block> {
        self.spare.pop().unwrap_or_else(|| {
            self.made += 1;
            Vec::new()
        })
    }
}

fn checks() -> &'static Checks {
    static CHECKS: OnceLock<Checks> = OnceLock::new();
    CHECKS.get_or_init(|| Checks {
        permits: tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(1, |n| n.get())),
        memory: Mutex::new(Memory::default()),
    })
}

impl Checks {
    fn memory(&self) -> std::sync::MutexGuard<'_, Memory> {
        // The lock only guards a counter and a list: a panic elsewhere can't leave them half-done.
        self.memory.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// One login's turn, counted from asking for a check until it is over (or the login's future is
/// dropped). Counting and keeping happen under one lock, so the last turn to end sees nobody
/// wanting, and [`KEEP_FOR`] later every spare buffer is freed unless a check came meanwhile.
struct Turn {
    checks: &'static Checks,
    memory: Option<Vec<Block>>,
}

impl Turn {
    fn new(checks: &'static Checks) -> Self {
        checks.memory().wanting += 1;
        Turn { checks, memory: None }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut memory = self.checks.memory();
        memory.wanting -= 1;
        memory.spare.extend(self.memory.take());
        if memory.wanting > 0 {
            return;
        }
        // The last turn: keep the memory a moment for a login that follows soon (one client
        // logging in after another, a morning's rush), then give it back.
        memory.quiet_since += 1;
        let quiet_since = memory.quiet_since;
        drop(memory);
        let checks = self.checks;
        let give_back = move || {
            let freed = {
                let mut memory = checks.memory();
                if memory.wanting > 0 || memory.quiet_since != quiet_since {
                    return;
                }
                std::mem::take(&mut memory.spare)
            };
            // Unmapping 19 MiB takes a while: not under the lock.
            drop(freed);
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn(async move {
                tokio::time::sleep(KEEP_FOR).await;
                give_back();
            })),
            Err(_) => give_back(),
        }
    }
}

/// How long working memory outlives the last check.
const KEEP_FOR: std::time::Duration = std::time::Duration::from_secs(2);

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
    async fn memory_is_kept_while_logins_come_and_given_back_after_they_stop() {
        let hash = crate::auth::hash_password("pw").unwrap();
        let permits = checks().permits.available_permits();
        let made = || checks().memory().made;
        let made_before = made();
        // Six logins asked for at once: all are waiting long before the first check (~15 ms) ends.
        let logins: Vec<_> = (0..6).map(|_| tokio::spawn(verify_bounded("pw".into(), hash.clone()))).collect();
        for login in logins {
            assert!(login.await.unwrap().unwrap());
        }
        assert!(made() - made_before <= permits, "{} made for 6 checks on {permits} permits", made() - made_before);
        assert!(!checks().memory().spare.is_empty(), "kept for the next login");
        // One more, soon after: no new memory; then nobody for longer than KEEP_FOR: all given back.
        let made_before = made();
        assert!(!verify_bounded("wrong".into(), hash.clone()).await.unwrap());
        assert_eq!(made(), made_before);
        tokio::time::sleep(KEEP_FOR + std::time::Duration::from_millis(500)).await;
        let memory = checks().memory();
        assert_eq!((memory.wanting, memory.spare.len()), (0, 0), "nobody wants a check: nothing kept");
    }
}
