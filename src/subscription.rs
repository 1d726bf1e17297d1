//! The seed's subscription rules, as types that can only be built valid. OWNER: foundation helper.
//!
//! PROTOCOL.md section 2: 1 to 100 subscriptions per connection, UUID ids,
//! topic `/routing/queues/events` or `/routing/queues/{queueId}/events`,
//! three event types, filters that parse and fit in 2048 characters.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::config::{EventType, QueueConfig};
use crate::filter::{Filter, FilterError};

/// The most subscriptions one connection may carry.
pub const MAX_SUBSCRIPTIONS: usize = 100;

const ALL_QUEUES_TOPIC: &str = "/routing/queues/events";
const EXAMPLE_UUID: &str = "5d2c8f3e-6a4b-4c1d-9e0f-1a2b3c4d5e6f";

/// Why a subscription (or a set of them) breaks the rules. `Display` is the
/// message the user sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscriptionError {
    TooMany {
        count: usize,
    },
    Empty,
    IdNotUuid {
        id: String,
    },
    DuplicateId {
        id: String,
        first: usize,
    },
    BadTopic {
        topic: String,
    },
    BadQueueId {
        queue_id: String,
    },
    /// A configured queue with only a name: the realtime feed needs its id.
    QueueWithoutId,
    UnknownType {
        kind: String,
    },
    Filter(FilterError),
    /// The payload is not a JSON array of subscription objects.
    Json {
        message: String,
    },
    /// One of the above, in subscription `index` (1-based) of a set.
    At {
        index: usize,
        /// The queue's display name, or its id, when known.
        queue: Option<String>,
        /// Position of the queue in the `&[QueueConfig]` it came from.
        queue_index: Option<usize>,
        error: Box<SubscriptionError>,
    },
}

impl SubscriptionError {
    /// The rule that was broken, short, for `check-config`'s `(rule)`.
    pub fn rule(&self) -> &'static str {
        match self {
            SubscriptionError::TooMany { .. } => "at most 100 subscriptions per connection",
            SubscriptionError::Empty => "at least one subscription per connection",
            SubscriptionError::IdNotUuid { .. } => "subscription ids are UUIDs",
            SubscriptionError::DuplicateId { .. } => "subscription ids are unique",
            SubscriptionError::BadTopic { .. } => {
                "topic is /routing/queues/events or /routing/queues/{queueId}/events"
            }
            SubscriptionError::BadQueueId { .. } | SubscriptionError::QueueWithoutId => {
                "queue ids are UUIDs or [A-Za-z0-9_-]+"
            }
            SubscriptionError::UnknownType { .. } => {
                "types are queue-summary, queue-interaction, agent-state"
            }
            SubscriptionError::Filter(_) => "filters parse and have at most 2048 characters",
            SubscriptionError::Json { .. } => "subscriptions are a JSON array of objects",
            SubscriptionError::At { error, .. } => error.rule(),
        }
    }

    /// The error without its position in a set.
    pub fn inner(&self) -> &SubscriptionError {
        match self {
            SubscriptionError::At { error, .. } => error.inner(),
            other => other,
        }
    }

    /// Position of the queue it came from in `from_queues`' input.
    pub fn queue_index(&self) -> Option<usize> {
        match self {
            SubscriptionError::At { queue_index, .. } => *queue_index,
            _ => None,
        }
    }

    fn at(self, index: usize, queue: Option<String>, queue_index: Option<usize>) -> Self {
        SubscriptionError::At {
            index,
            queue,
            queue_index,
            error: Box::new(self),
        }
    }
}

