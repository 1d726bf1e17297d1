//! Per-queue metrics and the capacity analysis of the export's
//! `routing_metrics`.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::time::Instant;

use crate::event::{AgentCounts, AgentStatus, MediaType, QueueSummary, QueueTotals};
use crate::model::{Combine, History};
use crate::model::{Limits, ServiceGoal};

/// Buckets kept per history (one hour of 30 s buckets).
pub const HISTORY_LEN: usize = crate::model::history::BUCKETS;
/// Most agents kept per queue roster; more are counted, not stored.
pub const MAX_AGENTS: usize = 5000;
/// Most waiting interactions kept per queue; more are counted, not stored.
pub const MAX_WAITING: usize = 5000;

/// A percentage (or any figure that means tenths) to one decimal, for
/// the export and `snapshot`: 42.857142857142854 is 42.9.
pub fn round1(v: f64) -> f64 {
    if v.is_finite() {
        (v * 10.0).round() / 10.0
    } else {
        0.0
    }
}

/// A duration in ms to a whole ms, for the export and `snapshot`.
pub fn whole_ms(ms: f64) -> u64 {
    if ms.is_finite() {
        ms.round().max(0.0) as u64
    } else {
        0
    }
}

/// The capacity analysis of one summary (docs/EXPORT.md, "The export line").
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
    /// Queue utilization: agents interacting on queue interactions over
    /// agents on queue × 100 (COMMUNICATING, non-queue work, is not queue
    /// work). None when the feed does not give both, or nobody is on queue.
    pub queue_utilization: Option<f64>,
}

impl CapacityMetrics {
    /// The capacity analysis of one summary (docs/EXPORT.md, "The export
    /// line").
    ///
    /// Both percentages are clamped to 0..=100: a feed that counts more
    /// agents interacting (or available) than logged in is wrong, and a
    /// gauge over 100 % would show the error as a fact. Sane input (counts
    /// within the logged-in agents) gets the documented formula unchanged.
    pub fn of(s: &QueueSummary) -> Self {
        let pct = |n: u32| {
            if s.agents_logged_in == 0 {
                0.0
            } else {
                (f64::from(n) / f64::from(s.agents_logged_in) * 100.0).min(100.0)
            }
        };
        // A BTreeMap iterates in key order: sorted and unique already.
        let skill_deficits = s
            .skills
            .iter()
            .filter(|(_, c)| c.available == 0)
            .map(|(name, _)| name.clone())
            .collect();
        CapacityMetrics {
            utilization: pct(s.agents_interacting),
            available_ratio: pct(s.agents_available),
            skill_coverage: s.skills.len(),
            skill_deficits,
            queue_utilization: queue_utilization(&s.agents),
        }
    }
}

impl CapacityMetrics {
    /// Utilization as the screen shows it and the alert reads it: queue
    /// work over agents on queue, where the feed tells queue work from
    /// communicating; else (the realtime feed) the export's `utilization`.
    pub fn effective_utilization(&self) -> f64 {
        self.queue_utilization.unwrap_or(self.utilization)
    }
}

