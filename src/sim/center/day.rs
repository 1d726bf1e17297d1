//! One step of one queue on a working day (`Pace::Day`): calls of minutes
//! with after-call work, offers that ring and now and then go unanswered,
//! breaks, meals, training and private calls, arrivals on the day curve,
//! customers who give up, and a surge on one queue now and then.

use crate::event::{AgentStatus, InteractionState};

use super::pace::{self, DayClock, between, off, surge};
use super::step::{admit, arriving, interaction_event, set_agent};
use super::{Model, Queue, media_slot};

/// How much of the day plays before the first tick a client sees, so the
/// center is already lived in: calls under way, people on breaks.
const WARM_UP_S: f64 = 20.0 * 60.0;

/// One tick of the day, as every queue sees it.
#[derive(Debug, Clone, Copy)]
pub(super) struct DayTick {
    clock: DayClock,
    now: u64,
    tick_ms: u64,
    target_ticks: u64,
    /// The day curve now.
    demand: f64,
    surge: Option<(usize, f64)>,
    /// This queue's surge factor (1 without one).
    factor: f64,
}

impl DayTick {
    pub(super) fn for_queue(&self, qi: usize) -> DayTick {
        let factor = match self.surge {
            Some((q, f)) if q == qi => f,
            _ => 1.0,
        };
        DayTick { factor, ..*self }
    }

    fn ticks(&self, (lo, hi): (f64, f64), rng: &mut fastrand::Rng) -> u64 {
        self.now + self.clock.ticks(between(rng, lo, hi))
    }
}

impl Model {
    /// Switches to the day model: plans everyone's breaks and meals, then
    /// plays `WARM_UP_S` unseen so the day starts at `clock`'s start.
    pub(super) fn start_day(&mut self, mut clock: DayClock) {
        let start = clock.start_s;
        clock.start_s = start - WARM_UP_S;
        self.day = Some(clock);
        self.target_ticks = clock.ticks(pace::SERVICE_TARGET_S as f64);
        let rng = &mut self.rng;
        for queue in &mut self.queues {
            for agent in &mut queue.agents {
                let more = queue
                    .skills
                    .iter()
                    .filter(|skill| !agent.skills.contains(skill));
                let more: Vec<String> = more
                    .filter(|_| rng.u8(..100) < pace::SKILL_PERCENT - 40)
                    .cloned()
                    .collect();
                agent.skills.extend(more);
            }
        }
        for agent in self
            .queues
            .iter_mut()
            .flat_map(|queue| queue.agents.iter_mut())
        {
            if agent.status == AgentStatus::OffQueue {
                agent.until = clock.ticks(between(rng, 0.0, off::BREAK.1));
            }
            agent.next_break = clock.ticks(between(rng, 0.0, off::BREAK_EVERY.1));
            let meal = between(rng, off::MEAL_WINDOW.0, off::MEAL_WINDOW.1);
            agent.meal_at = clock.next_tick_at(0, meal);
        }
        for _ in 0..clock.ticks(WARM_UP_S) {
            self.tick();
        }
        // The counts start now; callers still waiting or ringing are
        // offered in them, or they would be answered (or abandon) without
        // ever having been offered.
        for queue in &mut self.queues {
            queue.totals = Default::default();
            for interaction in &queue.interactions {
                if matches!(
                    interaction.state,
                    InteractionState::Waiting | InteractionState::Alerting
                ) {
                    queue.totals[media_slot(&interaction.media)].offered += 1;
                }
            }
        }
    }

    /// The surge ends or starts, and what this tick is for every queue.
    pub(super) fn day_tick(&mut self, clock: DayClock) -> DayTick {
        let now = self.now;
        if self.surge.is_some_and(|(_, _, until)| now >= until) {
            self.surge = None;
        }
        if self.surge.is_none()
            && !self.queues.is_empty()
            && self.rng.f64() < clock.dt_s / surge::EVERY
        {
            let qi = self.rng.usize(..self.queues.len());
            let factor = between(&mut self.rng, surge::FACTOR.0, surge::FACTOR.1);
            let lasts = between(&mut self.rng, surge::LASTS.0, surge::LASTS.1);
            self.surge = Some((qi, factor, now + clock.ticks(lasts)));
        }
        DayTick {
            clock,
            now,
            tick_ms: self.tick_ms,
            target_ticks: self.target_ticks,
            demand: pace::demand(clock.second_of_day(now)),
            surge: self.surge.map(|(q, f, _)| (q, f)),
            factor: 1.0,
        }
    }

