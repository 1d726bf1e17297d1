//! The notifications feed inside the feed task: start-up over REST, the
//! channels, and the read loop with ping, watchdog and make-before-break
//! handover. Retry, stop and backoff are the shared lifecycle in `feed`.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::channel::{self, FRAME_CAPACITY, Frame, OpenError};
use super::dedupe::{DEDUPE_CAPACITY, Dedupe};
use super::mapping::{Mapper, Receipt};
use super::read::Channels;
use super::setup::{self, SetupError};
use super::topics;
use crate::event::{ConnState, FeedEvent};
use crate::feed::notifications::rest::{RestClient, RestError, TopicState};
use crate::feed::{Delay, Feed, FeedGauges, Outcome, Sent, TARGET, idle_command, or_command};
use crate::recording::Recorder;

/// The topic of counts refreshed by an observations query after a
/// reconnect: ordinary events, not the first snapshot.
pub const REFRESH_TOPIC: &str = "observations.query";

/// What outlives one connection attempt: the REST client, what start-up
/// resolved, the last known counts, and the dedupe window.
pub(crate) struct State {
    pub(super) rest: Result<RestClient, String>,
    pub(super) mapper: Mapper,
    pub(super) plan: Option<Plan>,
    pub(super) snapshot_sent: bool,
    pub(super) dedupe: Dedupe,
    pub(super) next_generation: u64,
    /// Rejected topics already reported in this attempt.
    pub(super) rejected: HashSet<String>,
}

/// Resolved once, reused by every reconnect and handover.
pub(super) struct Plan {
    pub(super) queue_ids: Vec<String>,
    /// The topics of each channel.
    pub(super) slots: Vec<Vec<String>>,
}

impl State {
    pub(crate) fn new(api_url: &str, gauges: Arc<FeedGauges>, recorder: Option<Recorder>) -> State {
        State {
            rest: RestClient::new(api_url)
                .map(|r| r.counting_into(gauges).with_recorder(recorder))
                .map_err(|e| e.to_string()),
            mapper: Mapper::new(),
            plan: None,
            snapshot_sent: false,
            dedupe: Dedupe::new(DEDUPE_CAPACITY),
            next_generation: 0,
            rejected: HashSet::new(),
        }
    }

    pub(super) fn generation(&mut self) -> u64 {
        self.next_generation += 1;
        self.next_generation
    }
}

impl Feed {
    pub(crate) async fn notifications_once(&mut self, st: &mut State) -> Outcome {
        match self.set_state(ConnState::Connecting).await {
            Sent::Quit => return Outcome::Quit,
            Sent::Gone => return Outcome::Gone,
            Sent::Now | Sent::AfterWait => {}
        }
        self.pending_reconnect = false;
        st.rejected.clear();
        let first = !st.snapshot_sent;
        let stopwatch = setup::Stopwatch::start(st.rest.as_ref().ok());
        let token = match self.token_or_outcome().await {
            Ok(t) => t,
            Err(out) => return out,
        };
        if st.plan.is_none()
            && let Err(out) = self.plan(st, &token).await
        {
            return out;
        }
        let (tx, mut rx) = mpsc::channel(FRAME_CAPACITY);
        let mut chans = Channels {
            live: Vec::new(),
            retiring: HashSet::new(),
            rearm: false,
            troubles: Default::default(),
            members: Default::default(),
        };
        let outcome = match self.start(st, &token, &tx, &mut chans).await {
            Some(out) => out,
            None => {
                let queues = st.plan.as_ref().map_or(0, |p| p.queue_ids.len());
                stopwatch.report(st.rest.as_ref().ok(), first, queues);
                self.gauge(st, &chans);
                self.read_all(st, &tx, &mut rx, &mut chans).await
            }
        };
        if matches!(outcome, Outcome::Quit | Outcome::Reconnect) {
            let reason = if matches!(outcome, Outcome::Quit) {
                "queuetop is quitting"
            } else {
                "reconnect requested"
            };
            chans.close_all(reason).await;
        }
        chans.live.clear();
        chans.retiring.clear();
        self.gauge(st, &chans);
        outcome
    }

