//! Queue membership: which members are joined, and members added,
//! removed, joined and unjoined at run time (`SimControl`).

use crate::event::{AgentState, AgentStatus};

use super::names::person;
use super::{Agent, Model, seeded_uuid};

/// A membership as `v2.routing.queues.{id}.users` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Membership {
    pub queue_id: String,
    pub user_id: String,
    /// false once the user is no longer a member.
    pub member: bool,
    pub joined: bool,
}

/// What `v2.users.{id}.activity` says of a user's queues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Activity {
    /// The queues the user is joined in (here at most its own).
    pub active_queue_ids: Vec<String>,
    /// Unix milliseconds of the last change of those queues.
    pub changed_ms: i128,
}

impl Model {
    /// Adds `percent` % of each queue's members (at least one when
    /// `percent > 0`) as members that are not joined: listed by the members
    /// API, never routed the queue's interactions, absent from its
    /// observations.
    pub(crate) fn add_unjoined_members(&mut self, percent: u8) {
        if percent == 0 {
            return;
        }
        for qi in 0..self.queues.len() {
            let n = (self.queues[qi].agents.len() * usize::from(percent)).div_ceil(100);
            for _ in 0..n.max(1) {
                let status = if self.side_rng.u8(..100) < 70 {
                    AgentStatus::Idle
                } else {
                    AgentStatus::OffQueue
                };
                self.push_member(qi, status, false);
            }
        }
    }

    /// A new member of queue `qi` with some of the queue's skills; its
    /// index among the queue's agents.
    fn push_member(&mut self, qi: usize, status: AgentStatus, joined: bool) -> Option<usize> {
        let index = self.user_index.len();
        let now = self.now;
        // The day model gives a newcomer its first break after a while.
        let next_break = self.day.map_or(u64::MAX, |day| {
            now + day.ticks(super::pace::off::BREAK_EVERY.0)
        });
        let rng = &mut self.side_rng;
        let queue = self.queues.get_mut(qi)?;
        let skills = queue
            .skills
            .iter()
            .filter(|_| rng.bool())
            .cloned()
            .collect();
        let id = seeded_uuid(rng);
        queue.agents.push(Agent {
            id: id.clone(),
            name: person(index),
            skills,
            status,
            since: now,
            member: true,
            joined,
            joined_since: now,
            until: 0,
            next_break,
            meal_at: u64::MAX,
        });
        let ai = queue.agents.len() - 1;
        self.user_index.insert(id, (qi, ai));
        Some(ai)
    }

    pub(crate) fn has_user(&self, user_id: &str) -> bool {
        self.user_index.contains_key(user_id)
    }

    /// The member `user_id` of queue `qi`, as `(queue, agent)` indexes.
    fn member_of(&self, qi: usize, user_id: &str) -> Option<(usize, usize)> {
        self.user_index
            .get(user_id)
            .copied()
            .filter(|(q, _)| *q == qi)
    }

    fn membership(&self, qi: usize, ai: usize) -> Option<Membership> {
        let q = self.queues.get(qi)?;
        let a = q.agents.get(ai)?;
        Some(Membership {
            queue_id: q.id.clone(),
            user_id: a.id.clone(),
            member: a.member,
            joined: a.joined,
        })
    }

    /// The activity-topic view of a user's queues; `now_ms` is the wall
    /// clock that the model's current tick stands for.
    pub(crate) fn activity(&self, user_id: &str, now_ms: i128) -> Option<Activity> {
        let (qi, ai) = self.user_index.get(user_id).copied()?;
        let q = self.queues.get(qi)?;
        let a = q.agents.get(ai)?;
        let ago = self.now.saturating_sub(a.joined_since) * self.tick_ms;
        Some(Activity {
            active_queue_ids: a.routable().then(|| q.id.clone()).into_iter().collect(),
            changed_ms: now_ms - i128::from(ago),
        })
    }

    /// Joins or unjoins a member; `None` when the user is not a member of
    /// queue `qi` or already is in that state.
    pub(crate) fn set_joined(
        &mut self,
        qi: usize,
        user_id: &str,
        joined: bool,
    ) -> Option<Membership> {
        self.change_member(qi, user_id, |agent| {
            if !agent.member || agent.joined == joined {
                return false;
            }
            agent.joined = joined;
            true
        })
    }

    /// A new member of queue `qi`, idle (and joined if `joined`).
    pub(crate) fn add_member(&mut self, qi: usize, joined: bool) -> Option<Membership> {
        let ai = self.push_member(qi, AgentStatus::Idle, joined)?;
        self.membership(qi, ai)
    }

    /// Makes a user removed from queue `qi` its member again (joined if
    /// `joined`); `None` when it is a member still, or never was one.
    pub(crate) fn add_back(
        &mut self,
        qi: usize,
        user_id: &str,
        joined: bool,
    ) -> Option<Membership> {
        self.change_member(qi, user_id, |agent| {
            if agent.member {
                return false;
            }
            agent.member = true;
            agent.joined = joined;
            true
        })
    }

    /// Applies `change` to user `user_id` on queue `qi`; when it changed
    /// something, the joined state dates from now and the new membership
    /// is returned.
    fn change_member(
        &mut self,
        qi: usize,
        user_id: &str,
        change: impl FnOnce(&mut Agent) -> bool,
    ) -> Option<Membership> {
        let (qi, ai) = self.member_of(qi, user_id)?;
        let now = self.now;
        let agent = self.queues.get_mut(qi)?.agents.get_mut(ai)?;
        if !change(agent) {
            return None;
        }
        agent.joined_since = now;
        self.membership(qi, ai)
    }

    /// Removes a member from queue `qi`; `None` when it was not one. The
    /// user lives on (its status topic stays valid).
    pub(crate) fn remove_member(&mut self, qi: usize, user_id: &str) -> Option<Membership> {
        let (qi, ai) = self.member_of(qi, user_id)?;
        let now = self.now;
        let a = self.queues.get_mut(qi)?.agents.get_mut(ai)?;
        if !a.member {
            return None;
        }
        a.member = false;
        a.joined = false;
        a.joined_since = now;
        self.membership(qi, ai)
    }

    /// Sets a member's routing status now, as the agent would: its queue
    /// and the change, or `None` when it is no member, already has that
    /// status, or has an interaction (a running model changes those
    /// agents itself).
    pub(crate) fn set_status(
        &mut self,
        user_id: &str,
        status: AgentStatus,
    ) -> Option<(usize, AgentState)> {
        let (qi, ai) = self.user_index.get(user_id).copied()?;
        let now = self.now;
        let q = self.queues.get_mut(qi)?;
        let busy = q.interactions.iter().any(|i| i.agent == Some(ai));
        let a = q.agents.get_mut(ai)?;
        if busy || !a.member || a.status == status {
            return None;
        }
        a.status = status;
        a.since = now;
        let state = AgentState {
            queue_id: q.id.clone(),
            user_id: a.id.clone(),
            user_name: Some(a.name.clone()),
            status: a.status.clone(),
            skills: a.skills.clone(),
        };
        Some((qi, state))
    }
}
