//! The reducer: events in, visible state out; time driven by paused tokio time.

use std::time::Duration;

use crate::common::paused::immediate_limits;
use crate::fixtures::{busy, queue_event, summary};
use queuetop::event::{
    AgentState, AgentStatus, ConnState, FeedEvent, FeedStatus, InteractionState, MediaType,
    QueueEventKind, QueueInteraction,
};
use queuetop::model::QueueSeed;
use queuetop::model::{AlertKind, AppState};
use time::OffsetDateTime;
use tokio::time::Instant;

fn qc(id: &str, name: Option<&str>) -> QueueSeed {
    QueueSeed::new(Some(id), name)
}

fn wall(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap() + time::Duration::milliseconds(ms)
}

fn event(kind: QueueEventKind, latency_ms: Option<i64>) -> FeedEvent {
    let received_wall = wall(0);
    let topic = format!("/routing/queues/{}/events", kind.queue_id());
    queue_event(kind)
        .topic(topic)
        .server_time(latency_ms.map(|l| received_wall - time::Duration::milliseconds(l)))
        .received(received_wall, Instant::now())
        .feed()
}

fn state() -> AppState {
    AppState::new(&[qc("A", Some("Alpha")), qc("B", None)], immediate_limits())
}

#[tokio::test(start_paused = true)]
async fn configured_queues_listed_up_front_and_summary_applied() {
    let mut st = state();
    assert_eq!(st.queues().len(), 2);
    assert_eq!(st.queues()[0].name, "Alpha");
    assert_eq!(st.queues()[1].name, "B");
    assert!(st.queues().iter().all(|q| q.summary.is_none()));

    assert!(
        st.apply(&event(
            busy("A")
                .name("A from server")
                .skills(&[("Spanish", 0), ("Billing", 2)])
                .event(),
            Some(77)
        ))
    );
    let a = st.queue("A").unwrap();
    assert_eq!(a.metrics.utilization, 60.0);
    assert_eq!(a.metrics.available_ratio, 30.0);
    assert_eq!(a.metrics.skill_deficits, vec!["Spanish"]);
    assert_eq!(a.name, "Alpha", "a configured name is kept");
    assert_eq!(a.utilization_history.last(), Some(60));
    assert_eq!(a.waiting_history.last(), Some(4));
    assert_eq!(a.latency_history.last(), Some(77));
    assert_eq!(st.feed().events_processed, 1);
    assert_eq!(st.feed().latency.last(), Some(77));

    // B has no configured name: the server's name is used.
    st.apply(&event(
        summary("B")
            .name("B from server")
            .available(1)
            .logged_in(1)
            .event(),
        None,
    ));
    assert_eq!(st.queue("B").unwrap().name, "B from server");
    assert_eq!(st.feed().latency.count(), 1, "no server time, no sample");
}

#[tokio::test(start_paused = true)]
async fn unconfigured_queues_are_added_and_names_set() {
    let mut st = state();
    st.apply(&event(summary("Z").event(), None));
    assert_eq!(st.queues().len(), 3);
    assert!(!st.queues()[2].configured);
    assert!(st.apply(&FeedEvent::QueueName {
        queue_id: "Z".into(),
        name: "Zeta".into()
    }));
    assert_eq!(st.queue("Z").unwrap().name, "Zeta");
    assert!(!st.apply(&FeedEvent::QueueName {
        queue_id: "A".into(),
        name: "Other".into()
    }));
    assert_eq!(st.queue("A").unwrap().name, "Alpha");

    // A queue configured by name only gets its id from the server.
    let mut st = AppState::new(
        &[QueueSeed {
            id: None,
            name: Some("Support EN".into()),
            ..QueueSeed::default()
        }],
        immediate_limits(),
    );
    st.apply(&FeedEvent::QueueName {
        queue_id: "Q1".into(),
        name: "Support EN".into(),
    });
    assert_eq!(st.queues().len(), 1);
    assert_eq!(st.queue("Q1").unwrap().name, "Support EN");
}

#[tokio::test(start_paused = true)]
async fn snapshot_updates_but_does_not_count() {
    let mut st = state();
    let mut ev = event(busy("A").event(), Some(5));
    if let FeedEvent::Queue(q) = &mut ev {
        q.snapshot = true;
        q.topic = "snapshot".into();
    }
    st.apply(&ev);
    assert!(st.queue("A").unwrap().summary.is_some());
    assert_eq!(st.feed().events_processed, 0);
    assert_eq!(st.feed().snapshot_events, 1);
    assert_eq!(st.feed().latency.count(), 0);
    assert_eq!(st.feed().delivery_rate(Instant::now()), 0.0);
}

