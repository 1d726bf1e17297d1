//! The notifications feed inside the feed task: start-up over REST, the
//! channels, and the read loop with ping, watchdog and make-before-break
//! handover. Retry, stop and backoff are the shared lifecycle in `feed`.

use std::collections::HashSet;
use std::time::Duration;

use secrecy::SecretString;
use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

use super::channel::{self, FRAME_CAPACITY, Frame, Live, OpenError, Wire};
use super::dedupe::{DEDUPE_CAPACITY, Dedupe};
use super::mapping::{Decoded, Mapper, Receipt};
use super::setup::{self, SetupError};
use super::topics;
use crate::event::{ConnState, FeedEvent};
use crate::feed::connect::{self, CloseAction};
use crate::feed::rest::{OBSERVATION_QUEUES, RestClient, RestError, TopicState};
use crate::feed::{Delay, Feed, Outcome, Sent, TARGET, idle_command, or_command};

/// The topic of counts refreshed by an observations query after a
/// reconnect: ordinary events, not the first snapshot.
pub const REFRESH_TOPIC: &str = "observations.query";

/// A failed handover is tried again after this long (the old channel
/// keeps working meanwhile).
const HANDOVER_RETRY: Duration = Duration::from_secs(10);

/// What outlives one connection attempt: the REST client, what start-up
/// resolved, the last known counts, and the dedupe window.
pub(crate) struct State {
    rest: Result<RestClient, String>,
    mapper: Mapper,
    plan: Option<Plan>,
    snapshot_sent: bool,
    dedupe: Dedupe,
    next_generation: u64,
    /// Rejected topics already reported in this attempt.
    rejected: HashSet<String>,
}

/// Resolved once, reused by every reconnect and handover.
struct Plan {
    queue_ids: Vec<String>,
    /// The topics of each channel.
    slots: Vec<Vec<String>>,
}

impl State {
    pub(crate) fn new(api_url: &str) -> State {
        State {
            rest: RestClient::new(api_url).map_err(|e| e.to_string()),
            mapper: Mapper::new(),
            plan: None,
            snapshot_sent: false,
            dedupe: Dedupe::new(DEDUPE_CAPACITY),
            next_generation: 0,
            rejected: HashSet::new(),
        }
    }

    fn generation(&mut self) -> u64 {
        self.next_generation += 1;
        self.next_generation
    }
}

/// The open channels of one attempt, and those closing after a handover
/// whose last frames are still welcome.
struct Channels {
    live: Vec<Live>,
    retiring: HashSet<u64>,
}

impl Channels {
    /// We were busy (blocked on the app or handing over): the silence was
    /// ours, not the server's.
    fn touch(&mut self) {
        let now = Instant::now();
        for l in &mut self.live {
            l.last_rx = now;
        }
    }

    async fn close_all(&mut self, reason: &'static str) {
        for l in self.live.drain(..) {
            l.close(reason).await;
        }
    }
}

