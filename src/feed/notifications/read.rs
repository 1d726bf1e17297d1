//! The read loop over every open channel: frames in, events out; pings at
//! half the silence limit, a dead channel at the full limit, the
//! make-before-break handover on `socket_closing` or before expiry, system
//! topics, membership rereads and the periodic observations query.

use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

use super::channel::{Frame, Wire};
use super::channels::Channels;
use super::dedupe::{self, Dedupe};
use super::handover::handover;
use super::mapping::{Decoded, Mapper, Receipt};
use super::members::{Pending, Reread};
use super::plan::Plan;
use super::rejections::Rejections;
use super::requery::Requery;
use super::rest::RestClient;
use super::system::{Troubles, resubscribe};
use super::topics::SystemTopic;
use crate::config::Config;
use crate::event::FeedEvent;
use crate::feed::connect::{self, CloseAction};
use crate::feed::link::{Link, Outcome};
use crate::feed::retry::Delay;
use crate::feed::{FeedGauges, TARGET};

/// What the read loop works with: the feed's link and what the session
/// keeps across attempts.
pub(super) struct Reader<'a> {
    pub(super) link: &'a mut Link,
    pub(super) rest: &'a RestClient,
    pub(super) mapper: &'a mut Mapper,
    pub(super) plan: &'a mut Plan,
    pub(super) dedupe: &'a mut Dedupe,
    pub(super) gauges: &'a FeedGauges,
    pub(super) cfg: &'a Config,
}

/// What belongs to this connection attempt only.
struct Attempt<'c> {
    chans: &'c mut Channels,
    rejections: Rejections,
    troubles: Troubles,
    members: Pending,
    tx: mpsc::Sender<Frame>,
}