    /// The queue with a surge now, and its factor.
    #[cfg(test)]
    pub(super) fn surge(&self) -> Option<(usize, f64)> {
        self.surge.map(|(q, f, _)| (q, f))
    }
}

pub(super) fn step_queue(
    queue: &mut Queue,
    (rng, side_rng): (&mut fastrand::Rng, &mut fastrand::Rng),
    tick: &DayTick,
    out: &mut Vec<super::QueueEventKind>,
) {
    end_or_answer(queue, rng, tick, out);
    agents(queue, (rng, side_rng), tick, out);
    arrivals(queue, rng, tick, out);
    route(queue, rng, tick, out);
}

/// Connected interactions end (the agent goes on to after-call work);
/// ringing ones are answered, or withdrawn from an agent who did not.
fn end_or_answer(
    queue: &mut Queue,
    rng: &mut fastrand::Rng,
    tick: &DayTick,
    out: &mut Vec<super::QueueEventKind>,
) {
    let now = tick.now;
    let mut ii = 0;
    while ii < queue.interactions.len() {
        let interaction = &queue.interactions[ii];
        let Some(ai) = interaction.agent.filter(|_| interaction.ends_at <= now) else {
            ii += 1;
            continue;
        };
        match (&interaction.state, interaction.misses) {
            (InteractionState::Connected, _) => {
                queue.interactions[ii].state = InteractionState::Ended;
                let interaction = &queue.interactions[ii];
                let totals = &mut queue.totals[media_slot(&interaction.media)];
                totals.handled += 1;
                totals.handle_ms += now.saturating_sub(interaction.answered_at) * tick.tick_ms;
                out.push(interaction_event(queue, ii, now, tick.tick_ms));
                queue.interactions.remove(ii);
                // INTERACTING goes on through the wrap-up.
                queue.agents[ai].until = tick.ticks(off::WRAP_UP, rng);
                continue;
            }
            (InteractionState::Alerting, true) => {
                let interaction = &mut queue.interactions[ii];
                interaction.state = InteractionState::Waiting;
                interaction.agent = None;
                interaction.misses = false;
                out.push(interaction_event(queue, ii, now, tick.tick_ms));
                set_agent(queue, ai, AgentStatus::NotResponding, now, out);
                queue.agents[ai].until = tick.ticks(off::NOT_RESPONDING, rng);
            }
            (InteractionState::Alerting, false) => {
                let interaction = &mut queue.interactions[ii];
                let totals = &mut queue.totals[media_slot(&interaction.media)];
                totals.answered += 1;
                totals.answer_wait_ms += now.saturating_sub(interaction.arrived) * tick.tick_ms;
                interaction.answered_at = now;
                if now.saturating_sub(interaction.arrived) <= tick.target_ticks {
                    totals.answered_in_target += 1;
                }
                let (median, sigma) = pace::handle_time(&interaction.media);
                interaction.state = InteractionState::Connected;
                interaction.ends_at = now + tick.clock.ticks(pace::lognormal(rng, median, sigma));
                out.push(interaction_event(queue, ii, now, tick.tick_ms));
            }
            _ => {}
        }
        ii += 1;
    }
}

/// Planned statuses end; idle agents go to a meal, a break or training
/// when it is due, or take a private call now and then.
fn agents(
    queue: &mut Queue,
    (rng, side_rng): (&mut fastrand::Rng, &mut fastrand::Rng),
    tick: &DayTick,
    out: &mut Vec<super::QueueEventKind>,
) {
    let now = tick.now;
    for ai in 0..queue.agents.len() {
        // Members outside the seed's center play on their own rng.
        let rng = if queue.agents[ai].routable() {
            &mut *rng
        } else {
            &mut *side_rng
        };
        let agent = &queue.agents[ai];
        let (status, until) = (agent.status.clone(), agent.until);
        match status {
            AgentStatus::Idle => idle(queue, ai, rng, tick, out),
            // Off queue with no end in sight (added that way): a break.
            AgentStatus::OffQueue if until == 0 => {
                queue.agents[ai].until = tick.ticks(off::BREAK, rng)
            }
            AgentStatus::Interacting if until == 0 => {}
            _ if until != 0 && until <= now => {
                set_agent(queue, ai, AgentStatus::Idle, now, out);
                let agent = &mut queue.agents[ai];
                agent.until = 0;
                if status == AgentStatus::OffQueue && agent.next_break == u64::MAX {
                    agent.next_break = tick.ticks(off::BREAK_EVERY, rng);
                }
            }
            _ => {}
        }
    }
}