/// The one definition of utilization: queue work over agents on queue,
/// clamped to 100 % like the export's `utilization`.
pub fn queue_utilization(a: &AgentCounts) -> Option<f64> {
    let on_queue = a.on_queue.filter(|n| *n > 0)?;
    let working = a.interacting?;
    Some((f64::from(working) / f64::from(on_queue) * 100.0).min(100.0))
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
    /// Deficit skills that waiting interactions need (sorted): warnings.
    pub skill_shortages: Vec<String>,
    /// This queue's alert thresholds (`[alerts]`, overridden per queue).
    pub limits: Limits,
    /// The service-level goal the config sets for this queue.
    pub target_override: ServiceGoal,
    /// Per 30 s bucket, with gaps where the feed was down: percent.
    pub utilization_history: History,
    /// The most waiting in each bucket.
    pub waiting_history: History,
    /// The highest event latency in each bucket, ms.
    pub latency_history: History,
    /// The longest wait at each tick's peak, seconds.
    pub longest_history: History,
    /// The interval's service level, percent.
    pub service_level_history: History,
    /// Last update of any kind.
    pub last_update: Option<Instant>,
    /// When the oldest waiting interaction began waiting, on our clock,
    /// as the summary told it (feeds without per-interaction events).
    pub oldest_waiting: Option<Instant>,
    /// No update for `alerts.stale_after_s`.
    pub stale: bool,
    /// Active alerts on this queue.
    pub active_alerts: usize,
    /// True when the display name came from the config (the server's
    /// name does not replace it).
    pub name_from_config: bool,
    /// True when the queue is listed in the config.
    pub configured: bool,
    /// Events about this queue (snapshot included).
    pub events: u64,
    /// Agents or waiting interactions not stored because the roster or
    /// the waiting list was full.
    pub overflow: u64,
}

impl QueueView {
    pub fn new(id: &str, name: Option<&str>, configured: bool) -> Self {
        QueueView {
            id: id.to_string(),
            name: name.unwrap_or(id).to_string(),
            summary: None,
            metrics: CapacityMetrics::default(),
            agents: BTreeMap::new(),
            waiting: BTreeMap::new(),
            totals: None,
            skill_shortages: Vec::new(),
            limits: Limits::default(),
            target_override: ServiceGoal::default(),
            utilization_history: History::new(Combine::Last),
            waiting_history: History::new(Combine::Max),
            latency_history: History::new(Combine::Max),
            longest_history: History::new(Combine::Max),
            service_level_history: History::new(Combine::Last),
            last_update: None,
            oldest_waiting: None,
            stale: false,
            active_alerts: 0,
            name_from_config: name.is_some(),
            configured,
            events: 0,
            overflow: 0,
        }
    }

    /// Interactions waiting, the one figure every screen and export shows:
    /// the summary's count, or more when the feed has since told of more
    /// waiting interactions than the summary counted.
    pub fn waiting_count(&self) -> u32 {
        let listed = u32::try_from(self.waiting.len()).unwrap_or(u32::MAX);
        match &self.summary {
            Some(s) => s.interactions_waiting.max(listed),
            None => listed,
        }
    }

    /// The interval's service level, once anything was answered (an
    /// empty interval has none, whatever the feed says).
    pub fn service_level(&self) -> Option<f64> {
        self.totals
            .as_ref()
            .and_then(crate::model::interval::service_level)
    }

    /// Waiting interactions the count includes that the list cannot show:
    /// the feed gave no per-interaction detail for them.
    pub fn waiting_unlisted(&self) -> u32 {
        let listed = u32::try_from(self.waiting.len()).unwrap_or(u32::MAX);
        self.waiting_count().saturating_sub(listed)
    }

