//! The staleness rule, stated apart from the model: a queue is stale while
//! the feed is down, its subscription is refused, or the feed has said
//! nothing at all (heartbeats included) for `stale_after_s`. A quiet queue
//! on a live feed is not.

use std::time::Duration;

use queuetop::event::{ConnState, FeedEvent, FeedStatus, QueueEvent};
use queuetop::model::{AlertKind, AppState, QueueView};
use tokio::time::Instant;

/// What the steps so far tell of the feed's liveness.
#[derive(Debug, Default)]
pub struct Freshness {
    /// The first time seen (a tick, or an event with a queue).
    started: Option<Instant>,
    /// The latest time seen (ticks and events with a queue): when a
    /// message without a receipt time was heard.
    known: Option<Instant>,
    /// When the feed last said anything.
    heard: Option<Instant>,
    connected: bool,
}

impl Freshness {
    pub fn queue_event(&mut self, event: &QueueEvent) {
        self.heard = Some(event.received);
        if !event.kind.queue_id().is_empty() {
            self.started.get_or_insert(event.received);
            self.known = Some(event.received);
        }
    }

    /// Any other event, before it is applied.
    pub fn other(&mut self, event: &FeedEvent) {
        match event {
            FeedEvent::Status(status) => {
                let connected = status.state == ConnState::Connected;
                if connected && !self.connected {
                    self.heard = self.known.or(self.heard);
                }
                self.connected = connected;
            }
            FeedEvent::Queue(queue_event) => self.queue_event(queue_event),
            _ => self.heard = self.known.or(self.heard),
        }
    }

    pub fn tick(&mut self, now: Instant) {
        self.started.get_or_insert(now);
        self.known = Some(now);
    }

    /// Stale for a reason a queue event does not end: the feed down, or
    /// the queue's subscription refused.
    pub fn excused(state: &AppState, queue: &QueueView) -> bool {
        let limit = state.limits().stale_after_s;
        limit > 0 && (down(&state.feed().status) || refused(state, queue))
    }

    /// Whether `queue` must be stale at a tick at `now`.
    pub fn stale(&self, state: &AppState, queue: &QueueView, now: Instant) -> bool {
        let limit = state.limits().stale_after_s;
        let silent = self
            .heard
            .or(self.started)
            .is_some_and(|heard| now - heard >= Duration::from_secs(limit));
        limit > 0 && (Self::excused(state, queue) || silent)
    }
}

/// The feed is down: from a failed attempt until connected again.
pub fn down(status: &FeedStatus) -> bool {
    match status.state {
        ConnState::Reconnecting { .. } | ConnState::Stopped { .. } => true,
        ConnState::Connecting => status.connects > 0,
        ConnState::Connected | ConnState::Closed => false,
    }
}

fn refused(state: &AppState, queue: &QueueView) -> bool {
    state.alerts().active_kinds(&queue.id).any(|kind| {
        matches!(
            kind,
            AlertKind::TopicRejected { .. } | AlertKind::ServerError { .. }
        )
    })
}
