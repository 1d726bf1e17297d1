//! Observations: the observation topic and the observations query.
//!
//! Notifications keep the counts current between queries but carry no
//! per-interaction detail, so skill demand and the oldest wait come from
//! the query, re-run on a steady cadence. Each query answer is a full
//! snapshot of the queues it names: it replaces their counts, and every
//! figure it changes is a correction, counted so drift in the notification
//! mapping shows in the logs.
//!
//! Absent qualifiers: the query omits a routing-status qualifier whose
//! count is 0 (Genesys' own sample answer lists IDLE, INTERACTING and
//! OFF_QUEUE only, no NOT_RESPONDING or COMMUNICATING, while per-media
//! conversation rows with count 0 are present), so a queue present in an
//! answer has every qualifier and media type the answer omits reset to 0.
//! For notifications nothing public says whether a zero qualifier is sent
//! or omitted, nor whether a message carries every metric or only those
//! that changed; the one captured frame shows `oWaiting` with count 0. We
//! keep the last value of an absent qualifier: if messages are partial,
//! resetting would zero unchanged qualifiers on every message, while
//! keeping a stale one is wrong for at most one query interval, and the
//! correction counter then says so.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde_json::Value;
use time::OffsetDateTime;

use super::super::wire::{Metric, ObservationBody, QueryResponse};
use super::{Decoded, Mapper, QueueObs, Receipt};
use crate::event::{FeedEvent, QueueEvent, QueueEventKind, parse_rfc3339};

/// Corrections named in the log line of one query, at most.
const EXAMPLES: usize = 5;

/// Waiting interactions of one media type.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct Waiting {
    pub(super) count: u32,
    /// Requested skill ids of the waiting interactions, with counts.
    pub(super) demand: BTreeMap<String, u32>,
    /// When the longest-waiting one began to wait, when known.
    pub(super) oldest: Option<OffsetDateTime>,
    /// The server cut the detail list short: `demand` is a lower bound.
    pub(super) truncated: bool,
}

/// What one query answer did to the counts notifications keep.
#[derive(Debug, Default)]
pub struct Reconciled {
    /// Figures (a queue's qualifier, or its waiting count of one media
    /// type) that differed from what notifications had made them.
    pub corrections: u64,
    /// The first few, as `queue QUALIFIER old->new`, for the log.
    pub examples: Vec<String>,
    /// One summary per queue whose summary changed, in answer order.
    pub events: Vec<QueueEvent>,
}

pub(super) fn count(c: Option<u64>) -> u32 {
    c.map(|v| v.min(u32::MAX as u64) as u32).unwrap_or(0)
}

fn parse_answer(body: &str) -> Result<QueryResponse, String> {
    serde_json::from_str(body).map_err(|e| format!("observations query: {e}"))
}

/// The queues an answer names, each once, in answer order.
fn queues_in(resp: &QueryResponse) -> Vec<&str> {
    let mut seen = HashSet::new();
    resp.results
        .iter()
        .map(|res| res.group.queue_id.as_str())
        .filter(|id| seen.insert(*id))
        .collect()
}

/// `a/b` with a == b: a current observation at time a.
fn zero_width(interval: &str) -> Option<Option<OffsetDateTime>> {
    let (a, b) = interval.split_once('/')?;
    if a == b { Some(parse_rfc3339(a)) } else { None }
}

/// The figures a query corrects, absent ones as 0.
fn figures(q: &QueueObs) -> BTreeMap<String, u32> {
    let on_queue = q.on_queue.iter().map(|(k, v)| (k.clone(), *v));
    let waiting = q
        .media
        .iter()
        .map(|(k, w)| (format!("waiting/{k}"), w.count));
    let off_queue = q.off_queue.map(|n| ("OFF_QUEUE_USERS".to_string(), n));
    on_queue.chain(off_queue).chain(waiting).collect()
}

impl Mapper {
    /// Applies one metric of a current observation (`at`: its time, when
    /// a notification says) or of a query answer (`at` None).
    fn apply_metric(
        queue: &mut QueueObs,
        media: &str,
        metric: &Metric,
        at: Option<OffsetDateTime>,
    ) {
        match metric.metric.as_str() {
            "oOnQueueUsers" => {
                let qual = metric.qualifier.clone().unwrap_or_else(|| "UNKNOWN".into());
                queue.on_queue.insert(qual, count(metric.stats.count));
            }
            "oInteracting" => {
                queue
                    .interacting
                    .insert(media.to_string(), count(metric.stats.count));
            }
            "oOffQueueUsers" => queue.off_queue = Some(count(metric.stats.count)),
            "oWaiting" => {
                let waiting_now = count(metric.stats.count);
                let waiting = queue.media.entry(media.to_string()).or_default();
                let was = waiting.count;
                waiting.count = waiting_now;
                match &metric.observations {
                    Some(obs) => {
                        waiting.demand.clear();
                        for observation in obs {
                            for skill in &observation.requested_routing_skill_ids {
                                let asked = waiting.demand.entry(skill.clone()).or_insert(0);
                                *asked = asked.saturating_add(1);
                            }
                        }
                        waiting.oldest = obs
                            .iter()
                            .filter_map(|observation| observation.observation_date.as_deref())
                            .filter_map(parse_rfc3339)
                            .min();
                        waiting.truncated = metric.truncated.unwrap_or(false);
                    }
                    None if waiting_now == 0 => *waiting = Waiting::default(),
                    // Nobody was waiting: those waiting now began about
                    // when this was observed (at most a second ago). Other
                    // changes keep the detail until the next query.
                    None if was == 0 => waiting.oldest = at,
                    None => {}
                }
            }
            _ => {}
        }
    }

