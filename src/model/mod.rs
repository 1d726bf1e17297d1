//! The state of everything shown: pure, no I/O. OWNER: model helper.
pub mod alerts;
pub mod latency;
pub mod queue;
pub mod ring;
pub mod state;

pub use alerts::{Alert, AlertKind, Alerts};
pub use latency::LatencyStats;
pub use queue::{AgentRow, CapacityMetrics, QueueView, WaitingRow};
pub use ring::Ring;
pub use state::{AppState, FeedStats};
