//! The model's alerts: raising and clearing them from the conditions it
//! sees, the time-driven ones on each tick, and the supervisor's
//! acknowledge and snooze.

use std::time::Duration;

use time::OffsetDateTime;
use tokio::time::Instant;

use super::AppState;
use crate::event::ConnState;
use crate::model::Limits;
use crate::model::{AlertKind, QueueView};

/// How long `z` snoozes an alert.
pub const SNOOZE: time::Duration = time::Duration::minutes(15);

impl AppState {
    /// The feed being down is an alert of its own, from the first failed
    /// attempt (or the first retry) until it is connected again.
    pub(super) fn feed_down_condition(&mut self) {
        let down = self.feed_down();
        let why = self.feed.status.last_error.clone();
        self.set_alert(None, AlertKind::FeedDown, down, || match why {
            Some(error) => format!("feed down: {error}"),
            None => "feed down".to_string(),
        });
    }

    /// From the first failed attempt (or the first retry) until connected
    /// again; the very first connection is not an outage.
    pub(super) fn feed_down(&self) -> bool {
        let status = &self.feed.status;
        match &status.state {
            ConnState::Reconnecting { .. } | ConnState::Stopped { .. } => true,
            ConnState::Connecting => status.connects > 0,
            ConnState::Connected | ConnState::Closed => false,
        }
    }

    /// Raises or clears one alert of queue `index`, keeping its count right.
    /// Borrows rather than clones the id: this runs on every event.
    pub(crate) fn set_queue_alert(
        &mut self,
        index: usize,
        kind: AlertKind,
        on: bool,
        message: impl FnOnce(&QueueView) -> String,
    ) -> bool {
        let (wall, Some(now)) = (self.wall, self.now) else {
            return false;
        };
        let queue = &mut self.queues[index];
        let view: &QueueView = queue;
        if self
            .alerts
            .set(Some(&view.id), kind, on, || message(view), now, wall)
        {
            queue.active_alerts = self.alerts.active_for(&queue.id);
            return true;
        }
        false
    }

    /// Raises or clears one alert, keeping the per-queue counts right.
    pub(crate) fn set_alert(
        &mut self,
        queue_id: Option<&str>,
        kind: AlertKind,
        on: bool,
        message: impl FnOnce() -> String,
    ) {
        let (wall, Some(now)) = (self.wall, self.now) else {
            return;
        };
        if self.alerts.set(queue_id, kind, on, message, now, wall) {
            self.recount_queue(queue_id);
        }
    }

    pub(super) fn raise(&mut self, queue_id: Option<&str>, kind: AlertKind, msg: String) {
        let wall = self.wall;
        if self.alerts.raise(queue_id, kind, msg, wall) {
            self.recount_queue(queue_id);
        }
    }

    pub(super) fn recount_queue(&mut self, queue_id: Option<&str>) {
        if let Some(id) = queue_id
            && let Some(&index) = self.index.get(id)
        {
            self.queues[index].active_alerts = self.alerts.active_for(id);
        }
    }

    pub(super) fn recount_alerts(&mut self) {
        for queue in &mut self.queues {
            queue.active_alerts = self.alerts.active_for(&queue.id);
        }
    }

    /// Time-driven changes: alerts whose delays ran out, histories, the
    /// longest wait, staleness. True when anything changed.
    pub fn tick(&mut self, now: Instant, wall: OffsetDateTime) -> bool {
        self.wall = wall;
        self.now = Some(now);
        self.started.get_or_insert(now);
        let mut changed = false;
        self.feed_down_condition();
        for queue_id in self.alerts.tick(now) {
            changed = true;
            self.recount_queue(queue_id.as_deref());
        }
        // Histories move on while the feed is live; while it is down their
        // buckets stay gaps.
        let live = self.feed.is_live();
        let slot = self.slot(now);
        for index in 0..self.queues.len() {
            let queue = &mut self.queues[index];
            if live && queue.summary.is_some() {
                queue.utilization_history.carry(slot);
                queue.waiting_history.carry(slot);
                queue.service_level_history.carry(slot);
                let longest = queue.longest_wait(now).unwrap_or_default().as_secs();
                queue.longest_history.record(slot, longest);
            }
            let queue = &self.queues[index];
            let limit = queue.limits.longest_wait_s;
            if limit == 0 || (queue.waiting.is_empty() && queue.oldest_waiting.is_none()) {
                // Nothing can be over the limit; a raised alert still
                // needs its condition to end.
                if self
                    .alerts
                    .is_active(Some(&queue.id), &AlertKind::LongestWait)
                {
                    changed |= self
                        .set_queue_alert(index, AlertKind::LongestWait, false, |_| String::new());
                }
                continue;
            }
            let longest = queue.longest_wait(now).unwrap_or_default();
            let over = longest.as_secs() >= limit;
            changed |= self.set_queue_alert(index, AlertKind::LongestWait, over, |queue| {
                format!(
                    "{}: longest wait {} s >= {limit} s",
                    queue.name,
                    longest.as_secs()
                )
            });
        }
        changed |= self.judge_staleness(now);
        changed
    }

    /// Acknowledges (or snoozes for `SNOOZE`) the alert that is the
    /// `index`-th of the list on screen: the paused copy's when paused, else
    /// this one's. True when it changed.
    pub fn alert_action(
        &mut self,
        paused: Option<&AppState>,
        index: usize,
        acknowledge: bool,
    ) -> bool {
        let list = &paused.unwrap_or(self).alerts.list;
        let Some(alert) = list.get(index) else {
            return false;
        };
        let (queue_id, kind) = (alert.queue_id.clone(), alert.kind.clone());
        if acknowledge {
            self.alerts.acknowledge(queue_id.as_deref(), &kind)
        } else {
            let until = self.wall + SNOOZE;
            self.alerts.snooze(queue_id.as_deref(), &kind, until)
        }
    }
}

/// The alert delays the limits ask for.
pub(super) fn delays(limits: &Limits) -> crate::model::Delays {
    crate::model::Delays {
        raise: Duration::from_secs(limits.raise_delay_s),
        clear: Duration::from_secs(limits.clear_delay_s),
    }
}
