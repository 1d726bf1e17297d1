//! Latency over the last N samples: average, max and p95 without
//! rescanning the window on every event (the seed's defect).

/// Rolling latency figures over a fixed window.
#[derive(Debug, Clone, Default)]
pub struct LatencyStats {}