impl fmt::Display for SubscriptionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubscriptionError::TooMany { count } => write!(
                f,
                "too many subscriptions: {count} (at most {MAX_SUBSCRIPTIONS} per connection)"
            ),
            SubscriptionError::Empty => {
                f.write_str("no subscriptions: a connection needs at least one")
            }
            SubscriptionError::IdNotUuid { id } => write!(
                f,
                "id `{id}` is not a UUID; use a UUID such as {EXAMPLE_UUID}"
            ),
            SubscriptionError::DuplicateId { id, first } => write!(
                f,
                "id `{id}` is already used by subscription {first}; give each subscription its own UUID"
            ),
            SubscriptionError::BadTopic { topic } => write!(
                f,
                "topic `{topic}` is not `/routing/queues/events` or `/routing/queues/{{queueId}}/events`"
            ),
            SubscriptionError::BadQueueId { queue_id } => write!(
                f,
                "queue id `{queue_id}` is neither a UUID nor made of letters, digits, `_` and `-`"
            ),
            SubscriptionError::QueueWithoutId => {
                f.write_str("the queue has a name but no id; the realtime feed needs `id` (a UUID)")
            }
            SubscriptionError::UnknownType { kind } => write!(
                f,
                "type `{kind}` is unknown; use queue-summary, queue-interaction or agent-state"
            ),
            SubscriptionError::Filter(e) => write!(f, "{e}"),
            SubscriptionError::Json { message } => write!(
                f,
                "subscriptions are not a JSON array of {{\"id\", \"topic\", \"type\", \"filter\"?}} objects: {message}"
            ),
            SubscriptionError::At {
                index,
                queue,
                error,
                ..
            } => match queue {
                Some(q) => write!(f, "subscription {index} (queue {q}): {error}"),
                None => write!(f, "subscription {index}: {error}"),
            },
        }
    }
}

impl std::error::Error for SubscriptionError {}

/// True for a hyphenated UUID (`8-4-4-4-12` hex digits), the only form on the wire.
pub fn is_uuid(s: &str) -> bool {
    s.len() == 36 && uuid::Uuid::try_parse(s).is_ok()
}

/// A queue id the realtime topic accepts: a UUID or `[A-Za-z0-9_-]+`
/// (a hyphenated UUID is a special case of the second).
pub fn is_queue_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The topic for one queue's events.
pub fn queue_topic(queue_id: &str) -> String {
    format!("/routing/queues/{queue_id}/events")
}

/// The queue a topic names: `Ok(None)` for all queues.
fn parse_topic(topic: &str) -> Result<Option<String>, SubscriptionError> {
    if topic == ALL_QUEUES_TOPIC {
        return Ok(None);
    }
    let bad = || SubscriptionError::BadTopic {
        topic: topic.to_string(),
    };
    let q = topic
        .strip_prefix("/routing/queues/")
        .and_then(|r| r.strip_suffix("/events"))
        .ok_or_else(bad)?;
    if q.is_empty() || q.contains('/') {
        return Err(bad());
    }
    if !is_queue_id(q) {
        return Err(SubscriptionError::BadQueueId {
            queue_id: q.to_string(),
        });
    }
    Ok(Some(q.to_string()))
}

/// One valid subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    id: String,
    topic: String,
    kind: EventType,
    filter: Option<Filter>,
    queue_id: Option<String>,
}

impl Subscription {
    /// Checks every rule; the first broken one is the error. An empty
    /// filter is the same as none.
    pub fn new(
        id: &str,
        topic: &str,
        kind: &str,
        filter: Option<&str>,
    ) -> Result<Subscription, SubscriptionError> {
        if !is_uuid(id) {
            return Err(SubscriptionError::IdNotUuid { id: id.to_string() });
        }
        let queue_id = parse_topic(topic)?;
        let kind = EventType::parse(kind).ok_or_else(|| SubscriptionError::UnknownType {
            kind: kind.to_string(),
        })?;
        let filter = match filter {
            None => None,
            Some(text) => {
                let f = Filter::parse(text).map_err(SubscriptionError::Filter)?;
                (!f.is_empty()).then_some(f)
            }
        };
        Ok(Subscription {
            id: id.to_string(),
            topic: topic.to_string(),
            kind,
            filter,
            queue_id,
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn topic(&self) -> &str {
        &self.topic
    }

    pub fn kind(&self) -> EventType {
        self.kind
    }

    pub fn filter(&self) -> Option<&Filter> {
        self.filter.as_ref()
    }

    /// The queue the topic names; None for all queues.
    pub fn queue_id(&self) -> Option<&str> {
        self.queue_id.as_deref()
    }
}

/// 1 to 100 valid subscriptions with distinct ids: one connection's payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionSet {
    subs: Vec<Subscription>,
}

#[derive(Serialize)]
struct Wire<'a> {
    id: &'a str,
    topic: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    filter: Option<String>,
}

#[derive(Deserialize)]
struct WireIn {
    id: String,
    topic: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    filter: Option<String>,
}

impl SubscriptionSet {
    pub fn new(subs: Vec<Subscription>) -> Result<SubscriptionSet, SubscriptionError> {
        check_count(subs.len())?;
        for (i, s) in subs.iter().enumerate() {
            if let Some(first) = subs[..i].iter().position(|o| o.id == s.id) {
                return Err(SubscriptionError::DuplicateId {
                    id: s.id.clone(),
                    first: first + 1,
                }
                .at(i + 1, s.queue_id.clone(), None));
            }
        }
        Ok(SubscriptionSet { subs })
    }

