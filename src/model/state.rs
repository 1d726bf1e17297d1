//! AppState and the pure reducer `apply`: no I/O, and time only from the
//! events themselves and from `tick`.

use std::collections::HashMap;

use time::OffsetDateTime;
use tokio::time::Instant;

use crate::event::{ConnState, FeedEvent, FeedStatus, QueueEvent};
pub use crate::model::feed_stats::FeedStats;
pub use alerting::SNOOZE;
use alerting::delays;

#[path = "state_alerts.rs"]
mod alerting;
#[path = "state_feed.rs"]
mod messages;
#[path = "state_parts.rs"]
mod parts;
#[path = "state_stale.rs"]
mod staleness;
use crate::model::{AlertKind, Alerts, Limits, QueueSeed, QueueView};
pub use parts::StateParts;

/// Everything the screen and the export read.
#[derive(Debug, Clone)]
pub struct AppState {
    /// In configured order.
    pub(super) queues: Vec<QueueView>,
    pub(super) feed: FeedStats,
    pub(super) alerts: Alerts,
    /// Alert thresholds of every queue without its own.
    pub(super) limits: Limits,
    /// Queue id -> position in `queues`.
    index: HashMap<String, usize>,
    /// First time seen (tick or event): the feed's silence counts from
    /// here until it first says something.
    started: Option<Instant>,
    /// Latest wall time known (from events and ticks): the time stamped on
    /// alerts raised by messages that carry none.
    wall: OffsetDateTime,
    /// Latest monotonic time known (from events and ticks): when a
    /// condition reported by a message without one began.
    now: Option<Instant>,
}

impl AppState {
    /// Lists the seeded queues up front, with no summary yet; a queue
    /// listed twice is listed once.
    pub fn new(queues: &[QueueSeed], limits: Limits) -> Self {
        let mut state = AppState {
            queues: Vec::with_capacity(queues.len()),
            feed: FeedStats::default(),
            alerts: Alerts::with_delays(delays(&limits)),
            limits,
            index: HashMap::new(),
            started: None,
            wall: OffsetDateTime::UNIX_EPOCH,
            now: None,
        };
        for seed in queues {
            let id = seed.id.as_deref().unwrap_or("");
            if !id.is_empty() && state.index.contains_key(id) {
                continue;
            }
            let mut view = QueueView::new(id, seed.name.as_deref(), true);
            view.target_override = seed.goal;
            let position = state.push_queue(view);
            if let (Some(own), Some(view)) = (seed.limits, state.queues.get_mut(position)) {
                view.limits = own;
            }
        }
        state
    }

    fn push_queue(&mut self, mut view: QueueView) -> usize {
        // An alert may name the queue before its view exists (a refused
        // subscription, then its first event).
        view.active_alerts = self.alerts.active_for(&view.id);
        view.limits = self.limits;
        let index = self.queues.len();
        if !view.id.is_empty() {
            self.index.insert(view.id.clone(), index);
        }
        self.queues.push(view);
        index
    }

    pub fn queue(&self, id: &str) -> Option<&QueueView> {
        self.index.get(id).and_then(|&index| self.queues.get(index))
    }

    /// The queues, in configured order (then as first reported).
    pub fn queues(&self) -> &[QueueView] {
        &self.queues
    }

    /// The feed's state and figures.
    pub fn feed(&self) -> &FeedStats {
        &self.feed
    }

    /// The alert list.
    pub fn alerts(&self) -> &Alerts {
        &self.alerts
    }

    /// Alert thresholds of every queue without its own.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The alerts raised and cleared since the last call, for the log and
    /// the alert history.
    pub fn take_alert_transitions(&mut self) -> Vec<crate::model::AlertTransition> {
        self.alerts.take_transitions()
    }

    /// Alerts from before a restart (the alert history), into the list.
    pub fn restore_alerts(&mut self, old: impl IntoIterator<Item = crate::model::Alert>) {
        self.alerts.restore(old);
    }

    /// An information alert: something the user should know that is no
    /// condition of a queue or the feed.
    pub fn inform(
        &mut self,
        queue_id: Option<&str>,
        kind: AlertKind,
        message: String,
        wall: OffsetDateTime,
    ) {
        self.alerts.inform(queue_id, kind, message, wall);
    }

    /// Adds a queue view (indexed by id), e.g. for fixtures.
    pub fn add_queue(&mut self, view: QueueView) {
        self.push_queue(view);
    }

    fn queue_or_insert(&mut self, id: &str) -> usize {
        match self.index.get(id) {
            Some(&index) => index,
            None => self.push_queue(QueueView::new(id, None, false)),
        }
    }

    /// Applies one feed event. True when anything visible changed.
    pub fn apply(&mut self, event: &FeedEvent) -> bool {
        match event {
            FeedEvent::Queue(queue_event) => self.apply_queue_event(queue_event),
            FeedEvent::Status(status) => self.apply_status(status),
            other => {
                self.heard(None);
                self.apply_message(other)
            }
        }
    }

    fn apply_queue_event(&mut self, event: &QueueEvent) -> bool {
        self.heard(Some(event.received));
        // No queue to put it on: an empty id would add a new nameless
        // queue per message (empty ids are never indexed), or land on the
        // queue configured by name that still waits for its id.
        if event.kind.queue_id().is_empty() {
            self.feed.malformed += 1;
            self.feed.last_malformed = Some(format!(
                "{} without a queue id: dropped",
                event.kind.type_name()
            ));
        } else {
            self.apply_queue(event);
        }
        true
    }

