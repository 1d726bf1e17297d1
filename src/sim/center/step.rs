//! One step of one queue: interactions end, connect or go unanswered,
//! agents come and go, new interactions arrive and are offered.

use crate::event::{
    AgentState, AgentStatus, InteractionState, MediaType, QueueEventKind, QueueInteraction,
};

use fastrand::Rng;

use super::{Interaction, MEDIA, Queue, SERVICE_TARGET_TICKS, media_slot, seeded_uuid};

/// What a step tells the clients, in order.
type Events = Vec<QueueEventKind>;

pub(super) fn agent_event(queue: &Queue, ai: usize) -> QueueEventKind {
    let agent = &queue.agents[ai];
    QueueEventKind::Agent(AgentState {
        queue_id: queue.id.clone(),
        user_id: agent.id.clone(),
        user_name: Some(agent.name.clone()),
        status: agent.status.clone(),
        skills: agent.skills.clone(),
    })
}

pub(super) fn interaction_event(
    queue: &Queue,
    ii: usize,
    now: u64,
    tick_ms: u64,
) -> QueueEventKind {
    let interaction = &queue.interactions[ii];
    QueueEventKind::Interaction(QueueInteraction {
        queue_id: queue.id.clone(),
        conversation_id: interaction.id.clone(),
        media_type: interaction.media.clone(),
        state: interaction.state.clone(),
        wait_ms: Some(now.saturating_sub(interaction.arrived) * tick_ms),
    })
}

pub(super) fn set_agent(
    queue: &mut Queue,
    ai: usize,
    status: AgentStatus,
    now: u64,
    out: &mut Events,
) {
    queue.agents[ai].status = status;
    queue.agents[ai].since = now;
    out.push(agent_event(queue, ai));
}

pub(super) fn step_queue(
    queue: &mut Queue,
    (rng, side_rng): (&mut Rng, &mut Rng),
    now: u64,
    tick_ms: u64,
    out: &mut Events,
) {
    queue.load = (queue.load + rng.f64() * 0.06 - 0.03).clamp(0.3, 1.05);
    end_or_answer(queue, rng, now, tick_ms, out);
    agents_come_and_go(queue, (rng, side_rng), now, out);
    arrivals(queue, rng, now, tick_ms, out);
    route(queue, rng, now, tick_ms, out);
}

/// Connected interactions end; alerting ones connect or go unanswered.
fn end_or_answer(queue: &mut Queue, rng: &mut Rng, now: u64, tick_ms: u64, out: &mut Events) {
    let mut ii = 0;
    while ii < queue.interactions.len() {
        let state = queue.interactions[ii].state.clone();
        let agent = queue.interactions[ii].agent;
        match (state, agent) {
            (InteractionState::Connected, Some(ai)) if queue.interactions[ii].ends_at <= now => {
                queue.interactions[ii].state = InteractionState::Ended;
                let interaction = &queue.interactions[ii];
                let totals = &mut queue.totals[media_slot(&interaction.media)];
                totals.handled += 1;
                totals.handle_ms += now.saturating_sub(interaction.answered_at) * tick_ms;
                out.push(interaction_event(queue, ii, now, tick_ms));
                set_agent(queue, ai, AgentStatus::Idle, now, out);
                queue.interactions.remove(ii);
                continue;
            }
            (InteractionState::Alerting, Some(ai)) => {
                if rng.u8(..100) < 5 {
                    queue.interactions[ii].state = InteractionState::Waiting;
                    queue.interactions[ii].agent = None;
                    out.push(interaction_event(queue, ii, now, tick_ms));
                    set_agent(queue, ai, AgentStatus::NotResponding, now, out);
                } else {
                    let talking = answer(queue, ii, rng, now, tick_ms);
                    out.push(interaction_event(queue, ii, now, tick_ms));
                    if talking {
                        set_agent(queue, ai, AgentStatus::Communicating, now, out);
                    }
                }
            }
            _ => {}
        }
        ii += 1;
    }
}

/// The agent answers: count it and connect for 10..40 ticks. True when
/// the media type has the agent talking.
fn answer(queue: &mut Queue, ii: usize, rng: &mut Rng, now: u64, tick_ms: u64) -> bool {
    let interaction = &mut queue.interactions[ii];
    let totals = &mut queue.totals[media_slot(&interaction.media)];
    let waited = now.saturating_sub(interaction.arrived);
    totals.answered += 1;
    totals.answer_wait_ms += waited * tick_ms;
    interaction.answered_at = now;
    if waited <= SERVICE_TARGET_TICKS {
        totals.answered_in_target += 1;
    }
    interaction.state = InteractionState::Connected;
    interaction.ends_at = now + rng.u64(10..40);
    matches!(interaction.media, MediaType::Voice | MediaType::Callback)
}