    /// Start-up over REST: queues, skills, members, topics. Once.
    async fn plan(&mut self, st: &mut State, token: &SecretString) -> Result<(), Outcome> {
        let rest = match &st.rest {
            Ok(r) => r,
            Err(e) => return Err(Outcome::Stop(e.clone())),
        };
        let resolve =
            setup::resolve_queues(rest, token, &self.cfg.queues, self.cfg.genesys.all_queues);
        let queues = match or_command(&mut self.commands, &mut self.commands_open, resolve).await {
            Err(cmd) => return Err(idle_command(cmd)),
            Ok(Err(SetupError::Config(msg))) => {
                return Err(Outcome::Stop(format!("{msg}; then press r to reconnect")));
            }
            Ok(Err(SetupError::Rest(e))) => return Err(self.rest_failed(e)),
            Ok(Ok(q)) => q,
        };
        if queues.is_empty() {
            return Err(Outcome::Stop(
                "no queues to monitor: add a [[queue]] to the config".into(),
            ));
        }
        // Known in config order before members arrive: the snapshot's order.
        for q in &queues {
            st.mapper.add_queue(&q.id, q.name.clone());
            st.mapper.set_service_target(&q.id, q.service_target);
        }
        let load = setup::load_people(rest, token, &queues, &mut st.mapper);
        match or_command(&mut self.commands, &mut self.commands_open, load).await {
            Err(cmd) => return Err(idle_command(cmd)),
            Ok(Err(e)) => return Err(self.rest_failed(e)),
            Ok(Ok(())) => {}
        }
        let all = setup::all_topics(&queues, &st.mapper);
        let slots = topics::chunk(&all).map_err(Outcome::Stop)?;
        tracing::info!(
            target: TARGET,
            queues = queues.len(),
            topics = all.len(),
            channels = slots.len(),
            "queues resolved"
        );
        for q in &queues {
            if let (true, Some(name)) = (q.name_from_server, &q.name) {
                let ev = FeedEvent::QueueName {
                    queue_id: q.id.clone(),
                    name: name.clone(),
                };
                match self.send(ev).await {
                    Sent::Quit => return Err(Outcome::Quit),
                    Sent::Gone => return Err(Outcome::Gone),
                    Sent::Now | Sent::AfterWait => {}
                }
            }
        }
        st.plan = Some(Plan {
            queue_ids: queues.into_iter().map(|q| q.id).collect(),
            slots,
        });
        Ok(())
    }

    /// Opens every channel, then queries the counts: the first snapshot
    /// (or, after a reconnect, a refresh) reaches the app before any
    /// notification, and nothing that happens in between is missed.
    async fn start(
        &mut self,
        st: &mut State,
        token: &SecretString,
        tx: &mpsc::Sender<Frame>,
        chans: &mut Channels,
    ) -> Option<Outcome> {
        let Some(plan) = st.plan.take() else {
            return Some(Outcome::Stop("internal: no plan".into()));
        };
        let out = self.start_with(st, &plan, token, tx, chans).await;
        st.plan = Some(plan);
        out
    }

