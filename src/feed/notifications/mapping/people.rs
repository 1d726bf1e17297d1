//! People: queue members from REST and their routing-status topics.

use std::collections::HashMap;

use serde_json::Value;
use time::OffsetDateTime;

use super::{Decoded, Mapper, Receipt};
use crate::event::{AgentState, AgentStatus, FeedEvent, QueueEvent, QueueEventKind, parse_rfc3339};

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

impl Mapper {
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

    pub(super) fn user_status(
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
