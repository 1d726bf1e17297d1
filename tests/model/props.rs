//! Property tests of the model: any sequence of feed
//! events and ticks keeps the invariants the screen and the export rely on.
//! Minimized failures are kept at the bottom as plain regression tests.

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use queuetop::event::{FeedEvent, QueueEvent, QueueEventKind, QueueSummary};
use queuetop::model::Limits;
use queuetop::model::{AlertKind, AppState};
use queuetop::sink::export::export_line;

use crate::common::checks::{check_export, run};
use crate::common::paused::immediate_limits;
use crate::common::{Clock, QueueStep, Step, configured, limits, nasty, queue_step, step};

proptest! {
    #![proptest_config(ProptestConfig {
        // PROPTEST_CASES=5000 for a deeper run by hand.
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256),
        // Minimized failures are kept below as regression tests instead.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_event_sequence_keeps_the_invariants(
        limits in limits(),
        steps in prop::collection::vec(step(), 0..200),
    ) {
        let mut st = AppState::new(&configured(), limits);
        run(&mut st, &mut Clock::new(), &steps)?;
    }

    #[test]
    fn latency_figures_stay_ordered_for_any_samples(
        cap in prop_oneof![1..50usize, Just(1000)],
        samples in prop::collection::vec(
            prop_oneof![
                0..5_000i64,
                // A date from year 1 seen today, give or take.
                Just(63_000_000_000_000i64),
                (0..3i64).prop_map(|d| 316_000_000_000_001 + d),
            ],
            1..400,
        ),
    ) {
        let mut l = queuetop::model::LatencyStats::new(cap);
        for s in samples {
            l.record(s);
            let (Some(min), Some(avg), Some(max), Some(p95)) = (l.min(), l.avg(), l.max(), l.p95())
            else {
                return Err(TestCaseError::fail("missing figure"));
            };
            prop_assert!(min <= p95 && p95 <= max);
            prop_assert!(min as f64 <= avg && avg <= max as f64, "{min} <= {avg} <= {max}");
        }
    }

    #[test]
    fn export_line_is_one_line_of_json_with_the_documented_fields(
        limits in limits(),
        steps in prop::collection::vec(step(), 0..40),
        last in queue_step(),
        odd_id in prop::option::of(nasty()),
    ) {
        let mut st = AppState::new(&configured(), limits);
        let mut clock = Clock::new();
        run(&mut st, &mut clock, &steps)?;
        let mut ev = clock.event(&last);
        if let Some(id) = odd_id {
            set_queue_id(&mut ev, id);
        }
        st.apply(&FeedEvent::Queue(ev.clone()));
        let line = export_line(&st, &ev, clock.now);
        check_export(&st, &ev, &line)?;
    }
}

/// Points an event at another queue (an id with characters to escape).
fn set_queue_id(ev: &mut QueueEvent, id: String) {
    use queuetop::event::QueueEventKind as K;
    match &mut ev.kind {
        K::Summary(s) => s.queue_id = id,
        K::Interaction(i) => i.queue_id = id,
        K::Agent(a) => a.queue_id = id,
        K::Totals(t) => t.queue_id = id,
    }
}

// Regressions: minimized cases proptest found, kept as plain tests.

fn summary_step(q: &str, avail: u32, logged: u32, inter: u32) -> Step {
    Step::Queue(QueueStep {
        kind: QueueEventKind::Summary(QueueSummary {
            queue_id: q.into(),
            agents_available: avail,
            agents_logged_in: logged,
            agents_interacting: inter,
            ..QueueSummary::default()
        }),
        advance_ms: 0,
        latency_ms: None,
        snapshot: false,
        topic: format!("/routing/queues/{q}/events"),
        correlation_id: None,
    })
}

/// Runs steps from a fresh state and fails with the property's message.
fn replay(limits: Limits, steps: &[Step]) -> AppState {
    let mut st = AppState::new(&configured(), limits);
    if let Err(e) = run(&mut st, &mut Clock::new(), steps) {
        panic!("{e}");
    }
    st
}

#[test]
fn more_available_or_interacting_than_logged_in_stays_within_100() {
    let st = replay(
        immediate_limits(),
        &[summary_step("q1", 5, 1, 0), summary_step("q2", 0, 1, 2)],
    );
    assert_eq!(st.queues()[0].metrics.available_ratio, 100.0);
    assert_eq!(st.queues()[1].metrics.utilization, 100.0);
}

#[test]
fn server_clock_ahead_records_zero_latency_and_counts_the_skew() {
    let mut step = summary_step("q1", 0, 0, 0);
    if let Step::Queue(q) = &mut step {
        q.latency_ms = Some(-2);
    }
    let st = replay(immediate_limits(), &[step]);
    assert_eq!(st.feed().latency.min(), Some(0));
    assert_eq!(st.feed().latency.p95(), Some(0));
    assert_eq!(st.feed().clock_skew, 1);
}

