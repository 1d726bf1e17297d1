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
