//! What the feed's messages other than queue events and status changes do
//! to the model: refusals and troubles (alerts), roster changes, names, and
//! the counters.

use super::AppState;
use crate::event::FeedEvent;
use crate::model::AlertKind;

impl AppState {
    /// A feed message that is neither a queue event nor a status change.
    /// True when anything visible changed.
    pub(super) fn apply_message(&mut self, event: &FeedEvent) -> bool {
        match event {
            FeedEvent::ServerError { .. }
            | FeedEvent::TopicRejected { .. }
            | FeedEvent::Trouble { .. } => self.apply_refusal(event),
            FeedEvent::QueueName { queue_id, name } => self.apply_name(queue_id, name),
            FeedEvent::Member { agent, since } if !agent.queue_id.is_empty() => {
                let index = self.queue_or_insert(&agent.queue_id);
                crate::model::apply::roster(self, index, agent, *since);
                true
            }
            FeedEvent::Member { .. } => {
                self.feed.malformed += 1;
                self.feed.last_malformed = Some("queue member without a queue id".into());
                true
            }
            FeedEvent::MemberLeft { queue_id, user_id } => {
                let Some(&index) = self.index.get(queue_id) else {
                    return false;
                };
                self.queues[index].agents.remove(user_id).is_some()
            }
            FeedEvent::Acked { count } => {
                let changed = self.feed.acked != *count;
                self.feed.acked = *count;
                changed
            }
            FeedEvent::Heartbeat => {
                self.feed.heartbeats += 1;
                true
            }
            FeedEvent::Malformed { reason } => {
                self.feed.malformed += 1;
                self.feed.last_malformed = Some(reason.clone());
                true
            }
            FeedEvent::Unknown { kind } => {
                self.feed.unknown += 1;
                self.feed.last_unknown = Some(kind.clone());
                true
            }
            // Handled by `apply` before it gets here.
            FeedEvent::Queue(_) | FeedEvent::Status(_) => false,
        }
    }

    /// A server error, a refused topic, or a trouble of the feed's: alerts.
    fn apply_refusal(&mut self, event: &FeedEvent) -> bool {
        match event {
            FeedEvent::ServerError {
                code,
                message,
                queue_id,
            } => {
                let kind = AlertKind::ServerError { code: code.clone() };
                let text = format!("server error {code}: {message}");
                self.feed.status.last_error = Some(text.clone());
                self.raise(queue_id.as_deref(), kind, text);
                true
            }
            FeedEvent::TopicRejected {
                topic,
                reason,
                queue_id,
            } => {
                let kind = AlertKind::TopicRejected {
                    topic: topic.clone(),
                };
                let text = format!("topic {topic} rejected: {reason}");
                self.raise(queue_id.as_deref(), kind, text);
                true
            }
            FeedEvent::Trouble {
                code,
                message,
                resolved,
            } => {
                // Raised and cleared at once, as the server's own errors.
                let kind = AlertKind::ServerError { code: code.clone() };
                let was = self.alerts.is_active(None, &kind);
                if *resolved {
                    let wall = self.wall;
                    self.alerts.clear(None, &kind, wall);
                } else {
                    self.raise(None, kind, message.clone());
                }
                was == *resolved
            }
            _ => false,
        }
    }
}
