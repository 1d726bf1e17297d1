//! AppState and the pure reducer `apply`: no I/O, and time only from the
//! events themselves and from `tick`.

use std::collections::HashMap;

use time::OffsetDateTime;
use tokio::time::Instant;

use crate::config::{AlertConfig, Config, QueueConfig};
use crate::event::{ConnState, FeedEvent, FeedStatus, QueueEvent};
pub use crate::model::feed_stats::FeedStats;
pub use alerting::SNOOZE;
use alerting::delays;

#[path = "state_alerts.rs"]
mod alerting;
#[path = "state_feed.rs"]
mod messages;
#[path = "state_stale.rs"]
mod staleness;
use crate::model::{AlertKind, Alerts, QueueView};

/// Everything the screen and the export read.
#[derive(Debug, Clone)]
pub struct AppState {
    /// In configured order.
    pub queues: Vec<QueueView>,
    pub feed: FeedStats,
    pub alerts: Alerts,
    /// Alert thresholds from the config.
    pub limits: AlertConfig,
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
    /// Lists the configured queues up front, with no summary yet.
    pub fn new(cfg: &Config) -> Self {
        let mut st = AppState::with_queues(&cfg.queues, cfg.alerts);
        for q in &mut st.queues {
            let own = cfg
                .queue_alerts
                .get(&q.id)
                .or_else(|| cfg.queue_alerts.get(&q.name));
            if let Some(own) = own {
                q.limits = own.over(cfg.alerts);
            }
            let target = cfg.queue_targets.get(&q.id);
            q.target_override = target
                .or_else(|| cfg.queue_targets.get(&q.name))
                .copied()
                .unwrap_or_default();
        }
        st
    }

    pub fn with_queues(queues: &[QueueConfig], limits: AlertConfig) -> Self {
        let mut st = AppState {
            queues: Vec::with_capacity(queues.len()),
            feed: FeedStats::default(),
            alerts: Alerts::with_delays(delays(&limits)),
            limits,
            index: HashMap::new(),
            started: None,
            wall: OffsetDateTime::UNIX_EPOCH,
            now: None,
        };
        for q in queues {
            let id = q.id.as_deref().unwrap_or("");
            if !id.is_empty() && st.index.contains_key(id) {
                continue;
            }
            st.push_queue(QueueView::new(id, q.name.as_deref(), true));
        }
        st
    }

    fn push_queue(&mut self, mut view: QueueView) -> usize {
        // An alert may name the queue before its view exists (a refused
        // subscription, then its first event).
        view.active_alerts = self.alerts.active_for(&view.id);
        view.limits = self.limits;
        let i = self.queues.len();
        if !view.id.is_empty() {
            self.index.insert(view.id.clone(), i);
        }
        self.queues.push(view);
        i
    }

    pub fn queue(&self, id: &str) -> Option<&QueueView> {
        let hit = self.index.get(id).and_then(|&i| self.queues.get(i));
        match hit {
            Some(q) if q.id == id => Some(q),
            // `queues` is public: a list set from outside (test fixtures)
            // is not indexed, so a miss is checked the slow way.
            _ => self.queues.iter().find(|q| q.id == id),
        }
    }

    /// Adds a queue view (indexed by id), e.g. for fixtures.
    pub fn add_queue(&mut self, view: QueueView) {
        self.push_queue(view);
    }

    fn queue_or_insert(&mut self, id: &str) -> usize {
        if let Some(&i) = self.index.get(id)
            && self.queues.get(i).is_some_and(|q| q.id == id)
        {
            return i;
        }
        // `queues` was replaced from outside: rebuild the index once.
        if self.index.len() != self.queues.iter().filter(|q| !q.id.is_empty()).count()
            || self.index.contains_key(id)
        {
            self.index = self
                .queues
                .iter()
                .enumerate()
                .filter(|(_, q)| !q.id.is_empty())
                .map(|(i, q)| (q.id.clone(), i))
                .collect();
            if let Some(&i) = self.index.get(id) {
                return i;
            }
        }
        self.push_queue(QueueView::new(id, None, false))
    }

    /// Applies one feed event. True when anything visible changed.
    pub fn apply(&mut self, ev: &FeedEvent) -> bool {
        match ev {
            FeedEvent::Queue(q) => self.apply_queue_event(q),
            FeedEvent::Status(s) => self.apply_status(s),
            other => {
                self.heard(None);
                self.apply_message(other)
            }
        }
    }

