//! The one step every consumer of the feed shares (the TUI, headless mode,
//! `snapshot`, and through them replay and the relay's viewer): take what
//! the feed has queued, at most a bounded batch, apply it to the model,
//! write the export, the alert log and the alert history, then flush; and
//! at the end, what the feed still delivers while it closes.

use std::io;

use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::app::metrics::Publisher;
use crate::app::sinks::Sinks;
use crate::event::{ConnState, FeedCommand, FeedEvent};
use crate::model::AppState;

/// Most events applied in one batch before the caller's other work (keys,
/// ticks, signals, a flush) gets a turn: the feed channel's size.
pub const BATCH_MAX: usize = crate::feed::CHANNEL_CAPACITY;

pub use crate::feed::CLOSE_GRACE;

/// The model and what is written from it.
pub struct Core {
    pub state: AppState,
    sinks: Sinks,
    metrics: Option<Publisher>,
}

/// What one batch did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Events taken from the channel.
    pub events: usize,
    /// Anything visible changed.
    pub changed: bool,
    /// The last connection state the batch reported.
    pub status: Option<ConnState>,
    /// The batch reported a state other than connected: the feed acted
    /// on a reconnect (a `Connected` already on its way does not count).
    pub not_connected: bool,
    /// The export's reader closed its pipe.
    pub reader_gone: bool,
}

impl Applied {
    /// The reason the feed gave when the batch's last word was that it
    /// stopped for good.
    pub fn stopped(&self) -> Option<&str> {
        match &self.status {
            Some(ConnState::Stopped { reason }) => Some(reason),
            _ => None,
        }
    }
}

impl Core {
    pub fn new(state: AppState, sinks: Sinks) -> Self {
        Core {
            state,
            sinks,
            metrics: None,
        }
    }

    /// Publishes to a metrics endpoint on every tick.
    pub fn with_metrics(mut self, metrics: Option<Publisher>) -> Self {
        self.metrics = metrics;
        self
    }

    pub fn sinks_mut(&mut self) -> &mut Sinks {
        &mut self.sinks
    }

    /// Applies `first` and whatever else is already queued, up to
    /// `BATCH_MAX`, then flushes: a burst is one write, an idle feed leaves
    /// nothing in the buffer, and a flood still lets the caller's loop
    /// breathe.
    pub fn apply_batch(
        &mut self,
        first: FeedEvent,
        events: &mut mpsc::Receiver<FeedEvent>,
    ) -> io::Result<Applied> {
        let mut applied = Applied::default();
        self.apply_into(&first, &mut applied)?;
        while applied.events < BATCH_MAX {
            let Ok(event) = events.try_recv() else { break };
            self.apply_into(&event, &mut applied)?;
        }
        self.sinks.flush()?;
        applied.reader_gone = self.sinks.reader_gone;
        Ok(applied)
    }

    /// Applies one event (no flush): for callers that look at each one.
    pub fn apply(&mut self, event: &FeedEvent) -> io::Result<Applied> {
        let mut applied = Applied::default();
        self.apply_into(event, &mut applied)?;
        applied.reader_gone = self.sinks.reader_gone;
        Ok(applied)
    }

    fn apply_into(&mut self, event: &FeedEvent, applied: &mut Applied) -> io::Result<()> {
        applied.events += 1;
        if let FeedEvent::Status(status) = event {
            applied.not_connected |= status.state != ConnState::Connected;
            applied.status = Some(status.state.clone());
        }
        applied.changed |= self.state.apply(event);
        self.sinks.after_apply(&mut self.state, event)
    }

    /// Time passed: the model's clock, the alerts it raised or cleared
    /// (raise delays end on ticks too), and the metrics. True when
    /// anything visible changed.
    pub fn tick(&mut self, now: Instant, wall: OffsetDateTime) -> bool {
        let changed = self.state.tick(now, wall);
        self.sinks.after_tick(&mut self.state);
        if let Some(metrics) = &self.metrics {
            metrics.publish(&self.state, now);
        }
        changed
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.sinks.flush()
    }

    /// Closes the feed (see `feed::close`), applying and exporting what it
    /// still delivers, then flushes.
    pub async fn close(
        &mut self,
        events: &mut mpsc::Receiver<FeedEvent>,
        commands: &mpsc::Sender<FeedCommand>,
        task: Option<&mut JoinHandle<()>>,
    ) -> io::Result<()> {
        let mut failed = Ok(());
        crate::feed::close(events, commands, task, CLOSE_GRACE, |event| {
            if failed.is_ok() {
                failed = self.apply(event).map(|_| ());
            }
        })
        .await;
        failed?;
        self.flush()
    }
}
