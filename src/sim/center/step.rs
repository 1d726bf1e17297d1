//! One step of one queue: interactions end, connect or go unanswered,
//! agents come and go, new interactions arrive and are offered.

use crate::event::{
    AgentState, AgentStatus, InteractionState, MediaType, QueueEventKind, QueueInteraction,
};

use super::{Interaction, MEDIA, Queue, SERVICE_TARGET_TICKS, media_slot, seeded_uuid};

pub(super) fn agent_event(q: &Queue, ai: usize) -> QueueEventKind {
    let a = &q.agents[ai];
    QueueEventKind::Agent(AgentState {
        queue_id: q.id.clone(),
        user_id: a.id.clone(),
        user_name: Some(a.name.clone()),
        status: a.status.clone(),
        skills: a.skills.clone(),
    })
}

pub(super) fn interaction_event(q: &Queue, ii: usize, now: u64, tick_ms: u64) -> QueueEventKind {
    let i = &q.interactions[ii];
    QueueEventKind::Interaction(QueueInteraction {
        queue_id: q.id.clone(),
        conversation_id: i.id.clone(),
        media_type: i.media.clone(),
        state: i.state.clone(),
        wait_ms: Some(now.saturating_sub(i.arrived) * tick_ms),
    })
}

pub(super) fn set_agent(
    q: &mut Queue,
    ai: usize,
    status: AgentStatus,
    now: u64,
    out: &mut Vec<QueueEventKind>,
) {
    q.agents[ai].status = status;
    q.agents[ai].since = now;
    out.push(agent_event(q, ai));
}

pub(super) fn step_queue(
    q: &mut Queue,
    (rng, side_rng): (&mut fastrand::Rng, &mut fastrand::Rng),
    now: u64,
    tick_ms: u64,
    out: &mut Vec<QueueEventKind>,
) {
    q.load = (q.load + rng.f64() * 0.06 - 0.03).clamp(0.3, 1.05);

    // Connected interactions end; alerting ones connect or go unanswered.
    let mut ii = 0;
    while ii < q.interactions.len() {
        let state = q.interactions[ii].state.clone();
        let agent = q.interactions[ii].agent;
        match (state, agent) {
            (InteractionState::Connected, Some(ai)) if q.interactions[ii].ends_at <= now => {
                q.interactions[ii].state = InteractionState::Ended;
                let i = &q.interactions[ii];
                let t = &mut q.totals[media_slot(&i.media)];
                t.handled += 1;
                t.handle_ms += now.saturating_sub(i.answered_at) * tick_ms;
                out.push(interaction_event(q, ii, now, tick_ms));
                set_agent(q, ai, AgentStatus::Idle, now, out);
                q.interactions.remove(ii);
                continue;
            }
            (InteractionState::Alerting, Some(ai)) => {
                if rng.u8(..100) < 5 {
                    q.interactions[ii].state = InteractionState::Waiting;
                    q.interactions[ii].agent = None;
                    out.push(interaction_event(q, ii, now, tick_ms));
                    set_agent(q, ai, AgentStatus::NotResponding, now, out);
                } else {
                    let i = &mut q.interactions[ii];
                    let t = &mut q.totals[media_slot(&i.media)];
                    t.answered += 1;
                    t.answer_wait_ms += now.saturating_sub(i.arrived) * tick_ms;
                    i.answered_at = now;
                    if now.saturating_sub(i.arrived) <= SERVICE_TARGET_TICKS {
                        t.answered_in_target += 1;
                    }
                    i.state = InteractionState::Connected;
                    i.ends_at = now + rng.u64(10..40);
                    let talking = matches!(i.media, MediaType::Voice | MediaType::Callback);
                    out.push(interaction_event(q, ii, now, tick_ms));
                    if talking {
                        set_agent(q, ai, AgentStatus::Communicating, now, out);
                    }
                }
            }
            _ => {}
        }
        ii += 1;
    }

    // Agents come and go; an unanswered agent recovers after a while.
    for ai in 0..q.agents.len() {
        let (status, since) = (q.agents[ai].status.clone(), q.agents[ai].since);
        let roll = if q.agents[ai].routable() {
            rng.u16(..1000)
        } else {
            side_rng.u16(..1000)
        };
        match status {
            AgentStatus::Idle if roll < 8 => set_agent(q, ai, AgentStatus::OffQueue, now, out),
            AgentStatus::OffQueue if roll < 40 => set_agent(q, ai, AgentStatus::Idle, now, out),
            AgentStatus::NotResponding if now >= since + 4 => {
                set_agent(q, ai, AgentStatus::Idle, now, out)
            }
            _ => {}
        }
    }

    // Arrivals: an interaction holds an agent about 27 ticks (alerting plus
    // 10..40 connected), so this keeps near `load` of the logged-in agents
    // busy; above 1.0 the queue backs up.
    let logged_in = q
        .agents
        .iter()
        .filter(|a| a.routable() && a.status != AgentStatus::OffQueue)
        .count();
    let rate = q.load * logged_in as f64 / 27.0;
    let mut arrivals = rate.floor() as u32;
    if rng.f64() < rate.fract() {
        arrivals += 1;
    }
    for _ in 0..arrivals {
        let skill = if rng.u8(..100) < 35 && !q.skills.is_empty() {
            Some(q.skills[rng.usize(..q.skills.len())].clone())
        } else {
            None
        };
        let id = seeded_uuid(rng);
        let media = MEDIA[rng.usize(..MEDIA.len())].clone();
        q.totals[media_slot(&media)].offered += 1;
        q.interactions.push(Interaction {
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
        });
        out.push(interaction_event(q, q.interactions.len() - 1, now, tick_ms));
    }

    // Waiting interactions: some give up, the rest are offered to the
    // longest-idle agent that has the skill they need.
    let mut ii = 0;
    while ii < q.interactions.len() {
        if q.interactions[ii].state != InteractionState::Waiting {
            ii += 1;
            continue;
        }
        let waited = now - q.interactions[ii].arrived;
        if waited > 60 && rng.u8(..100) < 3 {
            q.interactions[ii].state = InteractionState::Abandoned;
            q.totals[media_slot(&q.interactions[ii].media)].abandoned += 1;
            out.push(interaction_event(q, ii, now, tick_ms));
            q.interactions.remove(ii);
            continue;
        }
        let need = q.interactions[ii].skill.clone();
        let pick = q
            .agents
            .iter()
            .enumerate()
            .filter(|(_, a)| a.routable() && a.status == AgentStatus::Idle)
            .filter(|(_, a)| need.as_ref().is_none_or(|s| a.skills.contains(s)))
            .min_by_key(|(_, a)| a.since)
            .map(|(i, _)| i);
        if let Some(ai) = pick {
            q.interactions[ii].state = InteractionState::Alerting;
            q.interactions[ii].agent = Some(ai);
            out.push(interaction_event(q, ii, now, tick_ms));
            set_agent(q, ai, AgentStatus::Interacting, now, out);
        }
        ii += 1;
    }
}
