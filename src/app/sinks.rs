//! What a run writes besides the screen: the NDJSON export (when one is
//! open), alert transitions and latency figures to the audit log, and the
//! alert history (when not turned off). Every mode writes them the same
//! way, through `crate::app::core::Core`.

use std::io;
use std::path::Path;

use time::OffsetDateTime;
use tokio::time::Instant;

use crate::event::FeedEvent;
use crate::model::{AlertKind, AlertTransition, AppState};
use crate::sink::alert_history::{AlertHistory, HistoryError, Loaded};
use crate::sink::export::Exporter;

const TARGET: &str = "queuetop::alerts";
const FIGURES_TARGET: &str = "queuetop::figures";
/// After the first failed history write, every this many are logged.
const HISTORY_ERRORS_LOGGED_EVERY: u64 = 100;
/// The latency figures go to the audit log every this many events.
const LATENCY_LOG_EVERY: u64 = 50;

/// A run's outputs other than the terminal.
#[derive(Default)]
pub struct Sinks {
    pub exporter: Option<Exporter>,
    pub history: Option<AlertHistory>,
    /// History lines that could not be written.
    pub history_errors: u64,
    /// The export's reader closed its pipe (`| head -3`): nothing more is
    /// written, and headless mode ends the run.
    pub reader_gone: bool,
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

    /// After `event` was applied to `state`: its export line, the latency
    /// figures now and then, and the alerts it raised or cleared.
    pub fn after_apply(&mut self, state: &mut AppState, event: &FeedEvent) -> io::Result<()> {
        if let FeedEvent::Queue(queue_event) = event {
            if let Some(exporter) = self.exporter.as_mut() {
                let written = exporter.write_event(state, queue_event, queue_event.received);
                self.check(written)?;
            }
            let processed = state.feed().events_processed;
            if !queue_event.snapshot && processed.is_multiple_of(LATENCY_LOG_EVERY) {
                log_latency(state, queue_event.received);
            }
        }
        self.after_tick(state);
        Ok(())
    }

    /// The alerts raised or cleared (by an event or by time passing) to
    /// the log and the history.
    pub fn after_tick(&mut self, state: &mut AppState) {
        for transition in state.take_alert_transitions() {
            log_transition(state, &transition);
            let Some(history) = self.history.as_mut() else {
                continue;
            };
            if let Err(error) = history.record(&transition) {
                if self
                    .history_errors
                    .is_multiple_of(HISTORY_ERRORS_LOGGED_EVERY)
                {
                    tracing::warn!(
                        target: TARGET,
                        path = %history.path().display(),
                        failed = self.history_errors + 1,
                        "cannot write the alert history: {error}; check the disk and log.alert_history"
                    );
                }
                self.history_errors += 1;
            }
        }
    }

    /// Nothing more is waiting: push buffered export lines out.
    pub fn flush(&mut self) -> io::Result<()> {
        match self.exporter.as_mut() {
            Some(exporter) => {
                let flushed = exporter.flush();
                self.check(flushed)
            }
            None => Ok(()),
        }
    }

    /// A closed pipe stops the export quietly; any other write error is one.
    fn check(&mut self, written: io::Result<()>) -> io::Result<()> {
        match written {
            Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {
                tracing::info!(target: TARGET, "the export's reader closed the pipe");
                self.exporter = None;
                self.reader_gone = true;
                Ok(())
            }
            Err(error) => Err(io::Error::new(
                error.kind(),
                format!(
                    "cannot write the export: {error}; check the export file or pipe (export.path or --export)"
                ),
            )),
            Ok(()) => Ok(()),
        }
    }
}

/// One alert raised or cleared, with the queue's id and name (and the
/// skill, for a deficit), so the log reads without the screen.
fn log_transition(state: &AppState, transition: &AlertTransition) {
    let alert = &transition.alert;
    let queue_id = alert.queue_id.as_deref().unwrap_or("");
    let queue_name = alert
        .queue_id
        .as_deref()
        .and_then(|id| state.queue(id))
        .map_or("", |queue| queue.name.as_str());
    match (&alert.kind, transition.raised) {
        (AlertKind::SkillDeficit { skill }, true) => {
            tracing::warn!(target: TARGET, queue_id, queue_name, skill = %skill, "skill deficit raised")
        }
        (AlertKind::SkillDeficit { skill }, false) => {
            tracing::info!(target: TARGET, queue_id, queue_name, skill = %skill, "skill deficit cleared")
        }
        (_, true) => {
            tracing::warn!(target: TARGET, queue_id, queue_name, alert = %alert.message, "alert raised")
        }
        (_, false) => {
            tracing::info!(target: TARGET, queue_id, queue_name, alert = %alert.message, "alert cleared")
        }
    }
}

fn log_latency(state: &AppState, now: Instant) {
    let feed = &state.feed();
    let latency = &feed.latency;
    tracing::info!(
        target: FIGURES_TARGET,
        events = feed.events_processed,
        latency_samples = latency.count(),
        latency_avg_ms = latency.avg().unwrap_or(0.0),
        latency_max_ms = latency.max().unwrap_or(0),
        latency_p95_ms = latency.p95().unwrap_or(0),
        delivery_rate = feed.delivery_rate(now),
        "latency and delivery figures"
    );
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
    state.restore_alerts(loaded.alerts);
    if loaded.malformed > 0 {
        let first = loaded.first_problem.unwrap_or_default();
        let message = format!(
            "alert history {}: {} unreadable line(s) skipped ({first})",
            path.display(),
            loaded.malformed
        );
        tracing::warn!(target: TARGET, "{message}");
        state.inform(None, AlertKind::History, message, now);
    }
}
