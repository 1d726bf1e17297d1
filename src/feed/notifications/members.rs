//! Membership changes while the feed runs. A notification on
//! `v2.routing.queues.{id}.users` marks the queue; a moment later (so a
//! burst of changes costs one call per queue) its member list is read
//! again: who left goes off the roster, who came is added, and a user new
//! to every monitored queue gets an activity topic on a channel with room.

use std::collections::BTreeSet;
use std::time::Duration;

use secrecy::SecretString;
use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::channel::{self, Frame};
use super::channels::Channels;
use super::failure::open_failed;
use super::mapping::{Mapper, Receipt};
use super::plan::Plan;
use super::rejections::Rejections;
use super::rest::RestClient;
use super::topics::{self, MAX_CHANNELS};
use crate::event::{FeedEvent, QueueEvent, QueueEventKind};
use crate::feed::TARGET;
use crate::feed::link::{Link, Outcome};

/// How long after a membership change its queue's members are read again.
pub const MEMBERSHIP_SETTLE: Duration = Duration::from_secs(2);
/// How long after a failed reread (the REST client's own tries spent) it
/// is tried again.
pub const REREAD_RETRY: Duration = Duration::from_secs(10);

/// Queues whose member lists are to be read again, and when.
#[derive(Debug, Default)]
pub(super) struct Pending {
    queues: BTreeSet<String>,
    due: Option<Instant>,
}

impl Pending {
    pub(super) fn mark(&mut self, queue_id: String) {
        self.mark_in(queue_id, MEMBERSHIP_SETTLE);
    }

    /// Marks the queue, to be read `after` from now unless others are due
    /// sooner.
    fn mark_in(&mut self, queue_id: String, after: Duration) {
        self.queues.insert(queue_id);
        self.due.get_or_insert_with(|| Instant::now() + after);
    }

    pub(super) fn due(&self) -> Option<Instant> {
        self.due
    }

    /// The marked queues, once their time has come.
    pub(super) fn take_due(&mut self) -> Option<BTreeSet<String>> {
        if self.due.is_none_or(|d| Instant::now() < d) {
            return None;
        }
        self.due = None;
        Some(std::mem::take(&mut self.queues))
    }
}

/// What a member reread works with.
pub(super) struct Reread<'a> {
    rest: &'a RestClient,
    mapper: &'a mut Mapper,
    plan: &'a mut Plan,
    rejections: &'a mut Rejections,
    /// Where a channel opened for new members sends its frames.
    frames: &'a mpsc::Sender<Frame>,
}

impl<'a> Reread<'a> {
    pub(super) fn new(
        rest: &'a RestClient,
        mapper: &'a mut Mapper,
        plan: &'a mut Plan,
        rejections: &'a mut Rejections,
        frames: &'a mpsc::Sender<Frame>,
    ) -> Reread<'a> {
        Reread {
            rest,
            mapper,
            plan,
            rejections,
            frames,
        }
    }

    /// Reads the queues' members again and tells the app. A queue whose
    /// read fails for a reason that may pass (a server error, a refused
    /// token, the network) is marked in `pending` to be read again: until
    /// then a newcomer to it is on no roster and followed by no channel.
    pub(super) async fn run(
        self,
        link: &mut Link,
        chans: &mut Channels,
        queues: BTreeSet<String>,
        pending: &mut Pending,
    ) -> Result<(), Outcome> {
        let token = link.token().await?;
        let mut fresh_users = Vec::new();
        for queue_id in queues {
            let read = link
                .unless_command(self.rest.members(&token, &queue_id))
                .await;
            chans.touch();
            let members = match read? {
                Ok(members) => members,
                Err(error) => {
                    if error.status() == Some(401) {
                        link.token_refused();
                    }
                    let status = error.status().unwrap_or(0);
                    if (400..500).contains(&status) && status != 401 && status != 429 {
                        tracing::warn!(target: TARGET, queue_id = %queue_id, error = %error, "could not read the members again; the roster stays as it was until the next reconnect");
                    } else {
                        tracing::warn!(target: TARGET, queue_id = %queue_id, error = %error, retry_s = REREAD_RETRY.as_secs(), "could not read the members again; the roster stays as it was until they are read");
                        pending.mark_in(queue_id, REREAD_RETRY);
                    }
                    continue;
                }
            };
            let (left, fresh) = self.mapper.reread_members(&queue_id, members);
            tracing::info!(target: TARGET, queue_id = %queue_id, left = left.len(), new_users = fresh.len(), "members read again after a membership change");
            fresh_users.extend(fresh);
            for user_id in left {
                let ev = FeedEvent::MemberLeft {
                    queue_id: queue_id.clone(),
                    user_id,
                };
                chans.pass(link, ev).await?;
            }
            roster_and_summary(link, self.mapper, &queue_id, chans).await?;
        }
        self.follow_users(link, &token, fresh_users, chans).await
    }

    /// Follows the activity topics of users new to every queue: on the
    /// last channel while it has room (PUT replaces: the whole list), the
    /// rest on a new channel. A new channel that cannot be opened fails the
    /// attempt, as at start-up: it stays in the plan, and the reconnect
    /// opens every channel of the plan (no other moment would open it).
    pub(super) async fn follow_users(
        self,
        link: &mut Link,
        token: &SecretString,
        users: Vec<String>,
        chans: &mut Channels,
    ) -> Result<(), Outcome> {
        let new: Vec<String> = users
            .iter()
            .filter_map(|user| topics::user_topic(user))
            .collect();
        if new.is_empty() {
            return Ok(());
        }
        let placed = self.plan.place(new);
        if placed.left_out > 0 {
            tracing::warn!(target: TARGET, users = placed.left_out, channels = MAX_CHANNELS, "every channel queuetop may open is full: these new members' statuses are not followed; monitor fewer queues");
        }
        if let Some(live) = placed.grown.and_then(|slot| chans.in_slot(slot)) {
            let list = self.plan.topics(live.slot);
            let put = self.rest.subscribe(token, &live.id, &list);
            let done = link.unless_command(put).await;
            chans.touch();
            match done? {
                Ok(states) => self.rejections.report(link, states).await?,
                Err(error) => {
                    tracing::warn!(target: TARGET, error = %error, "could not subscribe new members' activity topics; they follow at the next handover or reconnect");
                }
            }
        }
        for slot in placed.added {
            let list = self.plan.topics(slot);
            let (generation, expires) = (chans.generation(), link.token_expires());
            let open = channel::open(
                self.rest,
                token,
                expires,
                slot,
                generation,
                &list,
                self.frames.clone(),
            );
            let opened = link.unless_command(open).await;
            chans.touch();
            match opened? {
                Ok((live, states)) => {
                    tracing::info!(target: TARGET, channel = %live.id, slot, topics = list.len(), "new channel for new members' activity topics (the last one is full)");
                    chans.push(live);
                    chans.rearm();
                    self.rejections.report(link, states).await?;
                }
                Err(error) => {
                    tracing::warn!(target: TARGET, slot, error = %error, "could not open a channel for new members' activity topics; reconnecting, which opens every channel of the plan");
                    return Err(open_failed(link, error));
                }
            }
        }
        Ok(())
    }
}

