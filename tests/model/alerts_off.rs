//! A threshold of 0 switches its alert off (docs/CONFIG.md): a queue far
//! past every usual limit raises nothing, where the defaults raise all.

use std::time::Duration;

use crate::fixtures::{queue_event, summary};
use queuetop::event::FeedEvent;
use queuetop::model::AppState;
use queuetop::model::{Limits, QueueSeed};
use time::OffsetDateTime;
use tokio::time::Instant;

fn busy(latency_ms: i64) -> FeedEvent {
    let received_wall = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    let kind = summary("A")
        .logged_in(10)
        .interacting(10)
        .waiting(50)
        .event();
    queue_event(kind)
        .topic("/routing/queues/A/events")
        .server_time(Some(
            received_wall - time::Duration::milliseconds(latency_ms),
        ))
        .received(received_wall, Instant::now())
        .feed()
}

fn alerts_after_a_busy_hour(limits: Limits) -> usize {
    let queue = QueueSeed {
        id: Some("A".into()),
        name: None,
        ..QueueSeed::default()
    };
    let mut st = AppState::new(&[queue], limits);
    for _ in 0..20 {
        st.apply(&busy(5_000));
    }
    let later = Instant::now() + Duration::from_secs(3600);
    st.tick(later, OffsetDateTime::now_utc());
    st.alerts().active_count()
}

#[tokio::test(start_paused = true)]
async fn zero_thresholds_raise_nothing() {
    let defaults = Limits::default();
    assert!(
        alerts_after_a_busy_hour(defaults) >= 3,
        "the defaults alert on utilization, waiting and latency"
    );
    let off = Limits {
        utilization_pct: 0.0,
        waiting: 0,
        latency_ms: 0,
        stale_after_s: 0,
        ..Limits::default()
    };
    assert_eq!(alerts_after_a_busy_hour(off), 0);
}
