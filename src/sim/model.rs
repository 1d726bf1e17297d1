//! The model contact center: queues, agents with skills and routing statuses,
//! interactions that arrive, wait, connect and end. Pure and deterministic:
//! no I/O, no clock; one `tick` is one step of simulated time, so the same
//! seed always plays the same day.

use std::collections::{BTreeMap, HashMap};

use crate::event::{
    AgentState, AgentStatus, InteractionState, MediaType, QueueEventKind, QueueInteraction,
    QueueSummary, SkillCount,
};

use super::names::{DEPARTMENTS, FIRST_NAMES, LANGUAGES, LAST_NAMES, SKILLS};

#[derive(Debug, Clone)]
pub(crate) struct Model {
    rng: fastrand::Rng,
    tick_ms: u64,
    now: u64,
    queues: Vec<Queue>,
    /// Skill name -> UUID (the notifications API names skills by id).
    skill_ids: BTreeMap<String, String>,
    /// Queue id -> index, for REST look-ups and observations.
    queue_index: HashMap<String, usize>,
}

#[derive(Debug, Clone)]
struct Queue {
    id: String,
    name: String,
    /// Skills interactions in this queue may ask for.
    skills: Vec<String>,
    agents: Vec<Agent>,
    interactions: Vec<Interaction>,
    /// Offered load as a share of the agents (drifts, so deficits come and go).
    load: f64,
    totals: Totals,
}

/// Running counts since the start, for the wide-interval observations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Totals {
    pub offered: u64,
    pub abandoned: u64,
    pub answered: u64,
    /// Answered within the service-level target (20 ticks of waiting).
    pub answered_in_target: u64,
}

#[derive(Debug, Clone)]
struct Agent {
    id: String,
    name: String,
    skills: Vec<String>,
    status: AgentStatus,
    since: u64,
}

#[derive(Debug, Clone)]
struct Interaction {
    id: String,
    media: MediaType,
    state: InteractionState,
    skill: Option<String>,
    arrived: u64,
    agent: Option<usize>,
    ends_at: u64,
}

