//! What each kind of queue event does to its queue.

use crate::event::{
    AgentState, InteractionState, QueueEvent, QueueEventKind, QueueInteraction, QueueSummary,
    QueueTotals,
};
use crate::model::queue::{MAX_AGENTS, MAX_WAITING};
use crate::model::{AgentRow, AlertKind, AppState, CapacityMetrics, QueueView, WaitingRow};
use tokio::time::Instant;

pub(crate) fn queue_event(state: &mut AppState, index: usize, event: &QueueEvent) {
    match &event.kind {
        QueueEventKind::Summary(figures) => summary(state, index, figures, event),
        QueueEventKind::Interaction(change) => interaction(state, index, change, event),
        QueueEventKind::Agent(agent) => roster(state, index, agent, event.received),
        QueueEventKind::Totals(interval) => totals(state, index, interval, event.received),
    }
    if !matches!(event.kind, QueueEventKind::Totals(_)) {
        let slot = state.slot(event.received);
        let queue = &mut state.queues[index];
        queue
            .waiting_history
            .record(slot, u64::from(queue.waiting_count()));
        waiting_alert(state, index);
    }
}

fn summary(state: &mut AppState, index: usize, figures: &QueueSummary, event: &QueueEvent) {
    let metrics = CapacityMetrics::of(figures);
    let queue = &mut state.queues[index];
    queue.oldest_waiting = oldest_waiting(figures, event);
    if !queue.name_from_config
        && let Some(name) = &figures.queue_name
        && *name != queue.name
    {
        queue.name = name.clone();
    }
    let slot = state.slot(event.received);
    let queue = &mut state.queues[index];
    queue
        .utilization_history
        .record(slot, metrics.effective_utilization().round() as u64);

    // The deficit list (known skills with no idle agent) goes to the audit log
    // as it changes; only a deficit that interactions wait on is an alert.
    let old = std::mem::take(&mut queue.metrics.skill_deficits);
    let wall = state.wall();
    merge(&old, &metrics.skill_deficits, |skill, began| {
        let queue = &state.queues[index];
        let message = format!("{}: no idle agent with skill {skill}", queue.name);
        state
            .alerts
            .note_deficit(&queue.id, skill, began, message, wall);
    });
    let shortages: Vec<String> = figures
        .skills
        .iter()
        .filter(|(_, count)| {
            count.available == 0 && count.required.is_some_and(|required| required > 0)
        })
        .map(|(name, _)| name.clone())
        .collect();
    let old = std::mem::take(&mut state.queues[index].skill_shortages);
    merge(&old, &shortages, |skill, on| {
        let need = figures
            .skills
            .get(skill)
            .and_then(|count| count.required)
            .unwrap_or(0);
        let kind = AlertKind::SkillShort {
            skill: skill.to_string(),
        };
        state.set_queue_alert(index, kind, on, |queue| {
            format!(
                "{}: {need} waiting need {skill}, no idle agent has it",
                queue.name
            )
        });
    });

    let util = metrics.effective_utilization();
    let limit = state.queues[index].limits.utilization_pct;
    // 0 switches the alert off.
    state.set_queue_alert(
        index,
        AlertKind::Utilization,
        limit > 0.0 && util >= limit,
        |queue| format!("{}: utilization {util:.1}% >= {limit}%", queue.name),
    );
    let queue = &mut state.queues[index];
    queue.skill_shortages = shortages;
    queue.metrics = metrics;
    queue.summary = Some(figures.clone());
    trim_waiting(queue, figures.interactions_waiting);
}

/// The summary's oldest waiting interaction on our clock: its wait at
/// receipt (our wall clock minus the server's start time; never negative,
/// so a server clock ahead of ours reads as just begun).
fn oldest_waiting(figures: &QueueSummary, event: &QueueEvent) -> Option<Instant> {
    let since = figures.oldest_waiting_since?;
    let waited = (event.received_wall - since).max(time::Duration::ZERO);
    let waited = std::time::Duration::try_from(waited).unwrap_or_default();
    Some(event.received.checked_sub(waited).unwrap_or(event.received))
}

