//! What start-up resolves once and every reconnect and handover reuses:
//! the queues, and the topics of each channel.

use std::collections::HashSet;

use super::failure::rest_failed;
use super::mapping::Mapper;
use super::rest::RestClient;
use super::setup::{self, SetupError};
use super::topics::{self, MAX_CHANNELS, TOPICS_PER_CHANNEL};
use crate::config::Config;
use crate::event::FeedEvent;
use crate::feed::TARGET;
use crate::feed::link::{Link, Outcome};
use secrecy::SecretString;

pub(super) struct Plan {
    queue_ids: Vec<String>,
    /// The topics of each channel.
    slots: Vec<Vec<String>>,
}

impl Plan {
    pub(super) fn queue_ids(&self) -> &[String] {
        &self.queue_ids
    }

    pub(super) fn slots(&self) -> &[Vec<String>] {
        &self.slots
    }

    /// The topics of channel `slot`.
    pub(super) fn topics(&self, slot: usize) -> Vec<String> {
        self.slots.get(slot).cloned().unwrap_or_default()
    }

    /// Of `users`, those whose activity topic no channel of the plan has.
    pub(super) fn unfollowed<'u>(&self, users: impl Iterator<Item = &'u String>) -> Vec<String> {
        let followed: HashSet<&str> = self.slots.iter().flatten().map(String::as_str).collect();
        let unfollowed = |user: &&String| {
            topics::user_topic(user).is_some_and(|topic| !followed.contains(topic.as_str()))
        };
        users.filter(unfollowed).cloned().collect()
    }

    /// Places `new` topics: what the last channel has room for on it, the
    /// rest on new channels while fewer than `MAX_CHANNELS` are planned. A
    /// channel's topics are a set: a topic some channel has already (a user
    /// who left every queue and came back) is not added again.
    pub(super) fn place(&mut self, new: Vec<String>) -> Placed {
        let mut planned: HashSet<String> = self.slots.iter().flatten().cloned().collect();
        let mut new: Vec<String> = new
            .into_iter()
            .filter(|topic| planned.insert(topic.clone()))
            .collect();
        let mut placed = Placed::default();
        if let Some(slot) = self.slots.len().checked_sub(1) {
            let list = &mut self.slots[slot];
            let room = TOPICS_PER_CHANNEL.saturating_sub(list.len()).min(new.len());
            if room > 0 {
                list.extend(new.drain(..room));
                placed.grown = Some(slot);
            }
        }
        while !new.is_empty() && self.slots.len() < MAX_CHANNELS {
            let take = new.len().min(TOPICS_PER_CHANNEL);
            placed.added.push(self.slots.len());
            self.slots.push(new.drain(..take).collect());
        }
        placed.left_out = new.len();
        placed
    }
}

/// Where `Plan::place` put new topics.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Placed {
    /// The last channel, grown: to be subscribed again (whole list).
    pub(super) grown: Option<usize>,
    /// New channels, to be opened.
    pub(super) added: Vec<usize>,
    /// Topics no channel may carry: every channel queuetop may open is full.
    pub(super) left_out: usize,
}

/// Start-up over REST: queues, skills, members, topics. The queue names
/// the server gave go to the app.
pub(super) async fn make(
    link: &mut Link,
    rest: &RestClient,
    token: &SecretString,
    cfg: &Config,
    mapper: &mut Mapper,
) -> Result<Plan, Outcome> {
    let resolve = setup::resolve_queues(rest, token, &cfg.queues, cfg.genesys.all_queues);
    let queues = match link.unless_command(resolve).await? {
        Err(SetupError::Config(msg)) => {
            return Err(Outcome::Stop(msg));
        }
        Err(SetupError::Rest(error)) => return Err(rest_failed(link, error)),
        Ok(queues) => queues,
    };
    if queues.is_empty() {
        return Err(Outcome::Stop(
            "no queues to monitor: add a [[queue]] to the config".into(),
        ));
    }
    // Known in config order before members arrive: the snapshot's order.
    for queue in &queues {
        mapper.add_queue(&queue.id, queue.name.clone());
        mapper.set_service_target(&queue.id, queue.service_target);
    }
    let load = setup::load_people(rest, token, &queues, mapper);
    if let Err(error) = link.unless_command(load).await? {
        return Err(rest_failed(link, error));
    }
    let all = setup::all_topics(&queues, mapper);
    let slots = topics::chunk(&all).map_err(Outcome::Stop)?;
    tracing::info!(
        target: TARGET,
        queues = queues.len(),
        topics = all.len(),
        channels = slots.len(),
        "queues resolved"
    );
    for queue in &queues {
        if let (true, Some(name)) = (queue.name_from_server, &queue.name) {
            let ev = FeedEvent::QueueName {
                queue_id: queue.id.clone(),
                name: name.clone(),
            };
            link.send(ev).await?;
        }
    }
    Ok(Plan {
        queue_ids: queues.into_iter().map(|queue| queue.id).collect(),
        slots,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topics(prefix: &str, n: usize) -> Vec<String> {
        (0..n)
            .map(|i| format!("v2.users.{prefix}{i}.activity"))
            .collect()
    }

    fn plan(slots: Vec<Vec<String>>) -> Plan {
        Plan {
            queue_ids: Vec::new(),
            slots,
        }
    }

    #[test]
    fn what_the_last_channel_has_no_room_for_goes_on_a_new_one() {
        let mut plan = plan(vec![topics("a", TOPICS_PER_CHANNEL - 1)]);
        let placed = plan.place(topics("b", 3));
        let expected = Placed {
            grown: Some(0),
            added: vec![1],
            left_out: 0,
        };
        assert_eq!(placed, expected);
        assert_eq!(plan.slots()[0].len(), TOPICS_PER_CHANNEL);
        assert_eq!(plan.topics(1), topics("b", 3)[1..]);
    }

    #[test]
    fn a_topic_planned_already_or_named_twice_is_placed_once() {
        let mut plan = plan(vec![topics("a", 2)]);
        let mut new = topics("a", 3);
        new.push(new[2].clone());
        let placed = plan.place(new);
        assert_eq!(placed.grown, Some(0));
        assert_eq!(plan.topics(0), topics("a", 3));
        assert_eq!(plan.place(topics("a", 3)), Placed::default());
    }

    #[test]
    fn past_the_last_channel_queuetop_may_open_topics_are_left_out() {
        let full = (0..MAX_CHANNELS).map(|i| topics(&format!("{i}-"), TOPICS_PER_CHANNEL));
        let mut plan = plan(full.collect());
        let placed = plan.place(topics("b", 2));
        assert_eq!(placed.left_out, 2);
        assert_eq!((placed.grown, placed.added.len()), (None, 0));
        assert_eq!(plan.slots().len(), MAX_CHANNELS);
    }
}
