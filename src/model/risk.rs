//! How much a queue needs a supervisor now: the default sort, and the
//! header's totals over all queues.

use std::cmp::Ordering;
use std::time::Duration;

use tokio::time::Instant;

use crate::model::{AppState, QueueView, Severity};

/// A queue's risk, compared in this order: tier, then callers waiting ×
/// longest wait, then the service level's shortfall, then warnings. A
/// warning (a short skill, say) never outranks callers waiting: it only
/// breaks ties between queues that are otherwise alike.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Risk {
    /// 2: a critical alert; 1: stale (its figures cannot be trusted, which
    /// outranks whatever lesser alerts it has); 0: neither.
    pub tier: u8,
    /// Callers waiting × longest wait in seconds. A wait the feed does not
    /// time counts as one second, so two callers waiting always outrank
    /// nobody waiting.
    pub pressure: f64,
    /// Service level points under the queue's own target (its goal, else
    /// `alerts.service_level_pct`; 0 at or over it, or with no service
    /// level yet).
    pub sl_gap: f64,
    /// Warnings raised on the queue.
    pub warnings: usize,
}

impl Risk {
    /// `Greater` when `self` is more at risk than `other`.
    pub fn urgency(&self, other: &Risk) -> Ordering {
        let by = |a: f64, b: f64| a.partial_cmp(&b).unwrap_or(Ordering::Equal);
        self.tier
            .cmp(&other.tier)
            .then_with(|| by(self.pressure, other.pressure))
            .then_with(|| by(self.sl_gap, other.sl_gap))
            .then_with(|| self.warnings.cmp(&other.warnings))
    }
}

impl QueueView {
    pub fn risk(&self, state: &AppState, now: Instant) -> Risk {
        let mut critical = false;
        let mut warnings = 0;
        for kind in state.alerts.active_kinds(&self.id) {
            match kind.severity() {
                Severity::Critical => critical = true,
                Severity::Warning => warnings += 1,
                Severity::Info => {}
            }
        }
        let tier = if critical { 2 } else { u8::from(self.stale) };
        let waiting = self.waiting_count();
        let longest = self.longest_wait(now).unwrap_or(Duration::ZERO);
        let pressure = if waiting == 0 {
            0.0
        } else {
            f64::from(waiting) * longest.as_secs_f64().max(1.0)
        };
        let target = self.service_level_target();
        let sl_gap = self
            .service_level()
            .map_or(0.0, |level| (target - level).max(0.0));
        Risk {
            tier,
            pressure: if pressure.is_finite() { pressure } else { 0.0 },
            sl_gap: if sl_gap.is_finite() { sl_gap } else { 0.0 },
            warnings,
        }
    }
}

/// Figures over every queue, for the header.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Totals {
    pub waiting: u64,
    /// The longest wait anywhere.
    pub oldest: Option<Duration>,
    /// Queues with an active alert.
    pub in_alert: usize,
    /// The lowest interval service level reported.
    pub worst_sl: Option<f64>,
}

impl AppState {
    /// O(queues + waiting): for drawing, not per event.
    pub fn totals(&self, now: Instant) -> Totals {
        let mut totals = Totals::default();
        for queue in &self.queues {
            totals.waiting += u64::from(queue.waiting_count());
            totals.oldest = totals.oldest.max(queue.longest_wait(now));
            totals.in_alert += usize::from(queue.active_alerts > 0);
            if let Some(level) = queue.service_level() {
                totals.worst_sl =
                    Some(totals.worst_sl.map_or(level, |worst: f64| worst.min(level)));
            }
        }
        totals
    }
}
