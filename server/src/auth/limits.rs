//! Limits a login meets before any password work: a token bucket per client address, and a delay
//! for a name whose failed logins come from many addresses. The rules and numbers, as a client
//! sees them, are in `docs/behaviour.md` ("Logging in").

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::clients::ClientKey;

/// One token bucket per client address, in this instance's memory.
pub struct ClientBuckets {
    /// `None`: no limit (`login_rate_per_minute = 0`).
    limiter: Option<DefaultKeyedRateLimiter<ClientKey>>,
}

impl ClientBuckets {
    /// Buckets of `burst` logins, refilled at `per_minute` a minute.
    pub fn new(per_minute: u32, burst: u32) -> Self {
        let limiter = NonZeroU32::new(per_minute).map(|rate| {
            let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
            governor::RateLimiter::dashmap(Quota::per_minute(rate).allow_burst(burst))
        });
        ClientBuckets { limiter }
    }

    /// Takes one login from `client`'s bucket; if it is empty, how long until it holds one.
    pub fn take(&self, client: ClientKey) -> Result<(), Duration> {
        let Some(limiter) = &self.limiter else { return Ok(()) };
        limiter.check_key(&client).map_err(|empty| empty.wait_time_from(DefaultClock::default().now()))
    }

    /// Drops the buckets that have refilled (clients not seen for a while), so that a flood from
    /// many addresses does not grow the map forever.
    pub fn forget_full(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// Buckets held now.
    pub fn len(&self) -> usize {
        self.limiter.as_ref().map_or(0, |l| l.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How long a login for a name waits before its password check, given the name's failed logins
/// from every address in the window: nothing below twice `max_failures` (what two addresses
/// can fail before each is locked out), then 250 ms, doubling every `max_failures` more
/// failures, up to 8 s. A guesser spread over many addresses is slowed down; the user is not
/// locked out.
pub fn name_delay(failures_everywhere: i64, max_failures: i64) -> Duration {
    let step = max_failures.max(1);
    let over = failures_everywhere - 2 * step;
    if over < 0 {
        return Duration::ZERO;
    }
    let doublings = u32::try_from(over / step).unwrap_or(u32::MAX).min(5);
    (Duration::from_millis(250) * 2u32.pow(doublings)).min(MAX_NAME_DELAY)
}

/// The longest delay [`name_delay`] gives.
pub const MAX_NAME_DELAY: Duration = Duration::from_secs(8);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_slowed_down_step_by_step_and_never_more_than_eight_seconds() {
        let ms = |failures| name_delay(failures, 5).as_millis();
        assert_eq!([ms(0), ms(9)], [0, 0]);
        assert_eq!([ms(10), ms(14), ms(15), ms(20), ms(25), ms(30)], [250, 250, 500, 1000, 2000, 4000]);
        assert_eq!([ms(35), ms(1000), ms(i64::MAX)], [8000, 8000, 8000]);
        assert_eq!(name_delay(2, 0).as_millis(), 250, "max_failures 0 counts as 1");
    }

    #[test]
    fn each_client_has_its_own_bucket() {
        let buckets = ClientBuckets::new(30, 3);
        let a = ClientKey::of("127.0.0.2".parse().unwrap());
        let b = ClientKey::of("127.0.0.3".parse().unwrap());
        for _ in 0..3 {
            assert_eq!(buckets.take(a), Ok(()));
        }
        let wait = buckets.take(a).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(2), "one login every 2 s: {wait:?}");
        assert_eq!(buckets.take(b), Ok(()), "another address is not affected");
        assert_eq!(buckets.len(), 2);
        assert!(ClientBuckets::new(0, 3).take(a).is_ok(), "rate 0: no limit");
    }
}
