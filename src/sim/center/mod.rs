//! The model contact center: queues, agents with skills and routing statuses,
//! interactions that arrive, wait, connect and end. Pure and deterministic:
//! no I/O, no clock; one `tick` is one step of simulated time, so the same
//! seed always plays the same day. `Pace` picks the dynamics: `Fast` (a
//! change every few ticks, for tests) in `step`, or a working `Day` in `day`.

use std::collections::{BTreeMap, HashMap};

use crate::event::{
    AgentCounts, AgentStatus, InteractionState, MediaType, QueueEventKind, QueueSummary, SkillCount,
};

#[derive(Debug, Clone)]
pub(crate) struct Model {
    rng: fastrand::Rng,
    /// Plays the members outside the seed's original center (unjoined and
    /// added ones), so that adding them changes nothing else a seed plays.
    side_rng: fastrand::Rng,
    tick_ms: u64,
    now: u64,
    /// The day model's clock; `None` plays `Pace::Fast`.
    day: Option<DayClock>,
    /// Waiting at most this many ticks counts as answered within target.
    target_ticks: u64,
    /// A queue with a surge of arrivals: `(queue index, factor, until tick)`.
    surge: Option<(usize, f64, u64)>,
    queues: Vec<Queue>,
    /// Skill name -> UUID (the notifications API names skills by id).
    skill_ids: BTreeMap<String, String>,
    /// Queue id -> index, for REST look-ups and observations.
    queue_index: HashMap<String, usize>,
    /// User id -> (queue index, agent index), members or not.
    user_index: HashMap<String, (usize, usize)>,
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
    /// Per media type, in the order of `MEDIA_NAMES`.
    totals: [Totals; MEDIA_NAMES.len()],
}

/// Running counts since the start, for the wide-interval observations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Totals {
    pub offered: u64,
    pub abandoned: u64,
    pub answered: u64,
    /// Answered within the service-level target (20 ticks of waiting).
    pub answered_in_target: u64,
    /// The waits of the answered ones, summed (`tAnswered`'s sum).
    pub answer_wait_ms: u64,
    /// Ended after an agent had them, and how long agents had them.
    pub handled: u64,
    pub handle_ms: u64,
}

impl Totals {
    /// The counts since `base` was taken.
    pub(crate) fn since(&self, base: &Totals) -> Totals {
        Totals {
            offered: self.offered - base.offered,
            abandoned: self.abandoned - base.abandoned,
            answered: self.answered - base.answered,
            answered_in_target: self.answered_in_target - base.answered_in_target,
            answer_wait_ms: self.answer_wait_ms - base.answer_wait_ms,
            handled: self.handled - base.handled,
            handle_ms: self.handle_ms - base.handle_ms,
        }
    }
}

#[derive(Debug, Clone)]
struct Agent {
    id: String,
    name: String,
    skills: Vec<String>,
    status: AgentStatus,
    since: u64,
    /// Still a member of the queue: a removed member keeps its slot (an
    /// interaction may still point at it) but is skipped everywhere.
    member: bool,
    /// Joined (activated) in the queue: only joined members are routed
    /// its interactions and counted in its observations.
    joined: bool,
    /// Model tick of the last membership or join change.
    joined_since: u64,
    /// Day model: the tick the current status is planned to end (a break,
    /// wrap-up, a private call, not responding); 0 when open-ended.
    until: u64,
    /// Day model: the tick of the next break, and of the next meal.
    next_break: u64,
    meal_at: u64,
}

