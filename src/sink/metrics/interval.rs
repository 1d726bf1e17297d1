//! The interval figures per queue, as the export has them: service level
//! against its goal, offered, answered, abandoned, speed of answer and
//! handle time, and when the interval began (its window). Gauges, not
//! counters: a new interval starts them from 0. A figure with nothing to
//! compute from is left out, never published as 0.

use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::QueueLabels;
use crate::model::IntervalFigures;
use crate::model::queue::{round1, whole_ms};

type Figure = Family<QueueLabels, Gauge<f64, std::sync::atomic::AtomicU64>>;

pub(super) struct IntervalFamilies {
    service_level: Figure,
    target: Figure,
    target_seconds: Figure,
    offered: Figure,
    answered: Figure,
    abandoned: Figure,
    abandoned_pct: Figure,
    answer_seconds: Figure,
    handle_seconds: Figure,
    start: Figure,
}

impl IntervalFamilies {
    pub(super) fn new(registry: &mut Registry) -> Self {
        let families = IntervalFamilies {
            service_level: Figure::default(),
            target: Figure::default(),
            target_seconds: Figure::default(),
            offered: Figure::default(),
            answered: Figure::default(),
            abandoned: Figure::default(),
            abandoned_pct: Figure::default(),
            answer_seconds: Figure::default(),
            handle_seconds: Figure::default(),
            start: Figure::default(),
        };
        for (name, help, family) in [
            (
                "queue_service_level_percent",
                "Answered within the goal's time of those answered this interval, percent",
                &families.service_level,
            ),
            (
                "queue_service_level_target_percent",
                "The queue's service-level goal, percent",
                &families.target,
            ),
            (
                "queue_service_level_target_seconds",
                "The goal's answer time",
                &families.target_seconds,
            ),
            (
                "queue_interval_offered",
                "Interactions offered this interval",
                &families.offered,
            ),
            (
                "queue_interval_answered",
                "Interactions answered this interval",
                &families.answered,
            ),
            (
                "queue_interval_abandoned",
                "Interactions abandoned this interval",
                &families.abandoned,
            ),
            (
                "queue_interval_abandoned_percent",
                "Abandoned of offered this interval, percent",
                &families.abandoned_pct,
            ),
            (
                "queue_average_speed_of_answer_seconds",
                "Average wait of the interactions answered this interval",
                &families.answer_seconds,
            ),
            (
                "queue_average_handle_time_seconds",
                "Average handle time of the interactions handled this interval",
                &families.handle_seconds,
            ),
            (
                "queue_interval_start_timestamp_seconds",
                "When the interval these figures cover began, Unix time",
                &families.start,
            ),
        ] {
            registry.register(name, help, family.clone());
        }
        families
    }

    pub(super) fn clear(&self) {
        for family in self.all() {
            family.clear();
        }
    }

    fn all(&self) -> [&Figure; 10] {
        [
            &self.service_level,
            &self.target,
            &self.target_seconds,
            &self.offered,
            &self.answered,
            &self.abandoned,
            &self.abandoned_pct,
            &self.answer_seconds,
            &self.handle_seconds,
            &self.start,
        ]
    }

    pub(super) fn publish(&self, l: &QueueLabels, f: &IntervalFigures<'_>) {
        let seconds = |ms: f64| whole_ms(ms) as f64 / 1000.0;
        let count = |n: u64| n as f64;
        for (family, value) in [
            (&self.service_level, f.service_level_pct.map(round1)),
            (&self.target, f.target_pct.map(round1)),
            (
                &self.target_seconds,
                f.target_ms.map(|ms| seconds(ms as f64)),
            ),
            (&self.offered, f.offered.map(count)),
            (&self.answered, f.answered.map(count)),
            (&self.abandoned, f.abandoned.map(count)),
            (&self.abandoned_pct, f.abandoned_pct.map(round1)),
            (&self.answer_seconds, f.average_answer_ms.map(seconds)),
            (&self.handle_seconds, f.average_handle_ms.map(seconds)),
            (&self.start, f.since.map(|t| t.unix_timestamp() as f64)),
        ] {
            if let Some(v) = value {
                family.get_or_create(l).set(v);
            }
        }
    }
}
