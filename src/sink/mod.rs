//! Output sinks: the export line, the audit log, the alert history, the
//! metrics endpoint, and the text formatting they share.
pub mod alert_history;
pub mod audit;
pub mod export;
pub mod metrics;
pub mod text;
