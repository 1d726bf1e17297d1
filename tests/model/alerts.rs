//! Alerts through the reducer: delays, severities, demand, the feed's own
//! outage, longest wait and service level. Paused time throughout.

use std::time::Duration;

use crate::common::paused::Clock;
use crate::fixtures;
use queuetop::event::{
    ConnState, FeedEvent, FeedStatus, InteractionState, MediaType, QueueEventKind,
    QueueInteraction, QueueTotals,
};
use queuetop::model::{AlertKind, AppState, Severity};
use queuetop::model::{Limits, QueueSeed};
use tokio::time::Instant;

fn limits() -> Limits {
    Limits {
        waiting: 5,
        raise_delay_s: 15,
        clear_delay_s: 30,
        longest_wait_s: 120,
        service_level_pct: 80.0,
        ..Limits::default()
    }
}

fn state() -> AppState {
    let q = QueueSeed {
        id: Some("A".into()),
        name: Some("Support".into()),
        ..QueueSeed::default()
    };
    AppState::new(&[q], limits())
}

fn summary(logged: u32, waiting: u32, skills: &[(&str, u32, Option<u32>)]) -> QueueEventKind {
    let counts = fixtures::summary("A")
        .available(1)
        .logged_in(logged)
        .waiting(waiting);
    skills
        .iter()
        .fold(counts, |built, (name, available, required)| {
            built.skill_required(name, *available, *required)
        })
        .event()
}

fn raises(st: &AppState, kind: &AlertKind) -> u32 {
    st.alerts()
        .list
        .iter()
        .filter(|a| &a.kind == kind)
        .map(|a| a.raises)
        .sum()
}

#[tokio::test(start_paused = true)]
async fn a_value_alternating_across_its_threshold_every_200_ms_raises_once() {
    let mut st = state();
    let c = Clock::new();
    for i in 0..300 {
        let waiting = if i % 2 == 0 { 5 } else { 4 };
        st.apply(&c.event(summary(3, waiting, &[])));
        c.pass(&mut st, Duration::from_millis(200)).await;
    }
    assert_eq!(
        raises(&st, &AlertKind::Waiting),
        1,
        "{:?}",
        st.alerts().list
    );
    assert!(st.alerts().is_active(Some("A"), &AlertKind::Waiting));
    // It ends only once the value has stayed under for the clear delay.
    st.apply(&c.event(summary(3, 0, &[])));
    c.pass(&mut st, Duration::from_secs(29)).await;
    assert!(st.alerts().is_active(Some("A"), &AlertKind::Waiting));
    c.pass(&mut st, Duration::from_secs(1)).await;
    assert!(!st.alerts().is_active(Some("A"), &AlertKind::Waiting));
    let a = &st.alerts().list[0];
    let life = a.cleared_at.unwrap() - a.raised_at;
    assert!(life >= time::Duration::seconds(15), "{life}");
}

#[tokio::test(start_paused = true)]
async fn a_condition_shorter_than_the_raise_delay_is_no_alert() {
    let mut st = state();
    let c = Clock::new();
    st.apply(&c.event(summary(3, 9, &[])));
    c.pass(&mut st, Duration::from_secs(14)).await;
    st.apply(&c.event(summary(3, 0, &[])));
    c.pass(&mut st, Duration::from_secs(60)).await;
    assert!(st.alerts().list.is_empty(), "{:?}", st.alerts().list);
}

#[tokio::test(start_paused = true)]
async fn severities_and_skill_demand() {
    let mut st = state();
    let c = Clock::new();
    // Waiting callers and nobody on queue; Spanish short with demand,
    // Arabic short with none.
    let skills = [("Spanish", 0, Some(2)), ("Arabic", 0, None)];
    st.apply(&c.event(summary(0, 2, &skills)));
    c.pass(&mut st, Duration::from_secs(15)).await;
    assert!(st.alerts().is_active(Some("A"), &AlertKind::NoAgents));
    // A capacity warning must hold twice the raise delay.
    assert_eq!(st.alerts().active_count(), 1, "{:?}", st.alerts().list);
    st.apply(&c.event(summary(0, 2, &skills)));
    c.pass(&mut st, Duration::from_secs(15)).await;
    let sev = |k: &AlertKind| {
        st.alerts()
            .active()
            .find(|a| &a.kind == k)
            .map(|a| a.severity)
    };
    assert_eq!(sev(&AlertKind::NoAgents), Some(Severity::Critical));
    let spanish = AlertKind::SkillShort {
        skill: "Spanish".into(),
    };
    assert_eq!(sev(&spanish), Some(Severity::Warning));
    assert_eq!(st.alerts().active_count(), 2, "{:?}", st.alerts().list);
    assert_eq!(st.queue("A").unwrap().active_alerts, 2);
    assert_eq!(
        st.queue("A").unwrap().metrics.skill_deficits,
        vec!["Arabic", "Spanish"]
    );
}

