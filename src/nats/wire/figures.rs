//! Interval totals and the service-level goal on the relay's wire.

use serde::{Deserialize, Serialize};

use crate::event::{QueueTotals, ServiceTarget};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Totals {
    pub queue_id: String,
    pub interval: String,
    pub offered: Option<u64>,
    pub abandoned: Option<u64>,
    pub service_level_pct: Option<f64>,
    pub service_level_target_pct: Option<f64>,
    pub answered: Option<u64>,
    pub average_answer_ms: Option<f64>,
    pub handled: Option<u64>,
    pub average_handle_ms: Option<f64>,
}

/// `ServiceTarget` on the wire.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Target {
    pub percent: f64,
    pub within_ms: u64,
}

impl From<ServiceTarget> for Target {
    fn from(t: ServiceTarget) -> Target {
        Target {
            percent: t.percent,
            within_ms: t.within_ms,
        }
    }
}

impl Target {
    /// The goal, or None for a percentage out of range (a relay of
    /// another version, or a damaged message).
    pub fn into_target(self) -> Option<ServiceTarget> {
        ServiceTarget::new(self.percent, self.within_ms)
    }
}

impl From<&QueueTotals> for Totals {
    fn from(t: &QueueTotals) -> Totals {
        Totals {
            queue_id: t.queue_id.clone(),
            interval: t.interval.clone(),
            offered: t.offered,
            abandoned: t.abandoned,
            service_level_pct: t.service_level_pct,
            service_level_target_pct: t.service_level_target_pct,
            answered: t.answered,
            average_answer_ms: t.average_answer_ms,
            handled: t.handled,
            average_handle_ms: t.average_handle_ms,
        }
    }
}

impl From<Totals> for QueueTotals {
    fn from(t: Totals) -> QueueTotals {
        QueueTotals {
            queue_id: t.queue_id,
            interval: t.interval,
            offered: t.offered,
            abandoned: t.abandoned,
            service_level_pct: t.service_level_pct,
            service_level_target_pct: t.service_level_target_pct,
            answered: t.answered,
            average_answer_ms: t.average_answer_ms,
            handled: t.handled,
            average_handle_ms: t.average_handle_ms,
        }
    }
}
