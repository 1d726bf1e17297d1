//! The JSON form of the domain events between the relay and its viewers.
//!
//! An `Instant` means nothing in another process, so times travel as wall
//! clock (RFC 3339) and the reader rebuilds its own `Instant`s from their
//! age. Every field but the tag has a default and unknown fields are
//! ignored, so a relay and viewers of different versions still talk; a
//! message of a type this version does not know decodes as `Unknown` (the
//! reader counts it), never as an error.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tokio::time::Instant;

use crate::event::{
    AgentCounts, AgentState, AgentStatus, FeedEvent, InteractionState, MediaCounts, MediaType,
    QueueEvent, QueueEventKind, QueueInteraction, QueueSummary, QueueTotals, SkillCount,
    parse_rfc3339, rfc3339_ms,
};

mod figures;
pub use figures::Target;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase"
)]
pub enum Wire {
    QueueSummary {
        #[serde(flatten)]
        meta: Meta,
        #[serde(default)]
        summary: Summary,
    },
    QueueInteraction {
        #[serde(flatten)]
        meta: Meta,
        #[serde(default)]
        interaction: Interaction,
    },
    AgentState {
        #[serde(flatten)]
        meta: Meta,
        #[serde(default)]
        agent: Agent,
    },
    QueueTotals {
        #[serde(flatten)]
        meta: Meta,
        #[serde(default)]
        totals: QueueTotals,
    },
    QueueName {
        #[serde(default)]
        queue_id: String,
        #[serde(default)]
        name: String,
    },
    Member {
        #[serde(default)]
        agent: Agent,
        /// When the agent's status began.
        #[serde(default)]
        since: Option<String>,
    },
    ServerError {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
        #[serde(default)]
        queue_id: Option<String>,
    },
    TopicRejected {
        #[serde(default)]
        topic: String,
        #[serde(default)]
        reason: String,
        #[serde(default)]
        queue_id: Option<String>,
    },
    #[serde(other)]
    Unknown,
}

