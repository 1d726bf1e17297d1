//! The read loop over every open channel: frames in, events out; pings at
//! half the silence limit, a dead channel at the full limit, and the
//! make-before-break handover on `socket_closing` or before expiry.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

use super::channel::{self, Frame, Live, OpenError, Wire};
use super::dedupe;
use super::mapping::{Decoded, Mapper, Receipt};
use super::members::Pending;
use super::requery::Requery;
use super::session::State;
use super::system::Troubles;
use super::topics::SystemTopic;
use crate::event::FeedEvent;
use crate::feed::connect::{self, CloseAction};
use crate::feed::{Delay, Feed, Outcome, Sent, TARGET, idle_command, or_command};

/// A failed handover is tried again after this long (the old channel
/// keeps working meanwhile).
const HANDOVER_RETRY: Duration = Duration::from_secs(10);

/// The open channels of one attempt, and those closing after a handover
/// whose last frames are still welcome.
pub(super) struct Channels {
    pub(super) live: Vec<Live>,
    pub(super) retiring: HashSet<u64>,
    /// A deadline moved (a handover ran): re-arm the watchdog.
    pub(super) rearm: bool,
    /// What system topics reported and is not mended yet.
    pub(super) troubles: Troubles,
    /// Queues whose members are to be read again.
    pub(super) members: Pending,
}

impl Channels {
    /// We were busy (blocked on the app or handing over): the silence was
    /// ours, not the server's.
    pub(super) fn touch(&mut self) {
        let now = Instant::now();
        for l in &mut self.live {
            l.last_rx = now;
        }
    }

    pub(super) async fn close_all(&mut self, reason: &'static str) {
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
    /// Reads every channel until one dies, the user acts, or the app goes.
    pub(super) async fn read_all(
        &mut self,
        st: &mut State,
        tx: &mpsc::Sender<Frame>,
        rx: &mut mpsc::Receiver<Frame>,
        chans: &mut Channels,
    ) -> Outcome {
        let silence = Duration::from_secs(self.cfg.reconnect.heartbeat_timeout_s.clamp(2, 86_400));
        let next_due = |chans: &Channels| {
            let due = chans
                .live
                .iter()
                .map(|l| due(l.last_rx, l.pinged, l.rollover, silence))
                .min()
                .unwrap_or_else(|| Instant::now() + silence);
            chans.members.due.map_or(due, |m| m.min(due))
        };
        // Re-armed when it fires, not per frame: a flood costs nothing.
        let watchdog = sleep_until(next_due(chans));
        tokio::pin!(watchdog);
        let queues = st.plan.as_ref().map_or(0, |p| p.queue_ids.len());
        let mut requery = Requery::new(self.cfg.genesys.observations_interval_s, queues);
        loop {
            tokio::select! {
                biased;
                cmd = self.commands.recv(), if self.commands_open => match cmd {
                    Some(cmd) => return idle_command(cmd),
                    None => self.commands_open = false,
                },
                // Before frames: a flood must not starve it.
                () = sleep_until(requery.due()) => {
                    if let Some(out) = self.requery(st, &mut requery, tx, rx, chans).await {
                        return out;
                    }
                    // Frames moved the deadlines; a handover may have run.
                    chans.rearm = false;
                    watchdog.as_mut().reset(next_due(chans));
                }
                frame = rx.recv() => {
                    let Some(frame) = frame else {
                        return Outcome::Retry { error: "internal: frame channel closed".into(), delay: Delay::Backoff };
                    };
                    let out = self.on_frame(st, frame, tx, chans).await;
                    self.gauge(st, chans);
                    if let Some(out) = out {
                        return out;
                    }
                    if std::mem::take(&mut self.pending_reconnect) {
                        return Outcome::Reconnect;
                    }
                    // A handover brought a channel with its own deadlines.
                    if std::mem::take(&mut chans.rearm) {
                        watchdog.as_mut().reset(next_due(chans));
                    }
                }
                () = &mut watchdog => {
                    let out = self.on_timer(st, tx, chans, silence).await;
                    self.gauge(st, chans);
                    if let Some(out) = out {
                        return out;
                    }
                    watchdog.as_mut().reset(next_due(chans));
                }
            }
        }
    }

    /// Publishes what the loop holds (relaxed stores: cheap per frame).
    pub(super) fn gauge(&self, st: &State, chans: &Channels) {
        let g = &self.gauges;
        g.dedupe_held.store(st.dedupe.len(), Ordering::Relaxed);
        g.duplicates_dropped
            .store(st.dedupe.dropped(), Ordering::Relaxed);
        g.channels_open.store(chans.live.len(), Ordering::Relaxed);
        g.channels_closing
            .store(chans.retiring.len(), Ordering::Relaxed);
    }

    /// Pings quiet channels, declares silent ones dead, rolls over expiring ones.
    async fn on_timer(
        &mut self,
        st: &mut State,
        tx: &mpsc::Sender<Frame>,
        chans: &mut Channels,
        silence: Duration,
    ) -> Option<Outcome> {
        if chans.members.due.is_some_and(|d| Instant::now() >= d)
            && let Some(out) = self.reread_members(st, chans).await
        {
            return Some(out);
        }
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
            let why = l.rollover_why;
            if l.rollover.is_some_and(|r| now >= r)
                && let Some(out) = self.handover(st, i, why, tx, chans).await
            {
                return Some(out);
            }
        }
        None
    }

