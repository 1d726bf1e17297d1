//! Staleness: when a queue's figures cannot be trusted. It judges the
//! feed, not the figures: a quiet queue on a live feed is as fresh as a
//! busy one, because the feed would have told of any change.

use std::time::Duration;

use tokio::time::Instant;

use super::AppState;
use crate::model::AlertKind;

/// Why a queue is stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Staleness {
    /// The feed is down (the feed-down alert says so once for every queue).
    FeedDown,
    /// The server refused the queue's subscription (topic or request).
    Refused,
    /// Nothing at all, heartbeats included, came for `stale_after_s`.
    Silent,
}

impl Staleness {
    /// A stale alert of its own for the queue; the feed being down is
    /// one alert already, not one more per queue.
    fn alerts(self) -> bool {
        self != Staleness::FeedDown
    }

    fn message(self, name: &str, limit: u64) -> String {
        match self {
            Staleness::FeedDown => format!("{name}: the feed is down"),
            Staleness::Refused => format!("{name}: its subscription was refused"),
            Staleness::Silent => format!("{name}: nothing from the feed for {limit} s"),
        }
    }
}

impl AppState {
    /// Why queue `index` is stale now, if it is (`stale_after_s` 0 turns
    /// staleness off): the feed is down, the queue's subscription was
    /// refused, or the feed said nothing at all for `stale_after_s`.
    pub(super) fn staleness(&self, index: usize, now: Instant) -> Option<Staleness> {
        let limit = self.limits.stale_after_s;
        if limit == 0 {
            return None;
        }
        if self.feed_down() {
            return Some(Staleness::FeedDown);
        }
        let refused = self.alerts.active_kinds(&self.queues[index].id).any(|k| {
            matches!(
                k,
                AlertKind::TopicRejected { .. } | AlertKind::ServerError { .. }
            )
        });
        if refused {
            return Some(Staleness::Refused);
        }
        let heard = self.feed.last_heard.or(self.started)?;
        let silent = now.saturating_duration_since(heard) >= Duration::from_secs(limit);
        silent.then_some(Staleness::Silent)
    }

    /// Marks queue `index` stale or fresh as `staleness` says, with its
    /// alert. True when anything changed.
    pub(super) fn judge_stale(&mut self, index: usize, now: Instant) -> bool {
        let cause = self.staleness(index, now);
        let queue = &mut self.queues[index];
        let mut changed = false;
        if queue.stale != cause.is_some() {
            queue.stale = cause.is_some();
            changed = true;
        }
        let alert = cause.is_some_and(Staleness::alerts);
        if alert != self.alerts.is_active(Some(&queue.id), &AlertKind::Stale) {
            let limit = self.limits.stale_after_s;
            changed |= self.set_queue_alert(index, AlertKind::Stale, alert, |queue| {
                cause.map_or_else(String::new, |c| c.message(&queue.name, limit))
            });
        }
        changed
    }

    /// Judges every queue; on each tick. True when anything changed.
    pub(super) fn judge_staleness(&mut self, now: Instant) -> bool {
        let mut changed = false;
        for index in 0..self.queues.len() {
            changed |= self.judge_stale(index, now);
        }
        changed
    }
}
