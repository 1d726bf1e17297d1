//! AppState and the pure reducer `apply`.

use crate::event::FeedStatus;
use crate::model::{Alerts, LatencyStats, QueueView};

/// Feed-wide figures.
#[derive(Debug, Clone)]
pub struct FeedStats {
    /// Queue events processed since start, across reconnects.
    pub events_processed: u64,
    pub malformed: u64,
    pub unknown: u64,
    pub heartbeats: u64,
    pub latency: LatencyStats,
    pub status: FeedStatus,
}

/// Everything the screen and the export read.
#[derive(Debug, Clone)]
pub struct AppState {
    /// In configured order.
    pub queues: Vec<QueueView>,
    pub feed: FeedStats,
    pub alerts: Alerts,
}