/// How and when a queue event arrived at the relay.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Meta {
    pub topic: String,
    pub server_time: Option<String>,
    pub received_wall: Option<String>,
    pub correlation_id: Option<String>,
    pub snapshot: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Summary {
    pub queue_id: String,
    pub queue_name: Option<String>,
    pub agents_available: u32,
    pub agents_logged_in: u32,
    pub agents_interacting: u32,
    pub interactions_waiting: u32,
    pub skills: BTreeMap<String, SkillCount>,
    /// RFC 3339, ms.
    pub oldest_waiting_since: Option<String>,
    pub demand_truncated: bool,
    /// Agents by state; absent from an older relay: all unknown.
    pub agents: AgentCounts,
    /// Waiting and interacting by media type.
    pub media: BTreeMap<String, MediaCounts>,
    /// The queue's service-level goal; absent: unknown.
    pub service_target: Option<Target>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Interaction {
    pub queue_id: String,
    pub conversation_id: String,
    pub media_type: String,
    pub state: String,
    pub wait_ms: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Agent {
    pub queue_id: String,
    pub user_id: String,
    pub user_name: Option<String>,
    pub status: String,
    pub skills: Vec<String>,
}

/// The subject word for each kind of message.
impl Wire {
    pub fn kind(&self) -> &'static str {
        match self {
            Wire::QueueSummary { .. } => "summary",
            Wire::QueueInteraction { .. } => "interaction",
            Wire::AgentState { .. } => "agent",
            Wire::QueueTotals { .. } => "totals",
            Wire::QueueName { .. } => "name",
            Wire::Member { .. } => "member",
            Wire::ServerError { .. } => "server-error",
            Wire::TopicRejected { .. } => "rejected",
            Wire::Unknown => "unknown",
        }
    }

    /// The queue a message is about, if any.
    pub fn queue_id(&self) -> Option<&str> {
        match self {
            Wire::QueueSummary { summary, .. } => Some(&summary.queue_id),
            Wire::QueueInteraction { interaction, .. } => Some(&interaction.queue_id),
            Wire::AgentState { agent, .. } | Wire::Member { agent, .. } => Some(&agent.queue_id),
            Wire::QueueTotals { totals, .. } => Some(&totals.queue_id),
            Wire::QueueName { queue_id, .. } => Some(queue_id),
            Wire::ServerError { queue_id, .. } | Wire::TopicRejected { queue_id, .. } => {
                queue_id.as_deref()
            }
            Wire::Unknown => None,
        }
    }

    /// The wire form of a feed event; None for what concerns only the
    /// relay's own connection (status, heartbeats, acks, malformed and
    /// unknown frames: the relay counts and logs those itself, and its
    /// heartbeat carries the feed's state).
    pub fn from_event(ev: &FeedEvent, now: Instant, now_wall: OffsetDateTime) -> Option<Wire> {
        Some(match ev {
            FeedEvent::Queue(queue_event) => queue(queue_event),
            FeedEvent::QueueName { queue_id, name } => Wire::QueueName {
                queue_id: queue_id.clone(),
                name: name.clone(),
            },
            FeedEvent::Member { agent, since } => Wire::Member {
                agent: Agent::from(agent),
                since: Some(rfc3339_ms(now_wall - now.saturating_duration_since(*since))),
            },
            FeedEvent::ServerError {
                code,
                message,
                queue_id,
            } => Wire::ServerError {
                code: code.clone(),
                message: message.clone(),
                queue_id: queue_id.clone(),
            },
            FeedEvent::TopicRejected {
                topic,
                reason,
                queue_id,
            } => Wire::TopicRejected {
                topic: topic.clone(),
                reason: reason.clone(),
                queue_id: queue_id.clone(),
            },
            _ => return None,
        })
    }

    /// Back to a feed event; `Instant`s are rebuilt from the wall-clock
    /// age (never in the future). `Unknown` is the caller's to count.
    pub fn into_event(self, now: Instant, now_wall: OffsetDateTime) -> Option<FeedEvent> {
        let at = |wall: Option<&str>| -> (OffsetDateTime, Instant) {
            let sent = wall.and_then(parse_rfc3339).unwrap_or(now_wall);
            let age = Duration::try_from(now_wall - sent).unwrap_or(Duration::ZERO);
            (sent, now.checked_sub(age).unwrap_or(now))
        };
        let queue_event = |meta: Meta, kind: QueueEventKind| {
            let (received_wall, received) = at(meta.received_wall.as_deref());
            FeedEvent::Queue(QueueEvent {
                kind,
                topic: meta.topic,
                server_time: meta.server_time.as_deref().and_then(parse_rfc3339),
                received_wall,
                received,
                correlation_id: meta.correlation_id,
                snapshot: meta.snapshot,
            })
        };
        Some(match self {
            Wire::QueueSummary { meta, summary } => {
                queue_event(meta, QueueEventKind::Summary(summary.into()))
            }
            Wire::QueueInteraction { meta, interaction } => {
                queue_event(meta, QueueEventKind::Interaction(interaction.into()))
            }
            Wire::AgentState { meta, agent } => {
                queue_event(meta, QueueEventKind::Agent(agent.into()))
            }
            Wire::QueueTotals { meta, totals } => queue_event(meta, QueueEventKind::Totals(totals)),
            Wire::QueueName { queue_id, name } => FeedEvent::QueueName { queue_id, name },
            Wire::Member { agent, since } => FeedEvent::Member {
                agent: agent.into(),
                since: at(since.as_deref()).1,
            },
            Wire::ServerError {
                code,
                message,
                queue_id,
            } => FeedEvent::ServerError {
                code,
                message,
                queue_id,
            },
            Wire::TopicRejected {
                topic,
                reason,
                queue_id,
            } => FeedEvent::TopicRejected {
                topic,
                reason,
                queue_id,
            },
            Wire::Unknown => return None,
        })
    }
}

fn queue(event: &QueueEvent) -> Wire {
    let meta = Meta {
        topic: event.topic.clone(),
        server_time: event.server_time.map(rfc3339_ms),
        received_wall: Some(rfc3339_ms(event.received_wall)),
        correlation_id: event.correlation_id.clone(),
        snapshot: event.snapshot,
    };
    match &event.kind {
        QueueEventKind::Summary(summary) => Wire::QueueSummary {
            meta,
            summary: Summary::from(summary),
        },
        QueueEventKind::Interaction(interaction) => Wire::QueueInteraction {
            meta,
            interaction: Interaction {
                queue_id: interaction.queue_id.clone(),
                conversation_id: interaction.conversation_id.clone(),
                media_type: interaction.media_type.as_str().to_string(),
                state: interaction.state.as_str().to_string(),
                wait_ms: interaction.wait_ms,
            },
        },
        QueueEventKind::Agent(agent) => Wire::AgentState {
            meta,
            agent: Agent::from(agent),
        },
        QueueEventKind::Totals(totals) => Wire::QueueTotals {
            meta,
            totals: totals.clone(),
        },
    }
}

/// The type name of a message this version does not know, for the count
/// and the log (read again only in that rare case).
pub fn unknown_type(bytes: &[u8]) -> String {
    #[derive(Deserialize)]
    struct Tag {
        #[serde(rename = "type", default)]
        kind: String,
    }
    serde_json::from_slice::<Tag>(bytes).map_or_else(|_| "?".into(), |t| t.kind)
}

impl From<&QueueSummary> for Summary {
    fn from(s: &QueueSummary) -> Summary {
        Summary {
            queue_id: s.queue_id.clone(),
            queue_name: s.queue_name.clone(),
            agents_available: s.agents_available,
            agents_logged_in: s.agents_logged_in,
            agents_interacting: s.agents_interacting,
            interactions_waiting: s.interactions_waiting,
            skills: s.skills.clone(),
            oldest_waiting_since: s.oldest_waiting_since.map(rfc3339_ms),
            demand_truncated: s.demand_truncated,
            agents: s.agents,
            media: s.media.clone(),
            service_target: s.service_target.map(Target::from),
        }
    }
}

impl From<Summary> for QueueSummary {
    fn from(s: Summary) -> QueueSummary {
        QueueSummary {
            queue_id: s.queue_id,
            queue_name: s.queue_name,
            agents_available: s.agents_available,
            agents_logged_in: s.agents_logged_in,
            agents_interacting: s.agents_interacting,
            interactions_waiting: s.interactions_waiting,
            skills: s.skills,
            oldest_waiting_since: s.oldest_waiting_since.as_deref().and_then(parse_rfc3339),
            demand_truncated: s.demand_truncated,
            agents: s.agents,
            media: s.media,
            service_target: s.service_target.and_then(Target::into_target),
        }
    }
}

impl From<Interaction> for QueueInteraction {
    fn from(i: Interaction) -> QueueInteraction {
        QueueInteraction {
            queue_id: i.queue_id,
            conversation_id: i.conversation_id,
            media_type: MediaType::parse(&i.media_type),
            state: InteractionState::parse(&i.state),
            wait_ms: i.wait_ms,
        }
    }
}

impl From<&AgentState> for Agent {
    fn from(a: &AgentState) -> Agent {
        Agent {
            queue_id: a.queue_id.clone(),
            user_id: a.user_id.clone(),
            user_name: a.user_name.clone(),
            status: a.status.as_str().to_string(),
            skills: a.skills.clone(),
        }
    }
}

impl From<Agent> for AgentState {
    fn from(a: Agent) -> AgentState {
        AgentState {
            queue_id: a.queue_id,
            user_id: a.user_id,
            user_name: a.user_name,
            status: AgentStatus::parse(&a.status),
            skills: a.skills,
        }
    }
}

#[cfg(test)]
mod tests;
