//! Membership changes while the feed runs. A notification on
//! `v2.routing.queues.{id}.users` marks the queue; a moment later (so a
//! burst of changes costs one call per queue) its member list is read
//! again: who left goes off the roster, who came is added, and a user new
//! to every monitored queue gets an activity topic on a channel with room.

use std::collections::BTreeSet;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::time::Instant;

use super::mapping::Receipt;
use super::read::Channels;
use super::session::State;
use super::topics::{self, TOPICS_PER_CHANNEL};
use crate::event::{FeedEvent, QueueEvent, QueueEventKind};
use crate::feed::{Feed, Outcome, TARGET, idle_command, or_command};

/// How long after a membership change its queue's members are read again.
pub const MEMBERSHIP_SETTLE: Duration = Duration::from_secs(2);

/// Queues whose member lists are to be read again, and when.
#[derive(Debug, Default)]
pub(super) struct Pending {
    queues: BTreeSet<String>,
    pub(super) due: Option<Instant>,
}

impl Pending {
    pub(super) fn mark(&mut self, queue_id: String) {
        self.queues.insert(queue_id);
        self.due
            .get_or_insert_with(|| Instant::now() + MEMBERSHIP_SETTLE);
    }
}

impl Feed {
    /// Reads the marked queues' members again and tells the app.
    pub(super) async fn reread_members(
        &mut self,
        st: &mut State,
        chans: &mut Channels,
    ) -> Option<Outcome> {
        chans.members.due = None;
        let queues = std::mem::take(&mut chans.members.queues);
        let token = match self.token_or_outcome().await {
            Ok(t) => t,
            Err(out) => return Some(out),
        };
        let mut fresh_users = Vec::new();
        for queue_id in queues {
            let Ok(rest) = &st.rest else {
                return Some(Outcome::Stop("internal: no REST client".into()));
            };
            let read = rest.members(&token, &queue_id);
            let read = or_command(&mut self.commands, &mut self.commands_open, read).await;
            chans.touch();
            let members = match read {
                Err(cmd) => return Some(idle_command(cmd)),
                Ok(Ok(m)) => m,
                Ok(Err(e)) => {
                    if e.status() == Some(401) {
                        self.auth.invalidate();
                    }
                    tracing::warn!(target: TARGET, queue_id = %queue_id, error = %e, "could not read the members again; the roster stays as it was until the next reconnect");
                    continue;
                }
            };
            let (left, fresh) = st.mapper.reread_members(&queue_id, members);
            tracing::info!(target: TARGET, queue_id = %queue_id, left = left.len(), new_users = fresh.len(), "members read again after a membership change");
            fresh_users.extend(fresh);
            for user_id in left {
                let ev = FeedEvent::MemberLeft {
                    queue_id: queue_id.clone(),
                    user_id,
                };
                if let Some(out) = self.pass(ev, chans).await {
                    return Some(out);
                }
            }
            if let Some(out) = self.roster_and_summary(st, &queue_id, chans).await {
                return Some(out);
            }
        }
        self.follow_users(st, &token, fresh_users, chans).await
    }

    async fn roster_and_summary(
        &mut self,
        st: &State,
        queue_id: &str,
        chans: &mut Channels,
    ) -> Option<Outcome> {
        let r = Receipt {
            wall: OffsetDateTime::now_utc(),
            at: Instant::now(),
        };
        for (agent, began) in st.mapper.roster_of(queue_id) {
            let ago = began.map_or(Duration::ZERO, |b| {
                Duration::try_from(r.wall - b).unwrap_or(Duration::ZERO)
            });
            let since = r.at.checked_sub(ago).unwrap_or(r.at);
            if let Some(out) = self.pass(FeedEvent::Member { agent, since }, chans).await {
                return Some(out);
            }
        }
        let summary = st.mapper.summary(queue_id)?;
        let ev = FeedEvent::Queue(QueueEvent {
            kind: QueueEventKind::Summary(summary),
            topic: topics::membership_topic(queue_id),
            server_time: None,
            received_wall: r.wall,
            received: r.at,
            correlation_id: None,
            snapshot: false,
        });
        self.pass(ev, chans).await
    }

    /// Subscribes the activity topics of users new to every queue, on the
    /// last channel while it has room (PUT replaces: the whole list).
    async fn follow_users(
        &mut self,
        st: &mut State,
        token: &secrecy::SecretString,
        users: Vec<String>,
        chans: &mut Channels,
    ) -> Option<Outcome> {
        let new: Vec<String> = users.iter().filter_map(|u| topics::user_topic(u)).collect();
        if new.is_empty() {
            return None;
        }
        let (Ok(rest), Some(plan)) = (&st.rest, &mut st.plan) else {
            return Some(Outcome::Stop("internal: no REST client or plan".into()));
        };
        let slot = plan.slots.len().checked_sub(1)?;
        let list = &mut plan.slots[slot];
        let room = TOPICS_PER_CHANNEL.saturating_sub(list.len());
        if room < new.len() {
            tracing::warn!(target: TARGET, users = new.len(), room, "no room on the channel for new members' activity topics; they follow at the next reconnect");
            return None;
        }
        list.extend(new);
        let list = list.clone();
        let live = chans.live.iter().find(|l| l.slot == slot)?;
        let put = rest.subscribe(token, &live.id, &list);
        let done = or_command(&mut self.commands, &mut self.commands_open, put).await;
        chans.touch();
        match done {
            Err(cmd) => Some(idle_command(cmd)),
            Ok(Ok(states)) => self.report_rejections(st, states).await,
            Ok(Err(e)) => {
                tracing::warn!(target: TARGET, error = %e, "could not subscribe new members' activity topics; they follow at the next handover or reconnect");
                None
            }
        }
    }
}
