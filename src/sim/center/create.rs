//! A new center from a seed: queues named by department and language,
//! each with a foreign language and two business skills, staffed by agents
//! with some of those skills. The order of the rng draws is what makes a
//! seed play the same center, so keep it when changing this.

use std::collections::HashMap;

use crate::event::AgentStatus;

use super::names::{self, DEPARTMENTS, LANGUAGES, SKILLS};
use super::pace::{DayClock, Pace};
use super::{Agent, Model, Queue, SERVICE_TARGET_TICKS, seeded_uuid};

impl Model {
    pub(crate) fn with_pace(
        seed: u64,
        queues: usize,
        agents_per_queue: usize,
        tick_ms: u64,
        pace: Pace,
    ) -> Model {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut combinations: Vec<(usize, usize)> = (0..DEPARTMENTS.len())
            .flat_map(|department| (0..LANGUAGES.len()).map(move |language| (department, language)))
            .collect();
        rng.shuffle(&mut combinations);
        let mut people = 0usize;
        let queues: Vec<Queue> = (0..queues)
            .map(|index| {
                let name = queue_name(&combinations, index);
                let (_, language) = combinations[index % combinations.len()];
                new_queue(&mut rng, name, language, agents_per_queue, &mut people)
            })
            .collect();
        // A separate rng, so adding skill ids changes nothing else a seed plays.
        let mut id_rng = fastrand::Rng::with_seed(seed ^ 0x5ca1_ab1e);
        let skill_ids = LANGUAGES
            .iter()
            .map(|language| language.1)
            .chain(SKILLS.iter().copied())
            .map(|name| (name.to_string(), seeded_uuid(&mut id_rng)))
            .collect();
        let (queue_index, user_index) = indexes(&queues);
        let tick_ms = tick_ms.max(1);
        let mut model = Model {
            rng,
            side_rng: fastrand::Rng::with_seed(seed ^ 0x0010_1ed0),
            tick_ms,
            now: 0,
            day: None,
            target_ticks: SERVICE_TARGET_TICKS,
            surge: None,
            queues,
            skill_ids,
            queue_index,
            user_index,
        };
        if let Pace::Day {
            speed,
            start_minute,
        } = pace
        {
            model.start_day(DayClock::new(speed, start_minute, tick_ms));
        }
        model
    }
}

impl Model {
    /// The first queues take these names instead of their generated ones
    /// (`SimOptions::queue_names`); extra names are ignored.
    pub(crate) fn rename_queues(&mut self, names: &[String]) {
        for (queue, name) in self.queues.iter_mut().zip(names) {
            queue.name.clone_from(name);
        }
    }
}

/// "Support English", then "Support English 2" once every department and
/// language pair has a queue.
fn queue_name(combinations: &[(usize, usize)], index: usize) -> String {
    let (department, language) = combinations[index % combinations.len()];
    let name = format!("{} {}", DEPARTMENTS[department], LANGUAGES[language].0);
    match index / combinations.len() {
        0 => name,
        round => format!("{name} {}", round + 1),
    }
}

fn new_queue(
    rng: &mut fastrand::Rng,
    name: String,
    language: usize,
    agents_per_queue: usize,
    people: &mut usize,
) -> Queue {
    let id = seeded_uuid(rng);
    // One foreign language and two business skills per queue.
    let mut foreign = rng.usize(..LANGUAGES.len());
    if foreign == language {
        foreign = (foreign + 1) % LANGUAGES.len();
    }
    let mut skills = vec![LANGUAGES[foreign].1.to_string()];
    let mut pool: Vec<&str> = SKILLS.to_vec();
    rng.shuffle(&mut pool);
    skills.extend(pool.iter().take(2).map(|skill| skill.to_string()));
    let agents = (0..agents_per_queue)
        .map(|_| {
            *people += 1;
            new_agent(rng, names::person(*people - 1), &skills)
        })
        .collect();
    Queue {
        id,
        name,
        skills,
        agents,
        interactions: Vec::new(),
        load: 0.45 + rng.f64() * 0.3,
        totals: Default::default(),
    }
}

/// An agent with about 40% of the queue's skills, mostly idle at first.
fn new_agent(rng: &mut fastrand::Rng, name: String, queue_skills: &[String]) -> Agent {
    let skills = queue_skills
        .iter()
        .filter(|_| rng.u8(..100) < 40)
        .cloned()
        .collect();
    let id = seeded_uuid(rng);
    let status = if rng.u8(..100) < 85 {
        AgentStatus::Idle
    } else {
        AgentStatus::OffQueue
    };
    Agent {
        id,
        name,
        skills,
        status,
        since: 0,
        member: true,
        joined: true,
        joined_since: 0,
        until: 0,
        next_break: u64::MAX,
        meal_at: u64::MAX,
    }
}

/// Queue id to its index, and user id to (queue index, agent index).
fn indexes(queues: &[Queue]) -> (HashMap<String, usize>, HashMap<String, (usize, usize)>) {
    let queue_index = queues
        .iter()
        .enumerate()
        .map(|(index, queue)| (queue.id.clone(), index))
        .collect();
    let user_index = queues
        .iter()
        .enumerate()
        .flat_map(|(qi, queue)| {
            queue
                .agents
                .iter()
                .enumerate()
                .map(move |(ai, agent)| (agent.id.clone(), (qi, ai)))
        })
        .collect();
    (queue_index, user_index)
}