#[tokio::test(start_paused = true)]
async fn deficit_list_changes_are_logged_once_per_skill_not_alerted() {
    let mut st = state();
    let deficit = |s: &str| AlertKind::SkillDeficit { skill: s.into() };
    let with_skills = |skills: &[(&str, u32)]| {
        let kind = summary("A")
            .available(1)
            .logged_in(5)
            .interacting(1)
            .skills(skills)
            .event();
        event(kind, None)
    };
    for _ in 0..2 {
        st.apply(&with_skills(&[
            ("Spanish", 0),
            ("Arabic", 0),
            ("Billing", 2),
        ]));
    }
    st.apply(&with_skills(&[
        ("Spanish", 1),
        ("Arabic", 0),
        ("Billing", 0),
    ]));
    let tr = st.take_alert_transitions();
    let seen: Vec<(bool, AlertKind)> = tr.into_iter().map(|t| (t.raised, t.alert.kind)).collect();
    assert_eq!(
        seen,
        vec![
            (true, deficit("Arabic")),
            (true, deficit("Spanish")),
            // One merge over the sorted lists: in skill order.
            (true, deficit("Billing")),
            (false, deficit("Spanish")),
        ]
    );
    // Nobody waits for these skills: information, not alerts.
    assert!(st.alerts().list.is_empty());
    assert_eq!(st.queue("A").unwrap().active_alerts, 0);
    assert_eq!(
        st.queue("A").unwrap().metrics.skill_deficits,
        vec!["Arabic", "Billing"]
    );
}

#[tokio::test(start_paused = true)]
async fn utilization_waiting_and_latency_alerts() {
    let mut st = state();
    st.apply(&event(
        summary("A")
            .logged_in(10)
            .interacting(9)
            .waiting(10)
            .event(),
        Some(2500),
    ));
    assert!(st.alerts().is_active(Some("A"), &AlertKind::Utilization));
    assert!(st.alerts().is_active(Some("A"), &AlertKind::Waiting));
    assert!(st.alerts().is_active(None, &AlertKind::Latency));
    // Under both thresholds, at a latency of `latency_ms`.
    let below = |latency_ms| {
        let kind = summary("A")
            .available(2)
            .logged_in(10)
            .interacting(8)
            .waiting(9)
            .event();
        event(kind, Some(latency_ms))
    };
    st.apply(&below(2500));
    assert!(!st.alerts().is_active(Some("A"), &AlertKind::Utilization));
    assert!(!st.alerts().is_active(Some("A"), &AlertKind::Waiting));
    // p95 of two 2500 ms samples plus many fast ones falls below the limit.
    for _ in 0..60 {
        st.apply(&below(10));
    }
    assert!(!st.alerts().is_active(None, &AlertKind::Latency));
    assert_eq!(st.alerts().list.len(), 3);
}

#[tokio::test(start_paused = true)]
async fn waiting_interactions_kept_and_removed() {
    let mut st = state();
    let it = |c: &str, state: InteractionState, ms: u64| {
        event(
            QueueEventKind::Interaction(QueueInteraction {
                queue_id: "B".into(),
                conversation_id: c.into(),
                media_type: MediaType::Voice,
                state,
                wait_ms: Some(ms),
            }),
            None,
        )
    };
    st.apply(&it("c1", InteractionState::Waiting, 1000));
    st.apply(&it("c2", InteractionState::Waiting, 3500));
    // Offered to an agent: no longer waiting (the summary's count agrees).
    st.apply(&it("c2", InteractionState::Alerting, 3900));
    assert_eq!(st.queue("B").unwrap().waiting.len(), 1);
    // Not answered: back in the queue, its whole wait with it.
    st.apply(&it("c2", InteractionState::Waiting, 4000));
    st.apply(&it("c3", InteractionState::Waiting, 0));
    st.apply(&it("c3", InteractionState::Connected, 0));
    let b = st.queue("B").unwrap();
    assert_eq!(b.waiting.keys().collect::<Vec<_>>(), vec!["c1", "c2"]);
    assert_eq!(b.waiting_count(), 2);
    tokio::time::advance(Duration::from_secs(3)).await;
    assert_eq!(
        b.longest_wait(Instant::now()),
        Some(Duration::from_millis(7000))
    );
    st.apply(&it("c2", InteractionState::Abandoned, 0));
    st.apply(&it("c1", InteractionState::Ended, 0));
    assert!(st.queue("B").unwrap().waiting.is_empty());

    // Ends missed (a reconnect): the summary's count wins, the least
    // recently heard of go first.
    for c in ["d1", "d2", "d3"] {
        st.apply(&it(c, InteractionState::Waiting, 0));
        tokio::time::advance(Duration::from_secs(1)).await;
    }
    st.apply(&it("d1", InteractionState::Waiting, 3000));
    st.apply(&event(
        summary("B").available(1).logged_in(1).waiting(2).event(),
        None,
    ));
    let b = st.queue("B").unwrap();
    assert_eq!(b.waiting.keys().collect::<Vec<_>>(), vec!["d1", "d3"]);
    st.apply(&event(summary("B").available(1).logged_in(1).event(), None));
    assert!(st.queue("B").unwrap().waiting.is_empty());
}

