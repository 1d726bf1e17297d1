//! Membership and status changes made at run time (`SimControl`): the
//! model changes, then the notifications a real org sends for it go out
//! in order: the queue's membership topic (for a membership), the user's
//! topics, the queue's observations; and the events for realtime sockets.

use crate::event::{AgentStatus, QueueEventKind};
use crate::sim::center::{Membership, Model};
use crate::sim::publish::notes;
use crate::sim::shared::{Shared, lock, now_stamp};

impl Shared {
    /// Applies `change` to queue `queue_id` of the model and publishes
    /// what it changed; `None` (and nothing sent) when it changed nothing.
    pub(crate) fn change_membership(
        &self,
        queue_id: &str,
        change: impl FnOnce(&mut Model, usize) -> Option<Membership>,
    ) -> Option<Membership> {
        let qi = *self.queue_index.get(queue_id)?;
        let stamp = now_stamp();
        let now_ms = crate::sim::publish::frames::now_ms();
        let omit_zero = self.faults.borrow().omit_zero_qualifiers_in_notifications;
        let (member, batch, summary) = {
            let mut model = lock(&self.model);
            let member = change(&mut model, qi)?;
            let (status, start_ms) = model.status_of(&member.user_id, now_ms)?;
            let activity = model.activity(&member.user_id, now_ms)?;
            let start = crate::sim::publish::frames::stamp_ms(start_ms);
            let mut batch: Vec<notes::Note> =
                notes::membership_changed(&member, status.as_str(), &start, &activity, &self.seq)
                    .into();
            if let Some(obs) = model.observe(qi) {
                let mut state = lock(&self.notes_state);
                batch.extend(state.queue_changed(qi, &obs, &stamp, omit_zero, &self.seq));
            }
            (member, batch, model.queue_summary(qi))
        };
        self.publish_notes(batch);
        if let Some(summary) = summary {
            self.publish(QueueEventKind::Summary(summary), stamp);
        }
        Some(member)
    }

    /// Sets member `user_id`'s routing status and publishes the change
    /// (see `Model::set_status`); false when it changed nothing.
    pub(crate) fn change_status(&self, user_id: &str, status: AgentStatus) -> bool {
        let stamp = now_stamp();
        let now_ms = crate::sim::publish::frames::now_ms();
        let omit_zero = self.faults.borrow().omit_zero_qualifiers_in_notifications;
        let published = {
            let mut model = lock(&self.model);
            model.set_status(user_id, status).and_then(|(qi, agent)| {
                let activity = model.activity(user_id, now_ms)?;
                let mut batch = vec![notes::user_changed(&agent, &stamp, &activity, &self.seq)];
                if let Some(obs) = model.observe(qi) {
                    let mut state = lock(&self.notes_state);
                    batch.extend(state.queue_changed(qi, &obs, &stamp, omit_zero, &self.seq));
                }
                Some((batch, agent, model.queue_summary(qi)))
            })
        };
        let Some((batch, agent, summary)) = published else {
            return false;
        };
        self.publish_notes(batch);
        self.publish(QueueEventKind::Agent(agent), stamp.clone());
        if let Some(summary) = summary {
            self.publish(QueueEventKind::Summary(summary), stamp);
        }
        true
    }
}