impl Reader<'_> {
    /// How long a channel may stay silent before it counts as dead.
    fn silence(&self) -> Duration {
        Duration::from_secs(self.cfg.reconnect.heartbeat_timeout_s.clamp(2, 86_400))
    }

    /// Reads every channel until one dies, the user acts, or the app goes.
    pub(super) async fn run(
        mut self,
        chans: &mut Channels,
        rejections: Rejections,
        tx: mpsc::Sender<Frame>,
        mut rx: mpsc::Receiver<Frame>,
    ) -> Outcome {
        let mut at = Attempt {
            chans,
            rejections,
            troubles: Troubles::default(),
            members: Pending::default(),
            tx,
        };
        match self.read(&mut at, &mut rx).await {
            Ok(never) => match never {},
            Err(out) => out,
        }
    }

    async fn read(
        &mut self,
        at: &mut Attempt<'_>,
        rx: &mut mpsc::Receiver<Frame>,
    ) -> Result<std::convert::Infallible, Outcome> {
        let silence = self.silence();
        let next_due = |at: &Attempt<'_>| at.chans.next_due(silence, at.members.due());
        // Re-armed when it fires, not per frame: a flood costs nothing.
        let watchdog = sleep_until(next_due(at));
        tokio::pin!(watchdog);
        let queues = self.plan.queue_ids().len();
        let mut requery = Requery::new(self.cfg.genesys.observations_interval_s, queues);
        loop {
            tokio::select! {
                biased;
                out = self.link.command() => return Err(out),
                // Before frames: a flood must not starve it.
                () = sleep_until(requery.due()) => {
                    self.requery(at, &mut requery, rx).await?;
                    at.chans.gauge(self.gauges, self.dedupe);
                    self.reconnect_asked()?;
                    // Frames moved the deadlines; a handover may have run.
                    at.chans.take_rearm();
                    watchdog.as_mut().reset(next_due(at));
                }
                frame = rx.recv() => {
                    let Some(frame) = frame else {
                        return Err(Outcome::Retry { error: "internal: frame channel closed".into(), delay: Delay::Backoff });
                    };
                    let out = self.on_frame(at, frame).await;
                    at.chans.gauge(self.gauges, self.dedupe);
                    out?;
                    self.reconnect_asked()?;
                    // A handover brought a channel with its own deadlines.
                    if at.chans.take_rearm() {
                        watchdog.as_mut().reset(next_due(at));
                    }
                }
                () = &mut watchdog => {
                    let out = self.on_timer(at).await;
                    at.chans.gauge(self.gauges, self.dedupe);
                    out?;
                    watchdog.as_mut().reset(next_due(at));
                }
            }
        }
    }

    fn reconnect_asked(&mut self) -> Result<(), Outcome> {
        match self.link.take_reconnect() {
            true => Err(Outcome::Reconnect),
            false => Ok(()),
        }
    }

    /// One observations round; frames that arrived while it was out are
    /// applied before its answers.
    async fn requery(
        &mut self,
        at: &mut Attempt<'_>,
        requery: &mut Requery,
        rx: &mut mpsc::Receiver<Frame>,
    ) -> Result<(), Outcome> {
        let Some(bodies) = requery.query(self.link, self.rest, self.plan).await? else {
            return Ok(());
        };
        // Not `touch()`: what arrived meanwhile is applied now and marks its
        // channel alive; a channel that sent nothing was silent.
        for _ in 0..rx.len() {
            let Ok(frame) = rx.try_recv() else { break };
            self.on_frame(at, frame).await?;
        }
        requery
            .apply(self.link, self.mapper, self.gauges, at.chans, bodies)
            .await
    }

    /// Pings quiet channels, declares silent ones dead, rolls over expiring
    /// ones, rereads members whose queues changed.
    async fn on_timer(&mut self, at: &mut Attempt<'_>) -> Result<(), Outcome> {
        if let Some(queues) = at.members.take_due() {
            Reread::new(
                self.rest,
                self.mapper,
                self.plan,
                &mut at.rejections,
                &at.tx,
            )
            .run(self.link, at.chans, queues, &mut at.members)
            .await?;
        }
        let silence = self.silence();
        for index in 0..at.chans.len() {
            let now = Instant::now();
            let live = at.chans.get_mut(index);
            if live.dead(now, silence) {
                let error = format!(
                    "channel {}: nothing received for {} s: the connection is dead",
                    live.id,
                    silence.as_secs()
                );
                tracing::warn!(target: TARGET, "{error}; reconnecting");
                return Err(Outcome::Retry {
                    error,
                    delay: Delay::Backoff,
                });
            }
            if live.needs_ping(now, silence) {
                tracing::debug!(target: TARGET, channel = %live.id, "quiet channel; ping");
                if let Err(error) = live.ping().await {
                    return Err(Outcome::Retry {
                        error,
                        delay: Delay::Backoff,
                    });
                }
            }
            if let Some(why) = live.rollover_due(now) {
                self.handover(at, index, why).await?;
            }
        }
        Ok(())
    }

    async fn on_frame(&mut self, at: &mut Attempt<'_>, frame: Frame) -> Result<(), Outcome> {
        let slot = at.chans.received(frame.generation);
        if slot.is_none() && !at.chans.is_retiring(frame.generation) {
            return Ok(());
        }
        let text = match frame.wire {
            Wire::Alive => return Ok(()),
            Wire::Binary => {
                let decoded = Decoded::Malformed("binary frame (the feed speaks JSON text)".into());
                return self.bad(at, decoded).await;
            }
            Wire::Ended {
                code,
                reason,
                error,
            } => return self.on_ended(at, (slot, frame.generation), code, &reason, error),
            Wire::Text(text) => text,
        };
        let env = match Mapper::parse(&text) {
            Ok(env) => env,
            Err(decoded) => return self.bad(at, decoded).await,
        };
        if let Some(system) = SystemTopic::of(env.topic()) {
            return match slot {
                Some(index) => self.on_system(at, index, system).await,
                None => Ok(()),
            };
        }
        // Two channels for the same topics: a handover's overlap, while
        // the old channel's last frames are still read.
        let overlap = at.chans.overlap();
        if let Some(print) = dedupe::fingerprint(&env)
            && !self.dedupe.keep(print, frame.generation, overlap)
        {
            tracing::debug!(target: TARGET, topic = env.topic(), dropped_total = self.dedupe.dropped(), "duplicate notification dropped (a copy from the other channel of a handover)");
            return Ok(());
        }
        let receipt = Receipt {
            wall: OffsetDateTime::now_utc(),
            at: Instant::now(),
        };
        let events = match self.mapper.apply(env, receipt) {
            Decoded::Heartbeat => vec![FeedEvent::Heartbeat],
            Decoded::Pong => Vec::new(),
            Decoded::SocketClosing => {
                if let Some(index) = slot {
                    self.handover(at, index, "the server is closing the socket")
                        .await?;
                }
                Vec::new()
            }
            Decoded::MembersChanged { queue_id, events } => {
                at.members.mark(queue_id);
                at.chans.rearm();
                events
            }
            Decoded::Events(evs) => evs,
            decoded @ (Decoded::Malformed(_) | Decoded::Unknown(_)) => {
                return self.bad(at, decoded).await;
            }
        };
        for ev in events {
            at.chans.pass(self.link, ev).await?;
        }
        Ok(())
    }

    /// A channel's socket ended: the attempt ends with it, unless the
    /// channel was already retired by a handover.
    fn on_ended(
        &mut self,
        at: &mut Attempt<'_>,
        (slot, generation): (Option<usize>, u64),
        code: Option<u16>,
        reason: &str,
        error: Option<String>,
    ) -> Result<(), Outcome> {
        if at.chans.retired(generation) {
            return Ok(());
        }
        let id = slot
            .map(|index| at.chans.get(index).id.clone())
            .unwrap_or_default();
        let out = channel_ended(&id, code, reason, error);
        if let Outcome::Retry {
            delay: Delay::NewToken,
            ..
        } = out
        {
            self.link.token_refused();
        }
        Err(out)
    }

    /// A system topic on channel `i`: raise the alert, then mend.
    async fn on_system(
        &mut self,
        at: &mut Attempt<'_>,
        i: usize,
        topic: SystemTopic,
    ) -> Result<(), Outcome> {
        let generation = at.chans.get(i).generation;
        if let Some(alert) = at.troubles.arrived(self.link, at.chans, i, topic) {
            at.chans.pass(self.link, alert).await?;
        }
        if !matches!(topic, SystemTopic::NoLongerSubscribed) {
            return Ok(());
        }
        let Some(states) = resubscribe(self.link, self.rest, self.plan, at.chans, i).await? else {
            return Ok(());
        };
        at.rejections.report(self.link, states).await?;
        self.mended(at, SystemTopic::NoLongerSubscribed, generation)
            .await
    }

    /// Hands channel `i` over; what the old channel suffered ends with it.
    async fn handover(
        &mut self,
        at: &mut Attempt<'_>,
        i: usize,
        why: &'static str,
    ) -> Result<(), Outcome> {
        let done = handover(self.link, self.rest, self.plan, at.chans, i, why, &at.tx).await?;
        let Some(done) = done else {
            return Ok(());
        };
        tracing::info!(
            target: TARGET,
            old = %done.old_id,
            new = %done.new_id,
            dedupe_held = self.dedupe.len(),
            duplicates_dropped = self.dedupe.dropped(),
            "handover completed"
        );
        at.rejections.report(self.link, done.states).await?;
        for t in [SystemTopic::NoLongerSubscribed, SystemTopic::TokenRevoked] {
            self.mended(at, t, done.gone).await?;
        }
        Ok(())
    }

    async fn mended(
        &mut self,
        at: &mut Attempt<'_>,
        topic: SystemTopic,
        generation: u64,
    ) -> Result<(), Outcome> {
        match at.troubles.mended(topic, generation) {
            Some(ev) => at.chans.pass(self.link, ev).await,
            None => Ok(()),
        }
    }

    /// Counts, logs and hands on a frame we could not use.
    async fn bad(&mut self, at: &mut Attempt<'_>, d: Decoded) -> Result<(), Outcome> {
        let ev = match d {
            Decoded::Malformed(reason) => {
                let total = self.link.count_malformed();
                tracing::warn!(target: TARGET, malformed_total = total, reason = %reason, "malformed message");
                FeedEvent::Malformed { reason }
            }
            Decoded::Unknown(kind) => {
                let total = self.link.count_unknown();
                tracing::warn!(target: TARGET, unknown_total = total, kind = %kind, "message of unknown type");
                FeedEvent::Unknown { kind }
            }
            _ => return Ok(()),
        };
        at.chans.pass(self.link, ev).await
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
        CloseAction::AtOnce => Delay::AtOnce,
        CloseAction::RefreshAtOnce => Delay::NewToken,
        CloseAction::AtLeast(d) => Delay::AtLeast(d),
        CloseAction::Backoff | CloseAction::Stop => Delay::Backoff,
    };
    Outcome::Retry { error, delay }
}
