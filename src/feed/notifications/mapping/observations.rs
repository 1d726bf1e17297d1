//! Observations: the query answer and the observation topic.

use std::collections::BTreeMap;

use serde_json::Value;
use time::OffsetDateTime;

use super::super::wire::{IntervalData, Metric, ObservationBody, QueryResponse};
use super::{Decoded, Mapper, QueueObs, Receipt};
use crate::event::{FeedEvent, QueueEvent, QueueEventKind, QueueTotals, parse_rfc3339};

fn count(c: Option<u64>) -> u32 {
    c.map(|v| v.min(u32::MAX as u64) as u32).unwrap_or(0)
}

/// `a/b` with a == b: a current observation at time a.
fn zero_width(interval: &str) -> Option<Option<OffsetDateTime>> {
    let (a, b) = interval.split_once('/')?;
    if a == b { Some(parse_rfc3339(a)) } else { None }
}

impl Mapper {
    /// Applies one metric of a current observation; true when it changed
    /// anything the summary shows.
    fn apply_metric(q: &mut QueueObs, media: &str, m: &Metric) {
        match m.metric.as_str() {
            "oOnQueueUsers" => {
                let qual = m.qualifier.clone().unwrap_or_else(|| "UNKNOWN".into());
                q.on_queue.insert(qual, count(m.stats.count));
            }
            "oWaiting" => {
                let n = count(m.stats.count);
                q.waiting.insert(media.to_string(), n);
                match &m.observations {
                    Some(obs) => {
                        let mut d = BTreeMap::new();
                        for o in obs {
                            for s in &o.requested_routing_skill_ids {
                                let n: &mut u32 = d.entry(s.clone()).or_insert(0);
                                *n = n.saturating_add(1);
                            }
                        }
                        q.demand.insert(media.to_string(), d);
                    }
                    None if n == 0 => {
                        q.demand.remove(media);
                    }
                    None => {}
                }
            }
            _ => {}
        }
    }

    /// Applies one observations query response to the counts (a query
    /// covers at most 100 queues, so the feed may apply several).
    pub fn apply_query(&mut self, body: &str) -> Result<(), String> {
        let resp: QueryResponse =
            serde_json::from_str(body).map_err(|e| format!("observations query: {e}"))?;
        for res in &resp.results {
            let media = res.group.media_type.as_deref().unwrap_or("all");
            let q = self.queue_mut(&res.group.queue_id);
            for m in &res.data {
                Self::apply_metric(q, media, m);
            }
        }
        Ok(())
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
        r: Receipt,
    ) -> Decoded {
        let body: ObservationBody = match serde_json::from_value(body) {
            Ok(b) => b,
            Err(e) => return Decoded::Malformed(format!("{topic}: {e}")),
        };
        let qid = body.group.queue_id;
        let media = body
            .group
            .media_type
            .as_deref()
            .unwrap_or("all")
            .to_string();
        let mut out = Vec::new();
        let mut current_at: Option<Option<OffsetDateTime>> = None;
        for d in &body.data {
            match zero_width(&d.interval) {
                Some(at) => {
                    let q = self.queue_mut(&qid);
                    for m in &d.metrics {
                        Self::apply_metric(q, &media, m);
                    }
                    current_at = Some(at);
                }
                None => {
                    let totals = totals_of(&qid, d);
                    // A wide interval's start is when its bucket began,
                    // not when the message was sent: no latency from it.
                    out.push(FeedEvent::Queue(QueueEvent {
                        kind: QueueEventKind::Totals(totals),
                        topic: topic.to_string(),
                        server_time: None,
                        received_wall: r.wall,
                        received: r.at,
                        correlation_id: correlation.clone(),
                        snapshot: false,
                    }));
                }
            }
        }
        if let (Some(at), Some(s)) = (current_at, self.summary(&qid)) {
            let ev = QueueEvent {
                kind: QueueEventKind::Summary(s),
                topic: topic.to_string(),
                server_time: at,
                received_wall: r.wall,
                received: r.at,
                correlation_id: correlation,
                snapshot: false,
            };
            out.insert(0, FeedEvent::Queue(ev));
        }
        Decoded::Events(out)
    }
}

fn totals_of(qid: &str, d: &IntervalData) -> QueueTotals {
    let mut t = QueueTotals {
        queue_id: qid.to_string(),
        interval: d.interval.clone(),
        ..Default::default()
    };
    for m in &d.metrics {
        match m.metric.as_str() {
            "nOffered" => t.offered = m.stats.count,
            "tAbandon" => t.abandoned = m.stats.count,
            "oServiceLevel" => t.service_level_pct = m.stats.ratio.map(|r| r * 100.0),
            _ => {}
        }
    }
    t
}
