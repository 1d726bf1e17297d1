//! The simulator's truth: what the model holds right now, per queue, in the
//! terms of the export (docs/EXPORT.md), so an end-to-end test can
//! compare what a client shows with what is so.

use std::collections::BTreeMap;

use super::SimHandle;
use super::control::SimControl;
use super::shared::lock;
use crate::event::AgentCounts;

/// One skill of one queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SkillTruth {
    /// Joined members with the skill who are idle.
    pub available: u32,
    /// Waiting interactions that ask for it.
    pub required: u32,
}

/// One queue as the model holds it. Only joined members count, as in the
/// queue's observations; unjoined ones are members but not the queue's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueTruth {
    pub queue_id: String,
    pub queue_name: String,
    /// Idle (routing status IDLE): the export's `agentsAvailable`.
    pub agents_available: u32,
    /// Not off queue: the export's `agentsLoggedIn`.
    pub agents_on_queue: u32,
    /// INTERACTING or COMMUNICATING: the export's `agentsInteracting`.
    pub agents_interacting: u32,
    pub interactions_waiting: u32,
    /// By skill name: the skills of joined members and those waiting
    /// interactions ask for.
    pub skills: BTreeMap<String, SkillTruth>,
    /// Those skills with nobody available, sorted: the export's
    /// `skillDeficits`.
    pub skill_deficits: Vec<String>,
    /// Joined members by routing state; every count is known here.
    pub agents: AgentCounts,
}

/// Every queue, in the simulator's queue order, and the model tick it was
/// read at (the same for all: one consistent moment).
pub(crate) fn read(control: &SimControl) -> (u64, Vec<QueueTruth>) {
    let shared = control.shared();
    let model = lock(&shared.model);
    let tick = model.clock().1;
    let truth = model
        .summaries()
        .into_iter()
        .map(|summary| {
            let skills: BTreeMap<String, SkillTruth> = summary
                .skills
                .iter()
                .map(|(name, skill)| {
                    let skill_truth = SkillTruth {
                        available: skill.available,
                        required: skill.required.unwrap_or(0),
                    };
                    (name.clone(), skill_truth)
                })
                .collect();
            QueueTruth {
                skill_deficits: skills
                    .iter()
                    .filter(|(_, skill_truth)| skill_truth.available == 0)
                    .map(|(skill_name, _)| skill_name.clone())
                    .collect(),
                queue_name: summary.queue_name.unwrap_or_default(),
                queue_id: summary.queue_id,
                agents_available: summary.agents_available,
                agents_on_queue: summary.agents_logged_in,
                agents_interacting: summary.agents_interacting,
                interactions_waiting: summary.interactions_waiting,
                skills,
                agents: summary.agents,
            }
        })
        .collect();
    (tick, truth)
}

impl SimHandle {
    /// Every queue as the model holds it now (see `QueueTruth`).
    pub fn truth(&self) -> Vec<QueueTruth> {
        self.control().truth()
    }
}

impl SimControl {
    /// Every queue as the model holds it now (see `QueueTruth`).
    pub fn truth(&self) -> Vec<QueueTruth> {
        read(self).1
    }

    /// The model tick, and every queue at that tick.
    pub fn truth_at_tick(&self) -> (u64, Vec<QueueTruth>) {
        read(self)
    }

    /// Plays `n` model ticks now, sending what they change, whether or not
    /// the model runs by itself (`SimOptions::generate`): a scripted
    /// simulator can be brought to a busy, known state and held there.
    pub fn tick(&self, n: u64) {
        for _ in 0..n {
            self.shared().step();
        }
    }
}