    fn apply_queue_event(&mut self, ev: &QueueEvent) -> bool {
        self.heard(Some(ev.received));
        // No queue to put it on: an empty id would add a new nameless
        // queue per message (empty ids are never indexed), or land on the
        // queue configured by name that still waits for its id.
        if ev.kind.queue_id().is_empty() {
            self.feed.malformed += 1;
            self.feed.last_malformed = Some(format!(
                "{} without a queue id: dropped",
                ev.kind.type_name()
            ));
        } else {
            self.apply_queue(ev);
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

    fn apply_status(&mut self, s: &FeedStatus) -> bool {
        if self.feed.status == *s {
            return false;
        }
        // A new attempt re-reports refusals, so the old ones end here; while
        // waiting to retry (or stopped) they stay up, they are the reason.
        if s.state == ConnState::Connecting && self.feed.status.state != ConnState::Connecting {
            let wall = self.wall;
            let cleared = self.alerts.clear_all_where(
                |k| {
                    matches!(
                        k,
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
        if s.state == ConnState::Connected && self.feed.status.state != ConnState::Connected {
            // A new connection is the feed speaking: silence counts anew.
            self.heard(None);
            self.feed.rate = Default::default();
            self.feed.latency = Default::default();
            self.set_alert(None, AlertKind::Latency, false, String::new);
        }
        self.feed.status = s.clone();
        self.feed_down_condition();
        true
    }

    fn apply_name(&mut self, queue_id: &str, name: &str) -> bool {
        if queue_id.is_empty() {
            // As for queue events: no id, nothing to name.
            self.feed.malformed += 1;
            self.feed.last_malformed = Some(format!("queue name {name:?} without a queue id"));
            return true;
        }
        let i = match self.index.get(queue_id) {
            Some(&i) => i,
            None => {
                // A queue configured by name only: the server resolved its id.
                let unresolved = self
                    .queues
                    .iter()
                    .position(|q| q.id.is_empty() && q.name == name);
                match unresolved {
                    Some(i) => {
                        self.resolve(i, queue_id);
                        return true;
                    }
                    None => self.push_queue(QueueView::new(queue_id, None, false)),
                }
            }
        };
        let q = &mut self.queues[i];
        if q.name_from_config || q.name == name {
            return false;
        }
        q.name = name.to_string();
        true
    }

    /// Gives the name-only queue `i` its id. Its stale alert was raised
    /// under the empty id: it moves to the real one, or nothing would ever
    /// clear it.
    fn resolve(&mut self, i: usize, queue_id: &str) {
        self.queues[i].id = queue_id.to_string();
        self.index.insert(queue_id.to_string(), i);
        self.queues[i].active_alerts = self.alerts.active_for(queue_id);
        if !self.queues[i].stale {
            return;
        }
        let wall = self.wall;
        let still_stale = self.queues.iter().any(|q| q.id.is_empty() && q.stale);
        if !still_stale && self.alerts.clear(Some(""), &AlertKind::Stale, wall) {
            for q in self.queues.iter_mut().filter(|q| q.id.is_empty()) {
                q.active_alerts = self.alerts.active_for("");
            }
        }
        if let Some(now) = self.now {
            self.judge_stale(i, now);
        }
    }

    fn apply_queue(&mut self, ev: &QueueEvent) {
        let now = ev.received;
        self.wall = ev.received_wall;
        self.now = Some(now);
        self.started.get_or_insert(now);
        let i = self.queue_or_insert(ev.kind.queue_id());

        if !ev.snapshot {
            self.feed.events_processed += 1;
            self.feed.rate.record(now);
            self.feed.last_event = Some(now);
            if let Some(ms) = ev.latency_ms() {
                if ms < 0 {
                    self.feed.clock_skew += 1;
                }
                let ms = ms.max(0);
                self.feed.latency.record(ms);
                let slot = self.slot(now);
                self.queues[i]
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

        let q = &mut self.queues[i];
        q.last_update = Some(now);
        q.events += 1;
        if q.stale {
            self.judge_stale(i, now);
        }
        crate::model::apply::queue_event(self, i, ev);
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