impl Agent {
    /// Takes this queue's interactions and counts in its observations.
    fn routable(&self) -> bool {
        self.member && self.joined
    }
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
    /// Day model: the tick the customer gives up waiting (never: MAX).
    gives_up_at: u64,
    /// Day model: the agent offered it will not answer.
    misses: bool,
    /// The tick an agent answered it.
    answered_at: u64,
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

/// Waiting at most this many ticks counts as answered within target
/// (`Pace::Fast`; the day model's target is in simulated seconds).
const SERVICE_TARGET_TICKS: u64 = 20;

/// The media types the observations report, sorted by name.
pub(crate) const MEDIA_NAMES: [&str; 5] = ["callback", "chat", "email", "message", "voice"];

/// The slot of a media type in `MEDIA_NAMES` (voice for anything else).
pub(crate) fn media_slot(media: &MediaType) -> usize {
    let name = media.as_str();
    MEDIA_NAMES
        .iter()
        .position(|m| *m == name)
        .unwrap_or(MEDIA_NAMES.len() - 1)
}

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
    /// A center on the fast model (`Pace::Fast`).
    #[cfg(test)]
    pub(crate) fn new(seed: u64, queues: usize, agents_per_queue: usize, tick_ms: u64) -> Model {
        Model::with_pace(seed, queues, agents_per_queue, tick_ms, Pace::Fast)
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

    /// Every interaction waiting now, as the event that tells of it (its
    /// wait so far included): what a new subscriber needs to show how long
    /// callers who began waiting before it connected have waited.
    pub(crate) fn waiting(&self) -> Vec<QueueEventKind> {
        let mut out = Vec::new();
        for q in &self.queues {
            for (ii, i) in q.interactions.iter().enumerate() {
                if i.state == InteractionState::Waiting {
                    out.push(step::interaction_event(q, ii, self.now, self.tick_ms));
                }
            }
        }
        out
    }

    /// One step: interactions/agent changes first, then a summary for every
    /// queue that changed.
    pub(crate) fn tick(&mut self) -> Vec<QueueEventKind> {
        self.now += 1;
        let mut out = Vec::new();
        let (now, tick_ms) = (self.now, self.tick_ms);
        let today = self.day.map(|clock| self.day_tick(clock));
        for (qi, q) in self.queues.iter_mut().enumerate() {
            let before = out.len();
            let rngs = (&mut self.rng, &mut self.side_rng);
            match &today {
                Some(ctx) => day::step_queue(q, rngs, &ctx.for_queue(qi), &mut out),
                None => step::step_queue(q, rngs, now, tick_ms, &mut out),
            }
            if out.len() > before {
                out.push(QueueEventKind::Summary(summary(q)));
            }
        }
        out
    }
}

fn summary(queue: &Queue) -> QueueSummary {
    let count = |predicate: &dyn Fn(&AgentStatus) -> bool| {
        queue
            .agents
            .iter()
            .filter(|agent| agent.routable() && predicate(&agent.status))
            .count() as u32
    };
    let mut skills: BTreeMap<String, SkillCount> = BTreeMap::new();
    for agent in queue.agents.iter().filter(|agent| agent.routable()) {
        for skill in &agent.skills {
            let tally = skills.entry(skill.clone()).or_default();
            if agent.status == AgentStatus::Idle {
                tally.available += 1;
            }
        }
    }
    let mut waiting = 0;
    for interaction in &queue.interactions {
        if interaction.state == InteractionState::Waiting {
            waiting += 1;
            if let Some(skill) = &interaction.skill {
                let tally = skills.entry(skill.clone()).or_default();
                tally.required = Some(tally.required.unwrap_or(0) + 1);
            }
        }
    }
    QueueSummary {
        queue_id: queue.id.clone(),
        queue_name: Some(queue.name.clone()),
        agents_available: count(&|skill| *skill == AgentStatus::Idle),
        agents_logged_in: count(&|skill| *skill != AgentStatus::OffQueue),
        agents_interacting: count(&|skill| {
            matches!(skill, AgentStatus::Interacting | AgentStatus::Communicating)
        }),
        interactions_waiting: waiting,
        skills,
        agents: AgentCounts {
            on_queue: Some(count(&|skill| *skill != AgentStatus::OffQueue)),
            off_queue: Some(count(&|skill| *skill == AgentStatus::OffQueue)),
            idle: Some(count(&|skill| *skill == AgentStatus::Idle)),
            interacting: Some(count(&|skill| *skill == AgentStatus::Interacting)),
            communicating: Some(count(&|skill| *skill == AgentStatus::Communicating)),
            not_responding: Some(count(&|skill| *skill == AgentStatus::NotResponding)),
        },
        ..Default::default()
    }
}

mod create;
mod day;
mod pace;
mod step;

mod members;
pub(crate) mod names;
mod view;
pub(crate) use members::{Activity, Membership};
use pace::DayClock;
pub use pace::{MAX_SPEED, Pace};
pub(crate) use view::{
    MediaObs, MemberView, QueueObs, SERVICE_LEVEL_PERCENT, WaitingObs, qualifier,
};

#[cfg(test)]
mod tests;
