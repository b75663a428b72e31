//! One way to try again.
//!
//! Only a try that *certainly did not happen* may be repeated as it is: a
//! conditional write that lost its race (someone else took the number,
//! changed the invoice, spent the budget), a request DynamoDB refused
//! (throttled) or one that never left this process. A try that *may have
//! happened* (a timeout, a connection lost after sending) is never
//! repeated blindly: the caller re-reads what is there (an idempotency
//! record, a lease) and decides again. [`Safety`] names the two; the store
//! sorts its errors into them.
//!
//! Every retry loop of the use cases goes through [`Retry`]: exponential
//! back-off with full jitter (contending writers spread out instead of
//! colliding again), bounded by a time budget or a number of tries.

use std::time::{Duration, Instant};

use rand::Rng;

/// Whether a failed try may be repeated as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Safety {
    /// The request certainly did not take effect: repeat it.
    DidNotHappen,
    /// It may have taken effect: read before trying again.
    MayHaveHappened,
}

/// How long a finance request may keep losing races before it answers
/// "busy" (503): well inside API Gateway's 30-second limit.
pub const CONTENTION_BUDGET: Duration = Duration::from_secs(20);

/// The longest wait between two tries. It must grow with the crowd: fifty
/// writers on one counter retrying within 200 ms kept colliding, and few
/// of them ever committed.
const MAX_DELAY_MS: u64 = 1_600;
const FIRST_DELAY_MS: u64 = 10;

/// The ceiling of the wait before try `attempt + 1` (the wait itself is
/// drawn uniformly below it): 10 ms doubling, at most 1.6 s.
pub fn delay_cap(attempt: u32) -> Duration {
    Duration::from_millis((FIRST_DELAY_MS << attempt.min(8)).min(MAX_DELAY_MS))
}

/// What ends a series of tries.
#[derive(Debug, Clone, Copy)]
enum Limit {
    Time(Duration),
    Tries(u32),
}

/// The tries were spent: answer "busy" or give up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("still contended after {attempts} tries")]
pub struct Exhausted {
    pub attempts: u32,
}

/// One series of tries. Call [`Retry::again`] after a try that did not
/// happen; it waits, or says the series is over.
#[derive(Debug)]
pub struct Retry {
    started: Instant,
    attempt: u32,
    limit: Limit,
    wait: bool,
}

impl Retry {
    /// Tries for as long as `budget` allows, backing off between them.
    pub fn within(budget: Duration) -> Self {
        Self {
            started: Instant::now(),
            attempt: 0,
            limit: Limit::Time(budget),
            wait: true,
        }
    }

    /// A finance request losing races: [`CONTENTION_BUDGET`].
    pub fn contention() -> Self {
        Self::within(CONTENTION_BUDGET)
    }

    /// At most `tries` tries in all, backing off between them.
    pub fn tries(tries: u32) -> Self {
        Self {
            limit: Limit::Tries(tries),
            ..Self::within(Duration::ZERO)
        }
    }

    /// At most `tries` tries, at once: for a decision re-taken on fresh
    /// reads, where the lost race already told us what changed and waiting
    /// would only delay the pass.
    pub fn immediately(tries: u32) -> Self {
        Self {
            wait: false,
            ..Self::tries(tries)
        }
    }

    /// How many tries were made so far (the current one included).
    pub fn attempts(&self) -> u32 {
        self.attempt + 1
    }

    /// After a try that did not happen: waits before the next one, or
    /// says the series is over.
    pub async fn again(&mut self) -> Result<(), Exhausted> {
        let over = match self.limit {
            Limit::Time(budget) => self.started.elapsed() > budget,
            Limit::Tries(tries) => self.attempt + 1 >= tries,
        };
        if over {
            return Err(Exhausted {
                attempts: self.attempts(),
            });
        }
        if self.wait {
            let cap = u64::try_from(delay_cap(self.attempt).as_millis()).unwrap_or(MAX_DELAY_MS);
            let ms = rand::rng().random_range(0..=cap);
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        self.attempt += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_then_caps() {
        let caps: Vec<u128> = (0..12).map(|a| delay_cap(a).as_millis()).collect();
        assert_eq!(caps, [10, 20, 40, 80, 160, 320, 640, 1280, 1600, 1600, 1600, 1600]);
    }

    #[tokio::test]
    async fn a_number_of_tries_is_a_number_of_tries() {
        let mut retry = Retry::immediately(3);
        assert_eq!(retry.attempts(), 1);
        assert_eq!(retry.again().await, Ok(()));
        assert_eq!(retry.again().await, Ok(()));
        assert_eq!(retry.again().await, Err(Exhausted { attempts: 3 }));
    }

    #[tokio::test]
    async fn a_spent_budget_ends_the_series() {
        let mut retry = Retry::within(Duration::ZERO);
        tokio::time::sleep(Duration::from_millis(2)).await;
        assert_eq!(retry.again().await, Err(Exhausted { attempts: 1 }));
        let mut fresh = Retry::contention();
        assert_eq!(fresh.again().await, Ok(()), "a fresh budget allows another try");
        assert_eq!(fresh.attempts(), 2);
    }
}