    /// The longest current wait, aged to `now`: the oldest tracked
    /// interaction, or the summary's oldest waiting one when that is older
    /// (or all there is). O(waiting) per call: for drawing and ticks, not
    /// per event.
    pub fn longest_wait(&self, now: Instant) -> Option<Duration> {
        let listed = self
            .waiting
            .values()
            .map(|w| Duration::from_millis(w.wait_ms) + now.saturating_duration_since(w.seen))
            .max();
        let summary = self
            .oldest_waiting
            .filter(|_| self.waiting_count() > 0)
            .map(|since| now.saturating_duration_since(since));
        listed.max(summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::SkillCount;

    fn summary(avail: u32, logged: u32, inter: u32, skills: &[(&str, u32)]) -> QueueSummary {
        QueueSummary {
            queue_id: "Q".into(),
            queue_name: None,
            agents_available: avail,
            agents_logged_in: logged,
            agents_interacting: inter,
            interactions_waiting: 0,
            skills: skills
                .iter()
                .map(|(n, a)| {
                    (
                        n.to_string(),
                        SkillCount {
                            available: *a,
                            required: None,
                        },
                    )
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn utilization_is_60_for_6_of_10() {
        let m = CapacityMetrics::of(&summary(3, 10, 6, &[("Spanish", 0), ("Billing", 2)]));
        assert_eq!(m.utilization, 60.0);
        assert_eq!(m.available_ratio, 30.0);
        assert_eq!(m.skill_coverage, 2);
        assert_eq!(m.skill_deficits, vec!["Spanish".to_string()]);
    }

    #[test]
    fn zero_when_nobody_logged_in() {
        let m = CapacityMetrics::of(&summary(0, 0, 0, &[]));
        assert_eq!(m.utilization, 0.0);
        assert_eq!(m.available_ratio, 0.0);
        assert_eq!(m.skill_coverage, 0);
        assert!(m.skill_deficits.is_empty());
    }

    #[test]
    fn nonsense_counts_are_clamped_to_100() {
        // Property-test finding: 5 available of 1 logged in showed 500 %.
        let m = CapacityMetrics::of(&summary(5, 1, 2, &[]));
        assert_eq!(m.available_ratio, 100.0);
        assert_eq!(m.utilization, 100.0);
        let m = CapacityMetrics::of(&summary(u32::MAX, 3, u32::MAX, &[]));
        assert_eq!((m.utilization, m.available_ratio), (100.0, 100.0));
        // Exactly everyone is not clamped away.
        let m = CapacityMetrics::of(&summary(0, u32::MAX, u32::MAX, &[]));
        assert_eq!((m.utilization, m.available_ratio), (100.0, 0.0));
    }

    #[test]
    fn queue_utilization_leaves_communicating_out() {
        // 3 on queue interactions, 5 on non-queue work, of 8 on queue: the
        // export's `utilization` reads 100 %, queue utilization 37.5 %.
        let mut s = summary(0, 8, 8, &[]);
        s.agents = AgentCounts {
            on_queue: Some(8),
            idle: Some(0),
            interacting: Some(3),
            communicating: Some(5),
            ..AgentCounts::default()
        };
        let m = CapacityMetrics::of(&s);
        assert_eq!(m.utilization, 100.0);
        assert_eq!(m.queue_utilization, Some(37.5));
    }

    #[test]
    fn queue_utilization_unknown_without_both_counts() {
        let mut s = summary(1, 4, 2, &[]);
        s.agents.on_queue = Some(4);
        assert_eq!(CapacityMetrics::of(&s).queue_utilization, None);
        s.agents.interacting = Some(2);
        assert_eq!(CapacityMetrics::of(&s).queue_utilization, Some(50.0));
        s.agents.on_queue = Some(0);
        assert_eq!(CapacityMetrics::of(&s).queue_utilization, None);
    }

    #[test]
    fn deficits_sorted_and_only_zero_available() {
        let m = CapacityMetrics::of(&summary(
            1,
            3,
            1,
            &[("Zulu", 0), ("alpha", 0), ("Billing", 1), ("Arabic", 0)],
        ));
        assert_eq!(m.skill_deficits, vec!["Arabic", "Zulu", "alpha"]);
        assert_eq!(m.skill_coverage, 4);
    }

    #[test]
    fn longest_wait_ages_with_time() {
        let now = Instant::now();
        let mut q = QueueView::new("Q", None, false);
        assert_eq!(q.name, "Q");
        assert_eq!(q.longest_wait(now), None);
        for (c, ms) in [("a", 1000), ("b", 5000)] {
            q.waiting.insert(
                c.into(),
                WaitingRow {
                    conversation_id: c.into(),
                    media_type: MediaType::Voice,
                    wait_ms: ms,
                    seen: now,
                },
            );
        }
        assert_eq!(
            q.longest_wait(now + Duration::from_secs(2)),
            Some(Duration::from_millis(7000))
        );
        assert_eq!(q.waiting_count(), 2);
    }
}
