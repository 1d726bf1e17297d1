//! The one step every consumer of the feed shares (the TUI, headless mode,
//! `snapshot`, and through them replay and the relay's viewer): take what
//! the feed has queued, at most a bounded batch, apply it to the model,
//! write the export, the alert log and the alert history, then flush. And
//! the one way a run closes its feed, with one grace period.

use std::io;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep_until};

use crate::app::metrics::Publisher;
use crate::app::sinks::Sinks;
use crate::event::{ConnState, FeedCommand, FeedEvent};
use crate::model::AppState;

const TARGET: &str = "queuetop::app";

/// Most events applied in one batch before the caller's other work (keys,
/// ticks, signals, a flush) gets a turn: the feed channel's size.
pub const BATCH_MAX: usize = crate::feed::CHANNEL_CAPACITY;

/// How long the feed gets to close its connection cleanly (close 1000)
/// and deliver what it still has, in every mode.
pub const CLOSE_GRACE: Duration = Duration::from_secs(3);

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

    /// Closes the feed (see `close_feed`), applying and exporting what it
    /// still delivers, then flushes.
    pub async fn close(
        &mut self,
        events: &mut mpsc::Receiver<FeedEvent>,
        commands: &mpsc::Sender<FeedCommand>,
        task: Option<&mut JoinHandle<()>>,
    ) -> io::Result<()> {
        let mut failed = Ok(());
        close_feed(events, commands, task, |event| {
            if failed.is_ok() {
                failed = self.apply(event).map(|_| ());
            }
        })
        .await;
        failed?;
        self.flush()
    }
}

/// Asks the feed to quit and gives it `CLOSE_GRACE` to close its
/// connection and end, handing everything it still sends to `each` (a
/// reader that stops reading would hold a full channel's feed up). A feed
/// that overstays is aborted. Without its task (a test's channels), the
/// feed has ended when it says `Closed` or drops its channel. True when
/// it ended in time.
pub async fn close_feed(
    events: &mut mpsc::Receiver<FeedEvent>,
    commands: &mpsc::Sender<FeedCommand>,
    task: Option<&mut JoinHandle<()>>,
    mut each: impl FnMut(&FeedEvent),
) -> bool {
    let deadline = Instant::now() + CLOSE_GRACE;
    // The command channel is bounded: never wait on it past the grace.
    let _ = tokio::time::timeout_at(deadline, commands.send(FeedCommand::Quit)).await;
    let has_task = task.is_some();
    let abort = task.as_ref().map(|task| task.abort_handle());
    let mut ended = std::pin::pin!(async move {
        match task {
            Some(task) => {
                let _ = task.await;
            }
            None => std::future::pending().await,
        }
    });
    let mut open = true;
    loop {
        tokio::select! {
            () = &mut ended => {
                // What it sent before it ended is still queued.
                while let Ok(event) = events.try_recv() {
                    each(&event);
                }
                return true;
            }
            event = events.recv(), if open => match event {
                Some(event) => {
                    each(&event);
                    let closed = matches!(&event, FeedEvent::Status(status) if status.state == ConnState::Closed);
                    if closed && !has_task {
                        return true;
                    }
                }
                None if !has_task => return true,
                None => open = false,
            },
            () = sleep_until(deadline) => {
                tracing::warn!(target: TARGET, "the feed did not close within {} s", CLOSE_GRACE.as_secs());
                if let Some(abort) = abort {
                    abort.abort();
                }
                return false;
            }
        }
    }
}
