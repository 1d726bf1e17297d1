//! What one start-up (or reconnect) cost, for the audit log.

use super::rest::RestClient;

/// What one start-up (or reconnect) cost: REST calls and time, from the
/// first call until the first snapshot went out.
pub struct Stopwatch {
    calls: u64,
    began: tokio::time::Instant,
}

impl Stopwatch {
    pub fn start(rest: Option<&RestClient>) -> Stopwatch {
        Stopwatch {
            calls: rest.map_or(0, RestClient::calls),
            began: tokio::time::Instant::now(),
        }
    }

    /// Logs the cost to the audit log; `first` tells a start-up from a
    /// reconnect.
    pub fn report(&self, rest: Option<&RestClient>, first: bool, queues: usize) {
        let calls = rest.map_or(0, RestClient::calls).saturating_sub(self.calls);
        let ms = self.began.elapsed().as_millis() as u64;
        let what = if first { "start-up" } else { "reconnect" };
        tracing::info!(
            target: "queuetop::feed",
            rest_calls = calls,
            elapsed_ms = ms,
            queues,
            "{what} took {calls} REST calls in {ms} ms"
        );
    }
}
