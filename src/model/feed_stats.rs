//! Feed-wide figures: counts, latency, delivery rate.

use tokio::time::Instant;

use crate::event::FeedStatus;
use crate::model::LatencyStats;
use crate::model::rate::RateWindow;

/// Feed-wide figures.
#[derive(Debug, Clone)]
pub struct FeedStats {
    /// Queue events processed since start, across reconnects.
    pub events_processed: u64,
    pub malformed: u64,
    pub unknown: u64,
    pub heartbeats: u64,
    /// Latency of queue events, never negative (see `clock_skew`).
    pub latency: LatencyStats,
    /// Events stamped by the server after we received them: its clock is
    /// ahead of ours. Recorded as 0 ms latency (a negative figure would pull
    /// the average and p95 below any real delay) and counted here.
    pub clock_skew: u64,
    pub status: FeedStatus,
    /// First-snapshot events applied (not counted as events).
    pub snapshot_events: u64,
    /// Subscriptions the server last acknowledged.
    pub acked: usize,
    /// Receipt time of the last queue event.
    pub last_event: Option<Instant>,
    /// When the feed last said anything (any message, heartbeats included,
    /// or a new connection): a feed silent for `alerts.stale_after_s`
    /// leaves every queue stale.
    pub last_heard: Option<Instant>,
    pub last_malformed: Option<String>,
    pub last_unknown: Option<String>,
    pub(crate) rate: RateWindow,
}

impl Default for FeedStats {
    fn default() -> Self {
        FeedStats {
            events_processed: 0,
            malformed: 0,
            unknown: 0,
            heartbeats: 0,
            latency: LatencyStats::default(),
            clock_skew: 0,
            status: FeedStatus::connecting(),
            snapshot_events: 0,
            acked: 0,
            last_event: None,
            last_heard: None,
            last_malformed: None,
            last_unknown: None,
            rate: RateWindow::default(),
        }
    }
}

impl FeedStats {
    /// True while connected: the only time rates and latency describe the
    /// feed as it is.
    pub fn is_live(&self) -> bool {
        self.status.state == crate::event::ConnState::Connected
    }

    /// The delivery rate while connected; None otherwise (a rate decaying
    /// over an outage would flatter it).
    pub fn live_rate(&self, now: Instant) -> Option<f64> {
        self.is_live().then(|| self.rate.rate(now))
    }

    /// Queue events per second over the last 60 s (over the time since the
    /// first event while that is shorter, at least 1 s).
    pub fn delivery_rate(&self, now: Instant) -> f64 {
        self.rate.rate(now)
    }
}
