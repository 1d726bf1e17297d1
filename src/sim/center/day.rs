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
        for q in &mut self.queues {
            for a in &mut q.agents {
                let more = q.skills.iter().filter(|s| !a.skills.contains(s));
                let more: Vec<String> = more
                    .filter(|_| rng.u8(..100) < pace::SKILL_PERCENT - 40)
                    .cloned()
                    .collect();
                a.skills.extend(more);
            }
        }
        for a in self.queues.iter_mut().flat_map(|q| q.agents.iter_mut()) {
            if a.status == AgentStatus::OffQueue {
                a.until = clock.ticks(between(rng, 0.0, off::BREAK.1));
            }
            a.next_break = clock.ticks(between(rng, 0.0, off::BREAK_EVERY.1));
            let meal = between(rng, off::MEAL_WINDOW.0, off::MEAL_WINDOW.1);
            a.meal_at = clock.next_tick_at(0, meal);
        }
        for _ in 0..clock.ticks(WARM_UP_S) {
            self.tick();
        }
        for q in &mut self.queues {
            q.totals = Default::default();
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
    q: &mut Queue,
    (rng, side_rng): (&mut fastrand::Rng, &mut fastrand::Rng),
    t: &DayTick,
    out: &mut Vec<super::QueueEventKind>,
) {
    end_or_answer(q, rng, t, out);
    agents(q, (rng, side_rng), t, out);
    arrivals(q, rng, t, out);
    route(q, rng, t, out);
}

/// Connected interactions end (the agent goes on to after-call work);
/// ringing ones are answered, or withdrawn from an agent who did not.
fn end_or_answer(
    q: &mut Queue,
    rng: &mut fastrand::Rng,
    t: &DayTick,
    out: &mut Vec<super::QueueEventKind>,
) {
    let now = t.now;
    let mut ii = 0;
    while ii < q.interactions.len() {
        let i = &q.interactions[ii];
        let Some(ai) = i.agent.filter(|_| i.ends_at <= now) else {
            ii += 1;
            continue;
        };
        match (&i.state, i.misses) {
            (InteractionState::Connected, _) => {
                q.interactions[ii].state = InteractionState::Ended;
                let i = &q.interactions[ii];
                let totals = &mut q.totals[media_slot(&i.media)];
                totals.handled += 1;
                totals.handle_ms += now.saturating_sub(i.answered_at) * t.tick_ms;
                out.push(interaction_event(q, ii, now, t.tick_ms));
                q.interactions.remove(ii);
                // INTERACTING goes on through the wrap-up.
                q.agents[ai].until = t.ticks(off::WRAP_UP, rng);
                continue;
            }
            (InteractionState::Alerting, true) => {
                let i = &mut q.interactions[ii];
                i.state = InteractionState::Waiting;
                i.agent = None;
                i.misses = false;
                out.push(interaction_event(q, ii, now, t.tick_ms));
                set_agent(q, ai, AgentStatus::NotResponding, now, out);
                q.agents[ai].until = t.ticks(off::NOT_RESPONDING, rng);
            }
            (InteractionState::Alerting, false) => {
                let i = &mut q.interactions[ii];
                let totals = &mut q.totals[media_slot(&i.media)];
                totals.answered += 1;
                totals.answer_wait_ms += now.saturating_sub(i.arrived) * t.tick_ms;
                i.answered_at = now;
                if now.saturating_sub(i.arrived) <= t.target_ticks {
                    totals.answered_in_target += 1;
                }
                let (median, sigma) = pace::handle_time(&i.media);
                i.state = InteractionState::Connected;
                i.ends_at = now + t.clock.ticks(pace::lognormal(rng, median, sigma));
                out.push(interaction_event(q, ii, now, t.tick_ms));
            }
            _ => {}
        }
        ii += 1;
    }
}

/// Planned statuses end; idle agents go to a meal, a break or training
/// when it is due, or take a private call now and then.
fn agents(
    q: &mut Queue,
    (rng, side_rng): (&mut fastrand::Rng, &mut fastrand::Rng),
    t: &DayTick,
    out: &mut Vec<super::QueueEventKind>,
) {
    let now = t.now;
    for ai in 0..q.agents.len() {
        // Members outside the seed's center play on their own rng.
        let rng = if q.agents[ai].routable() {
            &mut *rng
        } else {
            &mut *side_rng
        };
        let a = &q.agents[ai];
        let (status, until) = (a.status.clone(), a.until);
        match status {
            AgentStatus::Idle => idle(q, ai, rng, t, out),
            // Off queue with no end in sight (added that way): a break.
            AgentStatus::OffQueue if until == 0 => q.agents[ai].until = t.ticks(off::BREAK, rng),
            AgentStatus::Interacting if until == 0 => {}
            _ if until != 0 && until <= now => {
                set_agent(q, ai, AgentStatus::Idle, now, out);
                let a = &mut q.agents[ai];
                a.until = 0;
                if status == AgentStatus::OffQueue && a.next_break == u64::MAX {
                    a.next_break = t.ticks(off::BREAK_EVERY, rng);
                }
            }
            _ => {}
        }
    }
}

