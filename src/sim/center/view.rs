//! Read-only views of the model for the notifications API: queues, skills
//! and members as REST shows them, and the per-media observations a queue
//! publishes. Each view costs O(agents + interactions) of one queue.

use crate::event::{AgentStatus, InteractionState};

use super::{MEDIA_NAMES, Model, Totals};

/// The routing statuses `oOnQueueUsers` is qualified by (OFF_QUEUE users
/// are not on queue, so they are never counted).
pub(crate) const ON_QUEUE: [AgentStatus; 4] = [
    AgentStatus::Idle,
    AgentStatus::Interacting,
    AgentStatus::Communicating,
    AgentStatus::NotResponding,
];

/// The `oOnQueueUsers` qualifier of `ON_QUEUE[k]`.
pub(crate) fn qualifier(k: usize) -> &'static str {
    match k {
        0 => "IDLE",
        1 => "INTERACTING",
        2 => "COMMUNICATING",
        _ => "NOT_RESPONDING",
    }
}

/// One waiting interaction, as `oWaiting` observations show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WaitingObs {
    pub conversation_id: String,
    pub skill_id: Option<String>,
    pub waited_ms: u64,
}

/// Current counts of one media type in one queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MediaObs {
    pub media: String,
    pub waiting: Vec<WaitingObs>,
    /// Offered to an agent or connected (`oInteracting`).
    pub interacting: u32,
    /// Of those, still ringing (`oAlerting`).
    pub alerting: u32,
}

impl MediaObs {
    pub(crate) fn empty(media: &str) -> MediaObs {
        MediaObs {
            media: media.to_string(),
            waiting: Vec::new(),
            interacting: 0,
            alerting: 0,
        }
    }
}

/// What a queue's observations say now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueueObs {
    pub queue_id: String,
    /// Counts in the order of `ON_QUEUE`.
    pub on_queue: [u32; 4],
    /// Joined members not off queue.
    pub active: u32,
    /// Joined members off queue.
    pub off_queue: u32,
    /// Every member, joined or not.
    pub members: u32,
    /// Media types with interactions, sorted by name; never empty (an idle
    /// queue reports `voice` with zero counts).
    pub media: Vec<MediaObs>,
    /// In the order of `MEDIA_NAMES`.
    pub totals: [Totals; MEDIA_NAMES.len()],
}

/// A queue member as `GET .../members?expand=skills,routingStatus` shows it.
#[derive(Debug, Clone)]
pub(crate) struct MemberView {
    pub user_id: String,
    pub name: String,
    /// `(skill id, skill name)`.
    pub skills: Vec<(String, String)>,
    pub status: AgentStatus,
    /// Model tick the status started at.
    pub since_tick: u64,
    pub joined: bool,
}

/// The share of interactions to answer within the target (the model's
/// service-level goal, as `mediaSettings` and `oServiceLevel` state it).
pub(crate) const SERVICE_LEVEL_PERCENT: f64 = 0.8;

impl Model {
    /// `(id, name)` of queue `qi` (which must exist).
    pub(crate) fn queue_name(&self, qi: usize) -> (&str, &str) {
        self.queues
            .get(qi)
            .map_or(("", ""), |q| (q.id.as_str(), q.name.as_str()))
    }

    /// Members of queue `qi`, and how many of them are joined.
    pub(crate) fn member_counts(&self, qi: usize) -> (usize, usize) {
        self.queues.get(qi).map_or((0, 0), |q| {
            let members = q.agents.iter().filter(|a| a.member).count();
            (members, q.agents.iter().filter(|a| a.routable()).count())
        })
    }

    /// Answered within this many milliseconds of waiting is within target.
    pub(crate) fn service_target_ms(&self) -> u64 {
        self.target_ticks * self.tick_ms
    }

    /// A queue's realtime summary now.
    pub(crate) fn queue_summary(&self, qi: usize) -> Option<crate::event::QueueSummary> {
        self.queues.get(qi).map(super::summary)
    }

