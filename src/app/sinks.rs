//! What the TUI writes besides the screen: the NDJSON export (when a file
//! is configured) and alert transitions to the audit log.

use std::io;

use crate::event::FeedEvent;
use crate::model::AppState;
use crate::sink::export::Exporter;

const TARGET: &str = "queuetop::tui";

/// The loop's outputs other than the terminal.
#[derive(Default)]
pub struct Sinks {
    pub exporter: Option<Exporter>,
}

impl Sinks {
    /// After `ev` was applied to `state`: its export line, and the alerts
    /// it raised or cleared to the log.
    pub fn after_apply(&mut self, state: &mut AppState, ev: &FeedEvent) -> io::Result<()> {
        if let (Some(e), FeedEvent::Queue(q)) = (self.exporter.as_mut(), ev) {
            e.write_event(state, q, q.received)?;
        }
        for t in state.alerts.take_transitions() {
            let a = &t.alert;
            let queue_id = a.queue_id.as_deref().unwrap_or("");
            if t.raised {
                tracing::warn!(target: TARGET, queue_id, alert = %a.message, "alert raised");
            } else {
                tracing::info!(target: TARGET, queue_id, alert = %a.message, "alert cleared");
            }
        }
        Ok(())
    }

    /// Nothing more is waiting: push buffered export lines out.
    pub fn flush(&mut self) -> io::Result<()> {
        match self.exporter.as_mut() {
            Some(e) => e.flush(),
            None => Ok(()),
        }
    }
}