fn idle(
    queue: &mut Queue,
    ai: usize,
    rng: &mut fastrand::Rng,
    tick: &DayTick,
    out: &mut Vec<super::QueueEventKind>,
) {
    let now = tick.now;
    let agent = &queue.agents[ai];
    let (status, until) = if now >= agent.meal_at {
        // Past the window and an hour, the next time in it is tomorrow's.
        let after = now
            + tick
                .clock
                .ticks(off::MEAL_WINDOW.1 - off::MEAL_WINDOW.0 + 3600.0);
        let meal = between(rng, off::MEAL_WINDOW.0, off::MEAL_WINDOW.1);
        queue.agents[ai].meal_at = tick.clock.next_tick_at(after, meal);
        (AgentStatus::OffQueue, tick.ticks(off::MEAL, rng))
    } else if now >= agent.next_break {
        queue.agents[ai].next_break = u64::MAX;
        let training = rng.u8(..100) < off::TRAINING_PERCENT;
        let lasts = if training { off::TRAINING } else { off::BREAK };
        (AgentStatus::OffQueue, tick.ticks(lasts, rng))
    } else if rng.f64() < tick.clock.dt_s / off::PRIVATE_CALL_EVERY {
        (
            AgentStatus::Communicating,
            tick.ticks(off::PRIVATE_CALL, rng),
        )
    } else {
        return;
    };
    set_agent(queue, ai, status, now, out);
    queue.agents[ai].until = until;
}

/// New interactions: the queue's share of the day curve, planned on the
/// joined members (staffing follows the forecast, not who is on a break).
fn arrivals(
    queue: &mut Queue,
    rng: &mut fastrand::Rng,
    tick: &DayTick,
    out: &mut Vec<super::QueueEventKind>,
) {
    let now = tick.now;
    let staffed = queue.agents.iter().filter(|agent| agent.routable()).count() as f64;
    let erlangs = pace::PEAK_LOAD * queue.load * tick.demand * tick.factor * staffed;
    let mean = erlangs / pace::PLANNED_HANDLE_S * tick.clock.dt_s;
    for _ in 0..pace::poisson(rng, mean) {
        let mut interaction = arriving(queue, rng, now);
        interaction.gives_up_at = pace::patience(&interaction.media).map_or(u64::MAX, |mean| {
            now + tick.clock.ticks(pace::exponential(rng, mean))
        });
        admit(queue, interaction, now, tick.tick_ms, out);
    }
}

/// Waiting interactions: the customer gives up at the end of their
/// patience; otherwise routing offers it to the longest-idle agent with
/// the skill it needs (any agent once it has waited long).
fn route(
    queue: &mut Queue,
    rng: &mut fastrand::Rng,
    tick: &DayTick,
    out: &mut Vec<super::QueueEventKind>,
) {
    let now = tick.now;
    let relaxed = tick.clock.ticks(off::SKILL_RELAXED_AFTER);
    let mut ii = 0;
    while ii < queue.interactions.len() {
        let interaction = &queue.interactions[ii];
        if interaction.state != InteractionState::Waiting {
            ii += 1;
            continue;
        }
        if now >= interaction.gives_up_at {
            queue.interactions[ii].state = InteractionState::Abandoned;
            queue.totals[media_slot(&queue.interactions[ii].media)].abandoned += 1;
            out.push(interaction_event(queue, ii, now, tick.tick_ms));
            queue.interactions.remove(ii);
            continue;
        }
        let need = interaction
            .skill
            .as_ref()
            .filter(|_| now - interaction.arrived < relaxed);
        let pick = queue
            .agents
            .iter()
            .enumerate()
            .filter(|(_, agent)| agent.routable() && agent.status == AgentStatus::Idle)
            .filter(|(_, agent)| need.is_none_or(|skill| agent.skills.contains(skill)))
            .min_by_key(|(_, agent)| agent.since)
            .map(|(ai, _)| ai);
        if let Some(ai) = pick {
            let misses = rng.u8(..100) < off::MISSED_PERCENT;
            let rings = if misses {
                tick.now + tick.clock.ticks(off::ALERT_TIMEOUT)
            } else {
                tick.ticks(off::RING, rng)
            };
            let interaction = &mut queue.interactions[ii];
            interaction.state = InteractionState::Alerting;
            interaction.agent = Some(ai);
            interaction.misses = misses;
            interaction.ends_at = rings;
            out.push(interaction_event(queue, ii, now, tick.tick_ms));
            set_agent(queue, ai, AgentStatus::Interacting, now, out);
            queue.agents[ai].until = 0;
        }
        ii += 1;
    }
}
