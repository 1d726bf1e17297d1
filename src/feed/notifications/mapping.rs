//! Notifications API frames into domain events (PROTOCOL.md section 3).
//!
//! Observations arrive as partial updates: a metric absent from a message
//! keeps its last value, so the mapper holds the last known counts of every
//! queue and emits full `QueueSummary`s, the same events the realtime feed
//! produces. Skills come from queue members (REST + routing-status topics)
//! joined with the waiting observations' requested skills.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;
use time::OffsetDateTime;
use tokio::time::Instant;

pub use super::wire::Envelope;
use super::wire::{IntervalData, Metric, ObservationBody, QueryResponse};

use crate::event::{
    AgentState, AgentStatus, FeedEvent, QueueEvent, QueueEventKind, QueueSummary, QueueTotals,
    SkillCount, parse_rfc3339,
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
    Malformed(String),
    Unknown(String),
}

/// A member of a queue as REST reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub user_id: String,
    pub name: Option<String>,
    /// Skill ids.
    pub skills: Vec<String>,
    pub status: AgentStatus,
    /// When the status began, when the server says.
    pub since: Option<OffsetDateTime>,
    /// Joined to the queue: only joined members are routed its work.
    pub joined: bool,
}

#[derive(Debug, Default)]
struct QueueObs {
    name: Option<String>,
    /// oOnQueueUsers by qualifier (routing status).
    on_queue: BTreeMap<String, u32>,
    /// oWaiting by media type.
    waiting: BTreeMap<String, u32>,
    /// Requested skill ids of waiting interactions, by media type.
    demand: BTreeMap<String, BTreeMap<String, u32>>,
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
}

/// Where a frame came from and when it arrived.
#[derive(Debug, Clone, Copy)]
pub struct Receipt {
    pub wall: OffsetDateTime,
    pub at: Instant,
}

fn saturating_sum<'a>(it: impl Iterator<Item = &'a u32>) -> u32 {
    it.fold(0u32, |a, b| a.saturating_add(*b))
}

fn count(c: Option<u64>) -> u32 {
    c.map(|v| v.min(u32::MAX as u64) as u32).unwrap_or(0)
}

/// `a/b` with a == b: a current observation at time a.
fn zero_width(interval: &str) -> Option<Option<OffsetDateTime>> {
    let (a, b) = interval.split_once('/')?;
    if a == b { Some(parse_rfc3339(a)) } else { None }
}

