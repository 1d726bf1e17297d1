//! Fixtures for the reducer tests that run under paused tokio time: a wall
//! clock that moves with it, and limits that raise and clear at once.

use std::time::Duration;

use crate::fixtures::queue_event;
use queuetop::event::{FeedEvent, QueueEventKind};
use queuetop::model::{AppState, Limits};
use time::OffsetDateTime;
use tokio::time::Instant;

/// The default thresholds, written out (the tests count on them), with
/// alerts raised and cleared on the first event that crosses them.
pub fn immediate_limits() -> Limits {
    Limits {
        utilization_pct: 90.0,
        waiting: 10,
        latency_ms: 2000,
        stale_after_s: 120,
        raise_delay_s: 0,
        clear_delay_s: 0,
        ..Limits::default()
    }
}

/// Wall time that moves with the paused monotonic clock, from 2027-01-15
/// 08:00 UTC at the moment the clock was made.
pub struct Clock {
    start: Instant,
}

impl Clock {
    pub fn new() -> Self {
        Clock {
            start: Instant::now(),
        }
    }

    pub fn wall(&self) -> OffsetDateTime {
        let ms = Instant::now().duration_since(self.start).as_millis() as i64;
        OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
            + time::Duration::milliseconds(ms)
    }

    /// `kind` as the feed delivers it now, without a server time.
    pub fn event(&self, kind: QueueEventKind) -> FeedEvent {
        queue_event(kind)
            .received(self.wall(), Instant::now())
            .feed()
    }

    pub fn apply(&self, st: &mut AppState, kind: QueueEventKind) {
        st.apply(&self.event(kind));
    }

    /// Lets `d` pass, then ticks the state.
    pub async fn pass(&self, st: &mut AppState, d: Duration) {
        tokio::time::advance(d).await;
        st.tick(Instant::now(), self.wall());
    }
}
