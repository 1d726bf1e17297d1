//! What each kind of queue event does to its queue.

use crate::event::{
    AgentState, InteractionState, QueueEvent, QueueEventKind, QueueInteraction, QueueSummary,
};
use crate::model::queue::{MAX_AGENTS, MAX_WAITING};
use crate::model::{AgentRow, AlertKind, AppState, CapacityMetrics, QueueView, WaitingRow};
use tokio::time::Instant;

pub(crate) fn queue_event(st: &mut AppState, i: usize, ev: &QueueEvent) {
    match &ev.kind {
        QueueEventKind::Summary(s) => summary(st, i, s),
        QueueEventKind::Interaction(it) => interaction(st, i, it, ev),
        QueueEventKind::Agent(a) => roster(st, i, a, ev.received),
        QueueEventKind::Totals(t) => st.queues[i].totals = Some(t.clone()),
    }
    if !matches!(ev.kind, QueueEventKind::Totals(_)) {
        waiting_alert(st, i);
    }
}

fn summary(st: &mut AppState, i: usize, s: &QueueSummary) {
    let metrics = CapacityMetrics::of(s);
    let q = &mut st.queues[i];
    if !q.name_from_config
        && let Some(name) = &s.queue_name
        && *name != q.name
    {
        q.name = name.clone();
    }
    q.utilization_history
        .push(metrics.utilization.round() as u64);
    q.waiting_history.push(u64::from(s.interactions_waiting));
    let old = std::mem::take(&mut q.metrics.skill_deficits);

    // Both lists are sorted: one merge finds what ended and what began.
    let new = &metrics.skill_deficits;
    let (mut a, mut b) = (0, 0);
    while a < old.len() || b < new.len() {
        let ord = match (old.get(a), new.get(b)) {
            (Some(o), Some(n)) => o.cmp(n),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        match ord {
            std::cmp::Ordering::Equal => {
                a += 1;
                b += 1;
            }
            std::cmp::Ordering::Less => {
                let skill = old[a].clone();
                st.set_queue_alert(i, AlertKind::SkillDeficit { skill }, false, |_| {
                    String::new()
                });
                a += 1;
            }
            std::cmp::Ordering::Greater => {
                let skill = new[b].clone();
                let msg =
                    |q: &QueueView| format!("{}: no idle agent with skill {}", q.name, new[b]);
                st.set_queue_alert(i, AlertKind::SkillDeficit { skill }, true, msg);
                b += 1;
            }
        }
    }

    let util = metrics.utilization;
    let limit = st.limits.utilization_pct;
    // 0 switches the alert off.
    st.set_queue_alert(
        i,
        AlertKind::Utilization,
        limit > 0.0 && util >= limit,
        |q| format!("{}: utilization {util:.1}% >= {limit}%", q.name),
    );
    let q = &mut st.queues[i];
    q.metrics = metrics;
    q.summary = Some(s.clone());
    trim_waiting(q, s.interactions_waiting);
}

/// The summary is the full state of the queue: when it counts fewer
/// waiting interactions than are tracked, the end of some was missed (for
/// example across a reconnect). Drop the least recently heard of, so a
/// long-gone interaction never shows as a live, ever longer wait.
fn trim_waiting(q: &mut QueueView, waiting: u32) {
    let keep = usize::try_from(waiting).unwrap_or(usize::MAX);
    if q.waiting.len() <= keep {
        return;
    }
    let mut by_seen: Vec<(Instant, String)> = q
        .waiting
        .values()
        .map(|w| (w.seen, w.conversation_id.clone()))
        .collect();
    by_seen.sort_unstable();
    let extra = q.waiting.len() - keep;
    for (_, id) in by_seen.into_iter().take(extra) {
        q.waiting.remove(&id);
    }
}

fn waiting_alert(st: &mut AppState, i: usize) {
    let q = &st.queues[i];
    let waiting = q.waiting_count();
    let limit = st.limits.waiting;
    st.set_queue_alert(i, AlertKind::Waiting, limit > 0 && waiting >= limit, |q| {
        format!("{}: {waiting} waiting >= {limit}", q.name)
    });
}

fn interaction(st: &mut AppState, i: usize, it: &QueueInteraction, ev: &QueueEvent) {
    let q = &mut st.queues[i];
    match it.state {
        InteractionState::Waiting | InteractionState::Alerting => {
            if let Some(row) = q.waiting.get_mut(&it.conversation_id) {
                row.media_type = it.media_type.clone();
                // Keep (wait_ms, seen) a pair: without a new figure, age
                // the old one to now, so `seen` is always "last heard of".
                let aged = row.wait_ms.saturating_add(
                    u64::try_from(ev.received.saturating_duration_since(row.seen).as_millis())
                        .unwrap_or(u64::MAX),
                );
                row.wait_ms = it.wait_ms.unwrap_or(aged);
                row.seen = ev.received;
            } else if q.waiting.len() >= MAX_WAITING {
                q.overflow += 1;
            } else {
                q.waiting.insert(
                    it.conversation_id.clone(),
                    WaitingRow {
                        conversation_id: it.conversation_id.clone(),
                        media_type: it.media_type.clone(),
                        wait_ms: it.wait_ms.unwrap_or(0),
                        seen: ev.received,
                    },
                );
            }
        }
        // Connected, ended, abandoned, or a state we do not know: not
        // (known to be) waiting any more.
        _ => {
            q.waiting.remove(&it.conversation_id);
        }
    }
}

/// An agent's state into queue `i`'s roster, `received` at.
pub(crate) fn roster(st: &mut AppState, i: usize, a: &AgentState, received: Instant) {
    let q = &mut st.queues[i];
    if let Some(row) = q.agents.get_mut(&a.user_id) {
        if row.status != a.status {
            row.status = a.status.clone();
            row.since = received;
        }
        if a.user_name.is_some() {
            row.name.clone_from(&a.user_name);
        }
        row.skills.clone_from(&a.skills);
    } else if q.agents.len() >= MAX_AGENTS {
        q.overflow += 1;
    } else {
        q.agents.insert(
            a.user_id.clone(),
            AgentRow {
                user_id: a.user_id.clone(),
                name: a.user_name.clone(),
                status: a.status.clone(),
                skills: a.skills.clone(),
                since: received,
            },
        );
    }
}
