//! The interval figures of one queue (offered, answered, abandoned,
//! service level against its goal, speed of answer, handle time): worked
//! out here once, so the screen, the export, `snapshot` and the metrics
//! show the same figure. None ("–") until there is something to compute
//! from: no service level while nothing was answered, no abandon rate
//! while nothing was offered.

use time::OffsetDateTime;

use crate::event::{QueueTotals, parse_rfc3339};
use crate::model::QueueView;
use crate::model::ServiceGoal;

/// One queue's figures for the current interval.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IntervalFigures<'a> {
    /// The interval as the server wrote it (`start/end`, RFC 3339).
    pub interval: Option<&'a str>,
    /// When it began.
    pub since: Option<OffsetDateTime>,
    pub offered: Option<u64>,
    pub answered: Option<u64>,
    pub abandoned: Option<u64>,
    /// Abandoned of offered, percent.
    pub abandoned_pct: Option<f64>,
    /// Answered within the goal's time of all answered, percent.
    pub service_level_pct: Option<f64>,
    /// The goal: this percent answered within `target_ms`.
    pub target_pct: Option<f64>,
    pub target_ms: Option<u64>,
    /// Average speed of answer, ms.
    pub average_answer_ms: Option<f64>,
    /// Average handle time, ms.
    pub average_handle_ms: Option<f64>,
}

/// `count` of `of` as a percent, when `of` is more than 0.
fn percent(count: Option<u64>, of: Option<u64>) -> Option<f64> {
    let of = of.filter(|value| *value > 0)?;
    Some((count? as f64 / of as f64 * 100.0).min(100.0))
}

fn finite(value: Option<f64>) -> Option<f64> {
    value.filter(|value| value.is_finite() && *value >= 0.0)
}

/// The interval's service level, once anything was answered (an empty
/// interval has none, whatever the feed says).
pub fn service_level(totals: &QueueTotals) -> Option<f64> {
    let nothing_answered = totals.answered == Some(0) || totals.offered == Some(0);
    finite(totals.service_level_pct)
        .filter(|_| !nothing_answered)
        .map(|p| p.min(100.0))
}

impl QueueView {
    /// The queue's service-level goal: the config's, else the queue's
    /// settings (the summary), else the target the interval totals name.
    pub fn service_goal(&self) -> (Option<f64>, Option<u64>) {
        let own = self.summary.as_ref().and_then(|s| s.service_target);
        let ServiceGoal { percent, within_s } = self.target_override;
        let reported = self
            .totals
            .as_ref()
            .and_then(|totals| finite(totals.service_level_target_pct));
        (
            percent.or(own.map(|goal| goal.percent)).or(reported),
            within_s
                .map(|s| s.saturating_mul(1000))
                .or(own.map(|goal| goal.within_ms)),
        )
    }

    /// The service-level percentage the queue is held to: its goal, else
    /// `alerts.service_level_pct`. The one figure the service-level alert
    /// and the risk order judge by.
    pub fn service_level_target(&self) -> f64 {
        self.service_goal()
            .0
            .unwrap_or(self.limits.service_level_pct)
    }

    /// The figures of the current interval, as every view shows them.
    pub fn interval_figures(&self) -> IntervalFigures<'_> {
        let (target_pct, target_ms) = self.service_goal();
        let Some(totals) = &self.totals else {
            return IntervalFigures {
                target_pct,
                target_ms,
                ..IntervalFigures::default()
            };
        };
        IntervalFigures {
            interval: Some(totals.interval.as_str()),
            since: totals
                .interval
                .split_once('/')
                .and_then(|(start, _)| parse_rfc3339(start)),
            offered: totals.offered,
            answered: totals.answered,
            abandoned: totals.abandoned,
            abandoned_pct: percent(totals.abandoned, totals.offered),
            service_level_pct: service_level(totals),
            target_pct,
            target_ms,
            average_answer_ms: finite(totals.average_answer_ms)
                .filter(|_| totals.answered != Some(0)),
            average_handle_ms: finite(totals.average_handle_ms)
                .filter(|_| totals.handled != Some(0)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{QueueSummary, ServiceTarget};

    fn totals(offered: u64, answered: u64, abandoned: u64) -> QueueTotals {
        QueueTotals {
            queue_id: "Q".into(),
            interval: "2026-11-30T10:00:00.000Z/2026-11-30T10:30:00.000Z".into(),
            offered: Some(offered),
            abandoned: Some(abandoned),
            answered: Some(answered),
            handled: Some(answered),
            // What a server sends over nothing: a level of 1.
            service_level_pct: Some(100.0),
            average_answer_ms: (answered > 0).then_some(4_500.0),
            average_handle_ms: (answered > 0).then_some(180_000.0),
            ..QueueTotals::default()
        }
    }

    #[test]
    fn nothing_to_compute_from_is_no_figure() {
        let mut q = QueueView::new("Q", None, true);
        assert_eq!(q.interval_figures(), IntervalFigures::default());
        q.totals = Some(totals(0, 0, 0));
        let f = q.interval_figures();
        assert_eq!(
            (f.offered, f.answered, f.abandoned),
            (Some(0), Some(0), Some(0))
        );
        assert_eq!(f.abandoned_pct, None, "nothing offered");
        assert_eq!(f.service_level_pct, None, "no SL 100 % over nothing");
        assert_eq!((f.average_answer_ms, f.average_handle_ms), (None, None));
        // Offered but not answered yet: an abandon rate, still no level.
        q.totals = Some(totals(4, 0, 1));
        let f = q.interval_figures();
        assert_eq!((f.abandoned_pct, f.service_level_pct), (Some(25.0), None));
        q.totals = Some(totals(8, 6, 2));
        let f = q.interval_figures();
        assert_eq!(f.service_level_pct, Some(100.0));
        assert_eq!(f.average_answer_ms, Some(4_500.0));
        assert_eq!(f.since, parse_rfc3339("2026-11-30T10:00:00.000Z"));
    }

    #[test]
    fn the_goal_is_the_configs_then_the_queues_then_the_reported_one() {
        let mut q = QueueView::new("Q", None, true);
        assert_eq!(q.service_goal(), (None, None));
        let mut t = totals(8, 6, 2);
        t.service_level_target_pct = Some(75.0);
        q.totals = Some(t);
        assert_eq!(q.service_goal(), (Some(75.0), None));
        q.summary = Some(QueueSummary {
            service_target: ServiceTarget::new(80.0, 20_000),
            ..QueueSummary::default()
        });
        assert_eq!(q.service_goal(), (Some(80.0), Some(20_000)));
        q.target_override.within_s = Some(30);
        assert_eq!(q.service_goal(), (Some(80.0), Some(30_000)));
        q.target_override.percent = Some(90.0);
        let f = q.interval_figures();
        assert_eq!((f.target_pct, f.target_ms), (Some(90.0), Some(30_000)));
    }
}