    /// Applies one observations query answer (at most 100 queues; the
    /// feed may apply several) as the full state of every queue it names.
    pub fn apply_query(&mut self, body: &str) -> Result<(), String> {
        let resp = parse_answer(body)?;
        self.apply_answer(&resp, &queues_in(&resp));
        Ok(())
    }

    /// Replaces the counts of `ids` with what the answer says.
    fn apply_answer(&mut self, resp: &QueryResponse, ids: &[&str]) {
        for id in ids {
            // Absent from the answer means 0 (see the module comment).
            let queue = self.queue_mut(id);
            queue.on_queue.clear();
            queue.off_queue = Some(0);
            queue.interacting.values_mut().for_each(|n| *n = 0);
            queue
                .media
                .values_mut()
                .for_each(|w| *w = Waiting::default());
        }
        for res in &resp.results {
            let media = res.group.media_type.as_deref().unwrap_or("all");
            let queue = self.queue_mut(&res.group.queue_id);
            for m in &res.data {
                Self::apply_metric(queue, media, m, None);
            }
        }
    }

    /// Applies one query answer, counts what it corrected and gives a
    /// summary (with `topic`) for each queue whose summary changed.
    pub fn reconcile(
        &mut self,
        body: &str,
        topic: &str,
        receipt: Receipt,
    ) -> Result<Reconciled, String> {
        let resp = parse_answer(body)?;
        let ids = queues_in(&resp);
        let before: Vec<_> = ids
            .iter()
            .map(|id| {
                let figures = self.queues.get(*id).map(figures).unwrap_or_default();
                (figures, self.summary(id))
            })
            .collect();
        self.apply_answer(&resp, &ids);
        let mut out = Reconciled::default();
        for (id, (old, old_summary)) in ids.iter().zip(before) {
            let new = self.queues.get(*id).map(figures).unwrap_or_default();
            let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
            for key in keys {
                let was = old.get(key).copied().unwrap_or(0);
                let is = new.get(key).copied().unwrap_or(0);
                if was != is {
                    out.corrections += 1;
                    if out.examples.len() < EXAMPLES {
                        out.examples.push(format!("{id} {key} {was}->{is}"));
                    }
                }
            }
            let summary = self.summary(id);
            if summary != old_summary
                && let Some(changed) = summary
            {
                let kind = QueueEventKind::Summary(changed);
                out.events.push(receipt.event(kind, topic, None, None));
            }
        }
        Ok(out)
    }

    /// The first snapshot from one query response: one summary per queue
    /// the mapper knows (exported with topic `"snapshot"`).
    pub fn apply_snapshot(&mut self, body: &str, r: Receipt) -> Result<Vec<QueueEvent>, String> {
        self.apply_query(body)?;
        Ok(self.summaries("snapshot", true, r))
    }

    pub(super) fn observation(
        &mut self,
        topic: &str,
        body: Value,
        correlation: Option<String>,
        receipt: Receipt,
    ) -> Decoded {
        let body: ObservationBody = match serde_json::from_value(body) {
            Ok(parsed) => parsed,
            Err(error) => return Decoded::Malformed(format!("{topic}: {error}")),
        };
        let qid = body.group.queue_id;
        let media = body.group.media_type.as_deref().unwrap_or("all");
        let mut out = Vec::new();
        let mut current_at: Option<Option<OffsetDateTime>> = None;
        for data in &body.data {
            match zero_width(&data.interval) {
                Some(at) => {
                    let queue = self.queue_mut(&qid);
                    for metric in &data.metrics {
                        Self::apply_metric(queue, media, metric, at);
                    }
                    current_at = Some(at);
                }
                None => {
                    let Some(totals) = self.totals(&qid, media, data) else {
                        continue;
                    };
                    // A wide interval's start is when its bucket began,
                    // not when the message was sent: no latency from it.
                    let kind = QueueEventKind::Totals(totals);
                    out.push(FeedEvent::Queue(receipt.event(
                        kind,
                        topic,
                        None,
                        correlation.clone(),
                    )));
                }
            }
        }
        if let (Some(at), Some(summary)) = (current_at, self.summary(&qid)) {
            let event = receipt.event(QueueEventKind::Summary(summary), topic, at, correlation);
            out.insert(0, FeedEvent::Queue(event));
        }
        Decoded::Events(out)
    }
}