#[tokio::test(start_paused = true)]
async fn longest_wait_over_its_limit_is_critical_and_ages_with_time() {
    let mut st = state();
    let c = Clock::new();
    st.apply(&c.event(QueueEventKind::Interaction(QueueInteraction {
        queue_id: "A".into(),
        conversation_id: "c1".into(),
        media_type: MediaType::Voice,
        state: InteractionState::Waiting,
        wait_ms: Some(100_000),
    })));
    c.pass(&mut st, Duration::from_secs(19)).await;
    assert!(!st.alerts().is_active(Some("A"), &AlertKind::LongestWait));
    // Over 120 s at 20 s; held for the raise delay at 35 s.
    c.pass(&mut st, Duration::from_secs(1)).await;
    c.pass(&mut st, Duration::from_secs(14)).await;
    assert!(!st.alerts().is_active(Some("A"), &AlertKind::LongestWait));
    c.pass(&mut st, Duration::from_secs(1)).await;
    assert!(st.alerts().is_active(Some("A"), &AlertKind::LongestWait));
    let q = st.queue("A").unwrap();
    assert_eq!(
        q.longest_wait(Instant::now()),
        Some(Duration::from_secs(135))
    );
}

#[tokio::test(start_paused = true)]
async fn service_level_under_target_once_anything_was_offered() {
    let mut st = state();
    let c = Clock::new();
    let totals = |offered, sl| {
        QueueEventKind::Totals(QueueTotals {
            queue_id: "A".into(),
            interval: "i".into(),
            offered: Some(offered),
            abandoned: Some(0),
            service_level_pct: Some(sl),
            ..QueueTotals::default()
        })
    };
    st.apply(&c.event(totals(0, 0.0)));
    c.pass(&mut st, Duration::from_secs(60)).await;
    assert!(!st.alerts().is_active(Some("A"), &AlertKind::ServiceLevel));
    st.apply(&c.event(totals(10, 70.0)));
    c.pass(&mut st, Duration::from_secs(15)).await;
    assert!(st.alerts().is_active(Some("A"), &AlertKind::ServiceLevel));
}

#[tokio::test(start_paused = true)]
async fn the_feed_being_down_is_an_alert_with_its_start_and_end() {
    let mut st = state();
    let c = Clock::new();
    let status = |state, connects| {
        FeedEvent::Status(FeedStatus {
            state,
            last_error: Some("connection reset".into()),
            connects,
        })
    };
    st.apply(&status(ConnState::Connected, 1));
    c.pass(&mut st, Duration::from_secs(1)).await;
    let down_at = c.wall();
    st.apply(&status(
        ConnState::Reconnecting {
            attempt: 1,
            max_attempts: 0,
            next_try: Instant::now(),
        },
        1,
    ));
    c.pass(&mut st, Duration::from_secs(40)).await;
    assert!(st.alerts().is_active(None, &AlertKind::FeedDown));
    let up_at = c.wall();
    st.apply(&status(ConnState::Connected, 2));
    c.pass(&mut st, Duration::from_secs(30)).await;
    let a = st
        .alerts()
        .list
        .iter()
        .find(|a| a.kind == AlertKind::FeedDown)
        .unwrap();
    assert_eq!(a.severity, Severity::Critical);
    assert_eq!(a.raised_at, down_at);
    assert_eq!(a.cleared_at, Some(up_at));
    assert!(a.message.contains("connection reset"), "{}", a.message);
}