fn idle(
    q: &mut Queue,
    ai: usize,
    rng: &mut fastrand::Rng,
    t: &DayTick,
    out: &mut Vec<super::QueueEventKind>,
) {
    let now = t.now;
    let a = &q.agents[ai];
    let (status, until) = if now >= a.meal_at {
        // Past the window and an hour, the next time in it is tomorrow's.
        let after = now
            + t.clock
                .ticks(off::MEAL_WINDOW.1 - off::MEAL_WINDOW.0 + 3600.0);
        let meal = between(rng, off::MEAL_WINDOW.0, off::MEAL_WINDOW.1);
        q.agents[ai].meal_at = t.clock.next_tick_at(after, meal);
        (AgentStatus::OffQueue, t.ticks(off::MEAL, rng))
    } else if now >= a.next_break {
        q.agents[ai].next_break = u64::MAX;
        let training = rng.u8(..100) < off::TRAINING_PERCENT;
        let lasts = if training { off::TRAINING } else { off::BREAK };
        (AgentStatus::OffQueue, t.ticks(lasts, rng))
    } else if rng.f64() < t.clock.dt_s / off::PRIVATE_CALL_EVERY {
        (AgentStatus::Communicating, t.ticks(off::PRIVATE_CALL, rng))
    } else {
        return;
    };
    set_agent(q, ai, status, now, out);
    q.agents[ai].until = until;
}

/// New interactions: the queue's share of the day curve, planned on the
/// joined members (staffing follows the forecast, not who is on a break).
fn arrivals(
    q: &mut Queue,
    rng: &mut fastrand::Rng,
    t: &DayTick,
    out: &mut Vec<super::QueueEventKind>,
) {
    let now = t.now;
    let staffed = q.agents.iter().filter(|a| a.routable()).count() as f64;
    let erlangs = pace::PEAK_LOAD * q.load * t.demand * t.factor * staffed;
    let mean = erlangs / pace::PLANNED_HANDLE_S * t.clock.dt_s;
    for _ in 0..pace::poisson(rng, mean) {
        let mut interaction = arriving(q, rng, now);
        interaction.gives_up_at = pace::patience(&interaction.media).map_or(u64::MAX, |mean| {
            now + t.clock.ticks(pace::exponential(rng, mean))
        });
        admit(q, interaction, now, t.tick_ms, out);
    }
}

/// Waiting interactions: the customer gives up at the end of their
/// patience; otherwise routing offers it to the longest-idle agent with
/// the skill it needs (any agent once it has waited long).
fn route(
    q: &mut Queue,
    rng: &mut fastrand::Rng,
    t: &DayTick,
    out: &mut Vec<super::QueueEventKind>,
) {
    let now = t.now;
    let relaxed = t.clock.ticks(off::SKILL_RELAXED_AFTER);
    let mut ii = 0;
    while ii < q.interactions.len() {
        let i = &q.interactions[ii];
        if i.state != InteractionState::Waiting {
            ii += 1;
            continue;
        }
        if now >= i.gives_up_at {
            q.interactions[ii].state = InteractionState::Abandoned;
            q.totals[media_slot(&q.interactions[ii].media)].abandoned += 1;
            out.push(interaction_event(q, ii, now, t.tick_ms));
            q.interactions.remove(ii);
            continue;
        }
        let need = i.skill.as_ref().filter(|_| now - i.arrived < relaxed);
        let pick = q
            .agents
            .iter()
            .enumerate()
            .filter(|(_, a)| a.routable() && a.status == AgentStatus::Idle)
            .filter(|(_, a)| need.is_none_or(|s| a.skills.contains(s)))
            .min_by_key(|(_, a)| a.since)
            .map(|(ai, _)| ai);
        if let Some(ai) = pick {
            let misses = rng.u8(..100) < off::MISSED_PERCENT;
            let rings = if misses {
                t.now + t.clock.ticks(off::ALERT_TIMEOUT)
            } else {
                t.ticks(off::RING, rng)
            };
            let i = &mut q.interactions[ii];
            i.state = InteractionState::Alerting;
            i.agent = Some(ai);
            i.misses = misses;
            i.ends_at = rings;
            out.push(interaction_event(q, ii, now, t.tick_ms));
            set_agent(q, ai, AgentStatus::Interacting, now, out);
            q.agents[ai].until = 0;
        }
        ii += 1;
    }
}