    /// A user's routing status and when it started (Unix milliseconds,
    /// `now_ms` standing for the current tick).
    pub(crate) fn status_of(&self, user_id: &str, now_ms: i128) -> Option<(AgentStatus, i128)> {
        let (qi, ai) = self.user_index.get(user_id).copied()?;
        let a = self.queues.get(qi)?.agents.get(ai)?;
        let ago = self.now.saturating_sub(a.since) * self.tick_ms;
        Some((a.status.clone(), now_ms - i128::from(ago)))
    }

    pub(crate) fn queue_index(&self, id: &str) -> Option<usize> {
        self.queue_index.get(id).copied()
    }

    pub(crate) fn queue_count(&self) -> usize {
        self.queues.len()
    }

    /// A queue's running interval counts, per media type (what `observe`
    /// copies into `QueueObs::totals`, without building the rest).
    pub(crate) fn totals(&self, qi: usize) -> Option<&[Totals; MEDIA_NAMES.len()]> {
        self.queues.get(qi).map(|queue| &queue.totals)
    }

    /// Milliseconds of simulated time per tick, and the current tick.
    pub(crate) fn clock(&self) -> (u64, u64) {
        (self.tick_ms, self.now)
    }

    /// `(id, name)` of every skill, sorted by name.
    pub(crate) fn skills(&self) -> Vec<(String, String)> {
        self.skill_ids
            .iter()
            .map(|(name, id)| (id.clone(), name.clone()))
            .collect()
    }

    pub(crate) fn skill_id(&self, name: &str) -> Option<&str> {
        self.skill_ids.get(name).map(String::as_str)
    }

    pub(crate) fn members(&self, qi: usize) -> Vec<MemberView> {
        let Some(q) = self.queues.get(qi) else {
            return Vec::new();
        };
        q.agents
            .iter()
            .filter(|a| a.member)
            .map(|a| MemberView {
                user_id: a.id.clone(),
                name: a.name.clone(),
                skills: a
                    .skills
                    .iter()
                    .map(|s| (self.skill_id(s).unwrap_or(s).to_string(), s.clone()))
                    .collect(),
                status: a.status.clone(),
                since_tick: a.since,
                joined: a.joined,
            })
            .collect()
    }

    /// The current observation of queue `qi`.
    pub(crate) fn observe(&self, qi: usize) -> Option<QueueObs> {
        let queue = self.queues.get(qi)?;
        let joined = |predicate: &dyn Fn(&AgentStatus) -> bool| {
            queue
                .agents
                .iter()
                .filter(|agent| agent.routable() && predicate(&agent.status))
                .count() as u32
        };
        let mut on_queue = [0u32; 4];
        for agent in queue.agents.iter().filter(|agent| agent.routable()) {
            if let Some(slot) = ON_QUEUE.iter().position(|status| *status == agent.status) {
                on_queue[slot] += 1;
            }
        }
        let mut media: Vec<MediaObs> = Vec::new();
        for interaction in &queue.interactions {
            let name = interaction.media.as_str();
            let pos = match media.iter().position(|entry| entry.media == name) {
                Some(position) => position,
                None => {
                    media.push(MediaObs::empty(name));
                    media.len() - 1
                }
            };
            let entry = &mut media[pos];
            match interaction.state {
                InteractionState::Waiting => entry.waiting.push(WaitingObs {
                    conversation_id: interaction.id.clone(),
                    skill_id: interaction
                        .skill
                        .as_ref()
                        .map(|skill| self.skill_id(skill).unwrap_or(skill).to_string()),
                    waited_ms: self.now.saturating_sub(interaction.arrived) * self.tick_ms,
                }),
                InteractionState::Alerting => {
                    entry.interacting += 1;
                    entry.alerting += 1;
                }
                InteractionState::Connected => entry.interacting += 1,
                _ => {}
            }
        }
        if media.is_empty() {
            media.push(MediaObs::empty("voice"));
        }
        media.sort_by(|agent, other| agent.media.cmp(&other.media));
        Some(QueueObs {
            queue_id: queue.id.clone(),
            on_queue,
            active: joined(&|status| *status != AgentStatus::OffQueue),
            off_queue: joined(&|status| *status == AgentStatus::OffQueue),
            members: queue.agents.iter().filter(|agent| agent.member).count() as u32,
            media,
            totals: queue.totals,
        })
    }
}
