//! Recorded lines in, the feed's events out, through the same mapping as
//! the live notifications feed: REST answers of queues, skills, members
//! and observations queries go into the `Mapper` as start-up puts them,
//! frames through `Mapper::apply`. No I/O and no clock of its own.
//!
//! Start-up is inferred from the recording, since the feed records what
//! it received, not what it decided: the first run of observations
//! answers is the first snapshot; frames that arrive before it are held
//! and applied after it, as the live feed (which reads them only once the
//! snapshot is out) does. A channel created while none is open is a
//! reconnect: the next run of answers is a refresh, as live.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{Hash, Hasher};
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;
use tokio::time::Instant;

use crate::event::{ConnState, FeedEvent, FeedStatus};
use crate::feed::notifications::REFRESH_TOPIC;
use crate::feed::notifications::mapping::{Decoded, Mapper, Member, Receipt};
use crate::feed::notifications::rest::{
    Channel, Named, OBSERVATION_QUEUES, TopicState, members_in,
};
use crate::recording::{FrameLine, Header, Line, RestAnswer};

const TARGET: &str = "queuetop::replay";
/// Frames held before the first snapshot, at most; past it they are
/// applied at once (a recording whose start-up never finished).
const HELD_MAX: usize = 10_000;
/// Recent frames remembered to drop the second copy of a notification
/// that two channels delivered while a handover overlapped.
const SEEN_MAX: usize = 4096;

#[derive(Deserialize)]
struct Page<T> {
    #[serde(default = "Vec::new")]
    entities: Vec<T>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Channels opening, snapshot not yet out: frames are held.
    Starting,
    Live,
}

pub struct Player {
    mapper: Mapper,
    /// Queue names the recording told (header, queue answers).
    names: HashMap<String, String>,
    /// Member pages gathered per queue.
    pages: HashMap<String, Vec<Member>>,
    phase: Phase,
    held: VecDeque<FrameLine>,
    /// Observations answers applied and not yet turned into summaries:
    /// when the first arrived, and how many.
    batch: Option<OffsetDateTime>,
    batch_answers: usize,
    snapshot_sent: bool,
    open_channels: HashSet<String>,
    permitted: usize,
    rejected: HashSet<String>,
    status: FeedStatus,
    seen: VecDeque<u64>,
    seen_on: HashMap<u64, String>,
    /// Counted and logged.
    pub duplicates: u64,
    pub unreadable: u64,
}

impl Player {
    pub fn new(header: &Header) -> Player {
        let mut player = Player {
            mapper: Mapper::new(),
            names: HashMap::new(),
            pages: HashMap::new(),
            phase: Phase::Starting,
            held: VecDeque::new(),
            batch: None,
            batch_answers: 0,
            snapshot_sent: false,
            open_channels: HashSet::new(),
            permitted: 0,
            rejected: HashSet::new(),
            status: FeedStatus::connecting(),
            seen: VecDeque::new(),
            seen_on: HashMap::new(),
            duplicates: 0,
            unreadable: 0,
        };
        // Configured queues first, in config order: the snapshot's order.
        for queue in &header.queues {
            if let Some(id) = &queue.id {
                player.mapper.add_queue(id, queue.name.clone());
                if let Some(name) = &queue.name {
                    player.names.insert(id.clone(), name.clone());
                }
            }
        }
        player
    }

    /// Plays one line; the events it makes are pushed to `out`.
    pub fn line(&mut self, line: Line, at: Instant, out: &mut Vec<FeedEvent>) {
        match line {
            Line::Header(_) | Line::End(_) => {}
            Line::Rest(rest) => self.rest(rest, at, out),
            Line::Frame(frame) => match self.phase {
                Phase::Starting if self.held.len() < HELD_MAX => self.held.push_back(frame),
                _ => {
                    self.close_batch(at, out);
                    self.frame(frame, at, out);
                }
            },
            Line::Binary(_) => {
                self.close_batch(at, out);
                out.push(FeedEvent::Malformed {
                    reason: "binary frame (the feed speaks JSON text)".into(),
                });
            }
            Line::Close(close) => {
                self.close_batch(at, out);
                let was_open = self.open_channels.remove(&close.channel);
                if was_open && self.open_channels.is_empty() && self.phase == Phase::Live {
                    let why = match close.code {
                        Some(code) => format!("channel closed by the server ({code})"),
                        None => "channel connection lost (1006)".to_string(),
                    };
                    self.set_state(ConnState::Connecting, Some(why), out);
                }
            }
        }
    }

    /// The recording ended: what is still pending goes out.
    pub fn finish(&mut self, at: Instant, out: &mut Vec<FeedEvent>) {
        self.close_batch(at, out);
        while let Some(f) = self.held.pop_front() {
            self.frame(f, at, out);
        }
    }