/// Walks two sorted lists once: `each(item, true)` for what began,
/// `each(item, false)` for what ended.
fn merge(old: &[String], new: &[String], mut each: impl FnMut(&str, bool)) {
    let (mut old_at, mut new_at) = (0, 0);
    while old_at < old.len() || new_at < new.len() {
        let order = match (old.get(old_at), new.get(new_at)) {
            (Some(was), Some(is)) => was.cmp(is),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        match order {
            std::cmp::Ordering::Equal => {
                old_at += 1;
                new_at += 1;
            }
            std::cmp::Ordering::Less => {
                each(&old[old_at], false);
                old_at += 1;
            }
            std::cmp::Ordering::Greater => {
                each(&new[new_at], true);
                new_at += 1;
            }
        }
    }
}

/// The summary is the full state of the queue: when it counts fewer
/// waiting interactions than are tracked, the end of some was missed (for
/// example across a reconnect). Drop the least recently heard of, so a
/// long-gone interaction never shows as a live, ever longer wait.
fn trim_waiting(queue: &mut QueueView, waiting: u32) {
    let keep = usize::try_from(waiting).unwrap_or(usize::MAX);
    if queue.waiting.len() <= keep {
        return;
    }
    let mut by_seen: Vec<(Instant, String)> = queue
        .waiting
        .values()
        .map(|row| (row.seen, row.conversation_id.clone()))
        .collect();
    by_seen.sort_unstable();
    let extra = queue.waiting.len() - keep;
    for (_, id) in by_seen.into_iter().take(extra) {
        queue.waiting.remove(&id);
    }
}

/// The alerts that follow from the waiting count and the agents.
pub(crate) fn waiting_alert(state: &mut AppState, index: usize) {
    let queue = &state.queues[index];
    let waiting = queue.waiting_count();
    let limit = queue.limits.waiting;
    let on_queue = queue
        .summary
        .as_ref()
        .map(|figures| figures.agents_logged_in);
    state.set_queue_alert(
        index,
        AlertKind::Waiting,
        limit > 0 && waiting >= limit,
        |queue| format!("{}: {waiting} waiting >= {limit}", queue.name),
    );
    let nobody = waiting > 0 && on_queue == Some(0);
    state.set_queue_alert(index, AlertKind::NoAgents, nobody, |queue| {
        format!("{}: {waiting} waiting and no agent on queue", queue.name)
    });
}

/// Interval totals: the service level under the queue's goal is
/// critical, once anything was answered (an empty interval has no
/// service level). The goal is the queue's own (config, then its
/// settings), else `alerts.service_level_pct`.
fn totals(state: &mut AppState, index: usize, interval: &QueueTotals, received: Instant) {
    state.queues[index].totals = Some(interval.clone());
    let queue = &state.queues[index];
    let target = queue.service_level_target();
    let level = crate::model::interval::service_level(interval);
    let under = level.is_some_and(|level| level < target);
    state.set_queue_alert(index, AlertKind::ServiceLevel, under, |queue| {
        let level = level.unwrap_or(0.0);
        format!(
            "{}: service level {level:.1}% < target {target}%",
            queue.name
        )
    });
    if let Some(level) = level.filter(|level| level.is_finite()) {
        let slot = state.slot(received);
        let percent = level.clamp(0.0, 100.0).round() as u64;
        state.queues[index]
            .service_level_history
            .record(slot, percent);
    }
}

fn interaction(state: &mut AppState, index: usize, change: &QueueInteraction, event: &QueueEvent) {
    let queue = &mut state.queues[index];
    match change.state {
        InteractionState::Waiting => {
            if let Some(row) = queue.waiting.get_mut(&change.conversation_id) {
                row.media_type = change.media_type.clone();
                // Keep (wait_ms, seen) a pair: without a new figure, age
                // the old one to now, so `seen` is always "last heard of".
                let aged = row.wait_ms.saturating_add(
                    u64::try_from(
                        event
                            .received
                            .saturating_duration_since(row.seen)
                            .as_millis(),
                    )
                    .unwrap_or(u64::MAX),
                );
                row.wait_ms = change.wait_ms.unwrap_or(aged);
                row.seen = event.received;
            } else if queue.waiting.len() >= MAX_WAITING {
                queue.overflow += 1;
            } else {
                queue.waiting.insert(
                    change.conversation_id.clone(),
                    WaitingRow {
                        conversation_id: change.conversation_id.clone(),
                        media_type: change.media_type.clone(),
                        wait_ms: change.wait_ms.unwrap_or(0),
                        seen: event.received,
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
            queue.waiting.remove(&change.conversation_id);
        }
    }
}

/// An agent's state into queue `index`'s roster, `received` at.
pub(crate) fn roster(state: &mut AppState, index: usize, agent: &AgentState, received: Instant) {
    let queue = &mut state.queues[index];
    if let Some(row) = queue.agents.get_mut(&agent.user_id) {
        if row.status != agent.status {
            row.status = agent.status.clone();
            row.since = received;
        }
        if agent.user_name.is_some() {
            row.name.clone_from(&agent.user_name);
        }
        row.skills.clone_from(&agent.skills);
    } else if queue.agents.len() >= MAX_AGENTS {
        queue.overflow += 1;
    } else {
        queue.agents.insert(
            agent.user_id.clone(),
            AgentRow {
                user_id: agent.user_id.clone(),
                name: agent.user_name.clone(),
                status: agent.status.clone(),
                skills: agent.skills.clone(),
                since: received,
            },
        );
    }
}
