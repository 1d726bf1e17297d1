//! How much a queue needs a supervisor now: the default sort, and the
//! header's totals over all queues.

use std::time::Duration;

use tokio::time::Instant;

use crate::model::{AppState, QueueView, Severity};

/// A queue's risk: compared by tier first, then by score.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Risk {
    /// 3: a critical alert; 2: stale (its figures cannot be trusted, which
    /// outranks its lesser alerts); 1: a warning; 0: nothing raised.
    pub tier: u8,
    /// Callers waiting × longest wait in seconds, plus the service level's
    /// shortfall against its target (points × 100).
    pub score: f64,
}

impl QueueView {
    pub fn risk(&self, state: &AppState, now: Instant) -> Risk {
        let worst = state
            .alerts
            .active_kinds(&self.id)
            .map(|k| k.severity())
            .min();
        let tier = match worst {
            Some(Severity::Critical) => 3,
            _ if self.stale => 2,
            Some(Severity::Warning) => 1,
            _ => 0,
        };
        let longest = self.longest_wait(now).unwrap_or(Duration::ZERO);
        let mut score = f64::from(self.waiting_count()) * longest.as_secs_f64();
        if let Some(sl) = self.service_level() {
            score += (self.limits.service_level_pct - sl).max(0.0) * 100.0;
        }
        Risk { tier, score }
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
        let mut t = Totals::default();
        for q in &self.queues {
            t.waiting += u64::from(q.waiting_count());
            t.oldest = t.oldest.max(q.longest_wait(now));
            t.in_alert += usize::from(q.active_alerts > 0);
            if let Some(sl) = q.service_level() {
                t.worst_sl = Some(t.worst_sl.map_or(sl, |w: f64| w.min(sl)));
            }
        }
        t
    }
}
