//! Per-queue metrics and the seed's capacity analysis.

use std::collections::BTreeMap;

use tokio::time::Instant;

use crate::event::{AgentStatus, MediaType, QueueSummary, QueueTotals};
use crate::model::Ring;

/// The seed's capacity analysis of one summary (PROTOCOL.md section 4).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CapacityMetrics {
    /// agentsInteracting / agentsLoggedIn * 100; 0 when nobody is logged in.
    pub utilization: f64,
    /// agentsAvailable / agentsLoggedIn * 100; 0 when nobody is logged in.
    pub available_ratio: f64,
    /// Number of skills known for the queue.
    pub skill_coverage: usize,
    /// Known skills with available == 0, sorted, unique.
    pub skill_deficits: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AgentRow {
    pub user_id: String,
    pub name: Option<String>,
    pub status: AgentStatus,
    pub skills: Vec<String>,
    pub since: Instant,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WaitingRow {
    pub conversation_id: String,
    pub media_type: MediaType,
    /// Wait reported by the server at `seen`.
    pub wait_ms: u64,
    pub seen: Instant,
}

/// Everything known about one queue.
#[derive(Debug, Clone)]
pub struct QueueView {
    pub id: String,
    pub name: String,
    /// The latest summary (None until the first one arrives).
    pub summary: Option<QueueSummary>,
    pub metrics: CapacityMetrics,
    /// Agent roster from agent-state events, by user id.
    pub agents: BTreeMap<String, AgentRow>,
    /// Waiting interactions from queue-interaction events, by conversation.
    pub waiting: BTreeMap<String, WaitingRow>,
    /// Interval totals (service level, abandons), kept apart.
    pub totals: Option<QueueTotals>,
    pub utilization_history: Ring<u64>,
    pub waiting_history: Ring<u64>,
    pub latency_history: Ring<u64>,
    /// Last update of any kind.
    pub last_update: Option<Instant>,
    /// No update for `alerts.stale_after_s`.
    pub stale: bool,
    /// Active alerts on this queue.
    pub active_alerts: usize,
}
