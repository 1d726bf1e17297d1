//! When to try again after a failure: the one place that counts failures,
//! draws backoff delays, rations at-once reconnects and gives up after
//! `max_attempts`. Pure bookkeeping (the caller does the waiting), so tests
//! with a paused clock see exact delays.

use std::time::Duration;

use tokio::time::Instant;

use super::backoff::Backoff;
use crate::config::ReconnectConfig;

/// At most one at-once reconnect per this window; the rest back off.
const AT_ONCE_GAP: Duration = Duration::from_secs(30);

/// The longest wait before a retry, whatever a server's Retry-After or the
/// config says: a day, so no deadline can overflow the clock.
const MAX_WAIT: Duration = Duration::from_secs(86_400);

/// How soon a failed attempt asks to be tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delay {
    Backoff,
    /// At once, unless an at-once reconnect already happened within
    /// `AT_ONCE_GAP`: then it backs off, so a server that keeps saying "come
    /// back now" (even right after an ack) cannot make us spin.
    AtOnce,
    /// Backoff, but never shorter than this.
    AtLeast(Duration),
    /// The token was refused (401, close 4001) and has been forgotten:
    /// fetch a new one and try again at once, whatever the at-once budget
    /// says. Only when a token fetched for this very retry is refused too
    /// does it back off: then the token is not what is wrong.
    NewToken,
}

/// What to do after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Wait this long, then try again.
    Wait {
        wait: Duration,
        attempt: u32,
        max_attempts: u32,
    },
    /// `max_attempts` failures in a row: stop until the user says otherwise.
    GiveUp { failures: u32 },
}

#[derive(Debug)]
pub(crate) struct Retry {
    backoff: Backoff,
    rng: fastrand::Rng,
    /// 0: forever.
    max_attempts: u32,
    /// Failed attempts since the last success.
    failures: u32,
    /// When the last at-once reconnect happened.
    last_at_once: Option<Instant>,
    /// The last retry was a `NewToken` one and nothing has succeeded since.
    token_just_renewed: bool,
}

impl Retry {
    pub(crate) fn from_config(cfg: &ReconnectConfig) -> Retry {
        Retry {
            backoff: Backoff::from_config(cfg),
            rng: fastrand::Rng::new(),
            max_attempts: cfg.max_attempts,
            failures: 0,
            last_at_once: None,
            token_just_renewed: false,
        }
    }

    /// Counts a failure and says how long to wait before the next try.
    pub(crate) fn after_failure(&mut self, delay: Delay) -> Verdict {
        self.failures = self.failures.saturating_add(1);
        let max = self.max_attempts;
        if max > 0 && self.failures >= max {
            return Verdict::GiveUp {
                failures: self.failures,
            };
        }
        let at_once_allowed = self
            .last_at_once
            .is_none_or(|last| last.elapsed() >= AT_ONCE_GAP);
        let renewed_before =
            std::mem::replace(&mut self.token_just_renewed, delay == Delay::NewToken);
        let wait = match delay {
            Delay::NewToken if !renewed_before => Duration::ZERO,
            Delay::AtOnce if at_once_allowed => {
                self.last_at_once = Some(Instant::now());
                Duration::ZERO
            }
            Delay::AtOnce | Delay::Backoff | Delay::NewToken => {
                self.backoff.next_delay(&mut self.rng)
            }
            Delay::AtLeast(min) => self.backoff.next_delay(&mut self.rng).max(min),
        }
        .min(MAX_WAIT);
        Verdict::Wait {
            wait,
            attempt: self.failures,
            max_attempts: max,
        }
    }

    /// A fresh start: the server accepted us, or the user asked.
    pub(crate) fn clear(&mut self) {
        self.failures = 0;
        self.token_just_renewed = false;
        self.backoff.reset();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retry(max_attempts: u32) -> Retry {
        let mut r = Retry::from_config(&ReconnectConfig {
            base_delay_ms: 1000,
            max_delay_ms: 8000,
            max_attempts,
            heartbeat_timeout_s: 75,
        });
        r.rng = fastrand::Rng::with_seed(3);
        r
    }

    fn wait(v: Verdict) -> Duration {
        match v {
            Verdict::Wait { wait, .. } => wait,
            Verdict::GiveUp { .. } => panic!("gave up"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_refused_token_is_renewed_at_once_but_a_second_refusal_backs_off() {
        let mut r = retry(0);
        assert_eq!(wait(r.after_failure(Delay::NewToken)), Duration::ZERO);
        assert!(wait(r.after_failure(Delay::NewToken)) >= Duration::from_millis(500));
        r.clear();
        assert_eq!(wait(r.after_failure(Delay::NewToken)), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn at_once_is_rationed_and_at_least_is_honoured() {
        let mut r = retry(0);
        assert_eq!(wait(r.after_failure(Delay::AtOnce)), Duration::ZERO);
        assert!(wait(r.after_failure(Delay::AtOnce)) > Duration::ZERO);
        tokio::time::advance(AT_ONCE_GAP).await;
        assert_eq!(wait(r.after_failure(Delay::AtOnce)), Duration::ZERO);
        let long = Duration::from_secs(60);
        assert_eq!(wait(r.after_failure(Delay::AtLeast(long))), long);
        let huge = Duration::from_secs(10 * 86_400);
        assert_eq!(wait(r.after_failure(Delay::AtLeast(huge))), MAX_WAIT);
    }

    #[test]
    fn a_finite_budget_gives_up_and_zero_means_forever() {
        let mut r = retry(2);
        assert!(matches!(
            r.after_failure(Delay::Backoff),
            Verdict::Wait {
                attempt: 1,
                max_attempts: 2,
                ..
            }
        ));
        assert_eq!(
            r.after_failure(Delay::Backoff),
            Verdict::GiveUp { failures: 2 }
        );
        let mut forever = retry(0);
        for _ in 0..100 {
            assert!(matches!(
                forever.after_failure(Delay::Backoff),
                Verdict::Wait { .. }
            ));
        }
    }
}
