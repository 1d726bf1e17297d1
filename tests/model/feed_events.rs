//! What the model makes of the feed's own news: trouble the server
//! reports (an alert until resolved) and a member leaving a queue.

use queuetop::event::{AgentState, AgentStatus, FeedEvent};
use queuetop::model::{AlertKind, AppState};
use queuetop::model::{Limits, QueueSeed};
use tokio::time::Instant;

fn state() -> AppState {
    let q = QueueSeed {
        id: Some("A".into()),
        name: None,
        ..QueueSeed::default()
    };
    AppState::new(&[q], Limits::default())
}

fn trouble(resolved: bool) -> FeedEvent {
    FeedEvent::Trouble {
        code: "token_revoked".into(),
        message: "the access token was revoked".into(),
        resolved,
    }
}

#[tokio::test(start_paused = true)]
async fn trouble_is_an_alert_until_it_is_resolved() {
    let mut st = state();
    let kind = AlertKind::ServerError {
        code: "token_revoked".into(),
    };
    assert!(st.apply(&trouble(false)));
    assert!(st.alerts().is_active(None, &kind));
    assert!(!st.apply(&trouble(false)), "raised once");
    assert_eq!(st.alerts().active().count(), 1);
    assert!(st.apply(&trouble(true)));
    assert!(!st.alerts().is_active(None, &kind));
    assert!(!st.apply(&trouble(true)), "nothing left to clear");
    let cleared = st.alerts().list.iter().filter(|a| !a.is_active()).count();
    assert_eq!(cleared, 1, "kept in the history, cleared");
}

#[tokio::test(start_paused = true)]
async fn a_member_who_left_leaves_the_roster() {
    let mut st = state();
    for user in ["u1", "u2"] {
        let agent = AgentState {
            queue_id: "A".into(),
            user_id: user.into(),
            user_name: None,
            status: AgentStatus::Idle,
            skills: vec![],
        };
        st.apply(&FeedEvent::Member {
            agent,
            since: Instant::now(),
        });
    }
    assert_eq!(st.queue("A").unwrap().agents.len(), 2);
    let left = FeedEvent::MemberLeft {
        queue_id: "A".into(),
        user_id: "u1".into(),
    };
    assert!(st.apply(&left));
    let a = st.queue("A").unwrap();
    assert_eq!(a.agents.keys().collect::<Vec<_>>(), ["u2"]);
    assert!(!st.apply(&left), "already gone");
    let elsewhere = FeedEvent::MemberLeft {
        queue_id: "nowhere".into(),
        user_id: "u2".into(),
    };
    assert!(!st.apply(&elsewhere));
}
