//! A state from its parts, for fixtures (tests, benches): besides the
//! reducer, the one way to make or change an `AppState`, and it indexes
//! the queues as the reducer does.

use std::mem;

use super::AppState;
use crate::model::{Alerts, FeedStats, Limits, QueueView};

/// What a fixture sets directly.
#[derive(Debug, Clone)]
pub struct StateParts {
    /// In the order shown.
    pub queues: Vec<QueueView>,
    pub feed: FeedStats,
    pub alerts: Alerts,
    pub limits: Limits,
}

impl StateParts {
    /// No queues, no alerts, the feed connecting, default limits.
    pub fn new() -> Self {
        StateParts::from(AppState::new(&[], Limits::default()))
    }

    /// The state, indexed; no time seen yet.
    pub fn build(self) -> AppState {
        let mut state = AppState::new(&[], self.limits);
        state.edit(|parts| *parts = self);
        state
    }
}

impl Default for StateParts {
    fn default() -> Self {
        StateParts::new()
    }
}

impl From<AppState> for StateParts {
    fn from(state: AppState) -> Self {
        StateParts {
            queues: state.queues,
            feed: state.feed,
            alerts: state.alerts,
            limits: state.limits,
        }
    }
}

impl AppState {
    /// Changes the state's parts as a fixture does; the queue index is
    /// rebuilt after, so lookups by id find what `change` left.
    pub fn edit(&mut self, change: impl FnOnce(&mut StateParts)) {
        let mut parts = StateParts {
            queues: mem::take(&mut self.queues),
            feed: mem::take(&mut self.feed),
            alerts: mem::take(&mut self.alerts),
            limits: self.limits,
        };
        change(&mut parts);
        self.queues = parts.queues;
        self.feed = parts.feed;
        self.alerts = parts.alerts;
        self.limits = parts.limits;
        self.index = self
            .queues
            .iter()
            .enumerate()
            .filter(|(_, queue)| !queue.id.is_empty())
            .map(|(position, queue)| (queue.id.clone(), position))
            .collect();
    }
}
