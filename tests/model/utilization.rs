//! Utilization is queue work over agents on queue: COMMUNICATING
//! (non-queue work) counts neither on the screen nor in the alert. Agents
//! by state are shown as Genesys Cloud's Queues Activity names them.

use std::time::Duration;

use crate::fixtures;
use queuetop::event::{AgentCounts, QueueEventKind, QueueSummary};
use queuetop::model::{AlertKind, AppState};
use queuetop::model::{Limits, QueueSeed};
use queuetop::ui::figures;
use time::OffsetDateTime;
use tokio::time::Instant;

fn wall() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
}

/// 8 on queue: 3 on queue interactions, 4 communicating (direct calls),
/// 1 idle; 2 off queue. The export's `agentsInteracting` counts the
/// communicating ones too.
fn summary() -> QueueEventKind {
    fixtures::summary("A")
        .available(1)
        .logged_in(8)
        .interacting(7)
        .agents(AgentCounts {
            on_queue: Some(8),
            off_queue: Some(2),
            idle: Some(1),
            interacting: Some(3),
            communicating: Some(4),
            not_responding: Some(0),
        })
        .event()
}

#[tokio::test(start_paused = true)]
async fn communicating_is_not_queue_work_on_screen_or_in_the_alert() {
    let q = QueueSeed {
        id: Some("A".into()),
        name: Some("Support".into()),
        ..QueueSeed::default()
    };
    let limits = Limits {
        utilization_pct: 80.0,
        ..Limits::default()
    };
    let mut st = AppState::new(&[q], limits);
    let start = Instant::now();
    for s in 0..120u64 {
        let elapsed = Duration::from_secs(s);
        st.apply(
            &fixtures::queue_event(summary())
                .received(wall() + elapsed, start + elapsed)
                .feed(),
        );
        tokio::time::advance(Duration::from_secs(1)).await;
        st.tick(Instant::now(), wall() + Duration::from_secs(s + 1));
    }
    let v = st.queue("A").unwrap();
    // The export's `utilization` keeps its formula (and its export name)...
    assert_eq!(v.metrics.utilization, 87.5);
    // ...but what is shown and alerted on is queue work: 3 of 8.
    assert_eq!(v.metrics.effective_utilization(), 37.5);
    assert!(
        !st.alerts().is_active(Some("A"), &AlertKind::Utilization),
        "{:?}",
        st.alerts().list
    );
    assert_eq!(v.utilization_history.last(), Some(38));

    assert_eq!(figures::agents(v), "1/8", "Idle/OnQ");
    assert_eq!(
        figures::agent_states(v, false).unwrap(),
        "On queue 8: idle 1, interacting 3, communicating 4, not responding 0; off queue 2"
    );
}

#[test]
fn figures_a_feed_does_not_give_are_dashes() {
    let mut v = queuetop::model::QueueView::new("A", Some("Support"), true);
    assert_eq!(figures::agents(&v), "-");
    assert_eq!(figures::agent_states(&v, false), None);
    // The realtime feed: on queue only (its summary's logged-in agents).
    v.summary = Some(QueueSummary {
        agents: AgentCounts {
            on_queue: Some(5),
            ..AgentCounts::default()
        },
        agents_available: 2,
        agents_logged_in: 5,
        ..QueueSummary::default()
    });
    assert_eq!(figures::agents(&v), "2/5");
    assert_eq!(
        figures::agent_states(&v, false).unwrap(),
        "On queue 5: idle 2, interacting –, communicating –, not responding –; off queue –"
    );
    let ascii = figures::agent_states(&v, true).unwrap();
    assert!(
        ascii.is_ascii() && ascii.contains("interacting -"),
        "{ascii}"
    );
}
