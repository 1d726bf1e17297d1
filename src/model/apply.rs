//! What each kind of queue event does to its queue.

use crate::event::{
    AgentState, InteractionState, QueueEvent, QueueEventKind, QueueInteraction, QueueSummary,
    QueueTotals,
};
use crate::model::queue::{MAX_AGENTS, MAX_WAITING};
use crate::model::{AgentRow, AlertKind, AppState, CapacityMetrics, QueueView, WaitingRow};
use tokio::time::Instant;

pub(crate) fn queue_event(st: &mut AppState, i: usize, ev: &QueueEvent) {
    match &ev.kind {
        QueueEventKind::Summary(s) => summary(st, i, s, ev),
        QueueEventKind::Interaction(it) => interaction(st, i, it, ev),
        QueueEventKind::Agent(a) => roster(st, i, a, ev.received),
        QueueEventKind::Totals(t) => totals(st, i, t, ev.received),
    }
    if !matches!(ev.kind, QueueEventKind::Totals(_)) {
        let slot = st.slot(ev.received);
        let q = &mut st.queues[i];
        q.waiting_history.record(slot, u64::from(q.waiting_count()));
        waiting_alert(st, i);
    }
}

fn summary(st: &mut AppState, i: usize, s: &QueueSummary, ev: &QueueEvent) {
    let metrics = CapacityMetrics::of(s);
    let q = &mut st.queues[i];
    q.oldest_waiting = oldest_waiting(s, ev);
    if !q.name_from_config
        && let Some(name) = &s.queue_name
        && *name != q.name
    {
        q.name = name.clone();
    }
    let slot = st.slot(ev.received);
    let q = &mut st.queues[i];
    q.utilization_history
        .record(slot, metrics.effective_utilization().round() as u64);

    // The deficit list (known skills with no idle agent) goes to the audit log
    // as it changes; only a deficit that interactions wait on is an alert.
    let old = std::mem::take(&mut q.metrics.skill_deficits);
    let wall = st.wall();
    merge(&old, &metrics.skill_deficits, |skill, began| {
        let q = &st.queues[i];
        let msg = format!("{}: no idle agent with skill {skill}", q.name);
        st.alerts.note_deficit(&q.id, skill, began, msg, wall);
    });
    let shortages: Vec<String> = s
        .skills
        .iter()
        .filter(|(_, c)| c.available == 0 && c.required.is_some_and(|r| r > 0))
        .map(|(name, _)| name.clone())
        .collect();
    let old = std::mem::take(&mut st.queues[i].skill_shortages);
    merge(&old, &shortages, |skill, on| {
        let need = s.skills.get(skill).and_then(|c| c.required).unwrap_or(0);
        let kind = AlertKind::SkillShort {
            skill: skill.to_string(),
        };
        st.set_queue_alert(i, kind, on, |q| {
            format!(
                "{}: {need} waiting need {skill}, no idle agent has it",
                q.name
            )
        });
    });

    let util = metrics.effective_utilization();
    let limit = st.queues[i].limits.utilization_pct;
    // 0 switches the alert off.
    st.set_queue_alert(
        i,
        AlertKind::Utilization,
        limit > 0.0 && util >= limit,
        |q| format!("{}: utilization {util:.1}% >= {limit}%", q.name),
    );
    let q = &mut st.queues[i];
    q.skill_shortages = shortages;
    q.metrics = metrics;
    q.summary = Some(s.clone());
    trim_waiting(q, s.interactions_waiting);
}

/// The summary's oldest waiting interaction on our clock: its wait at
/// receipt (our wall clock minus the server's start time; never negative,
/// so a server clock ahead of ours reads as just begun).
fn oldest_waiting(s: &QueueSummary, ev: &QueueEvent) -> Option<Instant> {
    let since = s.oldest_waiting_since?;
    let waited = (ev.received_wall - since).max(time::Duration::ZERO);
    let waited = std::time::Duration::try_from(waited).unwrap_or_default();
    Some(ev.received.checked_sub(waited).unwrap_or(ev.received))
}

/// Walks two sorted lists once: `f(item, true)` for what began,
/// `f(item, false)` for what ended.
fn merge(old: &[String], new: &[String], mut f: impl FnMut(&str, bool)) {
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
                f(&old[a], false);
                a += 1;
            }
            std::cmp::Ordering::Greater => {
                f(&new[b], true);
                b += 1;
            }
        }
    }
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

/// The alerts that follow from the waiting count and the agents.
pub(crate) fn waiting_alert(st: &mut AppState, i: usize) {
    let q = &st.queues[i];
    let waiting = q.waiting_count();
    let limit = q.limits.waiting;
    let on_queue = q.summary.as_ref().map(|s| s.agents_logged_in);
    st.set_queue_alert(i, AlertKind::Waiting, limit > 0 && waiting >= limit, |q| {
        format!("{}: {waiting} waiting >= {limit}", q.name)
    });
    let nobody = waiting > 0 && on_queue == Some(0);
    st.set_queue_alert(i, AlertKind::NoAgents, nobody, |q| {
        format!("{}: {waiting} waiting and no agent on queue", q.name)
    });
}

/// Interval totals: the service level under the queue's goal is
/// critical, once anything was answered (an empty interval has no
/// service level). The goal is the queue's own (config, then its
/// settings), else `alerts.service_level_pct`.
fn totals(st: &mut AppState, i: usize, t: &QueueTotals, received: Instant) {
    st.queues[i].totals = Some(t.clone());
    let q = &st.queues[i];
    let target = q.service_level_target();
    let sl = crate::model::interval::service_level(t);
    let under = sl.is_some_and(|sl| sl < target);
    st.set_queue_alert(i, AlertKind::ServiceLevel, under, |q| {
        let sl = sl.unwrap_or(0.0);
        format!("{}: service level {sl:.1}% < target {target}%", q.name)
    });
    if let Some(sl) = sl.filter(|p| p.is_finite()) {
        let slot = st.slot(received);
        let pct = sl.clamp(0.0, 100.0).round() as u64;
        st.queues[i].service_level_history.record(slot, pct);
    }
}

fn interaction(st: &mut AppState, i: usize, it: &QueueInteraction, ev: &QueueEvent) {
    let q = &mut st.queues[i];
    match it.state {
        InteractionState::Waiting => {
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
        // Offered to an agent (alerting), connected, ended, abandoned, or
        // a state we do not know: not (known to be) waiting any more. The
        // summary's count leaves offered ones out too: kept here, they
        // would make the count look short of the list, and the trim would
        // drop a caller still waiting. An offer nobody answers comes back
        // as waiting, with its whole wait.
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