    async fn start_with(
        &mut self,
        st: &mut State,
        plan: &Plan,
        token: &SecretString,
        tx: &mpsc::Sender<Frame>,
        chans: &mut Channels,
    ) -> Option<Outcome> {
        let mut permitted = 0;
        for (slot, list) in plan.slots.iter().enumerate() {
            let generation = st.generation();
            let Ok(rest) = &st.rest else {
                return Some(Outcome::Stop("internal: no REST client".into()));
            };
            let expires = self.auth.expires_at();
            let open = channel::open(rest, token, expires, slot, generation, list, tx.clone());
            let (live, states) =
                match or_command(&mut self.commands, &mut self.commands_open, open).await {
                    Err(cmd) => return Some(idle_command(cmd)),
                    Ok(Err(e)) => return Some(self.open_failed(e)),
                    Ok(Ok(v)) => v,
                };
            chans.live.push(live);
            permitted += states.iter().filter(|t| !t.rejected()).count();
            if let Some(out) = self.report_rejections(st, states).await {
                return Some(out);
            }
        }
        let Ok(rest) = &st.rest else {
            return Some(Outcome::Stop("internal: no REST client".into()));
        };
        if st.snapshot_sent {
            // A reconnect: status changes during the outage were missed.
            // With the channels open, the member lists say where everyone
            // is now (later changes arrive as notifications).
            let ids: Vec<&str> = plan.queue_ids.iter().map(String::as_str).collect();
            let load = setup::load_members(rest, token, &ids, &mut st.mapper);
            match or_command(&mut self.commands, &mut self.commands_open, load).await {
                Err(cmd) => return Some(idle_command(cmd)),
                Ok(Err(e)) => return Some(self.rest_failed(e)),
                Ok(Ok(())) => {}
            }
        }
        let query = setup::observe(rest, token, &plan.queue_ids);
        let bodies = match or_command(&mut self.commands, &mut self.commands_open, query).await {
            Err(cmd) => return Some(idle_command(cmd)),
            Ok(Err(e)) => return Some(self.rest_failed(e)),
            Ok(Ok(b)) => b,
        };
        for body in bodies {
            if let Err(e) = st.mapper.apply_query(&body) {
                return Some(Outcome::Retry {
                    error: e,
                    delay: Delay::Backoff,
                });
            }
        }
        let r = Receipt {
            wall: OffsetDateTime::now_utc(),
            at: Instant::now(),
        };
        let events = if st.snapshot_sent {
            st.mapper.summaries(REFRESH_TOPIC, false, r)
        } else {
            st.mapper.summaries("snapshot", true, r)
        };
        st.snapshot_sent = true;
        for ev in events {
            if let Some(out) = self.pass(FeedEvent::Queue(ev), chans).await {
                return Some(out);
            }
        }
        // The rosters as REST gave them: at start, so they are not empty
        // until each agent's next status change; after a reconnect, so no
        // status missed during the outage is shown as current.
        for (agent, began) in st.mapper.rosters() {
            // The status's start on our clock; now when unknown, or when
            // the server's clock is ahead of ours.
            let ago = began.map_or(Duration::ZERO, |b| {
                Duration::try_from(r.wall - b).unwrap_or(Duration::ZERO)
            });
            let since = r.at.checked_sub(ago).unwrap_or(r.at);
            let ev = FeedEvent::Member { agent, since };
            if let Some(out) = self.pass(ev, chans).await {
                return Some(out);
            }
        }
        self.status.connects = self.status.connects.saturating_add(1);
        self.clear_failures();
        self.status.state = ConnState::Connected;
        if let Some(out) = self
            .pass(FeedEvent::Status(self.status.clone()), chans)
            .await
        {
            return Some(out);
        }
        self.pass(FeedEvent::Acked { count: permitted }, chans)
            .await
    }

    /// Every newly rejected topic becomes an alert with its reason.
    pub(super) async fn report_rejections(
        &mut self,
        st: &mut State,
        states: Vec<TopicState>,
    ) -> Option<Outcome> {
        for t in states.into_iter().filter(TopicState::rejected) {
            if !st.rejected.insert(t.id.clone()) {
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
            match self.send(ev).await {
                Sent::Quit => return Some(Outcome::Quit),
                Sent::Gone => return Some(Outcome::Gone),
                Sent::Now | Sent::AfterWait => {}
            }
        }
        None
    }

    /// A REST failure during start-up.
    pub(super) fn rest_failed(&mut self, e: RestError) -> Outcome {
        match &e {
            RestError::Status { status: 401, .. } => {
                self.auth.invalidate();
                Outcome::Retry {
                    error: format!("{e} (the token was refused; fetching a new one)"),
                    delay: Delay::NewToken,
                }
            }
            // A request that is wrong stays wrong: the message says what
            // to fix in the config.
            RestError::Refused(msg) => Outcome::Stop(msg.clone()),
            RestError::RateLimited { .. } => Outcome::Retry {
                error: e.to_string(),
                delay: Delay::AtLeast(Duration::from_secs(30)),
            },
            _ => Outcome::Retry {
                error: e.to_string(),
                delay: Delay::Backoff,
            },
        }
    }

    fn open_failed(&mut self, e: OpenError) -> Outcome {
        match e {
            OpenError::Rest(e) => self.rest_failed(e),
            OpenError::Connect(error) => Outcome::Retry {
                error,
                delay: Delay::Backoff,
            },
        }
    }
}