#[tokio::test(start_paused = true)]
async fn agent_roster_tracks_status_since() {
    let mut st = state();
    let ag = |status: AgentStatus| {
        event(
            QueueEventKind::Agent(AgentState {
                queue_id: "A".into(),
                user_id: "u1".into(),
                user_name: Some("Ana Ruiz".into()),
                status,
                skills: vec!["Spanish".into()],
            }),
            None,
        )
    };
    let t0 = Instant::now();
    st.apply(&ag(AgentStatus::Idle));
    tokio::time::advance(Duration::from_secs(5)).await;
    st.apply(&ag(AgentStatus::Idle));
    assert_eq!(st.queue("A").unwrap().agents["u1"].since, t0);
    st.apply(&ag(AgentStatus::Interacting));
    let row = &st.queue("A").unwrap().agents["u1"];
    assert_eq!(row.status, AgentStatus::Interacting);
    assert_eq!(row.since, t0 + Duration::from_secs(5));
    assert_eq!(row.name.as_deref(), Some("Ana Ruiz"));
}

#[tokio::test(start_paused = true)]
async fn members_fill_the_roster_without_counting_as_updates() {
    let mut st = state();
    let t0 = Instant::now();
    let member = |user: &str, queue: &str, status: AgentStatus| FeedEvent::Member {
        agent: AgentState {
            queue_id: queue.into(),
            user_id: user.into(),
            user_name: Some(format!("{user} name")),
            status,
            skills: vec!["Spanish".into()],
        },
        since: t0,
    };
    assert!(st.apply(&member("u1", "A", AgentStatus::Idle)));
    assert!(st.apply(&member("u2", "A", AgentStatus::OffQueue)));
    let a = st.queue("A").unwrap();
    assert_eq!(a.agents.len(), 2);
    assert_eq!(a.agents["u2"].status, AgentStatus::OffQueue);
    assert_eq!(a.agents["u1"].since, t0);
    // Not news: nothing processed, nothing fresher than before.
    assert_eq!(st.feed().events_processed, 0);
    assert!(a.last_update.is_none());

    // The first status change moves the same row.
    tokio::time::advance(Duration::from_secs(3)).await;
    st.apply(&event(
        QueueEventKind::Agent(AgentState {
            queue_id: "A".into(),
            user_id: "u1".into(),
            user_name: None,
            status: AgentStatus::Interacting,
            skills: vec!["Spanish".into()],
        }),
        None,
    ));
    let row = &st.queue("A").unwrap().agents["u1"];
    assert_eq!(row.status, AgentStatus::Interacting);
    assert_eq!(row.since, t0 + Duration::from_secs(3));
    assert_eq!(row.name.as_deref(), Some("u1 name"));

    // No queue to put it on: counted, not a nameless queue.
    let queues = st.queues().len();
    st.apply(&member("u3", "", AgentStatus::Idle));
    assert_eq!(st.queues().len(), queues);
    assert_eq!(st.feed().malformed, 1);
}

fn status(state: ConnState, connects: u32) -> FeedEvent {
    FeedEvent::Status(FeedStatus {
        state,
        last_error: None,
        connects,
    })
}

/// Ticks once a second for `seconds`, with a heartbeat every `beat`
/// seconds (0: none). True when any queue was stale at any tick.
async fn run(st: &mut AppState, seconds: u64, beat: u64) -> bool {
    let mut stale = false;
    for s in 1..=seconds {
        tokio::time::advance(Duration::from_secs(1)).await;
        if beat > 0 && s % beat == 0 {
            st.apply(&FeedEvent::Heartbeat);
        }
        st.tick(Instant::now(), wall(0));
        stale |= st.queues().iter().any(|q| q.stale);
    }
    stale
}

#[tokio::test(start_paused = true)]
async fn a_quiet_queue_on_a_live_feed_never_goes_stale() {
    let mut st = state();
    st.tick(Instant::now(), wall(0));
    st.apply(&status(ConnState::Connected, 1));
    st.apply(&event(summary("A").available(1).logged_in(1).event(), None));
    // Ten minutes without a queue event; the feed's heartbeats say it is
    // alive, so nothing changed: A and B (never reported) are current.
    assert!(!run(&mut st, 600, 30).await, "stale on a live feed");
    assert!(!st.alerts().list.iter().any(|a| a.kind == AlertKind::Stale));
}

