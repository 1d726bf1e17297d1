//! What the TUI writes besides the screen: the NDJSON export (when a file
//! is configured), alert transitions to the audit log, and the alert
//! history (when not turned off).

use std::io;
use std::path::Path;

use time::OffsetDateTime;

use crate::event::FeedEvent;
use crate::model::{AlertKind, AppState};
use crate::sink::alert_history::{AlertHistory, HistoryError, Loaded};
use crate::sink::export::Exporter;

const TARGET: &str = "queuetop::tui";
/// After the first failed history write, every this many are logged.
const HISTORY_ERRORS_LOGGED_EVERY: u64 = 100;

/// The loop's outputs other than the terminal.
#[derive(Default)]
pub struct Sinks {
    pub exporter: Option<Exporter>,
    pub history: Option<AlertHistory>,
    /// History lines that could not be written.
    pub history_errors: u64,
}

impl Sinks {
    /// Opens the alert history at `path` and puts what it holds into the
    /// alerts view (as from before the restart). Unreadable lines are
    /// skipped, logged and shown as an information alert; only a file that
    /// cannot be read or written at all is an error.
    pub fn open_history(
        &mut self,
        path: &Path,
        state: &mut AppState,
        now: OffsetDateTime,
    ) -> Result<(), HistoryError> {
        let (history, loaded) = AlertHistory::open(path, now)?;
        restore(state, path, loaded, now);
        self.history = Some(history);
        Ok(())
    }

    /// After `ev` was applied to `state`: its export line, and the alerts
    /// it raised or cleared to the log and the history.
    pub fn after_apply(&mut self, state: &mut AppState, ev: &FeedEvent) -> io::Result<()> {
        if let (Some(e), FeedEvent::Queue(q)) = (self.exporter.as_mut(), ev) {
            e.write_event(state, q, q.received)?;
        }
        self.after_tick(state);
        Ok(())
    }

    /// The alerts raised or cleared (by an event or by time passing) to
    /// the log and the history.
    pub fn after_tick(&mut self, state: &mut AppState) {
        for t in state.alerts.take_transitions() {
            let a = &t.alert;
            let queue_id = a.queue_id.as_deref().unwrap_or("");
            if t.raised {
                tracing::warn!(target: TARGET, queue_id, alert = %a.message, "alert raised");
            } else {
                tracing::info!(target: TARGET, queue_id, alert = %a.message, "alert cleared");
            }
            let Some(h) = self.history.as_mut() else {
                continue;
            };
            if let Err(e) = h.record(&t) {
                if self.history_errors % HISTORY_ERRORS_LOGGED_EVERY == 0 {
                    tracing::warn!(
                        target: TARGET,
                        path = %h.path().display(),
                        failed = self.history_errors + 1,
                        "cannot write the alert history: {e}; check the disk and log.alert_history"
                    );
                }
                self.history_errors += 1;
            }
        }
    }

    /// Nothing more is waiting: push buffered export lines out.
    pub fn flush(&mut self) -> io::Result<()> {
        match self.exporter.as_mut() {
            Some(e) => e.flush(),
            None => Ok(()),
        }
    }
}

/// What the history held, into the alerts view, and what it could not
/// read, to the log and the alerts view.
pub fn restore(state: &mut AppState, path: &Path, loaded: Loaded, now: OffsetDateTime) {
    tracing::info!(
        target: TARGET,
        path = %path.display(),
        lines = loaded.lines,
        alerts = loaded.alerts.len(),
        expired = loaded.expired,
        malformed = loaded.malformed,
        "alert history read"
    );
    state.alerts.restore(loaded.alerts);
    if loaded.malformed > 0 {
        let first = loaded.first_problem.unwrap_or_default();
        let message = format!(
            "alert history {}: {} unreadable line(s) skipped ({first})",
            path.display(),
            loaded.malformed
        );
        tracing::warn!(target: TARGET, "{message}");
        state.alerts.inform(None, AlertKind::History, message, now);
    }
}
