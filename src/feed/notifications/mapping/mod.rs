//! Notifications API frames into domain events (docs/PROTOCOL.md,
//! "Notifications API").
//!
//! Observations arrive as partial updates: a metric absent from a message
//! keeps its last value, so the mapper holds the last known counts of every
//! queue and emits full `QueueSummary`s, the same events the realtime feed
//! produces. Skills come from queue members (REST + routing-status topics)
//! joined with the waiting observations' requested skills.
//!
//! `observations` holds the observation topic and the observations query;
//! `people` the members and their routing-status topics.

mod observations;
mod people;
mod totals;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;
use time::OffsetDateTime;
use tokio::time::Instant;

pub use super::wire::Envelope;
pub use observations::Reconciled;
pub use people::Member;

use crate::event::{
    AgentCounts, AgentStatus, FeedEvent, MediaCounts, QueueEvent, QueueEventKind, QueueSummary,
    ServiceTarget, SkillCount,
};

/// What one socket frame meant.
#[derive(Debug, Clone, PartialEq)]
pub enum Decoded {
    Heartbeat,
    Pong,
    /// `v2.system.socket_closing`: make before break.
    SocketClosing,
    /// Queue events and the like (possibly none, e.g. an unknown user).
    Events(Vec<FeedEvent>),
    /// `v2.routing.queues.{id}.users`: a member was added, removed, joined
    /// or unjoined. The events apply what the body says at once; the feed
    /// then reads the queue's member list again (a removal reads like an
    /// unjoin, and a new member's name and skills are not in the body).
    MembersChanged {
        queue_id: String,
        events: Vec<FeedEvent>,
    },
    Malformed(String),
    Unknown(String),
}

#[derive(Debug, Default)]
struct QueueObs {
    name: Option<String>,
    /// oOnQueueUsers by qualifier (routing status).
    on_queue: BTreeMap<String, u32>,
    /// oOffQueueUsers: None until a message or query answer carries it.
    off_queue: Option<u32>,
    /// oWaiting, with its detail, by media type.
    media: BTreeMap<String, observations::Waiting>,
    /// oInteracting by media type.
    interacting: BTreeMap<String, u32>,
    /// Interval totals of the current interval, by media type.
    totals: BTreeMap<String, totals::MediaTotals>,
    members: BTreeMap<String, Member>,
}

/// Keeps the last known observations per queue.
#[derive(Debug, Default)]
pub struct Mapper {
    queues: HashMap<String, QueueObs>,
    skill_names: HashMap<String, String>,
    /// user id -> queues the user is a member of.
    user_queues: HashMap<String, Vec<String>>,
    /// Queue ids in the order they became known (the snapshot's order).
    order: Vec<String>,
    /// Each queue's service-level goal from its settings (REST); kept
    /// apart, so learning one never adds a queue or changes the order.
    targets: HashMap<String, ServiceTarget>,
}

/// Where a frame came from and when it arrived.
#[derive(Debug, Clone, Copy)]
pub struct Receipt {
    pub wall: OffsetDateTime,
    pub at: Instant,
}

impl Receipt {
    /// A live (not snapshot) event that arrived at this receipt, with the
    /// server's time and correlation id when the message had them.
    pub fn event(
        self,
        kind: QueueEventKind,
        topic: &str,
        server_time: Option<OffsetDateTime>,
        correlation_id: Option<String>,
    ) -> QueueEvent {
        QueueEvent {
            kind,
            topic: topic.to_string(),
            server_time,
            received_wall: self.wall,
            received: self.at,
            correlation_id,
            snapshot: false,
        }
    }
}

/// Waiting and interacting per media type, every media type either names.
fn media_counts(q: &QueueObs) -> BTreeMap<String, MediaCounts> {
    let mut out: BTreeMap<String, MediaCounts> = BTreeMap::new();
    for (media, w) in &q.media {
        out.entry(media.clone()).or_default().waiting = w.count;
    }
    for (media, n) in &q.interacting {
        out.entry(media.clone()).or_default().interacting = Some(*n);
    }
    out
}

fn saturating_sum<'a>(it: impl Iterator<Item = &'a u32>) -> u32 {
    it.fold(0u32, |a, b| a.saturating_add(*b))
}

impl Mapper {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a monitored queue (so it exists before any observation).
    pub fn add_queue(&mut self, queue_id: &str, name: Option<String>) {
        let queue = self.queue_mut(queue_id);
        if name.is_some() {
            queue.name = name;
        }
    }

    /// The queue's service-level goal, from its settings: every summary
    /// of that queue carries it from now on.
    pub fn set_service_target(&mut self, queue_id: &str, target: Option<ServiceTarget>) {
        match target {
            Some(t) => self.targets.insert(queue_id.to_string(), t),
            None => self.targets.remove(queue_id),
        };
    }

    fn queue_mut(&mut self, queue_id: &str) -> &mut QueueObs {
        if !self.queues.contains_key(queue_id) {
            self.order.push(queue_id.to_string());
        }
        self.queues.entry(queue_id.to_string()).or_default()
    }

