//! The risk order at the model: critical alerts, then staleness, then
//! callers waiting × longest wait, then the service level's shortfall;
//! warnings only break ties. Paused time throughout.

use std::time::Duration;

use crate::common::paused::Clock;
use crate::fixtures;
use queuetop::event::{FeedEvent, QueueEventKind, QueueTotals, ServiceTarget};
use queuetop::model::{AlertKind, AppState};
use queuetop::model::{Limits, QueueSeed, ServiceGoal};
use tokio::time::Instant;

const QUEUES: [&str; 5] = ["Sales", "Billing", "Retention", "Callback", "Claims"];

fn state() -> AppState {
    state_with_goal("", ServiceGoal::default())
}

/// The five queues; the one with id `id` has its own service-level goal.
fn state_with_goal(id: &str, goal: ServiceGoal) -> AppState {
    let qs: Vec<QueueSeed> = QUEUES
        .iter()
        .map(|n| QueueSeed {
            id: Some(n.to_lowercase()),
            name: Some(n.to_string()),
            goal: if n.to_lowercase() == id {
                goal
            } else {
                ServiceGoal::default()
            },
            ..QueueSeed::default()
        })
        .collect();
    let limits = Limits {
        raise_delay_s: 15,
        clear_delay_s: 30,
        stale_after_s: 120,
        service_level_pct: 80.0,
        ..Limits::default()
    };
    AppState::new(&qs, limits)
}

/// A summary as the notifications feed gives it without per-interaction
/// detail: no oldest waiting time, so no longest wait.
/// `busy` agents interacting; the rest of those not available are on
/// non-queue work or not responding.
fn summary(
    id: &str,
    (logged, available, busy): (u32, u32, u32),
    waiting: u32,
    skills: &[(&str, u32, u32)],
) -> QueueEventKind {
    let counts = fixtures::summary(id)
        .available(available)
        .logged_in(logged)
        .interacting(busy)
        .waiting(waiting);
    skills
        .iter()
        .fold(counts, |built, (name, available, required)| {
            built.skill_required(name, *available, Some(*required))
        })
        .event()
}

fn totals(id: &str, sl: f64) -> QueueEventKind {
    QueueEventKind::Totals(QueueTotals {
        queue_id: id.into(),
        interval: "2026-11-30T08:00:00Z/2026-11-30T08:30:00Z".into(),
        offered: Some(20),
        abandoned: Some(1),
        service_level_pct: Some(sl),
        ..QueueTotals::default()
    })
}

/// Queue names, most at risk first (ties by name).
fn order(st: &AppState) -> Vec<String> {
    let now = Instant::now();
    let mut qs: Vec<_> = st.queues().iter().map(|q| (q.risk(st, now), q)).collect();
    qs.sort_by(|(ra, a), (rb, b)| rb.urgency(ra).then_with(|| a.name.cmp(&b.name)));
    qs.into_iter().map(|(_, q)| q.name.clone()).collect()
}

#[tokio::test(start_paused = true)]
async fn callers_waiting_outrank_a_skill_warning_with_nobody_waiting() {
    let mut st = state();
    let c = Clock::new();
    // Sales: a skill warning (a waiting need the count has not caught up
    // with), nobody waiting. Billing: two waiting, nobody available.
    let sales = || {
        summary(
            "sales",
            (4, 1, 3),
            0,
            &[("Retention", 0, 1), ("English", 1, 0)],
        )
    };
    let billing = || summary("billing", (3, 0, 2), 2, &[("English", 0, 0)]);
    for _ in 0..8 {
        c.apply(&mut st, sales());
        c.apply(&mut st, billing());
        c.pass(&mut st, Duration::from_secs(5)).await;
    }
    let short = AlertKind::SkillShort {
        skill: "Retention".into(),
    };
    assert!(
        st.alerts().is_active(Some("sales"), &short),
        "{:?}",
        st.alerts().list
    );
    assert_eq!(st.queue("billing").unwrap().active_alerts, 0);
    let o = order(&st);
    let at = |n: &str| o.iter().position(|x| x == n).unwrap();
    assert!(at("Billing") < at("Sales"), "{o:?}");
    // Among queues with nobody waiting, the warning still counts.
    assert!(at("Sales") < at("Claims"), "{o:?}");
}

#[tokio::test(start_paused = true)]
async fn critical_then_stale_then_waiting_then_service_level() {
    let mut st = state();
    let c = Clock::new();
    // Retention, with a utilization warning, loses its subscription after
    // its first summary: stale, its figures cannot be trusted.
    c.apply(&mut st, summary("retention", (2, 0, 2), 0, &[]));
    st.apply(&FeedEvent::TopicRejected {
        topic: "v2.routing.queues.retention.observations".into(),
        reason: "not permitted".into(),
        queue_id: Some("retention".into()),
    });
    for _ in 0..26 {
        // Callback: a caller waiting and nobody on queue (critical).
        c.apply(&mut st, summary("callback", (0, 0, 0), 1, &[]));
        // Billing: callers waiting, agents busy.
        c.apply(&mut st, summary("billing", (3, 0, 2), 2, &[]));
        // Claims: nobody waiting, service level 30 points under target.
        c.apply(&mut st, summary("claims", (3, 1, 2), 0, &[]));
        c.apply(&mut st, totals("claims", 50.0));
        // Sales: nobody waiting, service level 5 points under target.
        c.apply(&mut st, summary("sales", (3, 3, 0), 0, &[]));
        c.apply(&mut st, totals("sales", 75.0));
        c.pass(&mut st, Duration::from_secs(5)).await;
    }
    assert!(st.queue("retention").unwrap().stale);
    assert!(
        st.alerts()
            .is_active(Some("callback"), &AlertKind::NoAgents)
    );
    // The service level under target is critical too: Claims and Sales
    // rank with Callback, ordered among them by pressure, then SL gap.
    assert_eq!(
        order(&st),
        ["Callback", "Claims", "Sales", "Retention", "Billing"]
    );
}

/// Two queues at the same service level, held to different goals (one
/// from the queue's settings, one from the config): each ranks by its own
/// shortfall, not by `alerts.service_level_pct`.
#[tokio::test(start_paused = true)]
async fn the_service_level_gap_is_against_each_queue_own_goal() {
    let goal = ServiceGoal {
        percent: Some(78.0),
        within_s: Some(20),
    };
    let mut st = state_with_goal("claims", goal);
    let c = Clock::new();
    let mut sales = summary("sales", (3, 3, 0), 0, &[]);
    if let QueueEventKind::Summary(s) = &mut sales {
        s.service_target = ServiceTarget::new(90.0, 20_000);
    }
    for _ in 0..5 {
        c.apply(&mut st, sales.clone());
        c.apply(&mut st, summary("claims", (3, 3, 0), 0, &[]));
        c.apply(&mut st, totals("sales", 75.0));
        c.apply(&mut st, totals("claims", 75.0));
        c.pass(&mut st, Duration::from_secs(5)).await;
    }
    let now = Instant::now();
    let gap = |id: &str| st.queue(id).unwrap().risk(&st, now).sl_gap;
    assert_eq!((gap("sales"), gap("claims")), (15.0, 3.0));
    let o = order(&st);
    let at = |n: &str| o.iter().position(|x| x == n).unwrap();
    assert!(at("Sales") < at("Claims"), "{o:?}");
}
