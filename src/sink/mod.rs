//! Output sinks. export: owner model helper; audit: owner foundation helper.
pub mod alert_history;
pub mod audit;
pub mod export;
pub mod metrics;
pub mod text;
