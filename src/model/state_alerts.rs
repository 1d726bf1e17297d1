//! The model's alerts: raising and clearing them from the conditions it
//! sees, the time-driven ones on each tick, and the supervisor's
//! acknowledge and snooze.

use std::time::Duration;

use time::OffsetDateTime;
use tokio::time::Instant;

use super::AppState;
use crate::config::AlertConfig;
use crate::event::ConnState;
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
            Some(e) => format!("feed down: {e}"),
            None => "feed down".to_string(),
        });
    }

    /// From the first failed attempt (or the first retry) until connected
    /// again; the very first connection is not an outage.
    pub(super) fn feed_down(&self) -> bool {
        let s = &self.feed.status;
        match &s.state {
            ConnState::Reconnecting { .. } | ConnState::Stopped { .. } => true,
            ConnState::Connecting => s.connects > 0,
            ConnState::Connected | ConnState::Closed => false,
        }
    }

    /// Raises or clears one alert of queue `i`, keeping its count right.
    /// Borrows rather than clones the id: this runs on every event.
    pub(crate) fn set_queue_alert(
        &mut self,
        i: usize,
        kind: AlertKind,
        on: bool,
        message: impl FnOnce(&QueueView) -> String,
    ) -> bool {
        let (wall, Some(now)) = (self.wall, self.now) else {
            return false;
        };
        let q = &mut self.queues[i];
        let view: &QueueView = q;
        if self
            .alerts
            .set(Some(&view.id), kind, on, || message(view), now, wall)
        {
            q.active_alerts = self.alerts.active_for(&q.id);
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
            && let Some(&i) = self.index.get(id)
        {
            self.queues[i].active_alerts = self.alerts.active_for(id);
        }
    }

    pub(super) fn recount_alerts(&mut self) {
        for q in &mut self.queues {
            q.active_alerts = self.alerts.active_for(&q.id);
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
        for q in self.alerts.tick(now) {
            changed = true;
            self.recount_queue(q.as_deref());
        }
        // Histories move on while the feed is live; while it is down their
        // buckets stay gaps.
        let live = self.feed.is_live();
        let slot = self.slot(now);
        for i in 0..self.queues.len() {
            let q = &mut self.queues[i];
            if live && q.summary.is_some() {
                q.utilization_history.carry(slot);
                q.waiting_history.carry(slot);
                q.service_level_history.carry(slot);
                let longest = q.longest_wait(now).unwrap_or_default().as_secs();
                q.longest_history.record(slot, longest);
            }
            let q = &self.queues[i];
            let limit = q.limits.longest_wait_s;
            if limit == 0 || (q.waiting.is_empty() && q.oldest_waiting.is_none()) {
                // Nothing can be over the limit; a raised alert still
                // needs its condition to end.
                if self.alerts.is_active(Some(&q.id), &AlertKind::LongestWait) {
                    changed |=
                        self.set_queue_alert(i, AlertKind::LongestWait, false, |_| String::new());
                }
                continue;
            }
            let longest = q.longest_wait(now).unwrap_or_default();
            let over = longest.as_secs() >= limit;
            changed |= self.set_queue_alert(i, AlertKind::LongestWait, over, |q| {
                format!(
                    "{}: longest wait {} s >= {limit} s",
                    q.name,
                    longest.as_secs()
                )
            });
        }
        changed |= self.judge_staleness(now);
        changed
    }

    /// Acknowledges (or snoozes for `SNOOZE`) the alert that is the
    /// `i`-th of the list on screen: the paused copy's when paused, else
    /// this one's. True when it changed.
    pub fn alert_action(&mut self, paused: Option<&AppState>, i: usize, acknowledge: bool) -> bool {
        let list = &paused.unwrap_or(self).alerts.list;
        let Some(a) = list.get(i) else {
            return false;
        };
        let (q, k) = (a.queue_id.clone(), a.kind.clone());
        if acknowledge {
            self.alerts.acknowledge(q.as_deref(), &k)
        } else {
            let until = self.wall + SNOOZE;
            self.alerts.snooze(q.as_deref(), &k, until)
        }
    }
}

/// The alert delays the config asks for.
pub(super) fn delays(limits: &AlertConfig) -> crate::model::Delays {
    crate::model::Delays {
        raise: Duration::from_secs(limits.raise_delay_s),
        clear: Duration::from_secs(limits.clear_delay_s),
    }
}
