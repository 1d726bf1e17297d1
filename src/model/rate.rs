//! Delivery rate: events per second over the last 60 s, O(1) per event.
//!
//! Events are counted in per-second buckets (seconds since the first
//! event) kept in a ring of 60. The rate sums the buckets of the current
//! second and the 59 before it and divides by 60 s, or, while fewer than
//! 60 s have passed since the first event, sums all of them and divides by
//! the time since the first event (at least 1 s). Accuracy: the 60 s window
//! is whole seconds, so past the first minute it covers between 59 and 60 s
//! of events; the result is never off by more than one bucket's share.

use tokio::time::Instant;

const SECONDS: usize = 60;

#[derive(Debug, Clone)]
pub struct RateWindow {
    first: Option<Instant>,
    /// (second since `first`, events in that second).
    buckets: [(u64, u32); SECONDS],
}

impl Default for RateWindow {
    fn default() -> Self {
        RateWindow {
            first: None,
            buckets: [(0, 0); SECONDS],
        }
    }
}

impl RateWindow {
    pub fn record(&mut self, now: Instant) {
        let first = *self.first.get_or_insert(now);
        let sec = now.saturating_duration_since(first).as_secs();
        let b = &mut self.buckets[(sec % SECONDS as u64) as usize];
        if b.0 != sec {
            *b = (sec, 0);
        }
        b.1 = b.1.saturating_add(1);
    }

    /// Events per second over the last 60 s (see the module doc).
    pub fn rate(&self, now: Instant) -> f64 {
        let Some(first) = self.first else {
            return 0.0;
        };
        let elapsed = now.saturating_duration_since(first);
        let now_sec = elapsed.as_secs();
        let lowest = now_sec.saturating_sub(SECONDS as u64 - 1);
        let count: u64 = self
            .buckets
            .iter()
            .filter(|(s, _)| *s >= lowest && *s <= now_sec)
            .map(|(_, c)| u64::from(*c))
            .sum();
        let span = elapsed.as_secs_f64().clamp(1.0, SECONDS as f64);
        count as f64 / span
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn under_60_s_divides_by_time_since_first_at_least_1_s() {
        let mut r = RateWindow::default();
        let t0 = Instant::now();
        assert_eq!(r.rate(t0), 0.0);
        r.record(t0);
        assert_eq!(r.rate(Instant::now()), 1.0);
        for _ in 0..9 {
            tokio::time::advance(Duration::from_millis(500)).await;
            r.record(Instant::now());
        }
        // 10 events over 4.5 s.
        let rate = r.rate(Instant::now());
        assert!((rate - 10.0 / 4.5).abs() < 1e-9, "{rate}");
    }

    #[tokio::test(start_paused = true)]
    async fn over_60_s_counts_only_the_last_60_s() {
        let mut r = RateWindow::default();
        // 5 per second for the first 60 s, then 1 per second for 100 s.
        for _ in 0..60 {
            for _ in 0..5 {
                r.record(Instant::now());
            }
            tokio::time::advance(Duration::from_secs(1)).await;
        }
        for _ in 0..100 {
            r.record(Instant::now());
            tokio::time::advance(Duration::from_secs(1)).await;
        }
        let rate = r.rate(Instant::now());
        // The current second holds no event yet: 59 of the last 60 do.
        assert!((rate - 59.0 / 60.0).abs() < 1e-9, "{rate}");
        // Silence for two minutes: the rate falls to zero.
        tokio::time::advance(Duration::from_secs(120)).await;
        assert_eq!(r.rate(Instant::now()), 0.0);
    }
}