#[tokio::test(start_paused = true)]
async fn rates_are_absent_while_down_and_start_again_after_a_reconnect() {
    let mut st = state();
    let c = Clock::new();
    let status = |state, connects| {
        FeedEvent::Status(FeedStatus {
            state,
            last_error: None,
            connects,
        })
    };
    st.apply(&status(ConnState::Connected, 1));
    for _ in 0..140 {
        st.apply(&c.event(summary(3, 0, &[])));
        tokio::time::advance(Duration::from_millis(100)).await;
    }
    assert!(st.feed().live_rate(Instant::now()).is_some_and(|r| r > 9.0));
    st.apply(&status(
        ConnState::Reconnecting {
            attempt: 1,
            max_attempts: 0,
            next_try: Instant::now(),
        },
        1,
    ));
    assert_eq!(st.feed().live_rate(Instant::now()), None);
    tokio::time::advance(Duration::from_secs(20)).await;
    st.apply(&status(ConnState::Connected, 2));
    for _ in 0..19 {
        st.apply(&c.event(summary(3, 0, &[])));
    }
    tokio::time::advance(Duration::from_millis(500)).await;
    // 19 events since the reconnect, over at least one second: not the
    // old minute's figure diluted by the outage.
    let rate = st.feed().live_rate(Instant::now()).unwrap();
    assert!((rate - 19.0).abs() < 1e-9, "{rate}");
    assert_eq!(st.feed().latency.count(), 0);
}

#[tokio::test(start_paused = true)]
async fn histories_are_time_buckets_with_gaps_where_the_feed_was_down() {
    let mut st = state();
    let c = Clock::new();
    let status = |state| {
        FeedEvent::Status(FeedStatus {
            state,
            last_error: None,
            connects: 1,
        })
    };
    st.apply(&status(ConnState::Connected));
    // A busy minute: hundreds of events, two buckets.
    for i in 0..600u32 {
        st.apply(&c.event(summary(3, i % 7, &[])));
        c.pass(&mut st, Duration::from_millis(100)).await;
    }
    let q = st.queue("A").unwrap();
    // (the tick at 60 s opens the third bucket with the last value)
    assert_eq!(
        q.waiting_history.iter().collect::<Vec<_>>(),
        vec![Some(6), Some(6), Some(6)]
    );
    // Down for two minutes: gaps, not the last value.
    st.apply(&status(ConnState::Reconnecting {
        attempt: 1,
        max_attempts: 0,
        next_try: Instant::now(),
    }));
    for _ in 0..120 {
        c.pass(&mut st, Duration::from_secs(1)).await;
    }
    st.apply(&status(ConnState::Connected));
    st.apply(&c.event(summary(3, 2, &[])));
    // Quiet but live for a minute: the value carries on.
    for _ in 0..60 {
        c.pass(&mut st, Duration::from_secs(1)).await;
    }
    let q = st.queue("A").unwrap();
    let got: Vec<Option<u64>> = q.waiting_history.iter().collect();
    assert_eq!(
        got,
        vec![
            Some(6),
            Some(6),
            Some(6),
            None,
            None,
            None,
            Some(2),
            Some(2),
            Some(2)
        ]
    );
}

#[test]
fn a_queue_may_override_the_alert_thresholds() {
    let text = r#"
[genesys]
client_id = "c"
client_secret = "s"

[alerts]
waiting = 10
longest_wait_s = 300

[[queue]]
id = "8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c11"
alerts = { waiting = 2, longest_wait_s = 60 }

[[queue]]
id = "8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c12"
"#;
    let loaded = queuetop::config::Config::from_toml_str(text, "c.toml", &Default::default())
        .unwrap_or_else(|p| panic!("{p:?}"));
    let st = queuetop::app::seed::initial_state(&loaded.config);
    let limits = |id| st.queue(id).unwrap().limits;
    assert_eq!(
        (
            limits("8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c11").waiting,
            limits("8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c11").longest_wait_s
        ),
        (2, 60)
    );
    assert_eq!(
        (
            limits("8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c12").waiting,
            limits("8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c12").longest_wait_s
        ),
        (10, 300)
    );
    assert_eq!(
        limits("8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c11").utilization_pct,
        limits("8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c12").utilization_pct
    );

    let bad = text.replace("waiting = 2,", "waitng = 2,");
    let problems = queuetop::config::Config::from_toml_str(&bad, "c.toml", &Default::default())
        .map(|_| ())
        .expect_err("an unknown key is an error");
    let all: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    assert!(
        all.iter().any(|p| p.contains("queue[1].alerts.waitng")),
        "{all:?}"
    );
}
