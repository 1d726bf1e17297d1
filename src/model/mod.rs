//! The state of everything shown: pure, no I/O.
mod alert_kind;
pub mod alerts;
pub mod alerts_entry;
mod apply;
mod feed_stats;
pub mod history;
pub mod interval;
pub mod latency;
pub mod limits;
pub mod queue;
pub mod rate;
pub mod ring;
pub mod risk;
pub mod state;

pub use alerts::{Alert, AlertKind, AlertTransition, Alerts, Delays, Severity};
pub use history::{Combine, History};
pub use interval::IntervalFigures;
pub use latency::LatencyStats;
pub use limits::{Limits, QueueSeed, ServiceGoal};
pub use queue::{AgentRow, CapacityMetrics, QueueView, WaitingRow};
pub use ring::Ring;
pub use risk::{Risk, Totals};
pub use state::{AppState, FeedStats, StateParts};
