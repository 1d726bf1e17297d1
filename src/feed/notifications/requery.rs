//! The observations query on a steady cadence, inside the read loop.
//!
//! Notifications carry no per-interaction detail, so skill demand and wait
//! times only come from this query; each answer also corrects the counts
//! notifications keep, and the corrections are counted (a non-zero count
//! on a real org means the notification mapping drifts).
//!
//! The query runs in the read loop, not beside it: frames received while it
//! is out wait in the frame channel (bounded; the readers then stop reading
//! their sockets, so nothing is lost), and are applied before the answer.
//! They were sent before it, so the answer is the newer state, and a change
//! still in flight is not counted as a correction.

use std::sync::atomic::Ordering;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::channel::Frame;
use super::mapping::Receipt;
use super::read::Channels;
use super::session::{REFRESH_TOPIC, State};
use crate::event::FeedEvent;
use crate::feed::notifications::rest::{OBSERVATION_QUEUES, RestError};
use crate::feed::{Feed, Outcome, TARGET, idle_command, or_command};

/// REST calls a minute the queries may spend: half of the 300 a
/// client-credentials token gets, the rest is for start-up and channels.
const CALLS_PER_MINUTE: u64 = 150;

/// When the next query is due.
pub(super) struct Requery {
    every: Duration,
    next: Instant,
}

/// The configured interval, stretched when `queues` (one call per
/// `OBSERVATION_QUEUES`) would spend more than `CALLS_PER_MINUTE`; true
/// when stretched.
pub fn cadence(configured_s: u64, queues: usize) -> (Duration, bool) {
    let calls = queues.div_ceil(OBSERVATION_QUEUES).max(1) as u64;
    let floor = Duration::from_millis(calls.saturating_mul(60_000) / CALLS_PER_MINUTE);
    let configured = Duration::from_secs(configured_s.max(1));
    (configured.max(floor), floor > configured)
}

impl Requery {
    pub(super) fn new(configured_s: u64, queues: usize) -> Requery {
        let (every, stretched) = cadence(configured_s, queues);
        if stretched {
            tracing::info!(
                target: TARGET,
                queues,
                configured_s,
                interval_ms = every.as_millis() as u64,
                "observations queries stretched to stay within half the REST budget"
            );
        }
        Requery {
            every,
            next: Instant::now() + every,
        }
    }

    pub(super) fn due(&self) -> Instant {
        self.next
    }
}

impl Feed {
    /// One round: query every queue, apply the frames that arrived
    /// meanwhile, then the answers; hand on the summaries that changed. A
    /// failed round is logged and skipped: notifications keep flowing.
    pub(super) async fn requery(
        &mut self,
        st: &mut State,
        requery: &mut Requery,
        tx: &mpsc::Sender<Frame>,
        rx: &mut mpsc::Receiver<Frame>,
        chans: &mut Channels,
    ) -> Option<Outcome> {
        let out = self.requery_round(st, requery, tx, rx, chans).await;
        self.gauge(st, chans);
        if out.is_none() && std::mem::take(&mut self.pending_reconnect) {
            return Some(Outcome::Reconnect);
        }
        out
    }

    async fn requery_round(
        &mut self,
        st: &mut State,
        requery: &mut Requery,
        tx: &mpsc::Sender<Frame>,
        rx: &mut mpsc::Receiver<Frame>,
        chans: &mut Channels,
    ) -> Option<Outcome> {
        requery.next = Instant::now() + requery.every;
        let started = Instant::now();
        let bodies = match self.query_all(st).await {
            Ok(Ok(bodies)) => bodies,
            Ok(Err(error)) => {
                tracing::warn!(target: TARGET, error = %error, "observations query failed; trying again at the next interval");
                return None;
            }
            Err(out) => return Some(out),
        };
        // Not `chans.touch()`: what arrived meanwhile is applied now and
        // marks its channel alive; a channel that sent nothing was silent.
        for _ in 0..rx.len() {
            let Ok(frame) = rx.try_recv() else { break };
            if let Some(out) = self.on_frame(st, frame, tx, chans).await {
                return Some(out);
            }
        }
        let r = Receipt {
            wall: OffsetDateTime::now_utc(),
            at: Instant::now(),
        };
        let (mut corrections, mut examples, mut events) = (0, Vec::new(), Vec::new());
        for body in &bodies {
            match st.mapper.reconcile(body, REFRESH_TOPIC, r) {
                Ok(mut done) => {
                    corrections += done.corrections;
                    examples.append(&mut done.examples);
                    events.append(&mut done.events);
                }
                Err(error) => {
                    self.malformed += 1;
                    tracing::warn!(target: TARGET, malformed_total = self.malformed, error = %error, "observations query answer unusable");
                    if let Some(out) = self
                        .pass(FeedEvent::Malformed { reason: error }, chans)
                        .await
                    {
                        return Some(out);
                    }
                }
            }
        }
        let total = self
            .gauges
            .observation_corrections
            .fetch_add(corrections, Ordering::Relaxed)
            + corrections;
        let took_ms = started.elapsed().as_millis() as u64;
        if corrections > 0 {
            examples.truncate(5);
            tracing::info!(target: TARGET, corrections, corrections_total = total, examples = %examples.join(", "), took_ms, "observations query corrected counts the notifications had left wrong");
        } else {
            tracing::debug!(target: TARGET, changed = events.len(), took_ms, "observations query");
        }
        for ev in events {
            if let Some(out) = self.pass(FeedEvent::Queue(ev), chans).await {
                return Some(out);
            }
        }
        None
    }

    /// The answers for every queue of the plan, one call per
    /// `OBSERVATION_QUEUES`: Err(outcome) when a command ends the read
    /// loop, Ok(Err(reason)) when the round failed.
    async fn query_all(&mut self, st: &State) -> Result<Result<Vec<String>, String>, Outcome> {
        let (Ok(rest), Some(plan)) = (&st.rest, &st.plan) else {
            return Ok(Err("internal: no REST client or plan".into()));
        };
        let token = match or_command(
            &mut self.commands,
            &mut self.commands_open,
            self.auth.token(),
        )
        .await
        {
            Err(cmd) => return Err(idle_command(cmd)),
            Ok(Err(e)) => return Ok(Err(format!("no token: {e}"))),
            Ok(Ok(t)) => t,
        };
        let mut bodies = Vec::new();
        for ids in plan.queue_ids.chunks(OBSERVATION_QUEUES) {
            let query = rest.observations(&token, ids);
            match or_command(&mut self.commands, &mut self.commands_open, query).await {
                Err(cmd) => return Err(idle_command(cmd)),
                Ok(Ok(body)) => bodies.push(body),
                Ok(Err(e)) => {
                    if matches!(e, RestError::Status { status: 401, .. }) {
                        self.auth.invalidate();
                    }
                    return Ok(Err(e.to_string()));
                }
            }
        }
        Ok(Ok(bodies))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_stretches_past_half_the_rest_budget() {
        let s = Duration::from_secs;
        assert_eq!(cadence(10, 6), (s(10), false));
        // 2500 queues: 25 calls every 10 s is exactly 150 a minute.
        assert_eq!(cadence(10, 2500), (s(10), false));
        assert_eq!(cadence(10, 5000), (s(20), true));
        assert_eq!(cadence(1, 1000), (s(4), true));
        assert_eq!(cadence(0, 0), (s(1), false));
    }
}
