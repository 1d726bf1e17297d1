//! What the model is told at start: alert thresholds and delays, and the
//! queues to list up front. The model's own types, so it needs no config:
//! the app builds them from `[alerts]` and `[[queue]]`.

/// Alert thresholds and delays, for all queues or one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub utilization_pct: f64,
    pub waiting: u32,
    pub latency_ms: u64,
    pub stale_after_s: u64,
    /// A condition must hold this long before it raises an alert.
    pub raise_delay_s: u64,
    /// And be gone this long before its alert clears.
    pub clear_delay_s: u64,
    /// The longest wait over this is critical; 0 turns it off.
    pub longest_wait_s: u64,
    /// Service level target: an interval's SL under it is critical.
    pub service_level_pct: f64,
}

/// The same values as `[alerts]`'s defaults; a test in app/ keeps the two
/// equal.
impl Default for Limits {
    fn default() -> Self {
        Limits {
            utilization_pct: 90.0,
            waiting: 10,
            latency_ms: 2000,
            stale_after_s: 120,
            raise_delay_s: 15,
            clear_delay_s: 30,
            longest_wait_s: 120,
            service_level_pct: 80.0,
        }
    }
}

/// A queue's service-level goal as configured; what it leaves unset comes
/// from the queue's own settings or the interval totals.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ServiceGoal {
    /// Answered within the time, percent (0 to 100).
    pub percent: Option<f64>,
    /// Within this many seconds of waiting.
    pub within_s: Option<u64>,
}

/// A queue listed before any event names it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueSeed {
    /// None (or empty) while only the name is known: the feed resolves it.
    pub id: Option<String>,
    pub name: Option<String>,
    /// This queue's own thresholds; None: the state's.
    pub limits: Option<Limits>,
    pub goal: ServiceGoal,
}

impl QueueSeed {
    pub fn new(id: Option<&str>, name: Option<&str>) -> QueueSeed {
        QueueSeed {
            id: id.map(str::to_string),
            name: name.map(str::to_string),
            ..QueueSeed::default()
        }
    }
}