    /// The feed said something (a message of any kind, heartbeats
    /// included), `at` or, for messages that carry no receipt time, at
    /// the latest time the model knows: it is live.
    fn heard(&mut self, at: Option<Instant>) {
        if let Some(at) = at.or(self.now) {
            self.feed.last_heard = Some(at);
        }
    }

    fn apply_status(&mut self, status: &FeedStatus) -> bool {
        if self.feed.status == *status {
            return false;
        }
        // A new attempt re-reports refusals, so the old ones end here; while
        // waiting to retry (or stopped) they stay up, they are the reason.
        if status.state == ConnState::Connecting && self.feed.status.state != ConnState::Connecting
        {
            let wall = self.wall;
            let cleared = self.alerts.clear_all_where(
                |kind| {
                    matches!(
                        kind,
                        AlertKind::ServerError { .. } | AlertKind::TopicRejected { .. }
                    )
                },
                wall,
            );
            if cleared {
                self.recount_alerts();
            }
        }
        // Figures from before an outage would flatter the new connection:
        // rate and latency start again from its first event.
        if status.state == ConnState::Connected && self.feed.status.state != ConnState::Connected {
            // A new connection is the feed speaking: silence counts anew.
            self.heard(None);
            self.feed.rate = Default::default();
            self.feed.latency = Default::default();
            self.set_alert(None, AlertKind::Latency, false, String::new);
        }
        self.feed.status = status.clone();
        self.feed_down_condition();
        // Down or back: every queue's staleness follows at once.
        if let Some(now) = self.now {
            self.judge_staleness(now);
        }
        true
    }

    fn apply_name(&mut self, queue_id: &str, name: &str) -> bool {
        if queue_id.is_empty() {
            // As for queue events: no id, nothing to name.
            self.feed.malformed += 1;
            self.feed.last_malformed = Some(format!("queue name {name:?} without a queue id"));
            return true;
        }
        let index = match self.index.get(queue_id) {
            Some(&index) => index,
            None => {
                // A queue configured by name only: the server resolved its id.
                let unresolved = self
                    .queues
                    .iter()
                    .position(|queue| queue.id.is_empty() && queue.name == name);
                match unresolved {
                    Some(index) => {
                        self.resolve(index, queue_id);
                        return true;
                    }
                    None => self.push_queue(QueueView::new(queue_id, None, false)),
                }
            }
        };
        let queue = &mut self.queues[index];
        if queue.name_from_config || queue.name == name {
            return false;
        }
        queue.name = name.to_string();
        true
    }

    /// Gives the name-only queue `index` its id. Its stale alert was raised
    /// under the empty id: it moves to the real one, or nothing would ever
    /// clear it.
    fn resolve(&mut self, index: usize, queue_id: &str) {
        self.queues[index].id = queue_id.to_string();
        self.index.insert(queue_id.to_string(), index);
        self.queues[index].active_alerts = self.alerts.active_for(queue_id);
        if !self.queues[index].stale {
            return;
        }
        let wall = self.wall;
        let still_stale = self
            .queues
            .iter()
            .any(|queue| queue.id.is_empty() && queue.stale);
        if !still_stale && self.alerts.clear(Some(""), &AlertKind::Stale, wall) {
            for queue in self.queues.iter_mut().filter(|queue| queue.id.is_empty()) {
                queue.active_alerts = self.alerts.active_for("");
            }
        }
        if let Some(now) = self.now {
            self.judge_stale(index, now);
        }
    }

    fn apply_queue(&mut self, event: &QueueEvent) {
        let now = event.received;
        self.wall = event.received_wall;
        self.now = Some(now);
        self.started.get_or_insert(now);
        let index = self.queue_or_insert(event.kind.queue_id());

        if !event.snapshot {
            self.feed.events_processed += 1;
            self.feed.rate.record(now);
            self.feed.last_event = Some(now);
            if let Some(ms) = event.latency_ms() {
                if ms < 0 {
                    self.feed.clock_skew += 1;
                }
                let ms = ms.max(0);
                self.feed.latency.record(ms);
                let slot = self.slot(now);
                self.queues[index]
                    .latency_history
                    .record(slot, u64::try_from(ms).unwrap_or(0)); // ok: ms >= 0
                let p95 = self.feed.latency.p95().unwrap_or(0);
                let limit = self.limits.latency_ms;
                // 0 switches the alert off.
                let on = limit > 0 && p95 >= i64::try_from(limit).unwrap_or(i64::MAX);
                self.set_alert(None, AlertKind::Latency, on, || {
                    format!("latency p95 {p95} ms >= {limit} ms")
                });
            }
        } else {
            self.feed.snapshot_events += 1;
        }

        let queue = &mut self.queues[index];
        queue.last_update = Some(now);
        queue.events += 1;
        if queue.stale {
            self.judge_stale(index, now);
        }
        crate::model::apply::queue_event(self, index, event);
    }

    /// The history bucket `now` falls in: 30 s buckets since the model
    /// first saw time.
    pub(crate) fn slot(&self, now: Instant) -> u64 {
        let started = self.started.unwrap_or(now);
        now.saturating_duration_since(started).as_secs() / crate::model::history::BUCKET.as_secs()
    }

    /// The latest monotonic time known to the model.
    pub fn now(&self) -> Option<Instant> {
        self.now
    }

    /// The latest wall time known to the model.
    pub fn wall(&self) -> OffsetDateTime {
        self.wall
    }
}