/// When a channel next needs attention: a ping at half the silence limit,
/// death at the full limit (after the ping), its rollover.
pub fn due(
    last_rx: Instant,
    pinged: bool,
    rollover: Option<Instant>,
    silence: Duration,
) -> Instant {
    let quiet = if pinged {
        last_rx + silence
    } else {
        last_rx + silence / 2
    };
    rollover.map_or(quiet, |r| r.min(quiet))
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
        };
        let outcome = match self.start(st, &token, &tx, &mut chans).await {
            Some(out) => out,
            None => self.read_all(st, &tx, &mut rx, &mut chans).await,
        };
        if matches!(outcome, Outcome::Quit | Outcome::Reconnect) {
            let reason = if matches!(outcome, Outcome::Quit) {
                "queuetop is quitting"
            } else {
                "reconnect requested"
            };
            chans.close_all(reason).await;
        }
        outcome
    }

    /// Start-up over REST: queues, skills, members, topics. Once.
    async fn plan(&mut self, st: &mut State, token: &SecretString) -> Result<(), Outcome> {
        let rest = match &st.rest {
            Ok(r) => r,
            Err(e) => return Err(Outcome::Stop(e.clone())),
        };
        let resolve = setup::resolve_queues(rest, token, &self.cfg.queues);
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
            let open = channel::open(rest, token, slot, generation, list, tx.clone());
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
        for ids in plan.queue_ids.chunks(OBSERVATION_QUEUES) {
            let query = rest.observations(token, ids);
            let body = match or_command(&mut self.commands, &mut self.commands_open, query).await {
                Err(cmd) => return Some(idle_command(cmd)),
                Ok(Err(e)) => return Some(self.rest_failed(e)),
                Ok(Ok(b)) => b,
            };
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
    async fn report_rejections(
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

    /// Reads every channel until one dies, the user acts, or the app goes.
    async fn read_all(
        &mut self,
        st: &mut State,
        tx: &mpsc::Sender<Frame>,
        rx: &mut mpsc::Receiver<Frame>,
        chans: &mut Channels,
    ) -> Outcome {
        let silence = Duration::from_secs(self.cfg.reconnect.heartbeat_timeout_s.clamp(2, 86_400));
        let next_due = |chans: &Channels| {
            chans
                .live
                .iter()
                .map(|l| due(l.last_rx, l.pinged, l.rollover, silence))
                .min()
                .unwrap_or_else(|| Instant::now() + silence)
        };
        // Re-armed when it fires, not per frame: a flood costs nothing.
        let watchdog = sleep_until(next_due(chans));
        tokio::pin!(watchdog);
        loop {
            tokio::select! {
                biased;
                cmd = self.commands.recv(), if self.commands_open => match cmd {
                    Some(cmd) => return idle_command(cmd),
                    None => self.commands_open = false,
                },
                frame = rx.recv() => {
                    let Some(frame) = frame else {
                        return Outcome::Retry { error: "internal: frame channel closed".into(), delay: Delay::Backoff };
                    };
                    let before = chans.live.iter().map(|l| l.generation).sum::<u64>();
                    if let Some(out) = self.on_frame(st, frame, tx, chans).await {
                        return out;
                    }
                    if std::mem::take(&mut self.pending_reconnect) {
                        return Outcome::Reconnect;
                    }
                    // A handover brought a channel with its own deadlines.
                    if chans.live.iter().map(|l| l.generation).sum::<u64>() != before {
                        watchdog.as_mut().reset(next_due(chans));
                    }
                }
                () = &mut watchdog => {
                    if let Some(out) = self.on_timer(st, tx, chans, silence).await {
                        return out;
                    }
                    watchdog.as_mut().reset(next_due(chans));
                }
            }
        }
    }

    /// Pings quiet channels, declares silent ones dead, rolls over expiring ones.
    async fn on_timer(
        &mut self,
        st: &mut State,
        tx: &mpsc::Sender<Frame>,
        chans: &mut Channels,
        silence: Duration,
    ) -> Option<Outcome> {
        for i in 0..chans.live.len() {
            let now = Instant::now();
            let l = &mut chans.live[i];
            if now >= l.last_rx + silence {
                let error = format!(
                    "channel {}: nothing received for {} s: the connection is dead",
                    l.id,
                    silence.as_secs()
                );
                tracing::warn!(target: TARGET, "{error}; reconnecting");
                return Some(Outcome::Retry {
                    error,
                    delay: Delay::Backoff,
                });
            }
            if !l.pinged && now >= l.last_rx + silence / 2 {
                tracing::debug!(target: TARGET, channel = %l.id, "quiet channel; ping");
                if let Err(error) = l.ping().await {
                    return Some(Outcome::Retry {
                        error,
                        delay: Delay::Backoff,
                    });
                }
            }
            if l.rollover.is_some_and(|r| now >= r)
                && let Some(out) = self
                    .handover(st, i, "the channel expires soon", tx, chans)
                    .await
            {
                return Some(out);
            }
        }
        None
    }

    async fn on_frame(
        &mut self,
        st: &mut State,
        frame: Frame,
        tx: &mpsc::Sender<Frame>,
        chans: &mut Channels,
    ) -> Option<Outcome> {
        let now = Instant::now();
        let slot = chans
            .live
            .iter()
            .position(|l| l.generation == frame.generation);
        match slot {
            Some(i) => {
                chans.live[i].last_rx = now;
                chans.live[i].pinged = false;
            }
            // A channel we closed: its last frames still count.
            None if chans.retiring.contains(&frame.generation) => {}
            None => return None,
        }
        let text = match frame.wire {
            Wire::Alive => return None,
            Wire::Binary => {
                return self
                    .bad(
                        Decoded::Malformed("binary frame (the feed speaks JSON text)".into()),
                        chans,
                    )
                    .await;
            }
            Wire::Ended {
                code,
                reason,
                error,
            } => {
                if chans.retiring.remove(&frame.generation) {
                    return None;
                }
                let id = slot.map(|i| chans.live[i].id.clone()).unwrap_or_default();
                return Some(channel_ended(&id, code, &reason, error));
            }
            Wire::Text(t) => t,
        };
        let env = match Mapper::parse(&text) {
            Ok(env) => env,
            Err(d) => return self.bad(d, chans).await,
        };
        if let Some(c) = env.correlation_id()
            && !st.dedupe.first(c)
        {
            tracing::debug!(target: TARGET, correlation_id = c, dropped_total = st.dedupe.dropped(), "duplicate notification dropped");
            return None;
        }
        let r = Receipt {
            wall: OffsetDateTime::now_utc(),
            at: now,
        };
        match st.mapper.apply(env, r) {
            Decoded::Heartbeat => self.pass(FeedEvent::Heartbeat, chans).await,
            Decoded::Pong => None,
            Decoded::SocketClosing => match slot {
                Some(i) => {
                    self.handover(st, i, "the server is closing the socket", tx, chans)
                        .await
                }
                None => None,
            },
            Decoded::Events(evs) => {
                for ev in evs {
                    if let Some(out) = self.pass(ev, chans).await {
                        return Some(out);
                    }
                }
                None
            }
            d @ (Decoded::Malformed(_) | Decoded::Unknown(_)) => self.bad(d, chans).await,
        }
    }

    /// Make before break: a new channel for the same topics, subscribed and
    /// connected, then the old one closed. Frames the old one still
    /// delivers are applied; the dedupe drops what both delivered.
    async fn handover(
        &mut self,
        st: &mut State,
        i: usize,
        why: &'static str,
        tx: &mpsc::Sender<Frame>,
        chans: &mut Channels,
    ) -> Option<Outcome> {
        let (old_id, slot) = (chans.live[i].id.clone(), chans.live[i].slot);
        // No second handover for this channel while this one runs.
        chans.live[i].rollover = None;
        tracing::info!(target: TARGET, channel = %old_id, reason = why, "handover begun");
        let token = match self.token_or_outcome().await {
            Ok(t) => t,
            Err(out) => return Some(out),
        };
        let generation = st.generation();
        let (Ok(rest), Some(plan)) = (&st.rest, &st.plan) else {
            return Some(Outcome::Stop("internal: no REST client or plan".into()));
        };
        let topics = plan.slots.get(slot).cloned().unwrap_or_default();
        let open = channel::open(rest, &token, slot, generation, &topics, tx.clone());
        let opened = or_command(&mut self.commands, &mut self.commands_open, open).await;
        chans.touch();
        let (new, states) = match opened {
            Err(cmd) => return Some(idle_command(cmd)),
            Ok(Ok(v)) => v,
            Ok(Err(e)) => {
                if matches!(&e, OpenError::Rest(r) if r.status() == Some(401)) {
                    self.auth.invalidate();
                }
                tracing::warn!(target: TARGET, channel = %old_id, error = %e, retry_s = HANDOVER_RETRY.as_secs(), "handover failed; the old channel stays in use");
                if let Some(l) = chans.live.get_mut(i) {
                    l.rollover = Some(Instant::now() + HANDOVER_RETRY);
                }
                return None;
            }
        };
        let new_id = new.id.clone();
        let old = std::mem::replace(&mut chans.live[i], new);
        chans.retiring.insert(old.generation);
        old.close("handover to a new channel").await;
        tracing::info!(
            target: TARGET,
            old = %old_id,
            new = %new_id,
            dedupe_held = st.dedupe.len(),
            duplicates_dropped = st.dedupe.dropped(),
            "handover completed"
        );
        self.report_rejections(st, states).await
    }

    /// Counts, logs and hands on a frame we could not use.
    async fn bad(&mut self, d: Decoded, chans: &mut Channels) -> Option<Outcome> {
        let ev = match d {
            Decoded::Malformed(reason) => {
                self.malformed += 1;
                tracing::warn!(target: TARGET, malformed_total = self.malformed, reason = %reason, "malformed message");
                FeedEvent::Malformed { reason }
            }
            Decoded::Unknown(kind) => {
                self.unknown += 1;
                tracing::warn!(target: TARGET, unknown_total = self.unknown, kind = %kind, "message of unknown type");
                FeedEvent::Unknown { kind }
            }
            _ => return None,
        };
        self.pass(ev, chans).await
    }

    /// `send` for the read loop: time spent blocked on the app is not
    /// silence from the server.
    async fn pass(&mut self, ev: FeedEvent, chans: &mut Channels) -> Option<Outcome> {
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

    /// A REST failure during start-up.
    fn rest_failed(&mut self, e: RestError) -> Outcome {
        match &e {
            RestError::Status { status: 401, .. } => {
                self.auth.invalidate();
                Outcome::Retry {
                    error: format!("{e} (the token was refused; fetching a new one)"),
                    delay: Delay::AtOnce,
                }
            }
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

/// A live channel's socket ended: reconnect everything, as the close-code
/// table says (a refused payload cannot happen here: topics are refused
/// over REST, one by one).
fn channel_ended(id: &str, code: Option<u16>, reason: &str, error: Option<String>) -> Outcome {
    tracing::info!(target: TARGET, channel = %id, code = code.unwrap_or(1006), reason = %reason, "channel closed by the server");
    let error = match (code, error) {
        (Some(c), _) if reason.is_empty() => format!("channel closed by the server ({c})"),
        (Some(c), _) => format!("channel closed by the server ({c}: {reason})"),
        (None, Some(e)) => format!("channel connection lost (1006: {e})"),
        (None, None) => "channel connection lost (1006: no close frame)".to_string(),
    };
    let delay = match connect::close_action(code) {
        CloseAction::AtOnce | CloseAction::RefreshAtOnce => Delay::AtOnce,
        CloseAction::AtLeast(d) => Delay::AtLeast(d),
        CloseAction::Backoff | CloseAction::Stop => Delay::Backoff,
    };
    Outcome::Retry { error, delay }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn ping_at_half_the_silence_then_dead_at_the_full() {
        let t0 = Instant::now();
        let silence = Duration::from_secs(75);
        assert_eq!(
            due(t0, false, None, silence),
            t0 + Duration::from_millis(37_500)
        );
        assert_eq!(due(t0, true, None, silence), t0 + silence);
        let soon = t0 + Duration::from_secs(10);
        assert_eq!(due(t0, false, Some(soon), silence), soon);
        let late = t0 + Duration::from_secs(86_000);
        assert_eq!(due(t0, true, Some(late), silence), t0 + silence);
    }
}
