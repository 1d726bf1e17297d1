//! The queue list's order: by risk (held steady while nothing changes
//! tier), name, utilization, waiting or alerts; and the filter.

use std::cmp::Ordering;

use tokio::time::Instant;

use crate::model::{AppState, QueueView};
use crate::ui::ViewState;
use crate::ui::figures;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Most at risk first (critical alerts, staleness, then waiting ×
    /// longest wait, then the SL shortfall), held steady (see `RISK_HOLD`).
    #[default]
    Risk,
    Name,
    Utilization,
    Waiting,
    Alerts,
}

/// The risk order is re-sorted at most this often, unless a queue changes
/// tier (a critical alert, staleness): rows do not move under the finger.
pub const RISK_HOLD: std::time::Duration = std::time::Duration::from_secs(15);

impl SortKey {
    pub fn next(self) -> Self {
        match self {
            SortKey::Risk => SortKey::Name,
            SortKey::Name => SortKey::Utilization,
            SortKey::Utilization => SortKey::Waiting,
            SortKey::Waiting => SortKey::Alerts,
            SortKey::Alerts => SortKey::Risk,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Risk => "risk",
            SortKey::Name => "name",
            SortKey::Utilization => "utilization",
            SortKey::Waiting => "waiting",
            SortKey::Alerts => "alerts",
        }
    }
}

/// One sorting by risk: each queue id's place, and what the order is
/// held against (its tier, and whether it had figures yet), and when.
#[derive(Debug, Clone)]
pub(super) struct RiskOrder {
    at: Instant,
    place: std::collections::HashMap<String, (usize, Standing)>,
}

/// What breaks a held order when it changes: a tier, or a queue's first
/// figures (an order sorted before the snapshot is only the names' order,
/// and must not stand for `RISK_HOLD` over queues with callers waiting).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Standing {
    tier: u8,
    has_figures: bool,
}

impl ViewState {
    /// Indices into `state.queues`, filtered and sorted as on screen.
    pub fn visible(&self, state: &AppState, now: Instant) -> Vec<usize> {
        let needle = self.filter.to_lowercase();
        let queues = state.queues();
        // Lower-cased once, not per comparison.
        let names: Vec<String> = queues
            .iter()
            .map(|queue| queue.name.to_lowercase())
            .collect();
        let mut rows: Vec<usize> = (0..queues.len())
            .filter(|&i| needle.is_empty() || names[i].contains(&needle))
            .collect();
        if self.sort == SortKey::Risk {
            let place = self.risk_order(state, now);
            rows.sort_by_key(|&i| place[i]);
            return rows;
        }
        rows.sort_by(|&a, &b| {
            compare(self.sort, &queues[a], &queues[b], now)
                .then_with(|| names[a].cmp(&names[b]))
                .then_with(|| queues[a].id.cmp(&queues[b].id))
        });
        rows
    }

    /// Each queue's place in the risk order (by index into `state.queues`):
    /// the held order while it is younger than `RISK_HOLD`, lists the same
    /// queues and none has changed tier; else a fresh sort.
    fn risk_order(&self, state: &AppState, now: Instant) -> Vec<usize> {
        let queues = state.queues();
        let risks: Vec<_> = queues.iter().map(|queue| queue.risk(state, now)).collect();
        let standing = |index: usize| Standing {
            tier: risks[index].tier,
            has_figures: queues[index].summary.is_some(),
        };
        let mut held = self.risk_order.borrow_mut();
        let keep = held.as_ref().is_some_and(|order| {
            now.saturating_duration_since(order.at) < RISK_HOLD
                && order.place.len() == queues.len()
                && queues.iter().enumerate().all(|(index, queue)| {
                    order
                        .place
                        .get(&queue.id)
                        .is_some_and(|&(_, was)| was == standing(index))
                })
        });
        if !keep {
            let mut order: Vec<usize> = (0..queues.len()).collect();
            order.sort_by(|&left, &right| {
                let (ra, rb) = (risks[left], risks[right]);
                rb.urgency(&ra)
                    .then_with(|| queues[left].name.cmp(&queues[right].name))
                    .then_with(|| queues[left].id.cmp(&queues[right].id))
            });
            let place = order
                .iter()
                .enumerate()
                .map(|(rank, &index)| (queues[index].id.clone(), (rank, standing(index))))
                .collect();
            *held = Some(RiskOrder { at: now, place });
        }
        let place = held.as_ref().map(|order| &order.place);
        queues
            .iter()
            .map(|queue| {
                place
                    .and_then(|place| place.get(&queue.id))
                    .map_or(usize::MAX, |&(rank, _)| rank)
            })
            .collect()
    }
}

/// The sort key's own order; ties go to the caller, which breaks them by
/// the lower-cased name computed once per frame (not per comparison: at a
/// thousand queues that cost a millisecond a frame).
fn compare(sort: SortKey, a: &QueueView, b: &QueueView, now: Instant) -> Ordering {
    let descending = |x: f64, y: f64| y.partial_cmp(&x).unwrap_or(Ordering::Equal);
    match sort {
        SortKey::Name | SortKey::Risk => Ordering::Equal,
        SortKey::Utilization => descending(
            a.metrics.effective_utilization(),
            b.metrics.effective_utilization(),
        ),
        SortKey::Waiting => figures::waiting(b)
            .cmp(&figures::waiting(a))
            .then_with(|| figures::longest_wait(b, now).cmp(&figures::longest_wait(a, now))),
        SortKey::Alerts => b
            .active_alerts
            .cmp(&a.active_alerts)
            .then_with(|| b.stale.cmp(&a.stale))
            .then_with(|| {
                descending(
                    a.metrics.effective_utilization(),
                    b.metrics.effective_utilization(),
                )
            }),
    }
}
