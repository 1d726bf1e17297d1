//! Interval totals (wide-interval observations) per media type, summed per
//! queue: a message covers one media type, and the screen shows the queue.

use std::collections::BTreeMap;

use super::super::wire::{IntervalData, Stats};
use super::Mapper;
use crate::event::{QueueTotals, parse_rfc3339};

/// The totals of one media type in the current interval.
#[derive(Debug, Default, Clone)]
pub(super) struct MediaTotals {
    interval: String,
    offered: Option<u64>,
    abandoned: Option<u64>,
    service_level: Option<ServiceLevel>,
    /// `tAnswered`: answered, and their waits summed.
    answered: Option<Timed>,
    /// `tHandle`: handled, and their handle times summed.
    handled: Option<Timed>,
}

/// A timed metric (`t...`): how many, and their durations summed (ms).
#[derive(Debug, Default, Clone, Copy)]
struct Timed {
    count: u64,
    sum_ms: f64,
}

impl Timed {
    fn of(stats: &Stats) -> Option<Timed> {
        Some(Timed {
            count: stats.count?,
            // A count of 0 comes with no sum, or a sum of 0.
            sum_ms: stats
                .sum
                .filter(|s| s.is_finite() && *s >= 0.0)
                .unwrap_or(0.0),
        })
    }
}

/// `oServiceLevel`: the ratio, and what it is made of, so the queue's
/// level can be computed over all media (sum of numerators over sum of
/// denominators).
#[derive(Debug, Default, Clone, Copy)]
struct ServiceLevel {
    ratio: Option<f64>,
    /// Answered within the target time.
    numerator: Option<f64>,
    /// Answered.
    denominator: Option<f64>,
    target: Option<f64>,
}

fn media_totals(d: &IntervalData) -> MediaTotals {
    let mut t = MediaTotals {
        interval: d.interval.clone(),
        ..Default::default()
    };
    for m in &d.metrics {
        match m.metric.as_str() {
            "nOffered" => t.offered = m.stats.count,
            "tAbandon" => t.abandoned = m.stats.count,
            "tAnswered" => t.answered = Timed::of(&m.stats),
            "tHandle" => t.handled = Timed::of(&m.stats),
            "oServiceLevel" => {
                t.service_level = Some(ServiceLevel {
                    ratio: m.stats.ratio,
                    numerator: m.stats.numerator,
                    denominator: m.stats.denominator,
                    target: m.stats.target,
                });
            }
            _ => {}
        }
    }
    t
}

/// When an interval (`start/end`) begins, for ordering intervals.
fn start_of(interval: &str) -> Option<time::OffsetDateTime> {
    parse_rfc3339(interval.split_once('/')?.0)
}

fn sum(values: impl Iterator<Item = Option<u64>>) -> Option<u64> {
    values.flatten().fold(None, |acc: Option<u64>, v| {
        Some(acc.unwrap_or(0).saturating_add(v))
    })
}

/// The queue's service level (0..=100) and its target over all media.
fn service_level(levels: &[ServiceLevel]) -> (Option<f64>, Option<f64>) {
    let parts: Option<Vec<(f64, f64)>> = levels
        .iter()
        .map(|level| Some((level.numerator?, level.denominator?)))
        .collect();
    let pct = |ratio: f64| ratio * 100.0;
    let Some(parts) = parts else {
        // Ratios alone cannot be weighed against each other.
        return match levels {
            [one] => (one.ratio.map(pct), one.target.map(pct)),
            _ => (None, None),
        };
    };
    let answered: f64 = parts.iter().map(|(_, denominator)| denominator).sum();
    if answered <= 0.0 {
        // Nothing answered: no level yet, whatever ratio the server sends
        // (a level of 100 % over nothing flatters).
        let target = levels
            .iter()
            .filter_map(|level| level.target)
            .reduce(f64::max);
        return (None, target.map(pct));
    }
    let within: f64 = parts.iter().map(|(numerator, _)| numerator).sum();
    // The level the queue reaches when each media meets its own target.
    let target = levels
        .iter()
        .map(|level| Some(level.target? * level.denominator?))
        .sum::<Option<f64>>()
        .map(|goal| pct(goal / answered));
    (Some(pct(within / answered)), target)
}

impl Mapper {
    /// Keeps one media type's totals and gives the queue's sum; None for a
    /// message about an interval older than the one already held.
    pub(super) fn totals(
        &mut self,
        qid: &str,
        media: &str,
        d: &IntervalData,
    ) -> Option<QueueTotals> {
        let queue = self.queue_mut(qid);
        let new = media_totals(d);
        let held = queue.totals.values().next().map(|t| t.interval.clone());
        if let Some(held) = held
            && held != new.interval
        {
            if let (Some(new_start), Some(held_start)) = (start_of(&new.interval), start_of(&held))
                && new_start < held_start
            {
                tracing::debug!(target: crate::feed::TARGET, queue = qid, interval = %new.interval, "totals of a past interval ignored");
                return None;
            }
            // A new interval starts from nothing for every media type.
            queue.totals.clear();
        }
        queue.totals.insert(media.to_string(), new);
        Some(queue_totals(qid, &queue.totals))
    }
}

/// How many over all media, and their average duration (ms); the average
/// is None while the count is 0.
fn timed(values: impl Iterator<Item = Option<Timed>>) -> (Option<u64>, Option<f64>) {
    let all = values.flatten().fold(None, |acc: Option<Timed>, t| {
        let a = acc.unwrap_or_default();
        Some(Timed {
            count: a.count.saturating_add(t.count),
            sum_ms: a.sum_ms + t.sum_ms,
        })
    });
    match all {
        None => (None, None),
        Some(t) if t.count == 0 => (Some(0), None),
        Some(t) => (Some(t.count), Some(t.sum_ms / t.count as f64)),
    }
}

fn queue_totals(qid: &str, per_media: &BTreeMap<String, MediaTotals>) -> QueueTotals {
    let levels: Vec<ServiceLevel> = per_media.values().filter_map(|t| t.service_level).collect();
    let (service_level_pct, service_level_target_pct) = service_level(&levels);
    let (answered, average_answer_ms) = timed(per_media.values().map(|t| t.answered));
    let (handled, average_handle_ms) = timed(per_media.values().map(|t| t.handled));
    QueueTotals {
        queue_id: qid.to_string(),
        interval: per_media
            .values()
            .next()
            .map(|t| t.interval.clone())
            .unwrap_or_default(),
        offered: sum(per_media.values().map(|t| t.offered)),
        abandoned: sum(per_media.values().map(|t| t.abandoned)),
        service_level_pct,
        service_level_target_pct,
        answered,
        average_answer_ms,
        handled,
        average_handle_ms,
    }
}
