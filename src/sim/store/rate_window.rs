//! The Notifications API's rate-limit window: requests counted per minute
//! for the `inin-ratelimit-*` headers.

use std::time::Duration;

use tokio::time::Instant;

/// How long one rate-limit window lasts.
const WINDOW: Duration = Duration::from_secs(60);

/// Requests in the current rate-limit window.
#[derive(Debug, Default)]
pub(crate) struct RateWindow {
    start: Option<Instant>,
    count: u32,
}

impl RateWindow {
    /// Counts one request; `(count, seconds until the window resets)`.
    pub(crate) fn hit(&mut self) -> (u32, u64) {
        let now = Instant::now();
        let start = match self.start {
            Some(s) if now.duration_since(s) < WINDOW => s,
            _ => {
                self.count = 0;
                self.start = Some(now);
                now
            }
        };
        self.count = self.count.saturating_add(1);
        let left = WINDOW.saturating_sub(now.duration_since(start));
        (self.count, left.as_secs().max(1))
    }
}
