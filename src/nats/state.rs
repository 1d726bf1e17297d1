//! The latest full state of one queue, as the relay keeps it and writes it
//! to the key-value bucket: what a viewer starting late needs to draw the
//! whole queue at once, before any new event.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tokio::time::Instant;

use super::wire::{Agent, Interaction, Meta, Summary, Wire};
use crate::event::{FeedEvent, InteractionState, QueueTotals};

/// Most interactions and agents kept per queue: the model's own bounds are
/// smaller; this only stops a misbehaving feed from growing it without end.
const MAX_ENTRIES: usize = 5000;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QueueState {
    pub queue_id: String,
    pub name: Option<String>,
    /// The last summary with how it arrived.
    pub summary: Option<(Meta, Summary)>,
    pub totals: Option<(Meta, QueueTotals)>,
    /// Agents by user id, with when their status began (RFC 3339).
    pub agents: HashMap<String, (Agent, Option<String>)>,
    /// Interactions not yet ended, by conversation id.
    pub interactions: HashMap<String, (Meta, Interaction)>,
}

impl QueueState {
    pub fn new(queue_id: &str) -> QueueState {
        QueueState {
            queue_id: queue_id.to_string(),
            ..QueueState::default()
        }
    }

    /// Folds one message in; false when it changed nothing kept here.
    pub fn apply(&mut self, wire: &Wire) -> bool {
        match wire {
            Wire::QueueSummary { meta, summary } => {
                if let Some(queue_name) = &summary.queue_name {
                    self.name = Some(queue_name.clone());
                }
                self.summary = Some((meta.clone(), summary.clone()));
            }
            Wire::QueueTotals { meta, totals } => {
                self.totals = Some((meta.clone(), totals.clone()))
            }
            Wire::QueueName { name, .. } => self.name = Some(name.clone()),
            Wire::AgentState { meta, agent } => {
                let since = meta.server_time.clone().or(meta.received_wall.clone());
                self.put_agent(agent, since);
            }
            Wire::Member { agent, since } => self.put_agent(agent, since.clone()),
            Wire::QueueInteraction { meta, interaction } => {
                let state = InteractionState::parse(&interaction.state);
                let over = matches!(state, InteractionState::Ended | InteractionState::Abandoned);
                if over {
                    self.interactions.remove(&interaction.conversation_id);
                } else if self.interactions.len() < MAX_ENTRIES
                    || self.interactions.contains_key(&interaction.conversation_id)
                {
                    let entry = (meta.clone(), interaction.clone());
                    self.interactions
                        .insert(interaction.conversation_id.clone(), entry);
                }
            }
            _ => return false,
        }
        true
    }

    fn put_agent(&mut self, agent: &Agent, since: Option<String>) {
        if self.agents.len() < MAX_ENTRIES || self.agents.contains_key(&agent.user_id) {
            self.agents
                .insert(agent.user_id.clone(), (agent.clone(), since));
        }
    }

    /// The state as events, to be applied in this order: name, roster,
    /// interactions in flight, totals, and the summary last, marked as the
    /// first snapshot (exported, not counted as news).
    pub fn into_events(self, now: Instant, now_wall: OffsetDateTime) -> Vec<FeedEvent> {
        let mut out = Vec::with_capacity(3 + self.agents.len() + self.interactions.len());
        let mut push = |wire: Wire| {
            if let Some(ev) = wire.into_event(now, now_wall) {
                out.push(ev);
            }
        };
        if let Some(name) = self.name {
            push(Wire::QueueName {
                queue_id: self.queue_id.clone(),
                name,
            });
        }
        for (_, (agent, since)) in self.agents {
            push(Wire::Member { agent, since });
        }
        for (_, (mut meta, interaction)) in self.interactions {
            meta.snapshot = true;
            push(Wire::QueueInteraction { meta, interaction });
        }
        if let Some((mut meta, totals)) = self.totals {
            meta.snapshot = true;
            push(Wire::QueueTotals { meta, totals });
        }
        if let Some((mut meta, summary)) = self.summary {
            meta.snapshot = true;
            push(Wire::QueueSummary { meta, summary });
        }
        out
    }
}
