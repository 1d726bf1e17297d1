//! One entry of the alert list, and one raise or clear of it.

use time::OffsetDateTime;

use crate::model::alert_kind::{AlertKind, Severity};

#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub kind: AlertKind,
    pub severity: Severity,
    /// None for feed-wide alerts.
    pub queue_id: Option<String>,
    pub message: String,
    /// When the condition began (the latest raise of a grouped entry).
    pub raised_at: OffsetDateTime,
    /// When the condition ended; cleared alerts are shown dimmed.
    pub cleared_at: Option<OffsetDateTime>,
    /// Raises grouped in this entry (1 for a single raise).
    pub raises: u32,
    /// When the first raise of this entry began.
    pub first_raised: OffsetDateTime,
    /// Seen by the supervisor; reset when it is raised again.
    pub acknowledged: bool,
    /// Not counted as pressing until then (wall time).
    pub snoozed_until: Option<OffsetDateTime>,
    /// Read back from the alert history at start-up: from before this run.
    /// Such an entry is never active and never reopened by a new raise.
    pub restored: bool,
}

impl Alert {
    pub fn is_active(&self) -> bool {
        self.cleared_at.is_none()
    }

    /// Snoozed at `now`.
    pub fn is_snoozed(&self, now: OffsetDateTime) -> bool {
        self.snoozed_until.is_some_and(|u| u > now)
    }

    /// Active, not acknowledged and not snoozed: asks for attention.
    pub fn is_pressing(&self, now: OffsetDateTime) -> bool {
        self.is_active() && !self.acknowledged && !self.is_snoozed(now)
    }
}

/// One alert raised or cleared, for the audit log and the alert history. A `SkillDeficit`
/// transition is a change of the deficit list (known skills with no idle
/// agent), logged whenever it changes; it is not an entry in the alert list.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertTransition {
    pub raised: bool,
    pub alert: Alert,
}