#[test]
fn alerts_raised_before_a_queue_is_listed_count_on_its_view() {
    let refused = Step::Other(FeedEvent::ServerError {
        code: "400".into(),
        message: "refused".into(),
        queue_id: Some("x2".into()),
    });
    let rejected = Step::Other(FeedEvent::TopicRejected {
        topic: "t1".into(),
        reason: "no permission".into(),
        queue_id: Some("q3".into()),
    });
    let named = Step::Other(FeedEvent::QueueName {
        queue_id: "q3".into(),
        name: "Support EN".into(),
    });
    let st = replay(
        immediate_limits(),
        &[refused, summary_step("x2", 0, 0, 0), rejected, named],
    );
    assert_eq!(st.queue("x2").map(|q| q.active_alerts), Some(1));
    assert_eq!(st.queue("q3").map(|q| q.active_alerts), Some(1));
}

#[test]
fn a_stale_queue_configured_by_name_keeps_its_alert_when_its_id_arrives() {
    let mut limits = immediate_limits();
    limits.stale_after_s = 1;
    let named = Step::Other(FeedEvent::QueueName {
        queue_id: "q3".into(),
        name: "Support EN".into(),
    });
    let st = replay(
        limits,
        &[
            Step::Tick { advance_ms: 0 },
            Step::Tick { advance_ms: 1000 },
            // A message: the feed is alive, the staleness ends as the id
            // arrives, and the alert raised under '' with it.
            named,
            summary_step("q3", 1, 1, 0),
        ],
    );
    assert!(!st.alerts().is_active(Some(""), &AlertKind::Stale));
    assert!(!st.alerts().is_active(Some("q3"), &AlertKind::Stale));
    let moved: Vec<_> = st
        .alerts()
        .list
        .iter()
        .filter(|a| matches!(a.queue_id.as_deref(), Some("" | "q3")))
        .map(|a| (a.queue_id.as_deref(), a.kind.clone(), a.is_active()))
        .collect();
    let stale = AlertKind::Stale;
    assert_eq!(
        moved,
        vec![(Some(""), stale, false)],
        "raised on '', ended when the id arrived, nothing left on ''"
    );
}

#[test]
fn average_of_equal_huge_latencies_is_that_latency() {
    let mut l = queuetop::model::LatencyStats::new(1000);
    for v in [
        316_000_000_000_001i64,
        316_000_000_000_003,
        9_007_199_254_740_993,
    ] {
        for _ in 0..1000 {
            l.record(v);
        }
        let avg = l.avg().unwrap_or(f64::NAN);
        assert!(
            l.min().is_some_and(|m| m as f64 <= avg) && l.max().is_some_and(|m| avg <= m as f64),
            "{v}: {avg}"
        );
    }
}

#[test]
fn queue_events_without_a_queue_id_are_counted_malformed_not_listed() {
    let st = replay(
        immediate_limits(),
        &[summary_step("", 0, 0, 0), summary_step("", 1, 2, 1)],
    );
    assert_eq!(st.queues().len(), configured().len(), "no queue added");
    assert_eq!(st.feed().malformed, 2);
    assert_eq!(st.feed().events_processed, 0);
    assert!(
        st.queues()[2].summary.is_none(),
        "not put on the unresolved queue"
    );
}

#[test]
fn queue_names_without_a_queue_id_are_counted_malformed_not_listed() {
    let named = |name: &str| {
        Step::Other(FeedEvent::QueueName {
            queue_id: String::new(),
            name: name.into(),
        })
    };
    let st = replay(immediate_limits(), &[named("Zeta"), named("Support EN")]);
    assert_eq!(st.queues().len(), configured().len(), "no queue added");
    assert_eq!(st.feed().malformed, 2);
    assert_eq!(st.queues()[2].name, "Support EN");
    assert!(st.queues()[2].id.is_empty(), "still waits for its id");
}

#[test]
fn rosters_stop_at_their_caps_and_count_the_rest() {
    use queuetop::event::{AgentState, AgentStatus, InteractionState, MediaType, QueueInteraction};
    use queuetop::model::queue::{MAX_AGENTS, MAX_WAITING};
    let step = |kind| {
        Step::Queue(QueueStep {
            kind,
            advance_ms: 1,
            latency_ms: None,
            snapshot: false,
            topic: "/routing/queues/q1/events".into(),
            correlation_id: None,
        })
    };
    let agent = |i: usize, status| {
        step(QueueEventKind::Agent(AgentState {
            queue_id: "q1".into(),
            user_id: format!("u{i}"),
            user_name: None,
            status,
            skills: vec![],
        }))
    };
    let call = |i: usize| {
        step(QueueEventKind::Interaction(QueueInteraction {
            queue_id: "q1".into(),
            conversation_id: format!("c{i}"),
            media_type: MediaType::Voice,
            state: InteractionState::Waiting,
            wait_ms: None,
        }))
    };
    let mut steps: Vec<Step> = (0..=MAX_AGENTS)
        .map(|i| agent(i, AgentStatus::Idle))
        .collect();
    steps.extend((0..=MAX_WAITING).map(call));
    // A known agent is still updated when the roster is full.
    steps.push(agent(0, AgentStatus::Interacting));
    let st = replay(immediate_limits(), &steps);
    let q = &st.queues()[0];
    assert_eq!(q.agents.len(), MAX_AGENTS);
    assert_eq!(q.waiting.len(), MAX_WAITING);
    assert_eq!(q.overflow, 2, "one agent and one interaction not stored");
    assert_eq!(q.agents["u0"].status, AgentStatus::Interacting);
}