    /// One subscription per queue and event type, topic
    /// `/routing/queues/{id}/events`, a fresh UUID v4 each, the queue's
    /// filter. Every problem is returned, not only the first.
    pub fn from_queues(queues: &[QueueConfig]) -> Result<SubscriptionSet, Vec<SubscriptionError>> {
        let mut subs = Vec::new();
        let mut errors = Vec::new();
        let mut index = 0;
        for (qi, q) in queues.iter().enumerate() {
            let label = q.name.clone().or_else(|| q.id.clone());
            let Some(id) = &q.id else {
                index += 1;
                errors.push(SubscriptionError::QueueWithoutId.at(index, label, Some(qi)));
                continue;
            };
            // One filter error per queue is enough: it is the same text for each type.
            let mut queue_failed = false;
            for kind in &q.events {
                index += 1;
                if queue_failed {
                    continue;
                }
                let sub_id = uuid::Uuid::new_v4().to_string();
                match Subscription::new(
                    &sub_id,
                    &queue_topic(id),
                    kind.as_str(),
                    q.filter.as_deref(),
                ) {
                    Ok(s) => subs.push(s),
                    Err(e) => {
                        queue_failed = true;
                        errors.push(e.at(index, label.clone(), Some(qi)));
                    }
                }
            }
        }
        if let Err(e) = check_count(index) {
            errors.insert(0, e);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        SubscriptionSet::new(subs).map_err(|e| vec![e])
    }

    /// The wire array of PROTOCOL.md section 2 (the client's first message).
    pub fn to_json(&self) -> String {
        let wire: Vec<Wire<'_>> = self
            .subs
            .iter()
            .map(|s| Wire {
                id: &s.id,
                topic: &s.topic,
                kind: s.kind.as_str(),
                filter: s.filter.as_ref().map(|f| f.to_string()),
            })
            .collect();
        // ok: plain strings always serialize.
        serde_json::to_string(&wire).unwrap_or_else(|_| String::from("[]"))
    }

    /// The server side: parses and checks a client's subscribe message.
    pub fn parse_json(text: &str) -> Result<SubscriptionSet, SubscriptionError> {
        let items: Vec<serde_json::Value> =
            serde_json::from_str(text).map_err(|e| SubscriptionError::Json {
                message: e.to_string(),
            })?;
        check_count(items.len())?;
        let mut subs = Vec::with_capacity(items.len());
        for (i, v) in items.into_iter().enumerate() {
            let w: WireIn = serde_json::from_value(v).map_err(|e| {
                SubscriptionError::Json {
                    message: e.to_string(),
                }
                .at(i + 1, None, None)
            })?;
            let queue = parse_topic(&w.topic).ok().flatten();
            let s = Subscription::new(&w.id, &w.topic, &w.kind, w.filter.as_deref())
                .map_err(|e| e.at(i + 1, queue, None))?;
            subs.push(s);
        }
        SubscriptionSet::new(subs)
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Subscription> {
        self.subs.iter()
    }

    pub fn len(&self) -> usize {
        self.subs.len()
    }

    /// Always false: a set holds at least one subscription.
    pub fn is_empty(&self) -> bool {
        self.subs.is_empty()
    }
}

impl<'a> IntoIterator for &'a SubscriptionSet {
    type Item = &'a Subscription;
    type IntoIter = std::slice::Iter<'a, Subscription>;
    fn into_iter(self) -> Self::IntoIter {
        self.subs.iter()
    }
}

fn check_count(n: usize) -> Result<(), SubscriptionError> {
    match n {
        0 => Err(SubscriptionError::Empty),
        n if n > MAX_SUBSCRIPTIONS => Err(SubscriptionError::TooMany { count: n }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
