//! The notifications feed on the shared `Link`: start-up over REST once,
//! then per connection attempt the channels, the first snapshot (or a
//! refresh after a reconnect), and the read loop. Retry, token and
//! backpressure are the `Link`'s.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use secrecy::SecretString;
use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::channel::{self, FRAME_CAPACITY, Frame, Live};
use super::channels::Channels;
use super::dedupe::{DEDUPE_CAPACITY, Dedupe};
use super::failure::{open_failed, rest_failed};
use super::mapping::{Mapper, Receipt};
use super::members::{Reread, Told};
use super::plan::{self, Plan};
use super::read::Reader;
use super::rejections::Rejections;
use super::requery::REFRESH_TOPIC;
use super::rest::{RestClient, TopicState};
use super::setup;
use super::stopwatch::Stopwatch;
use crate::config::Config;
use crate::event::{ConnState, FeedEvent};
use crate::feed::FeedGauges;
use crate::feed::link::{Link, Outcome};
use crate::recording::Recorder;

/// What outlives one connection attempt: the REST client, what start-up
/// resolved, the last known counts, and the dedupe window.
pub(crate) struct Session {
    cfg: Arc<Config>,
    rest: Result<RestClient, String>,
    gauges: Arc<FeedGauges>,
    mapper: Mapper,
    plan: Option<Plan>,
    snapshot_sent: bool,
    /// The rosters the app was told of, while a reconnect has yet to tell
    /// it who left them.
    told: Told,
    dedupe: Dedupe,
    /// Where the next attempt's channel generations start.
    generations: u64,
}

impl Session {
    pub(crate) fn new(
        cfg: Arc<Config>,
        gauges: Arc<FeedGauges>,
        recorder: Option<Recorder>,
    ) -> Session {
        Session {
            rest: RestClient::new(&cfg.genesys.api_url)
                .map(|r| r.counting_into(gauges.clone()).with_recorder(recorder))
                .map_err(|e| e.to_string()),
            cfg,
            gauges,
            mapper: Mapper::new(),
            plan: None,
            snapshot_sent: false,
            told: Told::default(),
            dedupe: Dedupe::new(DEDUPE_CAPACITY),
            generations: 0,
        }
    }

    /// One connection attempt: plan (once), channels, snapshot, read.
    pub(crate) async fn attempt(&mut self, link: &mut Link) -> Outcome {
        if let Err(out) = link.set_state(ConnState::Connecting).await {
            return out;
        }
        link.take_reconnect();
        let mut chans = Channels::new(self.generations);
        let outcome = self.attempt_with(link, &mut chans).await;
        if matches!(outcome, Outcome::Quit | Outcome::Reconnect) {
            let reason = if matches!(outcome, Outcome::Quit) {
                "queuetop is quitting"
            } else {
                "reconnect requested"
            };
            chans.close_all(reason).await;
        }
        chans.clear();
        chans.gauge(&self.gauges, &self.dedupe);
        self.generations = chans.generations_end();
        outcome
    }

    async fn attempt_with(&mut self, link: &mut Link, chans: &mut Channels) -> Outcome {
        let first = !self.snapshot_sent;
        let stopwatch = Stopwatch::start(self.rest.as_ref().ok());
        let token = match link.token().await {
            Ok(token) => token,
            Err(out) => return out,
        };
        let rest = match &self.rest {
            Ok(rest) => rest,
            Err(error) => return Outcome::Stop(error.clone()),
        };
        let lists_read_now = self.plan.is_none();
        if lists_read_now {
            match plan::make(link, rest, &token, &self.cfg, &mut self.mapper).await {
                Ok(made) => self.plan = Some(made),
                Err(out) => return out,
            }
        }
        let Some(plan) = self.plan.as_mut() else {
            return Outcome::Stop("internal: no plan".into());
        };
        let (tx, rx) = mpsc::channel(FRAME_CAPACITY);
        let mut rejections = Rejections::default();
        let start = Start {
            rest,
            token: &token,
            plan,
            mapper: &mut self.mapper,
            snapshot_sent: &mut self.snapshot_sent,
            told: &mut self.told,
            lists_read_now,
        };
        if let Err(out) = start.run(link, chans, &mut rejections, &tx).await {
            return out;
        }
        stopwatch.report(Some(rest), first, plan.queue_ids().len());
        chans.gauge(&self.gauges, &self.dedupe);
        let reader = Reader {
            link,
            rest,
            mapper: &mut self.mapper,
            plan,
            dedupe: &mut self.dedupe,
            gauges: &self.gauges,
            cfg: &self.cfg,
        };
        reader.run(chans, rejections, tx, rx).await
    }
}

/// Opening the channels of an attempt and sending what REST says now.
struct Start<'a> {
    rest: &'a RestClient,
    token: &'a SecretString,
    plan: &'a mut Plan,
    mapper: &'a mut Mapper,
    snapshot_sent: &'a mut bool,
    told: &'a mut Told,
    /// The plan was made in this attempt: its member lists are current.
    lists_read_now: bool,
}