impl Mapper {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a monitored queue (so it exists before any observation).
    pub fn add_queue(&mut self, queue_id: &str, name: Option<String>) {
        let q = self.queue_mut(queue_id);
        if name.is_some() {
            q.name = name;
        }
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

    /// Replaces the member list of a queue.
    pub fn set_members(&mut self, queue_id: &str, members: Vec<Member>) {
        self.queue_mut(queue_id);
        let Some(q) = self.queues.get_mut(queue_id) else {
            return;
        };
        for old in q.members.keys() {
            if let Some(qs) = self.user_queues.get_mut(old) {
                qs.retain(|x| x != queue_id);
            }
        }
        q.members.clear();
        for m in members {
            let qs = self.user_queues.entry(m.user_id.clone()).or_default();
            if !qs.iter().any(|x| x == queue_id) {
                qs.push(queue_id.to_string());
            }
            q.members.insert(m.user_id.clone(), m);
        }
    }

    /// The user ids whose routing status we need (for user topics).
    pub fn member_ids(&self) -> impl Iterator<Item = &String> {
        self.user_queues.keys()
    }

    /// The current summary of one queue.
    pub fn summary(&self, queue_id: &str) -> Option<QueueSummary> {
        let q = self.queues.get(queue_id)?;
        Some(self.summarize(queue_id, q))
    }

    fn summarize(&self, queue_id: &str, q: &QueueObs) -> QueueSummary {
        let get = |k: &str| q.on_queue.get(k).copied().unwrap_or(0);
        let mut skills: BTreeMap<String, SkillCount> = BTreeMap::new();
        let name_of = |id: &String| {
            self.skill_names
                .get(id)
                .cloned()
                .unwrap_or_else(|| id.clone())
        };
        for m in q.members.values() {
            for s in &m.skills {
                let e = skills.entry(name_of(s)).or_default();
                if m.status == AgentStatus::Idle && m.joined {
                    e.available = e.available.saturating_add(1);
                }
            }
        }
        for per_media in q.demand.values() {
            for (s, n) in per_media {
                let e = skills.entry(name_of(s)).or_default();
                e.required = Some(e.required.unwrap_or(0).saturating_add(*n));
            }
        }
        QueueSummary {
            queue_id: queue_id.to_string(),
            queue_name: q.name.clone(),
            agents_available: get("IDLE"),
            agents_interacting: get("INTERACTING").saturating_add(get("COMMUNICATING")),
            agents_logged_in: saturating_sum(q.on_queue.values()),
            interactions_waiting: saturating_sum(q.waiting.values()),
            skills,
        }
    }

    /// Applies one metric of a current observation; true when it changed
    /// anything the summary shows.
    fn apply_metric(q: &mut QueueObs, media: &str, m: &Metric) {
        match m.metric.as_str() {
            "oOnQueueUsers" => {
                let qual = m.qualifier.clone().unwrap_or_else(|| "UNKNOWN".into());
                q.on_queue.insert(qual, count(m.stats.count));
            }
            "oWaiting" => {
                let n = count(m.stats.count);
                q.waiting.insert(media.to_string(), n);
                match &m.observations {
                    Some(obs) => {
                        let mut d = BTreeMap::new();
                        for o in obs {
                            for s in &o.requested_routing_skill_ids {
                                let n: &mut u32 = d.entry(s.clone()).or_insert(0);
                                *n = n.saturating_add(1);
                            }
                        }
                        q.demand.insert(media.to_string(), d);
                    }
                    None if n == 0 => {
                        q.demand.remove(media);
                    }
                    None => {}
                }
            }
            _ => {}
        }
    }

    /// Applies one observations query response to the counts (a query
    /// covers at most 100 queues, so the feed may apply several).
    pub fn apply_query(&mut self, body: &str) -> Result<(), String> {
        let resp: QueryResponse =
            serde_json::from_str(body).map_err(|e| format!("observations query: {e}"))?;
        for res in &resp.results {
            let media = res.group.media_type.as_deref().unwrap_or("all");
            let q = self.queue_mut(&res.group.queue_id);
            for m in &res.data {
                Self::apply_metric(q, media, m);
            }
        }
        Ok(())
    }

    /// One summary event per known queue, in the order they became known:
    /// the first snapshot (`snapshot` true, topic `"snapshot"`) or a
    /// refresh after a reconnect (`snapshot` false, `topic` as given).
    pub fn summaries(&self, topic: &str, snapshot: bool, r: Receipt) -> Vec<QueueEvent> {
        self.order
            .iter()
            .filter_map(|id| self.summary(id))
            .map(|s| QueueEvent {
                kind: QueueEventKind::Summary(s),
                topic: topic.to_string(),
                server_time: None,
                received_wall: r.wall,
                received: r.at,
                correlation_id: None,
                snapshot,
            })
            .collect()
    }

    /// Every member of every queue with members loaded, in queue order,
    /// with when their status began (if known): the rosters as they stand.
    pub fn rosters(&self) -> Vec<(AgentState, Option<OffsetDateTime>)> {
        self.order
            .iter()
            .filter_map(|id| Some((id, self.queues.get(id)?)))
            .flat_map(|(id, q)| {
                q.members
                    .values()
                    .map(|m| (agent_state(&self.skill_names, id, m), m.since))
            })
            .collect()
    }

    /// The first snapshot from one query response: one summary per queue
    /// the mapper knows (exported with topic `"snapshot"`).
    pub fn apply_snapshot(&mut self, body: &str, r: Receipt) -> Result<Vec<QueueEvent>, String> {
        self.apply_query(body)?;
        Ok(self.summaries("snapshot", true, r))
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
    pub fn apply(&mut self, env: Envelope, r: Receipt) -> Decoded {
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
        let correlation = env.metadata.and_then(|m| m.correlation_id);
        if topic.starts_with("v2.analytics.queues.") && topic.ends_with(".observations") {
            return self.observation(topic, env.event_body, correlation, r);
        }
        if let Some(rest) = topic.strip_prefix("v2.users.") {
            let user = rest
                .split(['.', '?'])
                .next()
                .unwrap_or_default()
                .to_string();
            return self.user_status(topic, &user, &env.event_body, correlation, r);
        }
        Decoded::Unknown(topic.to_string())
    }

    fn observation(
        &mut self,
        topic: &str,
        body: Value,
        correlation: Option<String>,
        r: Receipt,
    ) -> Decoded {
        let body: ObservationBody = match serde_json::from_value(body) {
            Ok(b) => b,
            Err(e) => return Decoded::Malformed(format!("{topic}: {e}")),
        };
        let qid = body.group.queue_id;
        let media = body
            .group
            .media_type
            .as_deref()
            .unwrap_or("all")
            .to_string();
        let mut out = Vec::new();
        let mut current_at: Option<Option<OffsetDateTime>> = None;
        for d in &body.data {
            match zero_width(&d.interval) {
                Some(at) => {
                    let q = self.queue_mut(&qid);
                    for m in &d.metrics {
                        Self::apply_metric(q, &media, m);
                    }
                    current_at = Some(at);
                }
                None => {
                    let totals = totals_of(&qid, d);
                    // A wide interval's start is when its bucket began,
                    // not when the message was sent: no latency from it.
                    out.push(FeedEvent::Queue(QueueEvent {
                        kind: QueueEventKind::Totals(totals),
                        topic: topic.to_string(),
                        server_time: None,
                        received_wall: r.wall,
                        received: r.at,
                        correlation_id: correlation.clone(),
                        snapshot: false,
                    }));
                }
            }
        }
        if let (Some(at), Some(s)) = (current_at, self.summary(&qid)) {
            let ev = QueueEvent {
                kind: QueueEventKind::Summary(s),
                topic: topic.to_string(),
                server_time: at,
                received_wall: r.wall,
                received: r.at,
                correlation_id: correlation,
                snapshot: false,
            };
            out.insert(0, FeedEvent::Queue(ev));
        }
        Decoded::Events(out)
    }

    fn user_status(
        &mut self,
        topic: &str,
        user: &str,
        body: &Value,
        correlation: Option<String>,
        r: Receipt,
    ) -> Decoded {
        let status = body
            .get("routingStatus")
            .and_then(|rs| rs.get("status"))
            .and_then(Value::as_str);
        let Some(status) = status else {
            // A presence-only change: nothing the screen shows.
            return Decoded::Events(Vec::new());
        };
        let server_time = body
            .get("routingStatus")
            .and_then(|rs| rs.get("startTime"))
            .and_then(Value::as_str)
            .and_then(parse_rfc3339);
        let status = AgentStatus::parse(status);
        let queues = self.user_queues.get(user).cloned().unwrap_or_default();
        let mut out = Vec::new();
        for qid in queues {
            let Some(q) = self.queues.get_mut(&qid) else {
                continue;
            };
            let Some(m) = q.members.get_mut(user) else {
                continue;
            };
            m.status = status.clone();
            m.since = server_time;
            let agent = agent_state(&self.skill_names, &qid, m);
            let ev = |kind| {
                FeedEvent::Queue(QueueEvent {
                    kind,
                    topic: topic.to_string(),
                    server_time,
                    received_wall: r.wall,
                    received: r.at,
                    correlation_id: correlation.clone(),
                    snapshot: false,
                })
            };
            out.push(ev(QueueEventKind::Agent(agent)));
            if let Some(s) = self.summary(&qid) {
                out.push(ev(QueueEventKind::Summary(s)));
            }
        }
        Decoded::Events(out)
    }
}

/// A member as the roster shows it: skill names, not ids.
fn agent_state(skill_names: &HashMap<String, String>, queue_id: &str, m: &Member) -> AgentState {
    AgentState {
        queue_id: queue_id.to_string(),
        user_id: m.user_id.clone(),
        user_name: m.name.clone(),
        status: m.status.clone(),
        skills: m
            .skills
            .iter()
            .map(|s| skill_names.get(s).cloned().unwrap_or_else(|| s.clone()))
            .collect(),
    }
}

fn totals_of(qid: &str, d: &IntervalData) -> QueueTotals {
    let mut t = QueueTotals {
        queue_id: qid.to_string(),
        interval: d.interval.clone(),
        ..Default::default()
    };
    for m in &d.metrics {
        match m.metric.as_str() {
            "nOffered" => t.offered = m.stats.count,
            "tAbandon" => t.abandoned = m.stats.count,
            "oServiceLevel" => t.service_level_pct = m.stats.ratio.map(|r| r * 100.0),
            _ => {}
        }
    }
    t
}
