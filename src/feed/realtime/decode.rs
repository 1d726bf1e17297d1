//! The realtime v1 wire format (docs/PROTOCOL.md, "Realtime v1"): decoding
//! server messages into domain events. Connecting lives in `feed::connect`,
//! the connection itself in `connection.rs`.
//!
//! Decoding is a pure function of the frame text and the receipt times, so
//! it can be fuzzed and benchmarked alone. It makes one pass over the JSON
//! with no intermediate tree: `data` is decoded into one flat struct holding
//! the union of the fields of every message type, because `type` may come
//! after `data` in the object.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use time::OffsetDateTime;
use tokio::time::Instant;

use crate::event::{
    AgentCounts, AgentState, AgentStatus, FeedEvent, InteractionState, MediaType, QueueEvent,
    QueueEventKind, QueueInteraction, QueueSummary, SkillCount, parse_rfc3339,
};

/// Subscription id -> queue id, for the subscriptions sent on this socket.
pub type SubscriptionIndex = HashMap<String, String>;

/// Malformed reasons are logged and shown; keep them short.
const MAX_REASON: usize = 200;

/// Decodes one text frame. Never fails: what cannot be understood becomes
/// `Malformed` (missing or ill-typed fields) or `Unknown` (a `type` we do
/// not know), to be counted and logged.
pub fn decode(text: &str, received_wall: OffsetDateTime, received: Instant) -> FeedEvent {
    decode_with(text, received_wall, received, None)
}

/// `decode`, mapping an error's `subscriptionId` back to its queue through
/// the subscriptions sent on this socket.
pub fn decode_with(
    text: &str,
    received_wall: OffsetDateTime,
    received: Instant,
    subs: Option<&SubscriptionIndex>,
) -> FeedEvent {
    let env: Envelope<'_> = match serde_json::from_str(text) {
        Ok(env) => env,
        Err(error) => return malformed(format!("unreadable message: {error}")),
    };
    let Some(kind) = env.kind else {
        return malformed("message without \"type\"".into());
    };
    // An empty topic names nothing: as good as none.
    let Some(topic) = env.topic.filter(|name| !name.0.is_empty()) else {
        return malformed(format!("{} message without \"topic\"", kind.0));
    };
    let Some(data) = env.data else {
        return malformed(format!("{} message without \"data\"", kind.0));
    };
    let kind = kind.0;
    match kind.as_ref() {
        "ack" => match data.items {
            Some(count) => FeedEvent::Acked { count },
            None => malformed("ack whose \"data\" is not an array".into()),
        },
        "heartbeat" => FeedEvent::Heartbeat,
        "error" => server_error(env.message, &topic.0, data, subs),
        "queue-summary" | "queue-interaction" | "agent-state" => {
            let Some(stamp) = env.timestamp else {
                return malformed(format!("{kind} message without \"timestamp\""));
            };
            let Some(server_time) = parse_rfc3339(&stamp.0) else {
                return malformed(format!("{kind} timestamp is not RFC 3339"));
            };
            let parsed = match kind.as_ref() {
                "queue-summary" => summary(data),
                "queue-interaction" => interaction(data),
                _ => agent(data),
            };
            match parsed {
                Ok(kind) => FeedEvent::Queue(QueueEvent {
                    kind,
                    topic: topic.0.into_owned(),
                    server_time: Some(server_time),
                    received_wall,
                    received,
                    correlation_id: None,
                    snapshot: false,
                }),
                Err(field) => malformed(format!("{kind} message without data.{field}")),
            }
        }
        // An empty type names nothing: the message is broken, not new.
        "" => malformed("message with an empty \"type\"".into()),
        other => FeedEvent::Unknown {
            kind: truncate(other.to_string()),
        },
    }
}

/// The queue named by a topic `/routing/queues/{id}/events`.
pub fn queue_from_topic(topic: &str) -> Option<&str> {
    let id = topic
        .strip_prefix("/routing/queues/")?
        .strip_suffix("/events")?;
    (!id.is_empty() && !id.contains('/')).then_some(id)
}

