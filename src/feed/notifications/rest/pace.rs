//! How fast REST calls may go: the rate budget the server reports in
//! `inin-ratelimit-*` (300 calls a minute per client-credentials token by
//! default), and the waits before retrying a transient failure.
//!
//! Start-up runs several calls at once, so the budget is one gate shared
//! by all of them: while plenty is left nothing waits; once most of it is
//! spent, the calls that remain are spread over what is left of the
//! window, so the budget lasts until it resets instead of ending in 429s.

use std::sync::Mutex;
use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::time::Instant;

/// The share of the budget spent after which calls are spaced out.
const SLOW_FROM: f64 = 0.8;
/// The longest a Retry-After or a spacing may make one call wait: a server
/// asking for more is treated as asking for this.
pub const MAX_PAUSE: Duration = Duration::from_secs(300);

/// Tries of one call that meets a 502, 503, 504 or a timeout.
pub const TRANSIENT_TRIES: u32 = 4;
/// The first wait before retrying a transient failure; doubled each time.
const TRANSIENT_BASE: Duration = Duration::from_millis(500);

/// What the last answer said about the budget.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    pub count: f64,
    pub allowed: f64,
    /// Seconds until the window resets.
    pub reset: f64,
}

impl Budget {
    pub fn from_headers(headers: &HeaderMap) -> Option<Budget> {
        let num = |k: &str| headers.get(k)?.to_str().ok()?.trim().parse::<f64>().ok();
        let b = Budget {
            count: num("inin-ratelimit-count")?,
            allowed: num("inin-ratelimit-allowed")?,
            reset: num("inin-ratelimit-reset").unwrap_or(1.0),
        };
        // NaN and infinities would make nonsense waits: ignore the answer.
        (b.count.is_finite() && b.allowed.is_finite() && b.reset.is_finite() && b.allowed > 0.0)
            .then_some(b)
    }

    /// The gap to leave between calls from now on: none while most of the
    /// budget is left; the rest of the window shared by the calls left,
    /// once it is nearly spent; the whole rest of the window when it is.
    pub fn spacing(&self) -> Duration {
        if self.count / self.allowed < SLOW_FROM {
            return Duration::ZERO;
        }
        let reset = self.reset.clamp(0.0, MAX_PAUSE.as_secs_f64());
        let left = (self.allowed - self.count).max(0.0);
        if left < 1.0 {
            return Duration::from_secs_f64(reset);
        }
        Duration::from_secs_f64(reset / left)
    }
}

/// The shared gate: when the next call may go.
#[derive(Debug, Default)]
pub struct Gate {
    state: Mutex<GateState>,
}

#[derive(Debug, Default)]
struct GateState {
    /// The earliest start of the next call.
    next: Option<Instant>,
    spacing: Duration,
}

impl Gate {
    /// Takes the next slot; the caller waits until the returned instant.
    pub fn slot(&self) -> Option<Instant> {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if s.spacing.is_zero() {
            return None;
        }
        let now = Instant::now();
        let at = s.next.map_or(now, |n| n.max(now));
        s.next = Some(at + s.spacing);
        (at > now).then_some(at)
    }

    /// Learns from an answer's headers.
    pub fn learn(&self, budget: Budget) {
        let spacing = budget.spacing();
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if spacing.is_zero() {
            s.next = None;
        } else if s.spacing.is_zero() {
            s.next = Some(Instant::now() + spacing);
        }
        s.spacing = spacing;
    }
}

/// The wait before try `tried + 1` of a call that failed transiently:
/// doubling from `TRANSIENT_BASE`, with jitter (½ to 1½ times) so calls
/// that failed together do not come back together.
pub fn transient_wait(tried: u32, rng: &mut fastrand::Rng) -> Duration {
    let base = TRANSIENT_BASE.saturating_mul(1 << tried.saturating_sub(1).min(6));
    base.mul_f64(0.5 + rng.f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(count: f64, allowed: f64, reset: f64) -> Budget {
        Budget {
            count,
            allowed,
            reset,
        }
    }

    #[test]
    fn plenty_left_means_no_spacing() {
        assert_eq!(budget(10.0, 300.0, 60.0).spacing(), Duration::ZERO);
        assert_eq!(budget(239.0, 300.0, 60.0).spacing(), Duration::ZERO);
    }

    #[test]
    fn a_nearly_spent_budget_spreads_the_rest_over_the_window() {
        assert_eq!(budget(280.0, 300.0, 40.0).spacing(), Duration::from_secs(2));
        assert_eq!(
            budget(300.0, 300.0, 40.0).spacing(),
            Duration::from_secs(40)
        );
        assert_eq!(budget(900.0, 300.0, 1e9).spacing(), MAX_PAUSE);
    }

    #[test]
    fn transient_waits_grow_and_stay_within_the_jitter() {
        let mut rng = fastrand::Rng::with_seed(7);
        for tried in 1..TRANSIENT_TRIES {
            let base = TRANSIENT_BASE * (1 << (tried - 1));
            let w = transient_wait(tried, &mut rng);
            assert!(w >= base / 2 && w <= base * 3 / 2, "{tried}: {w:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_gate_hands_out_spaced_slots_to_concurrent_callers() {
        let gate = Gate::default();
        assert_eq!(gate.slot(), None, "no budget known: go");
        gate.learn(budget(290.0, 300.0, 10.0));
        let t0 = Instant::now();
        let a = gate.slot().unwrap_or(t0);
        let b = gate.slot().unwrap_or(t0);
        assert_eq!(b - a, Duration::from_secs(1));
        gate.learn(budget(1.0, 300.0, 60.0));
        assert_eq!(gate.slot(), None, "a new window: go at once");
    }
}
