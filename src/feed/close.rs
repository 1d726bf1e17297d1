//! The one way a consumer closes its feed, with one grace period: the
//! monitor, headless mode, `snapshot`, `record` and the relay all ask the
//! feed to quit, keep taking what it still sends (a reader that stops
//! reading would hold a full channel's feed up) and abort it when it
//! overstays.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep_until};

use super::TARGET;
use crate::event::{ConnState, FeedCommand, FeedEvent};

/// How long the feed gets to close its connection cleanly (close 1000)
/// and deliver what it still has, in every mode.
pub const CLOSE_GRACE: Duration = Duration::from_secs(3);

/// A feed asked to quit: what it still delivers, one event at a time, for
/// consumers that handle each with an `await` (the relay publishes them).
pub struct Closing<'a> {
    events: &'a mut mpsc::Receiver<FeedEvent>,
    task: Option<&'a mut JoinHandle<()>>,
    grace: Duration,
    deadline: Instant,
    phase: Phase,
    /// The event channel has closed while the task still runs.
    drained: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for the feed to end.
    Running,
    /// The feed ended in time: what it queued before it did is left.
    Ended,
    /// Nothing more: ended and drained, or out of time.
    Done { in_time: bool },
}

impl<'a> Closing<'a> {
    /// Asks the feed to quit; from now it has `grace`. Without its task
    /// (a test's channels), the feed has ended when it says `Closed` or
    /// drops its channel.
    pub async fn start(
        events: &'a mut mpsc::Receiver<FeedEvent>,
        commands: &mpsc::Sender<FeedCommand>,
        task: Option<&'a mut JoinHandle<()>>,
        grace: Duration,
    ) -> Closing<'a> {
        let deadline = Instant::now() + grace;
        // The command channel is bounded: never wait on it past the grace.
        let _ = tokio::time::timeout_at(deadline, commands.send(FeedCommand::Quit)).await;
        Closing {
            events,
            task,
            grace,
            deadline,
            phase: Phase::Running,
            drained: false,
        }
    }

    /// The next event the feed delivers, or `None` once it has ended and
    /// everything it sent was taken, or once the grace ran out (the feed
    /// is then aborted).
    pub async fn next(&mut self) -> Option<FeedEvent> {
        match self.phase {
            Phase::Done { .. } => return None,
            Phase::Ended => return self.queued(),
            Phase::Running => {}
        }
        let has_task = self.task.is_some();
        loop {
            let Closing {
                events,
                task,
                deadline,
                drained,
                ..
            } = self;
            let ended = async {
                match task {
                    // Never polled again once it has ended (that panics).
                    Some(task) => {
                        let _ = task.await;
                    }
                    None => std::future::pending().await,
                }
            };
            // Past the deadline nothing more is taken, however much is
            // queued: a consumer slow with each event cannot stretch it.
            tokio::select! {
                biased;
                () = sleep_until(*deadline) => {
                    let left = events.len();
                    tracing::warn!(target: TARGET, left, "the feed did not close within {} s; {left} events it sent were not taken", self.grace.as_secs_f64());
                    if let Some(task) = &self.task {
                        task.abort();
                    }
                    self.phase = Phase::Done { in_time: false };
                    return None;
                }
                () = ended => {
                    self.phase = Phase::Ended;
                    return self.queued();
                }
                event = events.recv(), if !*drained => match event {
                    Some(event) => {
                        let closed = matches!(&event, FeedEvent::Status(status) if status.state == ConnState::Closed);
                        if closed && !has_task {
                            self.phase = Phase::Done { in_time: true };
                        }
                        return Some(event);
                    }
                    None if !has_task => {
                        self.phase = Phase::Done { in_time: true };
                        return None;
                    }
                    None => *drained = true,
                },
            }
        }
    }

    /// What the feed queued before it ended.
    fn queued(&mut self) -> Option<FeedEvent> {
        let event = self.events.try_recv().ok();
        if event.is_none() {
            self.phase = Phase::Done { in_time: true };
        }
        event
    }

    /// The feed ended within the grace (meaningful once `next` said `None`).
    pub fn in_time(&self) -> bool {
        matches!(self.phase, Phase::Ended | Phase::Done { in_time: true })
    }
}

/// Closes the feed (`Closing`), handing everything it still sends to
/// `each`. True when it ended within `grace`.
pub async fn close(
    events: &mut mpsc::Receiver<FeedEvent>,
    commands: &mpsc::Sender<FeedCommand>,
    task: Option<&mut JoinHandle<()>>,
    grace: Duration,
    mut each: impl FnMut(&FeedEvent),
) -> bool {
    let mut closing = Closing::start(events, commands, task, grace).await;
    while let Some(event) = closing.next().await {
        each(&event);
    }
    closing.in_time()
}