#[tokio::test(start_paused = true)]
async fn queues_go_stale_when_the_feed_goes_silent_or_down() {
    let mut st = state();
    st.tick(Instant::now(), wall(0));
    st.apply(&status(ConnState::Connected, 1));
    st.apply(&event(summary("A").available(1).logged_in(1).event(), None));
    assert!(!run(&mut st, 119, 0).await);
    // Nothing at all for 120 s, heartbeats included: every queue.
    assert!(run(&mut st, 1, 0).await);
    assert!(st.queues().iter().all(|q| q.stale));
    assert!(st.alerts().is_active(Some("A"), &AlertKind::Stale));
    assert!(st.alerts().is_active(Some("B"), &AlertKind::Stale));
    // A heartbeat: the feed is alive, every queue fresh again.
    st.apply(&FeedEvent::Heartbeat);
    st.tick(Instant::now(), wall(0));
    assert!(st.queues().iter().all(|q| !q.stale));
    assert!(!st.alerts().is_active(Some("B"), &AlertKind::Stale));

    // Down: stale at once. The feed-down alert speaks for every queue.
    let retry = ConnState::Reconnecting {
        attempt: 1,
        max_attempts: 0,
        next_try: Instant::now() + Duration::from_secs(1),
    };
    st.apply(&status(retry, 1));
    st.tick(Instant::now(), wall(0));
    assert!(st.queues().iter().all(|q| q.stale));
    assert!(!st.alerts().is_active(Some("A"), &AlertKind::Stale));
    st.apply(&status(ConnState::Connected, 2));
    st.tick(Instant::now(), wall(0));
    assert!(st.queues().iter().all(|q| !q.stale));

    // B's subscription refused: B alone, until a new attempt.
    st.apply(&FeedEvent::TopicRejected {
        topic: "v2.routing.queues.B.observations".into(),
        reason: "not permitted".into(),
        queue_id: Some("B".into()),
    });
    st.tick(Instant::now(), wall(0));
    assert!(!st.queue("A").unwrap().stale);
    assert!(st.queue("B").unwrap().stale);
    assert!(st.alerts().is_active(Some("B"), &AlertKind::Stale));
    st.apply(&event(summary("B").available(1).logged_in(1).event(), None));
    assert!(st.queue("B").unwrap().stale, "still refused");
}

#[tokio::test(start_paused = true)]
async fn feed_counters_status_and_error_alerts() {
    let mut st = state();
    st.apply(&FeedEvent::Malformed {
        reason: "not json".into(),
    });
    st.apply(&FeedEvent::Unknown {
        kind: "mystery".into(),
    });
    st.apply(&FeedEvent::Heartbeat);
    assert_eq!(
        (st.feed().malformed, st.feed().unknown, st.feed().heartbeats),
        (1, 1, 1)
    );
    assert_eq!(st.feed().events_processed, 0);

    let connected = FeedStatus {
        state: ConnState::Connected,
        last_error: None,
        connects: 1,
    };
    assert!(st.apply(&FeedEvent::Status(connected.clone())));
    assert!(!st.apply(&FeedEvent::Status(connected)));

    st.apply(&FeedEvent::TopicRejected {
        topic: "v2.analytics.queues.A.observations".into(),
        reason: "no permission".into(),
        queue_id: Some("A".into()),
    });
    st.apply(&FeedEvent::ServerError {
        code: "bad.sub".into(),
        message: "refused".into(),
        queue_id: None,
    });
    assert_eq!(st.alerts().active_count(), 2);
    assert_eq!(st.queue("A").unwrap().active_alerts, 1);
    // A new attempt clears them; it will report again if still refused.
    st.apply(&FeedEvent::Status(FeedStatus::connecting()));
    assert_eq!(st.alerts().active_count(), 0);
    assert_eq!(st.queue("A").unwrap().active_alerts, 0);
}

#[tokio::test(start_paused = true)]
async fn queues_set_by_a_fixture_are_indexed_and_the_reducer_finds_them() {
    use queuetop::model::QueueView;
    let mut st = state();
    st.edit(|parts| parts.queues = vec![QueueView::new("B", Some("Bee"), true)]);
    assert_eq!(st.queue("B").unwrap().name, "Bee");
    st.apply(&event(
        summary("B")
            .available(1)
            .logged_in(2)
            .interacting(1)
            .event(),
        None,
    ));
    st.apply(&event(
        summary("A")
            .available(1)
            .logged_in(2)
            .interacting(1)
            .event(),
        None,
    ));
    assert_eq!(st.queues().len(), 2);
    assert!(st.queue("B").unwrap().summary.is_some());
    assert!(st.queue("A").unwrap().summary.is_some());
    st.add_queue(QueueView::new("C", None, false));
    assert_eq!(st.queue("C").unwrap().name, "C");
}
