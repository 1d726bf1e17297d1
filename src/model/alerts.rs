//! Alerts: raised once, cleared when the condition ends, with times.

use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AlertKind {
    SkillDeficit { skill: String },
    Utilization,
    Waiting,
    Latency,
    Stale,
    ServerError { code: String },
    TopicRejected { topic: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub kind: AlertKind,
    /// None for feed-wide alerts.
    pub queue_id: Option<String>,
    pub message: String,
    pub raised_at: OffsetDateTime,
    /// Set when the condition ended; cleared alerts are shown dimmed.
    pub cleared_at: Option<OffsetDateTime>,
}

/// Active and recent alerts, bounded.
#[derive(Debug, Clone, Default)]
pub struct Alerts {
    /// Newest last; bounded history (cleared ones drop off first).
    pub list: Vec<Alert>,
}