/// Agents come and go; an unanswered agent recovers after a while. An
/// agent nobody can route to draws from `side_rng`, so the main stream
/// stays the same whoever is away.
fn agents_come_and_go(
    queue: &mut Queue,
    (rng, side_rng): (&mut Rng, &mut Rng),
    now: u64,
    out: &mut Events,
) {
    for ai in 0..queue.agents.len() {
        let (status, since) = (queue.agents[ai].status.clone(), queue.agents[ai].since);
        let roll = if queue.agents[ai].routable() {
            rng.u16(..1000)
        } else {
            side_rng.u16(..1000)
        };
        match status {
            AgentStatus::Idle if roll < 8 => set_agent(queue, ai, AgentStatus::OffQueue, now, out),
            AgentStatus::OffQueue if roll < 40 => set_agent(queue, ai, AgentStatus::Idle, now, out),
            AgentStatus::NotResponding if now >= since + 4 => {
                set_agent(queue, ai, AgentStatus::Idle, now, out)
            }
            _ => {}
        }
    }
}

/// Arrivals: an interaction holds an agent about 27 ticks (alerting plus
/// 10..40 connected), so this keeps near `load` of the logged-in agents
/// busy; above 1.0 the queue backs up.
fn arrivals(queue: &mut Queue, rng: &mut Rng, now: u64, tick_ms: u64, out: &mut Events) {
    let logged_in = queue
        .agents
        .iter()
        .filter(|a| a.routable() && a.status != AgentStatus::OffQueue)
        .count();
    let rate = queue.load * logged_in as f64 / 27.0;
    let mut count = rate.floor() as u32;
    if rng.f64() < rate.fract() {
        count += 1;
    }
    for _ in 0..count {
        let interaction = arriving(queue, rng, now);
        admit(queue, interaction, now, tick_ms, out);
    }
}

/// A new interaction waiting on `queue` since `now`, who never gives up
/// until the caller says otherwise. The draws (a skill one time in three,
/// the id, the media type) are in the order the seeded runs rely on.
pub(super) fn arriving(queue: &Queue, rng: &mut Rng, now: u64) -> Interaction {
    let skill = if rng.u8(..100) < 35 && !queue.skills.is_empty() {
        Some(queue.skills[rng.usize(..queue.skills.len())].clone())
    } else {
        None
    };
    let id = seeded_uuid(rng);
    let media = MEDIA[rng.usize(..MEDIA.len())].clone();
    Interaction {
        id,
        media,
        state: InteractionState::Waiting,
        skill,
        arrived: now,
        agent: None,
        ends_at: 0,
        gives_up_at: u64::MAX,
        misses: false,
        answered_at: 0,
    }
}

/// Count `interaction` as offered, put it in the queue and tell the client.
pub(super) fn admit(
    queue: &mut Queue,
    interaction: Interaction,
    now: u64,
    tick_ms: u64,
    out: &mut Events,
) {
    queue.totals[media_slot(&interaction.media)].offered += 1;
    queue.interactions.push(interaction);
    out.push(interaction_event(
        queue,
        queue.interactions.len() - 1,
        now,
        tick_ms,
    ));
}

/// Waiting interactions: some give up, the rest are offered to the
/// longest-idle agent that has the skill they need.
fn route(queue: &mut Queue, rng: &mut Rng, now: u64, tick_ms: u64, out: &mut Events) {
    let mut ii = 0;
    while ii < queue.interactions.len() {
        if queue.interactions[ii].state != InteractionState::Waiting {
            ii += 1;
            continue;
        }
        let waited = now - queue.interactions[ii].arrived;
        if waited > 60 && rng.u8(..100) < 3 {
            queue.interactions[ii].state = InteractionState::Abandoned;
            queue.totals[media_slot(&queue.interactions[ii].media)].abandoned += 1;
            out.push(interaction_event(queue, ii, now, tick_ms));
            queue.interactions.remove(ii);
            continue;
        }
        let need = queue.interactions[ii].skill.clone();
        let pick = queue
            .agents
            .iter()
            .enumerate()
            .filter(|(_, agent)| agent.routable() && agent.status == AgentStatus::Idle)
            .filter(|(_, agent)| {
                need.as_ref()
                    .is_none_or(|skill| agent.skills.contains(skill))
            })
            .min_by_key(|(_, agent)| agent.since)
            .map(|(index, _)| index);
        if let Some(ai) = pick {
            queue.interactions[ii].state = InteractionState::Alerting;
            queue.interactions[ii].agent = Some(ai);
            out.push(interaction_event(queue, ii, now, tick_ms));
            set_agent(queue, ai, AgentStatus::Interacting, now, out);
        }
        ii += 1;
    }
}