/// Each queue's roster as the app was last told of it, held from the
/// first attempt of a reconnect until an attempt has told the app who
/// left. An attempt that fails part-way through reading the member lists
/// has put the lists it did read in the mapper already; diffing the next
/// attempt's lists against the mapper would then never tell of whoever
/// left those queues.
#[derive(Debug, Default)]
pub(super) struct Told {
    rosters: Option<Vec<(String, BTreeSet<String>)>>,
}

impl Told {
    /// Notes who is on each queue's roster (its joined members) before the
    /// member lists are read again, unless a failed attempt already did.
    pub(super) fn hold(&mut self, mapper: &Mapper, queue_ids: &[&str]) {
        self.rosters.get_or_insert_with(|| {
            let roster = |id: &&str| {
                let users = mapper
                    .roster_of(id)
                    .into_iter()
                    .map(|(agent, _)| agent.user_id);
                (id.to_string(), users.collect())
            };
            queue_ids.iter().map(roster).collect()
        });
    }

    /// Tells the app who left a roster while the feed was down: on it as
    /// held, and now gone from the queue's member list or not joined. No
    /// notification told of it (the socket was down), and the member rows
    /// the reconnect sends name only those still there. Once all are told,
    /// the next outage starts from the mapper again.
    pub(super) async fn pass_departures(
        &mut self,
        link: &mut Link,
        chans: &mut Channels,
        mapper: &Mapper,
    ) -> Result<(), Outcome> {
        for (queue_id, users) in self.rosters.iter().flatten() {
            let now: BTreeSet<String> = mapper
                .roster_of(queue_id)
                .into_iter()
                .map(|(agent, _)| agent.user_id)
                .collect();
            let left: Vec<&String> = users.difference(&now).collect();
            if !left.is_empty() {
                tracing::info!(target: TARGET, queue_id = %queue_id, left = left.len(), "members left the queue while the feed was down");
            }
            for user_id in left {
                let ev = FeedEvent::MemberLeft {
                    queue_id: queue_id.clone(),
                    user_id: user_id.clone(),
                };
                chans.pass(link, ev).await?;
            }
        }
        self.rosters = None;
        Ok(())
    }
}

async fn roster_and_summary(
    link: &mut Link,
    mapper: &Mapper,
    queue_id: &str,
    chans: &mut Channels,
) -> Result<(), Outcome> {
    let receipt = Receipt {
        wall: OffsetDateTime::now_utc(),
        at: Instant::now(),
    };
    for (agent, began) in mapper.roster_of(queue_id) {
        let ago = began.map_or(Duration::ZERO, |start| {
            Duration::try_from(receipt.wall - start).unwrap_or(Duration::ZERO)
        });
        let since = receipt.at.checked_sub(ago).unwrap_or(receipt.at);
        chans.pass(link, FeedEvent::Member { agent, since }).await?;
    }
    let Some(summary) = mapper.summary(queue_id) else {
        return Ok(());
    };
    let ev = FeedEvent::Queue(QueueEvent {
        kind: QueueEventKind::Summary(summary),
        topic: topics::membership_topic(queue_id),
        server_time: None,
        received_wall: receipt.wall,
        received: receipt.at,
        correlation_id: None,
        snapshot: false,
    });
    chans.pass(link, ev).await
}
