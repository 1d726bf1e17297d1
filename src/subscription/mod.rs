//! The realtime feed's subscription rules, as types that can only be built
//! valid.
//!
//! docs/PROTOCOL.md, "Subscribe": 1 to 100 subscriptions per connection, UUID
//! ids, topic `/routing/queues/events` or `/routing/queues/{queueId}/events`,
//! three event types, filters that parse and fit in 2048 characters.

use serde::{Deserialize, Serialize};

use crate::event::{EventType, QueueEventKind};
use crate::filter::{Filter, FilterSubject};

mod error;

pub use error::SubscriptionError;

/// One queue as the subscriptions see it: the caller (the feed, from the
/// config) builds it, so this module needs no config types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSpec {
    /// None when the queue is known by name only: an error here.
    pub id: Option<String>,
    /// What an error calls the queue (its name, else its id).
    pub label: Option<String>,
    pub events: Vec<EventType>,
    pub filter: Option<String>,
}

/// The most subscriptions one connection may carry.
pub const MAX_SUBSCRIPTIONS: usize = 100;

const ALL_QUEUES_TOPIC: &str = "/routing/queues/events";

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

/// The subscription type that carries an event (None for interval totals).
pub fn event_type_of(event: &QueueEventKind) -> Option<EventType> {
    match event {
        QueueEventKind::Summary(_) => Some(EventType::QueueSummary),
        QueueEventKind::Interaction(_) => Some(EventType::QueueInteraction),
        QueueEventKind::Agent(_) => Some(EventType::AgentState),
        QueueEventKind::Totals(_) => None,
    }
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
    /// The filter as written: what goes on the wire. The canonical form
    /// (`Filter`'s Display) normalises spacing and can be longer than the
    /// 2048 characters the input fitted in.
    filter_text: Option<String>,
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
                let parsed = Filter::parse(text).map_err(SubscriptionError::Filter)?;
                (!parsed.is_empty()).then(|| (parsed, text.to_string()))
            }
        };
        let (filter, filter_text) = filter.unzip();
        Ok(Subscription {
            id: id.to_string(),
            topic: topic.to_string(),
            kind,
            filter,
            filter_text,
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

    /// The filter text as written, sent on the wire.
    pub fn filter_text(&self) -> Option<&str> {
        self.filter_text.as_deref()
    }

    /// The queue the topic names; None for all queues.
    pub fn queue_id(&self) -> Option<&str> {
        self.queue_id.as_deref()
    }

    /// Does this subscription ask for `event`: its type, its queue (or all
    /// queues) and its filter? Interval totals are never subscribed to.
    pub fn wants(&self, event: &QueueEventKind) -> bool {
        event_type_of(event) == Some(self.kind)
            && self
                .queue_id
                .as_deref()
                .is_none_or(|q| q == event.queue_id())
            && self
                .filter
                .as_ref()
                .is_none_or(|f| f.matches(event as &dyn FilterSubject))
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
                .at(i + 1, s.queue_id.clone(), None, Some(s.id.clone())));
            }
        }
        Ok(SubscriptionSet { subs })
    }

    /// One subscription per queue and event type, topic
    /// `/routing/queues/{id}/events`, a fresh UUID v4 each, the queue's
    /// filter. Every problem is returned, not only the first.
    pub fn from_queues(queues: &[QueueSpec]) -> Result<SubscriptionSet, Vec<SubscriptionError>> {
        let mut subscriptions = Vec::new();
        let mut errors = Vec::new();
        let mut index = 0;
        for (position, queue) in queues.iter().enumerate() {
            let label = queue.label.clone().or_else(|| queue.id.clone());
            let Some(id) = &queue.id else {
                index += 1;
                errors.push(SubscriptionError::QueueWithoutId.at(
                    index,
                    label,
                    Some(position),
                    None,
                ));
                continue;
            };
            // One filter error per queue is enough: it is the same text for each type.
            let mut queue_failed = false;
            for kind in &queue.events {
                index += 1;
                if queue_failed {
                    continue;
                }
                let sub_id = uuid::Uuid::new_v4().to_string();
                match Subscription::new(
                    &sub_id,
                    &queue_topic(id),
                    kind.as_str(),
                    queue.filter.as_deref(),
                ) {
                    Ok(subscription) => subscriptions.push(subscription),
                    Err(error) => {
                        queue_failed = true;
                        errors.push(error.at(index, label.clone(), Some(position), None));
                    }
                }
            }
        }
        if let Err(error) = check_count(index) {
            errors.insert(0, error);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        SubscriptionSet::new(subscriptions).map_err(|error| vec![error])
    }

    /// `from_queues`, plus (with `all_queues`) one queue-summary
    /// subscription on the all-queues topic, counted against the same
    /// limit of 100.
    pub fn for_queues(
        queues: &[QueueSpec],
        all_queues: bool,
    ) -> Result<SubscriptionSet, Vec<SubscriptionError>> {
        if !all_queues {
            return SubscriptionSet::from_queues(queues);
        }
        let mut subs = match queues.is_empty() {
            true => Vec::new(),
            false => SubscriptionSet::from_queues(queues)?.subs,
        };
        let id = uuid::Uuid::new_v4().to_string();
        let all =
            Subscription::new(&id, ALL_QUEUES_TOPIC, "queue-summary", None).map_err(|e| vec![e])?;
        subs.insert(0, all);
        SubscriptionSet::new(subs).map_err(|e| vec![e])
    }

    /// The wire array of docs/PROTOCOL.md, "Subscribe" (the client's first
    /// message).
    pub fn to_json(&self) -> String {
        let wire: Vec<Wire<'_>> = self
            .subs
            .iter()
            .map(|s| Wire {
                id: &s.id,
                topic: &s.topic,
                kind: s.kind.as_str(),
                filter: s.filter_text.clone(),
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
                .at(i + 1, None, None, None)
            })?;
            let queue = parse_topic(&w.topic).ok().flatten();
            let s = Subscription::new(&w.id, &w.topic, &w.kind, w.filter.as_deref())
                .map_err(|e| e.at(i + 1, queue, None, is_uuid(&w.id).then(|| w.id.clone())))?;
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

    /// Does any subscription in the set ask for `event`?
    pub fn wants(&self, event: &QueueEventKind) -> bool {
        self.subs.iter().any(|s| s.wants(event))
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
