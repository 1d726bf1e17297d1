//! A threshold of 0 switches its alert off (docs/CONFIG.md): a queue far
//! past every usual limit raises nothing, where the defaults raise all.

use std::collections::BTreeMap;
use std::time::Duration;

use queuetop::event::{FeedEvent, QueueEvent, QueueEventKind, QueueSummary};
use queuetop::model::AppState;
use queuetop::model::{Limits, QueueSeed};
use time::OffsetDateTime;
use tokio::time::Instant;

fn busy(latency_ms: i64) -> FeedEvent {
    let received_wall = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    FeedEvent::Queue(QueueEvent {
        topic: "/routing/queues/A/events".into(),
        kind: QueueEventKind::Summary(QueueSummary {
            queue_id: "A".into(),
            queue_name: None,
            agents_available: 0,
            agents_logged_in: 10,
            agents_interacting: 10,
            interactions_waiting: 50,
            skills: BTreeMap::new(),
            oldest_waiting_since: None,
            demand_truncated: false,
            agents: Default::default(),
            media: Default::default(),
            service_target: None,
        }),
        server_time: Some(received_wall - time::Duration::milliseconds(latency_ms)),
        received_wall,
        received: Instant::now(),
        correlation_id: None,
        snapshot: false,
    })
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
