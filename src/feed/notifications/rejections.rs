//! Topics the server refused: each becomes an alert with its reason, once
//! per connection attempt.

use std::collections::HashSet;

use super::rest::TopicState;
use super::topics;
use crate::event::FeedEvent;
use crate::feed::TARGET;
use crate::feed::link::{Link, Outcome};

#[derive(Debug, Default)]
pub(super) struct Rejections {
    /// Rejected topics already reported in this attempt.
    reported: HashSet<String>,
}

impl Rejections {
    /// Every newly rejected topic of `states` becomes an alert.
    pub(super) async fn report(
        &mut self,
        link: &mut Link,
        states: Vec<TopicState>,
    ) -> Result<(), Outcome> {
        for t in states.into_iter().filter(TopicState::rejected) {
            if !self.reported.insert(t.id.clone()) {
                continue;
            }
            let reason = t
                .rejection_reason
                .unwrap_or_else(|| "no reason given".into());
            tracing::warn!(target: TARGET, topic = %t.id, reason = %reason, "topic rejected");
            let ev = FeedEvent::TopicRejected {
                queue_id: topics::queue_of_topic(&t.id).map(str::to_string),
                topic: t.id,
                reason,
            };
            link.send(ev).await?;
        }
        Ok(())
    }
}
