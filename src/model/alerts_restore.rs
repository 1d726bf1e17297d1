//! Alert entries that come from outside this run's conditions: the
//! alert history read back at start-up, and one-off information.

use time::OffsetDateTime;

use super::{Alert, AlertKind, Alerts};

impl Alerts {
    /// Puts entries from before a restart (the alert history, oldest
    /// first) ahead of this run's, as cleared entries. They are history
    /// only: no condition, no count on a queue, and the first to go when
    /// the list is full.
    pub fn restore(&mut self, old: impl IntoIterator<Item = Alert>) {
        let mut list: Vec<Alert> = old
            .into_iter()
            .map(|a| Alert {
                restored: true,
                cleared_at: a.cleared_at.or(Some(a.raised_at)),
                ..a
            })
            .collect();
        list.append(&mut self.list);
        self.list = list;
        self.trim();
    }

    /// Information that needs no condition: an entry raised and cleared
    /// at `at` (the alert history could not be read in full, say).
    pub fn inform(
        &mut self,
        queue_id: Option<&str>,
        kind: AlertKind,
        message: String,
        at: OffsetDateTime,
    ) {
        let alert = Alert {
            severity: kind.severity(),
            kind,
            queue_id: queue_id.map(str::to_string),
            message,
            raised_at: at,
            cleared_at: Some(at),
            raises: 1,
            first_raised: at,
            acknowledged: false,
            snoozed_until: None,
            restored: false,
        };
        self.list.push(alert);
        self.trim();
    }
}
