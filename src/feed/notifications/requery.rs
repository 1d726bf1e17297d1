//! The observations query on a steady cadence, inside the read loop.
//!
//! Notifications carry no per-interaction detail, so skill demand and wait
//! times only come from this query; each answer also corrects the counts
//! notifications keep, and the corrections are counted (a non-zero count
//! on a real org means the notification mapping drifts).
//!
//! The query runs in the read loop, not beside it: frames received while it
//! is out wait in the frame channel (bounded; the readers then stop reading
//! their sockets, so nothing is lost), and the read loop applies them
//! between `query` and `apply`. They were sent before the answer, so the
//! answer is the newer state, and a change still in flight is not counted
//! as a correction.

use std::sync::atomic::Ordering;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::time::Instant;

use super::channels::Channels;
use super::mapping::{Mapper, Receipt};
use super::plan::Plan;
use super::rest::{OBSERVATION_QUEUES, RestClient, RestError};
use crate::event::FeedEvent;
use crate::feed::link::{Link, Outcome};
use crate::feed::{FeedGauges, TARGET};

/// The topic of counts refreshed by an observations query (this one, or
/// the refresh after a reconnect): ordinary events, not the first snapshot.
pub const REFRESH_TOPIC: &str = "observations.query";

/// REST calls a minute the queries may spend: half of the 300 a
/// client-credentials token gets, the rest is for start-up and channels.
const CALLS_PER_MINUTE: u64 = 150;

/// When the next query is due.
pub(super) struct Requery {
    every: Duration,
    next: Instant,
    /// When the round in progress began.
    started: Instant,
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
        let now = Instant::now();
        Requery {
            every,
            next: now + every,
            started: now,
        }
    }

    pub(super) fn due(&self) -> Instant {
        self.next
    }

    /// Starts a round: the answers for every queue of the plan, one call
    /// per `OBSERVATION_QUEUES`. Ok(Err(reason)) when the round failed (it
    /// is logged and skipped: notifications keep flowing); Err when a
    /// command ends the read loop.
    pub(super) async fn query(
        &mut self,
        link: &mut Link,
        rest: &RestClient,
        plan: &Plan,
    ) -> Result<Option<Vec<String>>, Outcome> {
        self.started = Instant::now();
        self.next = self.started + self.every;
        let token = match link.token_or_error().await? {
            Ok(token) => token,
            Err(error) => return Ok(failed(format!("no token: {error}"))),
        };
        let mut bodies = Vec::new();
        for ids in plan.queue_ids().chunks(OBSERVATION_QUEUES) {
            match link.unless_command(rest.observations(&token, ids)).await? {
                Ok(body) => bodies.push(body),
                Err(error) => {
                    if matches!(error, RestError::Status { status: 401, .. }) {
                        link.token_refused();
                    }
                    return Ok(failed(error.to_string()));
                }
            }
        }
        Ok(Some(bodies))
    }

    /// Ends a round: applies the answers and hands on the summaries that
    /// changed.
    pub(super) async fn apply(
        &self,
        link: &mut Link,
        mapper: &mut Mapper,
        gauges: &FeedGauges,
        chans: &mut Channels,
        bodies: Vec<String>,
    ) -> Result<(), Outcome> {
        let receipt = Receipt {
            wall: OffsetDateTime::now_utc(),
            at: Instant::now(),
        };
        let (mut corrections, mut examples, mut events) = (0, Vec::new(), Vec::new());
        for body in &bodies {
            match mapper.reconcile(body, REFRESH_TOPIC, receipt) {
                Ok(mut done) => {
                    corrections += done.corrections;
                    examples.append(&mut done.examples);
                    events.append(&mut done.events);
                }
                Err(error) => {
                    let total = link.count_malformed();
                    tracing::warn!(target: TARGET, malformed_total = total, error = %error, "observations query answer unusable");
                    chans
                        .pass(link, FeedEvent::Malformed { reason: error })
                        .await?;
                }
            }
        }
        let total = gauges
            .observation_corrections
            .fetch_add(corrections, Ordering::Relaxed)
            + corrections;
        let took_ms = self.started.elapsed().as_millis() as u64;
        if corrections > 0 {
            examples.truncate(5);
            tracing::info!(target: TARGET, corrections, corrections_total = total, examples = %examples.join(", "), took_ms, "observations query corrected counts the notifications had left wrong");
        } else {
            tracing::debug!(target: TARGET, changed = events.len(), took_ms, "observations query");
        }
        for ev in events {
            chans.pass(link, FeedEvent::Queue(ev)).await?;
        }
        Ok(())
    }
}

fn failed(error: String) -> Option<Vec<String>> {
    tracing::warn!(target: TARGET, error = %error, "observations query failed; trying again at the next interval");
    None
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