    pub(super) async fn on_frame(
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
                let out = channel_ended(&id, code, &reason, error);
                if matches!(
                    out,
                    Outcome::Retry {
                        delay: Delay::NewToken,
                        ..
                    }
                ) {
                    self.auth.invalidate();
                }
                return Some(out);
            }
            Wire::Text(t) => t,
        };
        let env = match Mapper::parse(&text) {
            Ok(env) => env,
            Err(d) => return self.bad(d, chans).await,
        };
        if let Some(system) = SystemTopic::of(env.topic()) {
            return match slot {
                Some(i) => self.on_system(st, i, system, chans).await,
                None => None,
            };
        }
        // Two channels for the same topics: a handover's overlap, while
        // the old channel's last frames are still read.
        let overlap = !chans.retiring.is_empty();
        if let Some(print) = dedupe::fingerprint(&env)
            && !st.dedupe.keep(print, frame.generation, overlap)
        {
            tracing::debug!(target: TARGET, topic = env.topic(), dropped_total = st.dedupe.dropped(), "duplicate notification dropped (a copy from the other channel of a handover)");
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
            Decoded::MembersChanged { queue_id, events } => {
                chans.members.mark(queue_id);
                chans.rearm = true;
                for ev in events {
                    if let Some(out) = self.pass(ev, chans).await {
                        return Some(out);
                    }
                }
                None
            }
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
        chans.rearm = true;
        tracing::info!(target: TARGET, channel = %old_id, reason = why, "handover begun");
        // A refused token is replaced at once and the handover tried again
        // (once): the old channel may be dying with that very token.
        let mut refused = false;
        let opened = loop {
            let token = match self.token_or_outcome().await {
                Ok(t) => t,
                Err(out) => return Some(out),
            };
            let generation = st.generation();
            let (Ok(rest), Some(plan)) = (&st.rest, &st.plan) else {
                return Some(Outcome::Stop("internal: no REST client or plan".into()));
            };
            let topics = plan.slots.get(slot).cloned().unwrap_or_default();
            let expires = self.auth.expires_at();
            let open = channel::open(rest, &token, expires, slot, generation, &topics, tx.clone());
            let opened = or_command(&mut self.commands, &mut self.commands_open, open).await;
            chans.touch();
            match opened {
                Ok(Err(OpenError::Rest(r))) if r.status() == Some(401) => {
                    self.auth.invalidate();
                    if refused {
                        break Ok(Err(OpenError::Rest(r)));
                    }
                    refused = true;
                }
                other => break other,
            }
        };
        let (new, states) = match opened {
            Err(cmd) => return Some(idle_command(cmd)),
            Ok(Ok(v)) => v,
            Ok(Err(e)) => {
                tracing::warn!(target: TARGET, channel = %old_id, error = %e, retry_s = HANDOVER_RETRY.as_secs(), "handover failed; the old channel stays in use");
                if let Some(l) = chans.live.get_mut(i) {
                    l.rollover = Some(Instant::now() + HANDOVER_RETRY);
                    l.rollover_why = why;
                }
                return None;
            }
        };
        let new_id = new.id.clone();
        let old = std::mem::replace(&mut chans.live[i], new);
        chans.retiring.insert(old.generation);
        let gone = old.generation;
        old.close("handover to a new channel").await;
        tracing::info!(
            target: TARGET,
            old = %old_id,
            new = %new_id,
            dedupe_held = st.dedupe.len(),
            duplicates_dropped = st.dedupe.dropped(),
            "handover completed"
        );
        if let Some(out) = self.report_rejections(st, states).await {
            return Some(out);
        }
        for t in [SystemTopic::NoLongerSubscribed, SystemTopic::TokenRevoked] {
            if let Some(out) = self.mended(t, gone, chans).await {
                return Some(out);
            }
        }
        None
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
    pub(super) async fn pass(&mut self, ev: FeedEvent, chans: &mut Channels) -> Option<Outcome> {
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