    fn rest(&mut self, answer: RestAnswer, at: Instant, out: &mut Vec<FeedEvent>) {
        let route = answer.path.split('?').next().unwrap_or("").to_string();
        let is_query = route.ends_with("/analytics/queues/observations/query");
        if !is_query {
            self.close_batch(at, out);
        }
        if answer.status >= 400 {
            if answer.status != 429 && self.phase == Phase::Starting {
                let error = format!("{} {}: HTTP {}", answer.method, answer.path, answer.status);
                self.set_state(ConnState::Connecting, Some(error), out);
            }
            return;
        }
        let text = answer.body.to_string();
        if is_query {
            let wall = crate::event::parse_rfc3339(&answer.t).unwrap_or(OffsetDateTime::UNIX_EPOCH);
            self.observations(&text, Receipt { wall, at }, out);
        } else {
            self.setup_answer(&route, &answer, &text, out);
        }
    }

    /// An observations query's answer: part of the snapshot at a start,
    /// a re-query that reconciles once live.
    fn observations(&mut self, text: &str, receipt: Receipt, out: &mut Vec<FeedEvent>) {
        if self.phase == Phase::Live {
            // Only queues whose figures changed get a summary, as live.
            match self.mapper.reconcile(text, REFRESH_TOPIC, receipt) {
                Ok(reconciled) => {
                    if reconciled.corrections > 0 {
                        tracing::info!(target: TARGET, corrections = reconciled.corrections, examples = ?reconciled.examples, "the observations query corrected figures");
                    }
                    out.extend(reconciled.events.into_iter().map(FeedEvent::Queue));
                }
                Err(error) => self.unreadable(&error),
            }
            return;
        }
        match self.mapper.apply_query(text) {
            Ok(()) => {
                self.batch = Some(self.batch.unwrap_or(receipt.wall));
                self.batch_answers += 1;
            }
            Err(error) => self.unreadable(&error),
        }
        // At a start the feed queries every queue, 100 to a query,
        // then sends the snapshot at once.
        let queries = self
            .mapper
            .queue_count()
            .div_ceil(OBSERVATION_QUEUES)
            .max(1);
        if self.phase == Phase::Starting && self.batch_answers >= queries {
            self.close_batch(receipt.at, out);
        }
    }

    /// What the start-up calls learnt: skill and queue names, members,
    /// channels and their subscriptions.
    fn setup_answer(
        &mut self,
        route: &str,
        answer: &RestAnswer,
        text: &str,
        out: &mut Vec<FeedEvent>,
    ) {
        if route == "/api/v2/routing/skills" {
            if let Ok(page) = serde_json::from_str::<Page<Named>>(text) {
                self.mapper.set_skill_names(
                    page.entities
                        .into_iter()
                        .map(|skill| (skill.id, skill.name)),
                );
            }
        } else if let Some(queue) = members_route(route) {
            self.members(queue, &answer.path, text);
        } else if route == "/api/v2/routing/queues" {
            if let Ok(page) = serde_json::from_str::<Page<Named>>(text) {
                for queue in page
                    .entities
                    .into_iter()
                    .filter(|queue| !queue.name.is_empty())
                {
                    self.mapper
                        .set_service_target(&queue.id, queue.service_target);
                    self.names.insert(queue.id, queue.name);
                }
            }
        } else if let Some(id) = route.strip_prefix("/api/v2/routing/queues/") {
            if let Ok(queue) = serde_json::from_str::<Named>(text)
                && !queue.name.is_empty()
            {
                self.names.insert(id.to_string(), queue.name.clone());
                self.mapper.add_queue(id, Some(queue.name));
                self.mapper.set_service_target(id, queue.service_target);
            }
        } else if route == "/api/v2/notifications/channels" && answer.method == "POST" {
            if let Ok(channel) = serde_json::from_str::<Channel>(text) {
                if self.open_channels.is_empty() && self.snapshot_sent {
                    // Every channel had ended: a reconnect, not a handover.
                    self.phase = Phase::Starting;
                    self.permitted = 0;
                }
                self.open_channels.insert(channel.id);
            }
        } else if route.ends_with("/subscriptions") {
            self.subscribed(answer.request.as_ref(), text, out);
        }
    }

    /// A page of a member listing: the first page starts the list afresh.
    fn members(&mut self, queue: &str, path: &str, text: &str) {
        let first = !path
            .split(['?', '&'])
            .any(|kv| kv.starts_with("pageNumber=") && kv != "pageNumber=1");
        match members_in(text) {
            Ok(found) => {
                let list = self.pages.entry(queue.to_string()).or_default();
                if first {
                    list.clear();
                }
                list.extend(found);
                self.mapper.set_members(queue, list.clone());
            }
            Err(e) => self.unreadable(&e),
        }
    }

    /// Subscribed topics: the monitored queues (in plan order), and the
    /// rejected topics as alerts.
    fn subscribed(&mut self, request: Option<&Value>, text: &str, out: &mut Vec<FeedEvent>) {
        let topics = request.and_then(Value::as_array).into_iter().flatten();
        for topic in topics.filter_map(|topic| topic.get("id")?.as_str()) {
            if let Some(queue) = crate::feed::notifications::topics::queue_of_topic(topic) {
                let name = self.names.get(queue).cloned();
                self.mapper.add_queue(queue, name);
            }
        }
        let Ok(states) = serde_json::from_str::<Page<TopicState>>(text) else {
            return;
        };
        for topic in states.entities {
            if !topic.rejected() {
                self.permitted += 1;
            } else if self.rejected.insert(topic.id.clone()) {
                out.push(FeedEvent::TopicRejected {
                    queue_id: crate::feed::notifications::topics::queue_of_topic(&topic.id)
                        .map(str::to_string),
                    topic: topic.id,
                    reason: topic
                        .rejection_reason
                        .unwrap_or_else(|| "no reason given".into()),
                });
            }
        }
    }

