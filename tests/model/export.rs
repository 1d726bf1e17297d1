//! Export line golden tests: exact strings (docs/EXPORT.md, "The export line").

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::paused::immediate_limits;
use crate::fixtures::{busy, queue_event, summary};
use queuetop::event::{
    AgentState, AgentStatus, FeedEvent, QueueEvent, QueueEventKind, QueueTotals, parse_rfc3339,
};
use queuetop::model::AppState;
use queuetop::model::QueueSeed;
use queuetop::sink::export::{Exporter, export_line};
use tokio::time::Instant;

fn state() -> AppState {
    let q = |id: &str, name: Option<&str>| QueueSeed {
        id: Some(id.into()),
        name: name.map(Into::into),
        ..QueueSeed::default()
    };
    AppState::new(
        &[q("Q", Some("Support EN")), q("R", None)],
        immediate_limits(),
    )
}

fn ev(kind: QueueEventKind, server: Option<&str>, received: &str) -> QueueEvent {
    let topic = format!("/routing/queues/{}/events", kind.queue_id());
    queue_event(kind)
        .topic(topic)
        .server_time(server.and_then(parse_rfc3339))
        .received(parse_rfc3339(received).unwrap(), Instant::now())
        .build()
}

/// Applies then exports, as the app does.
fn line(st: &mut AppState, e: QueueEvent) -> String {
    st.apply(&FeedEvent::Queue(e.clone()));
    export_line(st, &e, e.received)
}

#[tokio::test(start_paused = true)]
async fn summary_line_exact() {
    let mut st = state();
    let e = ev(
        busy("Q").skills(&[("Spanish", 0), ("Billing", 2)]).event(),
        Some("2026-11-27T19:20:25.123Z"),
        "2026-11-27T19:20:25.200Z",
    );
    assert_eq!(
        line(&mut st, e),
        concat!(
            r#"{"event_type":"queue-summary","topic":"/routing/queues/Q/events","#,
            r#""routing_metrics":{"queueId":"Q","queueName":"Support EN","timestamp":"2026-11-27T19:20:25.200Z","#,
            r#""utilization":60.0,"availableRatio":30.0,"skillCoverage":2,"#,
            r#""agentsAvailable":3,"agentsLoggedIn":10,"agentsInteracting":6,"interactionsWaiting":4,"#,
            r#""skillDeficits":["Spanish"]},"#,
            r#""delivery_rate":1.0,"latency_ms":77,"events_processed":1,"correlation_id":null"#,
            r#","figures":{"longestWaitMs":null,"serviceLevelPct":null,"serviceLevelTargetPct":null,"serviceLevelTargetMs":null,"offered":null,"answered":null,"abandoned":null,"abandonedPct":null,"averageSpeedOfAnswerMs":null,"averageHandleTimeMs":null,"interval":null,"alerts":[],"agents":{"onQueue":null,"offQueue":null,"idle":null,"interacting":null,"communicating":null,"notResponding":null},"queueUtilization":null,"media":{}}}"#,
            "\n"
        )
    );
}