fn server_error(
    message: Option<Str<'_>>,
    topic: &str,
    data: Data<'_>,
    subs: Option<&SubscriptionIndex>,
) -> FeedEvent {
    let by_subscription = data
        .subscription_id
        .as_ref()
        .and_then(|id| subs?.get(id.0.as_ref()).cloned());
    let queue_id = by_subscription
        .or(data.queue_id)
        .or_else(|| queue_from_topic(topic).map(str::to_owned));
    let message = message
        .map(|m| m.0.into_owned())
        .or(data.message)
        .unwrap_or_default();
    FeedEvent::ServerError {
        code: data.code.unwrap_or_else(|| "unknown".into()),
        message: truncate(message),
        queue_id,
    }
}

fn summary(data: Data<'_>) -> Result<QueueEventKind, &'static str> {
    let skills = match data.skills {
        None => BTreeMap::new(),
        Some(Skills::Counts(map)) => map,
        Some(Skills::Names(_)) => return Err("skills (an object of counts)"),
    };
    let agents_available = data.agents_available.ok_or("agentsAvailable")?;
    let agents_logged_in = data.agents_logged_in.ok_or("agentsLoggedIn")?;
    Ok(QueueEventKind::Summary(QueueSummary {
        queue_id: data
            .queue_id
            .filter(|queue| !queue.is_empty())
            .ok_or("queueId")?,
        queue_name: data.queue_name,
        agents_available,
        agents_logged_in,
        agents_interacting: data.agents_interacting.ok_or("agentsInteracting")?,
        interactions_waiting: data.interactions_waiting.ok_or("interactionsWaiting")?,
        skills,
        // Wait times arrive as queue-interaction events on this feed.
        oldest_waiting_since: None,
        demand_truncated: false,
        // agentsLoggedIn counts agents on queue (off-queue ones are not
        // logged in to it). agentsInteracting mixes queue work with
        // non-queue work, and off queue and not responding are not given:
        // unknown on this feed.
        // Nor does it split by media type.
        media: BTreeMap::new(),
        // Nor does it carry the queue's service-level goal.
        service_target: None,
        agents: AgentCounts {
            on_queue: Some(agents_logged_in),
            idle: Some(agents_available),
            ..AgentCounts::default()
        },
    }))
}

fn interaction(d: Data<'_>) -> Result<QueueEventKind, &'static str> {
    Ok(QueueEventKind::Interaction(QueueInteraction {
        queue_id: d.queue_id.filter(|q| !q.is_empty()).ok_or("queueId")?,
        conversation_id: d
            .conversation_id
            .filter(|c| !c.is_empty())
            .ok_or("conversationId")?,
        media_type: MediaType::parse(&d.media_type.ok_or("mediaType")?.0),
        state: InteractionState::parse(&d.state.ok_or("state")?.0),
        wait_ms: d.wait_ms,
    }))
}

fn agent(d: Data<'_>) -> Result<QueueEventKind, &'static str> {
    let skills = match d.skills {
        None => Vec::new(),
        Some(Skills::Names(names)) => names,
        Some(Skills::Counts(_)) => return Err("skills (an array of names)"),
    };
    Ok(QueueEventKind::Agent(AgentState {
        queue_id: d.queue_id.filter(|q| !q.is_empty()).ok_or("queueId")?,
        user_id: d.user_id.filter(|u| !u.is_empty()).ok_or("userId")?,
        user_name: d.user_name,
        status: AgentStatus::parse(&d.status.ok_or("status")?.0),
        skills,
    }))
}

fn malformed(reason: String) -> FeedEvent {
    FeedEvent::Malformed {
        reason: truncate(reason),
    }
}

fn truncate(mut s: String) -> String {
    if s.len() > MAX_REASON {
        let mut cut = MAX_REASON;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

// ---- wire structs -------------------------------------------------------

/// A string that borrows from the frame when it holds no escapes.
struct Str<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(StrVisitor).map(|s| Str(s.0))
    }
}

struct StrVisitor;

impl<'de> Visitor<'de> for StrVisitor {
    type Value = Str<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Str<'de>, E> {
        Ok(Str(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Str<'de>, E> {
        Ok(Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Str<'de>, E> {
        Ok(Str(Cow::Owned(v)))
    }
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Str<'a>>,
    #[serde(borrow)]
    topic: Option<Str<'a>>,
    #[serde(borrow)]
    timestamp: Option<Str<'a>>,
    #[serde(borrow)]
    message: Option<Str<'a>>,
    #[serde(borrow)]
    data: Option<Data<'a>>,
}

/// `data` of any message type: the union of their fields.
#[derive(Default)]
struct Data<'a> {
    /// Some(len) when `data` was an array (ack).
    items: Option<usize>,
    queue_id: Option<String>,
    queue_name: Option<String>,
    agents_available: Option<u32>,
    agents_logged_in: Option<u32>,
    agents_interacting: Option<u32>,
    interactions_waiting: Option<u32>,
    skills: Option<Skills>,
    conversation_id: Option<String>,
    media_type: Option<Str<'a>>,
    state: Option<Str<'a>>,
    wait_ms: Option<u64>,
    user_id: Option<String>,
    user_name: Option<String>,
    status: Option<Str<'a>>,
    code: Option<String>,
    subscription_id: Option<Str<'a>>,
    message: Option<String>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Data<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DataVisitor)
    }
}

struct DataVisitor;

impl<'de> Visitor<'de> for DataVisitor {
    type Value = Data<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("\"data\" as an object or an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Data<'de>, A::Error> {
        let mut n = 0;
        while seq.next_element::<IgnoredAny>()?.is_some() {
            n += 1;
        }
        Ok(Data {
            items: Some(n),
            ..Data::default()
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Data<'de>, A::Error> {
        let mut data = Data::default();
        while let Some(key) = map.next_key::<Str<'de>>()? {
            match key.0.as_ref() {
                "queueId" => data.queue_id = map.next_value()?,
                "queueName" => data.queue_name = map.next_value()?,
                "agentsAvailable" => data.agents_available = map.next_value()?,
                "agentsLoggedIn" => data.agents_logged_in = map.next_value()?,
                "agentsInteracting" => data.agents_interacting = map.next_value()?,
                "interactionsWaiting" => data.interactions_waiting = map.next_value()?,
                "skills" => data.skills = map.next_value()?,
                "conversationId" => data.conversation_id = map.next_value()?,
                "mediaType" => data.media_type = map.next_value()?,
                "state" => data.state = map.next_value()?,
                "waitMs" => data.wait_ms = map.next_value()?,
                "userId" => data.user_id = map.next_value()?,
                "userName" => data.user_name = map.next_value()?,
                "status" => data.status = map.next_value()?,
                "code" => data.code = map.next_value()?,
                "subscriptionId" => data.subscription_id = map.next_value()?,
                "message" => data.message = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(data)
    }
}

/// `skills`: counts per skill in a summary, names in an agent state.
enum Skills {
    Counts(BTreeMap<String, SkillCount>),
    Names(Vec<String>),
}

#[derive(Deserialize)]
struct SkillWire {
    available: u32,
    required: Option<u32>,
}

impl<'de> Deserialize<'de> for Skills {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Skills;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("\"skills\" as an object or an array of names")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skills, A::Error> {
                let mut names = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
                while let Some(name) = seq.next_element::<String>()? {
                    names.push(name);
                }
                Ok(Skills::Names(names))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skills, A::Error> {
                let mut counts = BTreeMap::new();
                while let Some((name, c)) = map.next_entry::<String, SkillWire>()? {
                    counts.insert(
                        name,
                        SkillCount {
                            available: c.available,
                            required: c.required,
                        },
                    );
                }
                Ok(Skills::Counts(counts))
            }
        }
        deserializer.deserialize_any(V)
    }
}

#[cfg(test)]
#[path = "decode_tests.rs"]
mod tests;
