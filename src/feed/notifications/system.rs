//! The system topics that say a channel no longer works as it should:
//! `v2.system.no_longer_subscribed.{id}` (subscribe the channel again) and
//! `v2.system.token_revoked.{id}` (a new token, and every channel handed
//! over to a new one made with it). Each is an alert from the moment it
//! arrives until the feed has mended it, and both reach the audit log.

use std::collections::HashSet;

use tokio::time::Instant;

use super::channels::Channels;
use super::plan::Plan;
use super::rest::{RestClient, TopicState};
use super::topics::SystemTopic;
use crate::event::FeedEvent;
use crate::feed::TARGET;
use crate::feed::link::{Link, Outcome};

/// Channels (by generation) each trouble still affects.
#[derive(Debug, Default)]
pub(super) struct Troubles {
    lost: HashSet<u64>,
    revoked: HashSet<u64>,
}

impl Troubles {
    fn set(&mut self, t: SystemTopic) -> &mut HashSet<u64> {
        match t {
            SystemTopic::NoLongerSubscribed => &mut self.lost,
            SystemTopic::TokenRevoked => &mut self.revoked,
        }
    }

    /// One system message on channel `index`: what it affects is noted (a
    /// revoked token is forgotten and every channel is to be replaced);
    /// the alert to raise when it is the first of its kind.
    pub(super) fn arrived(
        &mut self,
        link: &mut Link,
        chans: &mut Channels,
        index: usize,
        topic: SystemTopic,
    ) -> Option<FeedEvent> {
        let id = chans.get(index).id.clone();
        let message = match topic {
            SystemTopic::NoLongerSubscribed => {
                format!("channel {id} lost its subscriptions; subscribing again")
            }
            SystemTopic::TokenRevoked => {
                "the access token was revoked; fetching a new one and replacing the channels".into()
            }
        };
        tracing::warn!(target: TARGET, channel = %id, code = topic.code(), "{message}");
        let first = self.set(topic).is_empty();
        match topic {
            SystemTopic::NoLongerSubscribed => {
                self.lost.insert(chans.get(index).generation);
            }
            SystemTopic::TokenRevoked => {
                link.token_refused();
                self.revoked
                    .extend(chans.roll_all_now("the token was revoked"));
            }
        }
        first.then(|| FeedEvent::Trouble {
            code: topic.code().into(),
            message,
            resolved: false,
        })
    }

    /// Channel `generation` no longer suffers from `topic` (mended, or
    /// replaced by a handover); the alert's end when it was the last one.
    pub(super) fn mended(&mut self, topic: SystemTopic, generation: u64) -> Option<FeedEvent> {
        let set = self.set(topic);
        if !set.remove(&generation) || !set.is_empty() {
            return None;
        }
        tracing::info!(target: TARGET, code = topic.code(), "resolved");
        Some(FeedEvent::Trouble {
            code: topic.code().into(),
            message: format!("{} resolved", topic.code()),
            resolved: true,
        })
    }
}

/// Subscribes channel `index` to its topics again: the topics' states, or
/// None when that failed and the channel is to be handed over at once.
pub(super) async fn resubscribe(
    link: &mut Link,
    rest: &RestClient,
    plan: &Plan,
    chans: &mut Channels,
    index: usize,
) -> Result<Option<Vec<TopicState>>, Outcome> {
    let token = link.token().await?;
    let id = chans.get(index).id.clone();
    let topics = plan.topics(chans.get(index).slot);
    let done = link
        .unless_command(rest.subscribe(&token, &id, &topics))
        .await;
    chans.touch();
    match done? {
        Ok(states) => {
            tracing::info!(target: TARGET, channel = %id, topics = topics.len(), "subscribed again");
            Ok(Some(states))
        }
        Err(error) => {
            if error.status() == Some(401) {
                link.token_refused();
            }
            tracing::warn!(target: TARGET, channel = %id, error = %error, "subscribing again failed; replacing the channel");
            chans.roll_at(index, Instant::now(), "its subscriptions were lost");
            Ok(None)
        }
    }
}
