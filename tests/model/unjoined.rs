//! An unjoined member (`joined=false`) takes none of the queue's work: it
//! is not in the observations' counts, so it is on neither the roster nor
//! the skills either. Frames through the notifications mapping into the
//! model, so every figure on the detail panel agrees.

use std::collections::BTreeSet;

use queuetop::event::{AgentStatus, FeedEvent};
use queuetop::feed::notifications::mapping::{Decoded, Mapper, Member, Receipt};
use queuetop::model::AppState;
use queuetop::model::{Limits, QueueSeed};
use time::OffsetDateTime;
use tokio::time::Instant;

fn receipt() -> Receipt {
    Receipt {
        wall: OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap(),
        at: Instant::now(),
    }
}

fn member(id: &str, status: AgentStatus, joined: bool) -> Member {
    Member {
        user_id: id.into(),
        name: Some(format!("Agent {id}")),
        skills: vec!["s-ret".into()],
        status,
        since: None,
        joined,
    }
}

/// The mapper's start-up events (snapshot, then the rosters), as the feed
/// sends them, applied.
fn start() -> (Mapper, AppState) {
    let mut m = Mapper::new();
    m.add_queue("Q", Some("Retention".into()));
    m.set_skill_names([("s-ret".to_string(), "Retention".to_string())]);
    m.set_members(
        "Q",
        vec![
            member("u1", AgentStatus::Idle, true),
            member("u2", AgentStatus::Interacting, true),
            // Idle but not joined: not the queue's.
            member("u3", AgentStatus::Idle, false),
        ],
    );
    let q = QueueSeed {
        id: Some("Q".into()),
        name: None,
        ..QueueSeed::default()
    };
    let mut st = AppState::new(&[q], Limits::default());
    for ev in m.summaries("snapshot", true, receipt()) {
        st.apply(&FeedEvent::Queue(ev));
    }
    for (agent, _) in m.rosters() {
        st.apply(&FeedEvent::Member {
            agent,
            since: Instant::now(),
        });
    }
    (m, st)
}

fn apply(st: &mut AppState, d: Decoded) {
    let evs = match d {
        Decoded::Events(evs) | Decoded::MembersChanged { events: evs, .. } => evs,
        other => panic!("expected events, got {other:?}"),
    };
    for ev in evs {
        st.apply(&ev);
    }
}

fn roster(st: &AppState) -> BTreeSet<String> {
    st.queue("Q").unwrap().agents.keys().cloned().collect()
}

fn idle_with_skill(st: &AppState) -> u32 {
    let s = st.queue("Q").unwrap().summary.as_ref().unwrap();
    s.skills["Retention"].available
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

#[tokio::test(start_paused = true)]
async fn an_unjoined_member_is_on_neither_the_roster_nor_the_skills() {
    let (mut m, mut st) = start();
    assert_eq!(roster(&st), set(&["u1", "u2"]));
    assert_eq!(idle_with_skill(&st), 1);

    // u3 changes status while still not joined: still not on the roster.
    let frame = r#"{"topicName":"v2.users.u3.activity","eventBody":{
        "routingStatus":{"status":"IDLE","startTime":"2027-01-15T08:00:00.000Z"},
        "activeQueueIds":[]}}"#;
    apply(&mut st, m.decode(frame, receipt()));
    assert_eq!(roster(&st), set(&["u1", "u2"]));
    assert_eq!(idle_with_skill(&st), 1);

    // u3 joins (membership topic): on the roster and available.
    let join = r#"{"topicName":"v2.routing.queues.Q.users","eventBody":{
        "id":"u3","user":{"id":"u3"},"queueId":"Q","joined":true}}"#;
    apply(&mut st, m.decode(join, receipt()));
    assert_eq!(roster(&st), set(&["u1", "u2", "u3"]));
    assert_eq!(idle_with_skill(&st), 2);

    // u1 leaves the queue's active list (activity topic): off the roster,
    // and no longer counted for the skill.
    let away = r#"{"topicName":"v2.users.u1.activity","eventBody":{
        "routingStatus":{"status":"IDLE","startTime":"2027-01-15T08:01:00.000Z"},
        "activeQueueIds":["OTHER"]}}"#;
    apply(&mut st, m.decode(away, receipt()));
    assert_eq!(roster(&st), set(&["u2", "u3"]));
    assert_eq!(idle_with_skill(&st), 1);

    // u3 unjoined (membership topic): off again.
    let unjoin = join.replace("\"joined\":true", "\"joined\":false");
    apply(&mut st, m.decode(&unjoin, receipt()));
    assert_eq!(roster(&st), set(&["u2"]));
    assert_eq!(idle_with_skill(&st), 0);

    // Read again from REST after the change: the roster stays the joined
    // members, and the ones no longer joined are reported as off it.
    let (off, _) = m.reread_members(
        "Q",
        vec![
            member("u1", AgentStatus::Idle, false),
            member("u2", AgentStatus::Interacting, true),
            member("u3", AgentStatus::Idle, false),
        ],
    );
    assert!(off.contains(&"u3".to_string()), "{off:?}");
    let rows: Vec<String> = m
        .roster_of("Q")
        .into_iter()
        .map(|(a, _)| a.user_id)
        .collect();
    assert_eq!(rows, ["u2"]);
}