/// A UUID built from seeded rng bytes, so ids are reproducible.
pub(crate) fn seeded_uuid(rng: &mut fastrand::Rng) -> String {
    let mut bytes = [0u8; 16];
    for b in &mut bytes {
        *b = rng.u8(..);
    }
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// Waiting at most this many ticks counts as answered within target.
const SERVICE_TARGET_TICKS: u64 = 20;

const MEDIA: &[MediaType] = &[
    MediaType::Voice,
    MediaType::Voice,
    MediaType::Voice,
    MediaType::Chat,
    MediaType::Chat,
    MediaType::Email,
    MediaType::Message,
    MediaType::Callback,
];

impl Model {
    pub(crate) fn new(seed: u64, queues: usize, agents_per_queue: usize, tick_ms: u64) -> Model {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut combos: Vec<(usize, usize)> = (0..DEPARTMENTS.len())
            .flat_map(|d| (0..LANGUAGES.len()).map(move |l| (d, l)))
            .collect();
        rng.shuffle(&mut combos);
        let mut agent_no = 0usize;
        let qs = (0..queues)
            .map(|i| {
                let (d, l) = combos[i % combos.len()];
                let mut name = format!("{} {}", DEPARTMENTS[d], LANGUAGES[l].0);
                if i >= combos.len() {
                    name = format!("{name} {}", i / combos.len() + 1);
                }
                let id = seeded_uuid(&mut rng);
                // One foreign language and two business skills per queue.
                let mut foreign = rng.usize(..LANGUAGES.len());
                if foreign == l {
                    foreign = (foreign + 1) % LANGUAGES.len();
                }
                let mut skills = vec![LANGUAGES[foreign].1.to_string()];
                let mut pool: Vec<&str> = SKILLS.to_vec();
                rng.shuffle(&mut pool);
                skills.extend(pool.iter().take(2).map(|s| s.to_string()));
                let agents = (0..agents_per_queue)
                    .map(|_| {
                        let first = FIRST_NAMES[agent_no % FIRST_NAMES.len()];
                        let last = LAST_NAMES
                            [(agent_no / FIRST_NAMES.len() + agent_no * 7) % LAST_NAMES.len()];
                        agent_no += 1;
                        let agent_skills = skills
                            .iter()
                            .filter(|_| rng.u8(..100) < 40)
                            .cloned()
                            .collect();
                        Agent {
                            id: seeded_uuid(&mut rng),
                            name: format!("{first} {last}"),
                            skills: agent_skills,
                            status: if rng.u8(..100) < 85 {
                                AgentStatus::Idle
                            } else {
                                AgentStatus::OffQueue
                            },
                            since: 0,
                        }
                    })
                    .collect();
                Queue {
                    id,
                    name,
                    skills,
                    agents,
                    interactions: Vec::new(),
                    load: 0.45 + rng.f64() * 0.3,
                    totals: Totals::default(),
                }
            })
            .collect::<Vec<Queue>>();
        // A separate rng, so adding skill ids changes nothing else a seed plays.
        let mut id_rng = fastrand::Rng::with_seed(seed ^ 0x5ca1_ab1e);
        let skill_ids = LANGUAGES
            .iter()
            .map(|l| l.1)
            .chain(SKILLS.iter().copied())
            .map(|name| (name.to_string(), seeded_uuid(&mut id_rng)))
            .collect();
        let queue_index = qs
            .iter()
            .enumerate()
            .map(|(i, q)| (q.id.clone(), i))
            .collect();
        Model {
            rng,
            tick_ms: tick_ms.max(1),
            now: 0,
            queues: qs,
            skill_ids,
            queue_index,
        }
    }

    /// `(id, name)` of every queue, in a stable order.
    pub(crate) fn queues(&self) -> Vec<(String, String)> {
        self.queues
            .iter()
            .map(|q| (q.id.clone(), q.name.clone()))
            .collect()
    }

    pub(crate) fn summaries(&self) -> Vec<QueueSummary> {
        self.queues.iter().map(summary).collect()
    }

    /// One step: interactions/agent changes first, then a summary for every
    /// queue that changed.
    pub(crate) fn tick(&mut self) -> Vec<QueueEventKind> {
        self.now += 1;
        let mut out = Vec::new();
        let (now, tick_ms) = (self.now, self.tick_ms);
        for q in &mut self.queues {
            let before = out.len();
            step_queue(q, &mut self.rng, now, tick_ms, &mut out);
            if out.len() > before {
                out.push(QueueEventKind::Summary(summary(q)));
            }
        }
        out
    }
}

fn summary(q: &Queue) -> QueueSummary {
    let count =
        |f: &dyn Fn(&AgentStatus) -> bool| q.agents.iter().filter(|a| f(&a.status)).count() as u32;
    let mut skills: BTreeMap<String, SkillCount> = BTreeMap::new();
    for a in &q.agents {
        for s in &a.skills {
            let e = skills.entry(s.clone()).or_default();
            if a.status == AgentStatus::Idle {
                e.available += 1;
            }
        }
    }
    let mut waiting = 0;
    for i in &q.interactions {
        if i.state == InteractionState::Waiting {
            waiting += 1;
            if let Some(s) = &i.skill {
                let e = skills.entry(s.clone()).or_default();
                e.required = Some(e.required.unwrap_or(0) + 1);
            }
        }
    }
    QueueSummary {
        queue_id: q.id.clone(),
        queue_name: Some(q.name.clone()),
        agents_available: count(&|s| *s == AgentStatus::Idle),
        agents_logged_in: count(&|s| *s != AgentStatus::OffQueue),
        agents_interacting: count(&|s| {
            matches!(s, AgentStatus::Interacting | AgentStatus::Communicating)
        }),
        interactions_waiting: waiting,
        skills,
        ..Default::default()
    }
}

fn agent_event(q: &Queue, ai: usize) -> QueueEventKind {
    let a = &q.agents[ai];
    QueueEventKind::Agent(AgentState {
        queue_id: q.id.clone(),
        user_id: a.id.clone(),
        user_name: Some(a.name.clone()),
        status: a.status.clone(),
        skills: a.skills.clone(),
    })
}

fn interaction_event(q: &Queue, ii: usize, now: u64, tick_ms: u64) -> QueueEventKind {
    let i = &q.interactions[ii];
    QueueEventKind::Interaction(QueueInteraction {
        queue_id: q.id.clone(),
        conversation_id: i.id.clone(),
        media_type: i.media.clone(),
        state: i.state.clone(),
        wait_ms: Some(now.saturating_sub(i.arrived) * tick_ms),
    })
}

fn set_agent(
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

fn step_queue(
    q: &mut Queue,
    rng: &mut fastrand::Rng,
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
                    q.totals.answered += 1;
                    if now.saturating_sub(i.arrived) <= SERVICE_TARGET_TICKS {
                        q.totals.answered_in_target += 1;
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
        let roll = rng.u16(..1000);
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
        .filter(|a| a.status != AgentStatus::OffQueue)
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
        q.totals.offered += 1;
        q.interactions.push(Interaction {
            id: seeded_uuid(rng),
            media: MEDIA[rng.usize(..MEDIA.len())].clone(),
            state: InteractionState::Waiting,
            skill,
            arrived: now,
            agent: None,
            ends_at: 0,
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
            q.totals.abandoned += 1;
            out.push(interaction_event(q, ii, now, tick_ms));
            q.interactions.remove(ii);
            continue;
        }
        let need = q.interactions[ii].skill.clone();
        let pick = q
            .agents
            .iter()
            .enumerate()
            .filter(|(_, a)| a.status == AgentStatus::Idle)
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

#[path = "model_view.rs"]
mod view;
pub(crate) use view::{MediaObs, MemberView, QueueObs, WaitingObs, qualifier};

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
