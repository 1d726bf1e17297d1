//! What start-up resolves once and every reconnect and handover reuses:
//! the queues, and the topics of each channel.

use std::collections::HashSet;

use super::failure::rest_failed;
use super::mapping::Mapper;
use super::rest::RestClient;
use super::setup::{self, SetupError};
use super::topics::{self, TOPICS_PER_CHANNEL};
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

    /// Adds `new` topics to the last channel when it has room: its slot
    /// and its whole list (a subscription replaces the list); None when
    /// there is no room.
    pub(super) fn add_to_last(&mut self, new: Vec<String>) -> Option<(usize, Vec<String>)> {
        let slot = self.slots.len().checked_sub(1)?;
        let list = &mut self.slots[slot];
        let room = TOPICS_PER_CHANNEL.saturating_sub(list.len());
        if room < new.len() {
            tracing::warn!(target: TARGET, users = new.len(), room, "no room on the channel for new members' activity topics; they follow at the next reconnect");
            return None;
        }
        list.extend(new);
        Some((slot, list.clone()))
    }
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
