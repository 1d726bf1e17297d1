//! People: queue members from REST, their activity topics (routing status
//! and the queues they are active in) and the queues' membership topics.

use std::collections::HashMap;

use serde_json::Value;
use time::OffsetDateTime;

use super::{Decoded, Mapper, Receipt};
use crate::event::{AgentState, AgentStatus, FeedEvent, QueueEventKind, parse_rfc3339};

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
        let Some(queue) = self.queues.get_mut(queue_id) else {
            return;
        };
        // A user on no queue any more is no member: `member_ids` leaves
        // them out.
        for old in queue.members.keys() {
            let emptied = self.user_queues.get_mut(old).is_some_and(|qs| {
                qs.retain(|id| id != queue_id);
                qs.is_empty()
            });
            if emptied {
                self.user_queues.remove(old);
            }
        }
        queue.members.clear();
        for member in members {
            let qs = self.user_queues.entry(member.user_id.clone()).or_default();
            if !qs.iter().any(|id| id == queue_id) {
                qs.push(queue_id.to_string());
            }
            queue.members.insert(member.user_id.clone(), member);
        }
    }

    /// Replaces the member list of a queue read again after a membership
    /// change; returns the users off its roster now (who left it, or are
    /// not joined) and those new to every monitored queue (they need an
    /// activity topic).
    pub fn reread_members(
        &mut self,
        queue_id: &str,
        members: Vec<Member>,
    ) -> (Vec<String>, Vec<String>) {
        let before: Vec<String> = self
            .queues
            .get(queue_id)
            .map(|queue| queue.members.keys().cloned().collect())
            .unwrap_or_default();
        let fresh: Vec<String> = members
            .iter()
            .filter(|member| {
                self.user_queues
                    .get(&member.user_id)
                    .is_none_or(Vec::is_empty)
            })
            .map(|member| member.user_id.clone())
            .collect();
        self.set_members(queue_id, members);
        let queue = self.queues.get(queue_id);
        // Off the roster: gone from the list, or on it but not joined.
        let left = before
            .into_iter()
            .filter(|user| {
                !queue.is_some_and(|queue| {
                    queue.members.get(user).is_some_and(|member| member.joined)
                })
            })
            .collect::<Vec<_>>();
        for user in &left {
            if self.user_queues.get(user).is_some_and(Vec::is_empty) {
                self.user_queues.remove(user);
            }
        }
        (left, fresh)
    }

    /// The roster rows of one queue, with when each status began. Joined
    /// members only: an unjoined member takes none of the queue's work, is
    /// not in its observations' counts nor its skills, so not on its
    /// roster either.
    pub fn roster_of(&self, queue_id: &str) -> Vec<(AgentState, Option<OffsetDateTime>)> {
        self.queues
            .get(queue_id)
            .map(|q| {
                q.members
                    .values()
                    .filter(|m| m.joined)
                    .map(|m| (agent_state(&self.skill_names, queue_id, m), m.since))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `v2.routing.queues.{id}.users`: `{id, user{id}, queueId, joined}`.
    /// A known member's `joined` applies at once.
    pub(super) fn membership(
        &mut self,
        topic: &str,
        queue_id: &str,
        body: &Value,
        correlation: Option<String>,
        receipt: Receipt,
    ) -> Decoded {
        let user = body
            .get("user")
            .and_then(|object| object.get("id"))
            .or_else(|| body.get("id"))
            .and_then(Value::as_str);
        let joined = body.get("joined").and_then(Value::as_bool);
        let mut events = Vec::new();
        if let (Some(user), Some(joined)) = (user, joined)
            && let Some(queue) = self.queues.get_mut(queue_id)
            && let Some(member) = queue.members.get_mut(user)
            && member.joined != joined
        {
            member.joined = joined;
            let left = FeedEvent::MemberLeft {
                queue_id: queue_id.to_string(),
                user_id: user.to_string(),
            };
            let row =
                |kind| FeedEvent::Queue(receipt.event(kind, topic, None, correlation.clone()));
            events.push(match joined {
                true => row(QueueEventKind::Agent(agent_state(
                    &self.skill_names,
                    queue_id,
                    member,
                ))),
                false => left,
            });
            if let Some(summary) = self.summary(queue_id) {
                let kind = QueueEventKind::Summary(summary);
                events.push(FeedEvent::Queue(receipt.event(
                    kind,
                    topic,
                    None,
                    correlation,
                )));
            }
        }
        Decoded::MembersChanged {
            queue_id: queue_id.to_string(),
            events,
        }
    }

    /// The user ids whose routing status we need (for user topics).
    pub fn member_ids(&self) -> impl Iterator<Item = &String> {
        self.user_queues.keys()
    }

    /// Every joined member of every queue with members loaded, in queue order,
    /// with when their status began (if known): the rosters as they stand.
    pub fn rosters(&self) -> Vec<(AgentState, Option<OffsetDateTime>)> {
        self.order
            .iter()
            .filter_map(|id| Some((id, self.queues.get(id)?)))
            .flat_map(|(id, q)| {
                q.members
                    .values()
                    .filter(|m| m.joined)
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
        receipt: Receipt,
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
        // The activity topic names the queues the agent is active in: not
        // active in a queue, not available for its skills.
        let active: Option<Vec<&str>> = body
            .get("activeQueueIds")
            .and_then(Value::as_array)
            .map(|ids| ids.iter().filter_map(Value::as_str).collect());
        let queues = self.user_queues.get(user).cloned().unwrap_or_default();
        let mut out = Vec::new();
        for qid in queues {
            let Some(queue) = self.queues.get_mut(&qid) else {
                continue;
            };
            let Some(member) = queue.members.get_mut(user) else {
                continue;
            };
            member.status = status.clone();
            member.since = server_time;
            if let Some(active) = &active {
                member.joined = active.contains(&qid.as_str());
            }
            // Not joined (any more): off the roster, as on the members
            // list; the summary below still follows (its skills change).
            let row = match member.joined {
                true => Some(agent_state(&self.skill_names, &qid, member)),
                false => None,
            };
            let ev = |kind| {
                FeedEvent::Queue(receipt.event(kind, topic, server_time, correlation.clone()))
            };
            out.push(match row {
                Some(agent) => ev(QueueEventKind::Agent(agent)),
                None => FeedEvent::MemberLeft {
                    queue_id: qid.clone(),
                    user_id: user.to_string(),
                },
            });
            if let Some(summary) = self.summary(&qid) {
                out.push(ev(QueueEventKind::Summary(summary)));
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