impl Start<'_> {
    /// Opens every channel, then queries the counts: the first snapshot
    /// (or, after a reconnect, a refresh) reaches the app before any
    /// notification, and nothing that happens in between is missed.
    async fn run(
        mut self,
        link: &mut Link,
        chans: &mut Channels,
        rejections: &mut Rejections,
        tx: &mpsc::Sender<Frame>,
    ) -> Result<(), Outcome> {
        let (rest, token) = (self.rest, self.token);
        let mut permitted = 0;
        for (live, states) in open_all(link, rest, token, self.plan, chans, tx).await? {
            chans.push(live);
            permitted += states.iter().filter(|state| !state.rejected()).count();
            rejections.report(link, states).await?;
        }
        // After a reconnect, or the first snapshot after an attempt that
        // failed once the plan was made: changes since the lists were read
        // were missed (no channel was open).
        if *self.snapshot_sent || !self.lists_read_now {
            let fresh = self.read_members_again(link, chans).await?;
            Reread::new(rest, self.mapper, self.plan, rejections, tx)
                .follow_users(link, token, fresh, chans)
                .await?;
        }
        let query = setup::observe(rest, token, self.plan.queue_ids());
        let bodies = match link.unless_command(query).await? {
            Err(failure) => return Err(rest_failed(link, failure)),
            Ok(bodies) => bodies,
        };
        for body in bodies {
            self.mapper
                .apply_query(&body)
                .map_err(|error| Outcome::Retry {
                    error,
                    delay: crate::feed::retry::Delay::Backoff,
                })?;
        }
        let receipt = Receipt {
            wall: OffsetDateTime::now_utc(),
            at: Instant::now(),
        };
        let events = if *self.snapshot_sent {
            self.mapper.summaries(REFRESH_TOPIC, false, receipt)
        } else {
            self.mapper.summaries("snapshot", true, receipt)
        };
        *self.snapshot_sent = true;
        for ev in events {
            chans.pass(link, FeedEvent::Queue(ev)).await?;
        }
        // The rosters as REST gave them: at start, so they are not empty
        // until each agent's next status change; after a reconnect, so no
        // status missed during the outage is shown as current.
        for (agent, began) in self.mapper.rosters() {
            // The status's start on our clock; now when unknown, or when
            // the server's clock is ahead of ours.
            let ago = began.map_or(Duration::ZERO, |start| {
                Duration::try_from(receipt.wall - start).unwrap_or(Duration::ZERO)
            });
            let since = receipt.at.checked_sub(ago).unwrap_or(receipt.at);
            chans.pass(link, FeedEvent::Member { agent, since }).await?;
        }
        link.count_connect();
        link.accepted();
        let connected = link.set_state(ConnState::Connected).await?;
        if connected == crate::feed::link::Sent::AfterWait {
            chans.touch();
        }
        chans
            .pass(link, FeedEvent::Acked { count: permitted })
            .await
    }

    /// With the channels open, the member lists say where everyone is now
    /// (later changes arrive as notifications); whoever left a roster the
    /// app was told of is told to it. Returns the members no channel
    /// follows yet: new to every queue since the plan was made (or since
    /// an attempt that failed read them).
    async fn read_members_again(
        &mut self,
        link: &mut Link,
        chans: &mut Channels,
    ) -> Result<Vec<String>, Outcome> {
        let ids: Vec<&str> = self.plan.queue_ids().iter().map(String::as_str).collect();
        let told_any = *self.snapshot_sent;
        if told_any {
            self.told.hold(self.mapper, &ids);
        }
        let load = setup::load_members(self.rest, self.token, &ids, self.mapper);
        if let Err(failure) = link.unless_command(load).await? {
            return Err(rest_failed(link, failure));
        }
        if told_any {
            self.told.pass_departures(link, chans, self.mapper).await?;
        }
        Ok(self.plan.unfollowed(self.mapper.member_ids()))
    }
}

/// Opens the channel of every slot at the same time, all with the
/// attempt's one token; each REST call still waits its turn in the client's
/// shared rate budget. The channels in slot order; the first failure ends
/// the attempt (the channels opened so far close with it).
async fn open_all(
    link: &mut Link,
    rest: &RestClient,
    token: &SecretString,
    plan: &Plan,
    chans: &mut Channels,
    tx: &mpsc::Sender<Frame>,
) -> Result<Vec<(Live, Vec<TopicState>)>, Outcome> {
    let expires = link.token_expires();
    let mut opened: Vec<Option<(Live, Vec<TopicState>)>> =
        plan.slots().iter().map(|_| None).collect();
    let mut pending = plan.slots().iter().enumerate();
    let mut opening = FuturesUnordered::new();
    for (slot, list) in pending.by_ref().take(setup::CONCURRENCY) {
        let open = channel::open(
            rest,
            token,
            expires,
            slot,
            chans.generation(),
            list,
            tx.clone(),
        );
        opening.push(in_slot(slot, open));
    }
    while let Some((slot, result)) = link.unless_command(opening.next()).await? {
        if let Some((next, list)) = pending.next() {
            let open = channel::open(
                rest,
                token,
                expires,
                next,
                chans.generation(),
                list,
                tx.clone(),
            );
            opening.push(in_slot(next, open));
        }
        match result {
            Ok(channel) => opened[slot] = Some(channel),
            Err(error) => return Err(open_failed(link, error)),
        }
    }
    Ok(opened.into_iter().flatten().collect())
}

async fn in_slot<T>(slot: usize, open: impl Future<Output = T>) -> (usize, T) {
    (slot, open.await)
}