#[tokio::test(start_paused = true)]
async fn routing_metrics_of_the_events_own_queue_and_counts_across_events() {
    let mut st = state();
    let t = "2026-11-27T19:20:25.000Z";
    line(
        &mut st,
        ev(busy("Q").skills(&[("Spanish", 0)]).event(), None, t),
    );
    tokio::time::advance(Duration::from_secs(2)).await;
    let r = line(
        &mut st,
        ev(
            summary("R")
                .logged_in(3)
                .interacting(2)
                .skills(&[("Zulu", 0), ("Arabic", 0), ("Billing", 1)])
                .event(),
            None,
            t,
        ),
    );
    assert_eq!(
        r,
        concat!(
            r#"{"event_type":"queue-summary","topic":"/routing/queues/R/events","#,
            r#""routing_metrics":{"queueId":"R","queueName":"R","timestamp":"2026-11-27T19:20:25.000Z","#,
            r#""utilization":66.7,"availableRatio":0.0,"skillCoverage":3,"#,
            r#""agentsAvailable":0,"agentsLoggedIn":3,"agentsInteracting":2,"interactionsWaiting":0,"#,
            r#""skillDeficits":["Arabic","Zulu"]},"#,
            r#""delivery_rate":1.0,"latency_ms":null,"events_processed":2,"correlation_id":null"#,
            r#","figures":{"longestWaitMs":null,"serviceLevelPct":null,"serviceLevelTargetPct":null,"serviceLevelTargetMs":null,"offered":null,"answered":null,"abandoned":null,"abandonedPct":null,"averageSpeedOfAnswerMs":null,"averageHandleTimeMs":null,"interval":null,"alerts":[],"agents":{"onQueue":null,"offQueue":null,"idle":null,"interacting":null,"communicating":null,"notResponding":null},"queueUtilization":null,"media":{}}}"#,
            "\n"
        )
    );
    // An agent event on Q: Q's metrics, its own event type.
    let mut a = ev(
        QueueEventKind::Agent(AgentState {
            queue_id: "Q".into(),
            user_id: "U".into(),
            user_name: None,
            status: AgentStatus::Idle,
            skills: vec![],
        }),
        Some("2026-11-27T19:20:26.000Z"),
        "2026-11-27T19:20:25.990Z",
    );
    a.topic = "v2.analytics.queues.Q.observations".into();
    a.correlation_id = Some("c-1\"x".into());
    assert_eq!(
        line(&mut st, a),
        concat!(
            r#"{"event_type":"agent-state","topic":"v2.analytics.queues.Q.observations","#,
            r#""routing_metrics":{"queueId":"Q","queueName":"Support EN","timestamp":"2026-11-27T19:20:25.990Z","#,
            r#""utilization":60.0,"availableRatio":30.0,"skillCoverage":1,"#,
            r#""agentsAvailable":3,"agentsLoggedIn":10,"agentsInteracting":6,"interactionsWaiting":4,"#,
            r#""skillDeficits":["Spanish"]},"#,
            r#""delivery_rate":1.5,"latency_ms":-10,"events_processed":3,"correlation_id":"c-1\"x""#,
            r#","figures":{"longestWaitMs":null,"serviceLevelPct":null,"serviceLevelTargetPct":null,"serviceLevelTargetMs":null,"offered":null,"answered":null,"abandoned":null,"abandonedPct":null,"averageSpeedOfAnswerMs":null,"averageHandleTimeMs":null,"interval":null,"alerts":[],"agents":{"onQueue":null,"offQueue":null,"idle":null,"interacting":null,"communicating":null,"notResponding":null},"queueUtilization":null,"media":{}}}"#,
            "\n"
        )
    );
}

#[tokio::test(start_paused = true)]
async fn snapshot_line_not_counted_and_no_latency() {
    let mut st = state();
    let mut e = ev(
        summary("Q").event(),
        Some("2026-11-27T19:20:25.000Z"),
        "2026-11-27T19:20:25.500Z",
    );
    e.snapshot = true;
    e.topic = "snapshot".into();
    e.correlation_id = Some("ignored".into());
    assert_eq!(
        line(&mut st, e),
        concat!(
            r#"{"event_type":"queue-summary","topic":"snapshot","#,
            r#""routing_metrics":{"queueId":"Q","queueName":"Support EN","timestamp":"2026-11-27T19:20:25.500Z","#,
            r#""utilization":0.0,"availableRatio":0.0,"skillCoverage":0,"#,
            r#""agentsAvailable":0,"agentsLoggedIn":0,"agentsInteracting":0,"interactionsWaiting":0,"#,
            r#""skillDeficits":[]},"#,
            r#""delivery_rate":0.0,"latency_ms":null,"events_processed":0,"correlation_id":null"#,
            r#","figures":{"longestWaitMs":null,"serviceLevelPct":null,"serviceLevelTargetPct":null,"serviceLevelTargetMs":null,"offered":null,"answered":null,"abandoned":null,"abandonedPct":null,"averageSpeedOfAnswerMs":null,"averageHandleTimeMs":null,"interval":null,"alerts":[],"agents":{"onQueue":null,"offQueue":null,"idle":null,"interacting":null,"communicating":null,"notResponding":null},"queueUtilization":null,"media":{}}}"#,
            "\n"
        )
    );
}

