//! Reconnect delays: exponential steps with jitter, as a pure struct.
//!
//! Step `n` (0-based, counted since the last `reset`) has the ceiling
//! `d = min(max_delay, base_delay * 2^n)`. The delay actually returned is
//! drawn uniformly from `[d/2, d]` ("equal jitter"): half the ceiling is a
//! guaranteed pause, so a fleet of clients never hammers a recovering server
//! with near-zero waits the way full jitter (`[0, d]`) can, while the other
//! half spreads the fleet out so they do not reconnect in lock step.
//!
//! The struct does no waiting itself; the feed sleeps with `tokio::time`, so
//! tests that pause the clock see exact, instant delays.

use std::time::Duration;

use crate::config::ReconnectConfig;

#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
    /// Steps taken since the last reset.
    step: u32,
}

impl Backoff {
    /// `cap` below `base` is raised to `base`, so the sequence never shrinks.
    pub fn new(base: Duration, cap: Duration) -> Self {
        Backoff {
            base,
            cap: cap.max(base),
            step: 0,
        }
    }

    pub fn from_config(cfg: &ReconnectConfig) -> Self {
        Backoff::new(
            Duration::from_millis(cfg.base_delay_ms),
            Duration::from_millis(cfg.max_delay_ms),
        )
    }

    /// The ceiling of the next step, before jitter.
    pub fn ceiling(&self) -> Duration {
        // 2^31 * any useful base is far past any cap; saturate instead of
        // overflowing when a feed has been failing for a very long time.
        let factor = 1u32.checked_shl(self.step.min(31)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// The next delay, in `[ceiling/2, ceiling]`; advances one step.
    pub fn next_delay(&mut self, rng: &mut fastrand::Rng) -> Duration {
        let ceiling = self.ceiling();
        self.step = self.step.saturating_add(1);
        let half = ceiling / 2;
        let spread = (ceiling - half).as_millis().min(u64::MAX as u128) as u64;
        half + Duration::from_millis(rng.u64(0..=spread))
    }

    /// Back to the first step (after the server acknowledged a subscription).
    pub fn reset(&mut self) {
        self.step = 0;
    }

    /// Steps taken since the last reset.
    pub fn steps(&self) -> u32 {
        self.step
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn ceilings_double_up_to_the_cap() {
        let mut b = Backoff::new(ms(1000), ms(30_000));
        let mut rng = fastrand::Rng::with_seed(7);
        let mut ceilings = Vec::new();
        for _ in 0..8 {
            ceilings.push(b.ceiling().as_millis());
            b.next_delay(&mut rng);
        }
        assert_eq!(
            ceilings,
            [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]
        );
    }

    #[test]
    fn every_delay_lies_within_half_and_full_ceiling() {
        let mut rng = fastrand::Rng::with_seed(42);
        for seed_run in 0..50 {
            let mut b = Backoff::new(ms(100 + seed_run), ms(5_000));
            for _ in 0..12 {
                let ceiling = b.ceiling();
                let d = b.next_delay(&mut rng);
                assert!(d >= ceiling / 2, "{d:?} below half of {ceiling:?}");
                assert!(d <= ceiling, "{d:?} above {ceiling:?}");
            }
        }
    }

    #[test]
    fn jitter_actually_spreads_delays() {
        let mut rng = fastrand::Rng::with_seed(1);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..20 {
            let mut b = Backoff::new(ms(1000), ms(30_000));
            seen.insert(b.next_delay(&mut rng));
        }
        assert!(seen.len() > 5, "only {} distinct delays", seen.len());
    }

    #[test]
    fn reset_returns_to_the_first_step() {
        let mut rng = fastrand::Rng::with_seed(3);
        let mut b = Backoff::new(ms(1000), ms(30_000));
        for _ in 0..6 {
            b.next_delay(&mut rng);
        }
        assert_eq!(b.ceiling(), ms(30_000));
        b.reset();
        assert_eq!(b.steps(), 0);
        let d = b.next_delay(&mut rng);
        assert!(d >= ms(500) && d <= ms(1000), "{d:?}");
    }

    #[test]
    fn a_very_long_outage_neither_overflows_nor_exceeds_the_cap() {
        let mut rng = fastrand::Rng::with_seed(9);
        let mut b = Backoff::new(ms(1000), ms(30_000));
        for _ in 0..10_000 {
            assert!(b.next_delay(&mut rng) <= ms(30_000));
        }
    }

    #[test]
    fn cap_below_base_is_raised_to_base() {
        let mut rng = fastrand::Rng::with_seed(5);
        let mut b = Backoff::new(ms(2000), ms(10));
        for _ in 0..5 {
            let d = b.next_delay(&mut rng);
            assert!(d >= ms(1000) && d <= ms(2000), "{d:?}");
        }
    }

    #[test]
    fn zero_base_gives_zero_delays() {
        let mut rng = fastrand::Rng::with_seed(5);
        let mut b = Backoff::new(ms(0), ms(0));
        assert_eq!(b.next_delay(&mut rng), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn sleeping_the_delays_under_paused_time_takes_exactly_their_sum() {
        let mut rng = fastrand::Rng::with_seed(11);
        let mut b = Backoff::new(ms(1000), ms(4000));
        let start = tokio::time::Instant::now();
        let mut total = Duration::ZERO;
        for _ in 0..5 {
            let d = b.next_delay(&mut rng);
            total += d;
            tokio::time::sleep(d).await;
        }
        assert_eq!(start.elapsed(), total);
        // Ceilings 1, 2, 4, 4, 4 s: at least half of 15 s, at most 15 s.
        assert!(total >= ms(7500) && total <= ms(15_000), "{total:?}");
    }
}