    /// After a run of observations answers: the snapshot (or a refresh),
    /// and at a start the rosters and the connected state; then the held
    /// frames.
    fn close_batch(&mut self, at: Instant, out: &mut Vec<FeedEvent>) {
        let Some(wall) = self.batch.take() else {
            return;
        };
        self.batch_answers = 0;
        let receipt = Receipt { wall, at };
        if !self.snapshot_sent {
            for (id, name) in self.mapper_names() {
                out.push(FeedEvent::QueueName { queue_id: id, name });
            }
        }
        let events = if self.snapshot_sent {
            self.mapper.summaries(REFRESH_TOPIC, false, receipt)
        } else {
            self.mapper.summaries("snapshot", true, receipt)
        };
        self.snapshot_sent = true;
        out.extend(events.into_iter().map(FeedEvent::Queue));
        if self.phase == Phase::Starting {
            for (agent, began) in self.mapper.rosters() {
                let ago = began.map_or(Duration::ZERO, |start| {
                    Duration::try_from(wall - start).unwrap_or(Duration::ZERO)
                });
                let since = at.checked_sub(ago).unwrap_or(at);
                out.push(FeedEvent::Member { agent, since });
            }
            self.status.connects = self.status.connects.saturating_add(1);
            self.set_state(ConnState::Connected, None, out);
            out.push(FeedEvent::Acked {
                count: self.permitted,
            });
            self.phase = Phase::Live;
            while let Some(frame) = self.held.pop_front() {
                self.frame(frame, at, out);
            }
        }
    }

    /// Names of the queues the mapper holds, in its order.
    fn mapper_names(&self) -> Vec<(String, String)> {
        let summaries = self.mapper.summaries(
            "",
            false,
            Receipt {
                wall: OffsetDateTime::UNIX_EPOCH,
                at: Instant::now(),
            },
        );
        summaries
            .into_iter()
            .filter_map(|e| {
                let id = e.kind.queue_id().to_string();
                let name = self.names.get(&id).cloned()?;
                Some((id, name))
            })
            .collect()
    }

    fn frame(&mut self, f: FrameLine, at: Instant, out: &mut Vec<FeedEvent>) {
        if self.duplicate(&f) {
            return;
        }
        let wall = crate::event::parse_rfc3339(&f.t).unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let env = match Mapper::parse(&f.text) {
            Ok(env) => env,
            Err(d) => return push_decoded(d, out),
        };
        push_decoded(self.mapper.apply(env, Receipt { wall, at }), out);
    }

    /// The same text on another channel lately: the second copy of a
    /// handover overlap.
    fn duplicate(&mut self, frame: &FrameLine) -> bool {
        if frame.text.contains("\"channel.metadata\"") {
            return false;
        }
        let mut hasher = DefaultHasher::new();
        frame.text.hash(&mut hasher);
        let key = hasher.finish();
        match self.seen_on.get(&key) {
            Some(ch) if *ch != frame.channel => {
                self.duplicates += 1;
                tracing::debug!(target: TARGET, duplicates = self.duplicates, "duplicate frame from a second channel dropped");
                return true;
            }
            Some(_) => return false,
            None => {}
        }
        if self.seen.len() == SEEN_MAX
            && let Some(old) = self.seen.pop_front()
        {
            self.seen_on.remove(&old);
        }
        self.seen.push_back(key);
        self.seen_on.insert(key, frame.channel.clone());
        false
    }

    fn set_state(&mut self, state: ConnState, error: Option<String>, out: &mut Vec<FeedEvent>) {
        self.status.state = state;
        if error.is_some() {
            self.status.last_error = error;
        }
        out.push(FeedEvent::Status(self.status.clone()));
    }

    fn unreadable(&mut self, e: &str) {
        self.unreadable += 1;
        tracing::warn!(target: TARGET, error = %e, unreadable = self.unreadable, "a recorded answer could not be read");
    }
}

/// `/api/v2/routing/queues/{id}/members` → the queue id.
fn members_route(route: &str) -> Option<&str> {
    route
        .strip_prefix("/api/v2/routing/queues/")?
        .strip_suffix("/members")
}

fn push_decoded(d: Decoded, out: &mut Vec<FeedEvent>) {
    match d {
        Decoded::Heartbeat => out.push(FeedEvent::Heartbeat),
        Decoded::Pong | Decoded::SocketClosing => {}
        Decoded::Events(evs) | Decoded::MembersChanged { events: evs, .. } => out.extend(evs),
        Decoded::Malformed(reason) => out.push(FeedEvent::Malformed { reason }),
        Decoded::Unknown(kind) => out.push(FeedEvent::Unknown { kind }),
    }
}