#[tokio::test(start_paused = true)]
async fn strings_escaped_and_totals_exported_as_valid_json() {
    let mut st = state();
    st.apply(&FeedEvent::QueueName {
        queue_id: "R".into(),
        name: "Ventas \"ES\"\\\n\u{1}ñ".into(),
    });
    let e = ev(
        QueueEventKind::Totals(QueueTotals {
            queue_id: "R".into(),
            interval: "x/y".into(),
            offered: Some(5),
            abandoned: Some(1),
            service_level_pct: Some(80.0),
            ..Default::default()
        }),
        None,
        "2026-11-27T19:20:25.000Z",
    );
    let l = line(&mut st, e);
    assert!(
        l.contains(r#""queueName":"Ventas \"ES\"\\\n\u0001ñ""#),
        "{l}"
    );
    let v: serde_json::Value = serde_json::from_str(&l).unwrap();
    assert_eq!(v["event_type"], "queue-totals");
    assert_eq!(v["routing_metrics"]["queueName"], "Ventas \"ES\"\\\n\u{1}ñ");
    assert_eq!(v["events_processed"], 1);
}

#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);
impl Write for Shared {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn exporter_buffers_until_flush_and_appends_to_files() {
    let mut st = state();
    let e = ev(
        summary("Q")
            .available(1)
            .logged_in(2)
            .interacting(1)
            .event(),
        None,
        "2026-11-27T19:20:25.000Z",
    );
    st.apply(&FeedEvent::Queue(e.clone()));
    let sink = Shared::default();
    let mut x = Exporter::from_writer(Box::new(sink.clone()));
    x.write_event(&st, &e, e.received).unwrap();
    x.write_event(&st, &e, e.received).unwrap();
    assert!(sink.0.lock().unwrap().is_empty(), "buffered");
    x.flush().unwrap();
    let expected = export_line(&st, &e, e.received).repeat(2);
    assert_eq!(
        String::from_utf8(sink.0.lock().unwrap().clone()).unwrap(),
        expected
    );
    assert_eq!(x.lines(), 2);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.ndjson");
    std::fs::write(&path, "earlier\n").unwrap();
    let p = path.to_str().unwrap();
    let mut x = Exporter::open(p).unwrap();
    x.write_event(&st, &e, e.received).unwrap();
    x.flush().unwrap();
    drop(x);
    let got = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        got,
        format!("earlier\n{}", export_line(&st, &e, e.received))
    );
}

#[tokio::test(start_paused = true)]
async fn figures_carry_longest_wait_totals_and_alerts_rounded() {
    let mut st = state();
    let t = "2026-11-27T19:20:25.000Z";
    // 12 waiting with 10 allowed, nobody on queue: raised at once here
    // (the test limits have no delays).
    line(&mut st, ev(summary("Q").waiting(12).event(), None, t));
    let it = QueueEventKind::Interaction(queuetop::event::QueueInteraction {
        queue_id: "Q".into(),
        conversation_id: "c1".into(),
        media_type: queuetop::event::MediaType::Voice,
        state: queuetop::event::InteractionState::Waiting,
        wait_ms: Some(61_500),
    });
    line(&mut st, ev(it, None, t));
    let totals = QueueEventKind::Totals(QueueTotals {
        queue_id: "Q".into(),
        interval: "2026-11-27T19:00:00Z/2026-11-27T19:30:00Z".into(),
        offered: Some(7),
        abandoned: Some(1),
        service_level_pct: Some(600.0 / 7.0),
        ..QueueTotals::default()
    });
    tokio::time::advance(Duration::from_millis(500)).await;
    let l = line(&mut st, ev(totals, None, t));
    let v: serde_json::Value = serde_json::from_str(&l).unwrap();
    let f = &v["figures"];
    assert_eq!(f["longestWaitMs"], 62_000, "{l}");
    assert_eq!(f["serviceLevelPct"], 85.7);
    assert_eq!(
        (f["offered"].as_u64(), f["abandoned"].as_u64()),
        (Some(7), Some(1))
    );
    assert_eq!(f["interval"], "2026-11-27T19:00:00Z/2026-11-27T19:30:00Z");
    let alerts: Vec<(&str, &str)> = f["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["kind"].as_str().unwrap(), a["severity"].as_str().unwrap()))
        .collect();
    assert_eq!(
        alerts,
        vec![("no-agents", "critical"), ("waiting", "warning")],
        "{l}"
    );
}

#[tokio::test(start_paused = true)]
async fn agents_by_state_and_queue_utilization_are_exported() {
    let mut st = state();
    let t = "2026-11-27T19:20:25.000Z";
    // 3 on queue interactions and 5 on non-queue work of 8 on queue: the
    // export's `utilization` reads 100, queue utilization 37.5.
    let mut kind = summary("Q").logged_in(8).interacting(8).event();
    if let QueueEventKind::Summary(s) = &mut kind {
        s.agents = queuetop::event::AgentCounts {
            on_queue: Some(8),
            off_queue: Some(2),
            idle: Some(0),
            interacting: Some(3),
            communicating: Some(5),
            not_responding: None,
        };
        s.media.insert(
            "voice".into(),
            queuetop::event::MediaCounts {
                waiting: 0,
                interacting: Some(2),
            },
        );
        s.media.insert(
            "chat \"web\"".into(),
            queuetop::event::MediaCounts {
                waiting: 1,
                interacting: None,
            },
        );
    }
    let l = line(&mut st, ev(kind, None, t));
    let v: serde_json::Value = serde_json::from_str(&l).unwrap();
    assert_eq!(v["routing_metrics"]["utilization"], 100.0, "{l}");
    let f = &v["figures"];
    assert_eq!(
        f["agents"],
        serde_json::json!({"onQueue": 8, "offQueue": 2, "idle": 0, "interacting": 3,
            "communicating": 5, "notResponding": null}),
        "{l}"
    );
    assert_eq!(f["queueUtilization"], 37.5, "{l}");
    assert_eq!(
        f["media"],
        serde_json::json!({"voice": {"waiting": 0, "interacting": 2},
            "chat \"web\"": {"waiting": 1, "interacting": null}}),
        "{l}"
    );
}