    /// How many queues the mapper holds.
    pub fn queue_count(&self) -> usize {
        self.order.len()
    }

    pub fn set_skill_names(&mut self, names: impl IntoIterator<Item = (String, String)>) {
        self.skill_names.extend(names);
    }

    /// The current summary of one queue.
    pub fn summary(&self, queue_id: &str) -> Option<QueueSummary> {
        let queue = self.queues.get(queue_id)?;
        Some(self.summarize(queue_id, queue))
    }

    fn summarize(&self, queue_id: &str, queue: &QueueObs) -> QueueSummary {
        let get = |key: &str| queue.on_queue.get(key).copied().unwrap_or(0);
        let mut skills: BTreeMap<String, SkillCount> = BTreeMap::new();
        let name_of = |id: &String| {
            self.skill_names
                .get(id)
                .cloned()
                .unwrap_or_else(|| id.clone())
        };
        for member in queue.members.values() {
            for skill in &member.skills {
                let entry = skills.entry(name_of(skill)).or_default();
                if member.status == AgentStatus::Idle && member.joined {
                    entry.available = entry.available.saturating_add(1);
                }
            }
        }
        for media in queue.media.values() {
            for (skill, count) in &media.demand {
                let entry = skills.entry(name_of(skill)).or_default();
                entry.required = Some(entry.required.unwrap_or(0).saturating_add(*count));
            }
        }
        QueueSummary {
            queue_id: queue_id.to_string(),
            queue_name: queue.name.clone(),
            agents_available: get("IDLE"),
            agents_interacting: get("INTERACTING").saturating_add(get("COMMUNICATING")),
            agents_logged_in: saturating_sum(queue.on_queue.values()),
            interactions_waiting: saturating_sum(queue.media.values().map(|media| &media.count)),
            skills,
            oldest_waiting_since: queue.media.values().filter_map(|media| media.oldest).min(),
            demand_truncated: queue.media.values().any(|media| media.truncated),
            media: media_counts(queue),
            service_target: self.targets.get(queue_id).copied(),
            agents: AgentCounts {
                // OFF_QUEUE, when a server qualifies by it, is not on queue.
                on_queue: Some(saturating_sum(
                    queue
                        .on_queue
                        .iter()
                        .filter(|(key, _)| key.as_str() != "OFF_QUEUE")
                        .map(|(_, value)| value),
                )),
                off_queue: queue.off_queue,
                idle: Some(get("IDLE")),
                interacting: Some(get("INTERACTING")),
                communicating: Some(get("COMMUNICATING")),
                not_responding: Some(get("NOT_RESPONDING")),
            },
        }
    }

    /// One summary event per known queue, in the order they became known:
    /// the first snapshot (`snapshot` true, topic `"snapshot"`) or a
    /// refresh after a reconnect (`snapshot` false, `topic` as given).
    pub fn summaries(&self, topic: &str, snapshot: bool, r: Receipt) -> Vec<QueueEvent> {
        self.order
            .iter()
            .filter_map(|id| self.summary(id))
            .map(|s| QueueEvent {
                snapshot,
                ..r.event(QueueEventKind::Summary(s), topic, None, None)
            })
            .collect()
    }

    /// Decodes and applies one socket frame.
    pub fn decode(&mut self, text: &str, r: Receipt) -> Decoded {
        match Self::parse(text) {
            Ok(env) => self.apply(env, r),
            Err(d) => d,
        }
    }

    /// Parses one socket frame without applying it.
    pub fn parse(text: &str) -> Result<Envelope, Decoded> {
        serde_json::from_str(text)
            .map_err(|e| Decoded::Malformed(format!("not a notification: {e}")))
    }

    /// Applies a parsed frame.
    pub fn apply(&mut self, env: Envelope, receipt: Receipt) -> Decoded {
        let topic = env.topic_name.as_str();
        if topic == "channel.metadata" {
            return match env.event_body.get("message").and_then(Value::as_str) {
                Some("WebSocket Heartbeat") => Decoded::Heartbeat,
                Some("pong") => Decoded::Pong,
                Some(other) => Decoded::Unknown(format!("channel.metadata: {other}")),
                None => Decoded::Malformed("channel.metadata without message".into()),
            };
        }
        if topic == "v2.system.socket_closing" {
            return Decoded::SocketClosing;
        }
        let correlation = env.metadata.and_then(|metadata| metadata.correlation_id);
        if topic.starts_with("v2.analytics.queues.") && topic.ends_with(".observations") {
            return self.observation(topic, env.event_body, correlation, receipt);
        }
        if let Some(queue_id) = topic
            .strip_prefix("v2.routing.queues.")
            .and_then(|tail| tail.strip_suffix(".users"))
        {
            let queue_id = queue_id.to_string();
            return self.membership(topic, &queue_id, &env.event_body, correlation, receipt);
        }
        if let Some(rest) = topic.strip_prefix("v2.users.") {
            let user = rest
                .split(['.', '?'])
                .next()
                .unwrap_or_default()
                .to_string();
            return self.user_status(topic, &user, &env.event_body, correlation, receipt);
        }
        Decoded::Unknown(topic.to_string())
    }
}
