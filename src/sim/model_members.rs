//! Queue membership: which members are joined, and members added,
//! removed, joined and unjoined at run time (`SimControl`).

use crate::event::AgentStatus;

use super::super::names::{FIRST_NAMES, LAST_NAMES};
use super::{Agent, Model, seeded_uuid};

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
        let n = self.user_index.len();
        let now = self.now;
        let rng = &mut self.side_rng;
        let q = self.queues.get_mut(qi)?;
        let skills = q.skills.iter().filter(|_| rng.bool()).cloned().collect();
        let first = FIRST_NAMES[n % FIRST_NAMES.len()];
        let last = LAST_NAMES[(n / FIRST_NAMES.len() + n * 7) % LAST_NAMES.len()];
        let id = seeded_uuid(rng);
        q.agents.push(Agent {
            id: id.clone(),
            name: format!("{first} {last}"),
            skills,
            status,
            since: now,
            member: true,
            joined,
        });
        let ai = q.agents.len() - 1;
        self.user_index.insert(id, (qi, ai));
        Some(ai)
    }

    pub(crate) fn has_user(&self, user_id: &str) -> bool {
        self.user_index.contains_key(user_id)
    }
}
