//! Unit tests of the model contact center.

mod day;

use super::*;

#[test]
fn same_seed_same_center() {
    let mut a = Model::new(7, 5, 6, 500);
    let mut b = Model::new(7, 5, 6, 500);
    assert_eq!(a.queues(), b.queues());
    for _ in 0..200 {
        assert_eq!(a.tick(), b.tick());
    }
    let c = Model::new(8, 5, 6, 500);
    assert_ne!(a.queues(), c.queues());
}

#[test]
fn summaries_are_consistent_and_deficits_appear() {
    let mut m = Model::new(3, 4, 8, 500);
    let mut deficit_seen = false;
    for _ in 0..2000 {
        for ev in m.tick() {
            if let QueueEventKind::Summary(s) = ev {
                assert!(s.agents_available + s.agents_interacting <= s.agents_logged_in);
                let req: u32 = s.skills.values().filter_map(|c| c.required).sum();
                assert!(req <= s.interactions_waiting);
                deficit_seen |= s
                    .skills
                    .values()
                    .any(|c| c.available == 0 && c.required.is_some());
            }
        }
    }
    assert!(deficit_seen, "a day should show at least one skill deficit");
}

#[test]
fn ids_are_uuids_and_names_unique() {
    let m = Model::new(42, 12, 3, 500);
    let qs = m.queues();
    let mut names: Vec<_> = qs.iter().map(|q| q.1.clone()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 12);
    for (id, _) in qs {
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    }
}

#[test]
fn a_status_set_from_outside_changes_once_and_never_an_agent_on_an_interaction() {
    let mut m = Model::new(5, 2, 6, 500);
    // Tick until some agent has an interaction.
    let busy = (0..2000)
        .find_map(|_| {
            m.tick();
            m.queues.iter().find_map(|q| {
                let ai = q.interactions.iter().find_map(|i| i.agent)?;
                Some(q.agents[ai].id.clone())
            })
        })
        .expect("an agent on an interaction");
    assert_eq!(m.set_status(&busy, AgentStatus::OffQueue), None);
    let free = m.queues[0]
        .agents
        .iter()
        .enumerate()
        .find(|(ai, a)| {
            a.member
                && !m.queues[0]
                    .interactions
                    .iter()
                    .any(|i| i.agent == Some(*ai))
        })
        .map(|(_, a)| (a.id.clone(), a.status.clone()))
        .expect("an agent without an interaction");
    let other = match free.1 {
        AgentStatus::OffQueue => AgentStatus::Idle,
        _ => AgentStatus::OffQueue,
    };
    let (qi, state) = m.set_status(&free.0, other.clone()).expect("a change");
    assert_eq!(
        (qi, state.user_id.as_str(), &state.status),
        (0, free.0.as_str(), &other)
    );
    assert_eq!(m.set_status(&free.0, other), None, "already so");
    assert_eq!(m.set_status("nobody", AgentStatus::Idle), None);
}
