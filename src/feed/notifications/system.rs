//! The system topics that say a channel no longer works as it should:
//! `v2.system.no_longer_subscribed.{id}` (subscribe the channel again) and
//! `v2.system.token_revoked.{id}` (a new token, and every channel handed
//! over to a new one made with it). Each is an alert from the moment it
//! arrives until the feed has mended it, and both reach the audit log.

use std::collections::HashSet;

use tokio::time::Instant;

use super::read::Channels;
use super::session::State;
use super::topics::SystemTopic;
use crate::event::FeedEvent;
use crate::feed::{Feed, Outcome, Sent, TARGET, or_command};

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
}

impl Feed {
    /// One system message on channel `i`.
    pub(super) async fn on_system(
        &mut self,
        st: &mut State,
        i: usize,
        topic: SystemTopic,
        chans: &mut Channels,
    ) -> Option<Outcome> {
        let id = chans.live[i].id.clone();
        let message = match topic {
            SystemTopic::NoLongerSubscribed => {
                format!("channel {id} lost its subscriptions; subscribing again")
            }
            SystemTopic::TokenRevoked => {
                "the access token was revoked; fetching a new one and replacing the channels".into()
            }
        };
        tracing::warn!(target: TARGET, channel = %id, code = topic.code(), "{message}");
        let first = chans.troubles.set(topic).is_empty();
        match topic {
            SystemTopic::NoLongerSubscribed => {
                chans.troubles.lost.insert(chans.live[i].generation);
            }
            SystemTopic::TokenRevoked => {
                self.auth.invalidate();
                let now = Instant::now();
                for l in &mut chans.live {
                    chans.troubles.revoked.insert(l.generation);
                    l.rollover = Some(now);
                    l.rollover_why = "the token was revoked";
                }
                chans.rearm = true;
            }
        }
        if first {
            let ev = FeedEvent::Trouble {
                code: topic.code().into(),
                message,
                resolved: false,
            };
            if let Some(out) = self.pass(ev, chans).await {
                return Some(out);
            }
        }
        match topic {
            SystemTopic::NoLongerSubscribed => self.resubscribe(st, i, chans).await,
            SystemTopic::TokenRevoked => None,
        }
    }

    /// Subscribes channel `i` to its topics again; when that fails, the
    /// channel is handed over to a new one at once instead.
    async fn resubscribe(
        &mut self,
        st: &mut State,
        i: usize,
        chans: &mut Channels,
    ) -> Option<Outcome> {
        let token = match self.token_or_outcome().await {
            Ok(t) => t,
            Err(out) => return Some(out),
        };
        let (Ok(rest), Some(plan)) = (&st.rest, &st.plan) else {
            return Some(Outcome::Stop("internal: no REST client or plan".into()));
        };
        let l = &chans.live[i];
        let (id, generation) = (l.id.clone(), l.generation);
        let topics = plan.slots.get(l.slot).cloned().unwrap_or_default();
        let put = rest.subscribe(&token, &id, &topics);
        let done = or_command(&mut self.commands, &mut self.commands_open, put).await;
        chans.touch();
        match done {
            Err(cmd) => Some(crate::feed::idle_command(cmd)),
            Ok(Ok(states)) => {
                tracing::info!(target: TARGET, channel = %id, topics = topics.len(), "subscribed again");
                if let Some(out) = self.report_rejections(st, states).await {
                    return Some(out);
                }
                self.mended(SystemTopic::NoLongerSubscribed, generation, chans)
                    .await
            }
            Ok(Err(e)) => {
                if e.status() == Some(401) {
                    self.auth.invalidate();
                }
                tracing::warn!(target: TARGET, channel = %id, error = %e, "subscribing again failed; replacing the channel");
                if let Some(l) = chans.live.get_mut(i) {
                    l.rollover = Some(Instant::now());
                    l.rollover_why = "its subscriptions were lost";
                }
                chans.rearm = true;
                None
            }
        }
    }

    /// Channel `generation` no longer suffers from `topic` (mended, or
    /// replaced by a handover); the alert ends with the last one.
    pub(super) async fn mended(
        &mut self,
        topic: SystemTopic,
        generation: u64,
        chans: &mut Channels,
    ) -> Option<Outcome> {
        let set = chans.troubles.set(topic);
        if !set.remove(&generation) || !set.is_empty() {
            return None;
        }
        tracing::info!(target: TARGET, code = topic.code(), "resolved");
        let ev = FeedEvent::Trouble {
            code: topic.code().into(),
            message: format!("{} resolved", topic.code()),
            resolved: true,
        };
        match self.send(ev).await {
            Sent::Now => None,
            Sent::AfterWait => {
                chans.touch();
                None
            }
            Sent::Quit => Some(Outcome::Quit),
            Sent::Gone => Some(Outcome::Gone),
        }
    }
}
