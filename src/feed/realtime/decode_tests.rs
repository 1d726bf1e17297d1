//! Decoding tests, from the examples in docs/PROTOCOL.md, "Realtime v1".

use super::*;
use time::macros::datetime;

fn at() -> (OffsetDateTime, Instant) {
    (datetime!(2026-11-27 19:20:25.200 UTC), Instant::now())
}

fn dec(text: &str) -> FeedEvent {
    let (wall, mono) = at();
    decode(text, wall, mono)
}

fn queue_kind(ev: FeedEvent) -> QueueEventKind {
    match ev {
        FeedEvent::Queue(q) => q.kind,
        other => panic!("expected a queue event, got {other:?}"),
    }
}

fn reason(ev: FeedEvent) -> String {
    match ev {
        FeedEvent::Malformed { reason } => reason,
        other => panic!("expected Malformed, got {other:?}"),
    }
}

const SUMMARY: &str = r#"{"type":"queue-summary","topic":"/routing/queues/Q/events","timestamp":"2026-11-27T19:20:25.123Z",
 "data":{"queueId":"Q","queueName":"Support EN","agentsAvailable":3,"agentsLoggedIn":10,
         "agentsInteracting":6,"interactionsWaiting":4,
         "skills":{"Spanish":{"available":0,"required":2},"Billing":{"available":2}}}}"#;

#[test]
fn summary_from_the_protocol_example() {
    let (wall, mono) = at();
    let FeedEvent::Queue(q) = decode(SUMMARY, wall, mono) else {
        panic!("not a queue event");
    };
    assert_eq!(q.topic, "/routing/queues/Q/events");
    assert_eq!(q.server_time, Some(datetime!(2026-11-27 19:20:25.123 UTC)));
    assert_eq!(q.received_wall, wall);
    assert_eq!(q.received, mono);
    assert_eq!(q.latency_ms(), Some(77));
    assert_eq!(q.correlation_id, None);
    assert!(!q.snapshot);
    let QueueEventKind::Summary(s) = q.kind else {
        panic!("not a summary");
    };
    assert_eq!(s.queue_id, "Q");
    assert_eq!(s.queue_name.as_deref(), Some("Support EN"));
    assert_eq!(
        (
            s.agents_available,
            s.agents_logged_in,
            s.agents_interacting,
            s.interactions_waiting
        ),
        (3, 10, 6, 4)
    );
    // On queue and idle are given; the rest this summary does not split.
    assert_eq!(
        s.agents,
        crate::event::AgentCounts {
            on_queue: Some(10),
            idle: Some(3),
            ..Default::default()
        }
    );
    assert_eq!(
        s.skills["Spanish"],
        SkillCount {
            available: 0,
            required: Some(2)
        }
    );
    assert_eq!(
        s.skills["Billing"],
        SkillCount {
            available: 2,
            required: None
        }
    );
}

#[test]
fn interaction_from_the_protocol_example() {
    let kind = queue_kind(dec(
        r#"{"type":"queue-interaction","topic":"/routing/queues/Q/events","timestamp":"2026-11-27T19:20:25.123Z",
 "data":{"queueId":"Q","conversationId":"C","mediaType":"voice","state":"waiting","waitMs":12000}}"#,
    ));
    assert_eq!(
        kind,
        QueueEventKind::Interaction(QueueInteraction {
            queue_id: "Q".into(),
            conversation_id: "C".into(),
            media_type: MediaType::Voice,
            state: InteractionState::Waiting,
            wait_ms: Some(12000),
        })
    );
}

#[test]
fn agent_state_from_the_protocol_example() {
    let kind = queue_kind(dec(
        r#"{"type":"agent-state","topic":"/routing/queues/Q/events","timestamp":"2026-11-27T19:20:25.123Z",
 "data":{"queueId":"Q","userId":"U","userName":"Ana Ruiz","status":"IDLE","skills":["Spanish"]}}"#,
    ));
    assert_eq!(
        kind,
        QueueEventKind::Agent(AgentState {
            queue_id: "Q".into(),
            user_id: "U".into(),
            user_name: Some("Ana Ruiz".into()),
            status: AgentStatus::Idle,
            skills: vec!["Spanish".into()],
        })
    );
}

#[test]
fn unknown_enum_values_are_kept_as_other() {
    let kind = queue_kind(dec(
        r#"{"type":"queue-interaction","topic":"t","timestamp":"2026-11-27T19:20:25.123Z",
 "data":{"queueId":"Q","conversationId":"C","mediaType":"fax","state":"parked"}}"#,
    ));
    let QueueEventKind::Interaction(i) = kind else {
        panic!()
    };
    assert_eq!(i.media_type, MediaType::Other("fax".into()));
    assert_eq!(i.state, InteractionState::Other("parked".into()));
    assert_eq!(i.wait_ms, None);

    let kind = queue_kind(dec(
        r#"{"type":"agent-state","topic":"t","timestamp":"2026-11-27T19:20:25.123Z",
 "data":{"queueId":"Q","userId":"U","status":"ON_BREAK"}}"#,
    ));
    let QueueEventKind::Agent(a) = kind else {
        panic!()
    };
    assert_eq!(a.status, AgentStatus::Other("ON_BREAK".into()));
    assert!(a.skills.is_empty());
}

#[test]
fn unknown_extra_fields_are_ignored_anywhere() {
    let kind = queue_kind(dec(
        r#"{"extra":{"deep":[1,2,{"x":null}]},"type":"queue-summary","topic":"t","version":7,
 "data":{"queueId":"Q","agentsAvailable":1,"agentsLoggedIn":2,"agentsInteracting":1,
 "interactionsWaiting":0,"future":"yes","skills":{"A":{"available":1,"trend":"up"}}},
 "timestamp":"2026-11-27T19:20:25.123Z"}"#,
    ));
    let QueueEventKind::Summary(s) = kind else {
        panic!()
    };
    assert_eq!(s.skills["A"].available, 1);
}

#[test]
fn escaped_strings_are_decoded() {
    let kind = queue_kind(dec(
        r#"{"type":"agent-state","topic":"t","timestamp":"2026-11-27T19:20:25.123Z",
 "data":{"queueId":"Q","userId":"U","userName":"Ana \"La\" Ru\u00edz","status":"I\u0044LE"}}"#,
    ));
    let QueueEventKind::Agent(a) = kind else {
        panic!()
    };
    assert_eq!(a.user_name.as_deref(), Some("Ana \"La\" Ruíz"));
    assert_eq!(a.status, AgentStatus::Idle);
}

#[test]
fn ack_counts_the_acknowledged_subscriptions() {
    assert_eq!(
        dec(r#"{"type":"ack","topic":"/system","data":[{"id":"a"},{"id":"b"}]}"#),
        FeedEvent::Acked { count: 2 }
    );
    let r = reason(dec(r#"{"type":"ack","topic":"/system","data":{}}"#));
    assert!(r.contains("not an array"), "{r}");
}

#[test]
fn heartbeat() {
    assert_eq!(
        dec(r#"{"type":"heartbeat","topic":"/system","data":{}}"#),
        FeedEvent::Heartbeat
    );
}

#[test]
fn error_maps_the_subscription_back_to_its_queue() {
    let mut subs = SubscriptionIndex::new();
    subs.insert("S1".into(), "Q1".into());
    let (wall, mono) = at();
    let text = r#"{"type":"error","topic":"/system","message":"filter refused",
        "data":{"code":"invalid_filter","subscriptionId":"S1"}}"#;
    assert_eq!(
        decode_with(text, wall, mono, Some(&subs)),
        FeedEvent::ServerError {
            code: "invalid_filter".into(),
            message: "filter refused".into(),
            queue_id: Some("Q1".into()),
        }
    );
    // Without the index: no queue (the topic is /system).
    assert_eq!(
        decode(text, wall, mono),
        FeedEvent::ServerError {
            code: "invalid_filter".into(),
            message: "filter refused".into(),
            queue_id: None,
        }
    );
}

#[test]
fn error_falls_back_to_data_queue_then_topic() {
    let ev = dec(r#"{"type":"error","topic":"/system","data":{"code":"x","queueId":"QD"}}"#);
    assert!(matches!(ev, FeedEvent::ServerError { queue_id: Some(q), .. } if q == "QD"));
    let ev = dec(
        r#"{"type":"error","topic":"/routing/queues/QT/events","message":"m","data":{"code":"x"}}"#,
    );
    assert!(matches!(ev, FeedEvent::ServerError { queue_id: Some(q), .. } if q == "QT"));
    let ev = dec(r#"{"type":"error","topic":"/system","data":{"message":"inner"}}"#);
    assert_eq!(
        ev,
        FeedEvent::ServerError {
            code: "unknown".into(),
            message: "inner".into(),
            queue_id: None
        }
    );
}

#[test]
fn unknown_type_is_unknown_not_malformed() {
    assert_eq!(
        dec(r#"{"type":"queue-forecast","topic":"t","data":{}}"#),
        FeedEvent::Unknown {
            kind: "queue-forecast".into()
        }
    );
}

#[test]
fn missing_envelope_fields_are_malformed() {
    assert!(reason(dec(r#"{"topic":"t","data":{}}"#)).contains("\"type\""));
    assert!(reason(dec(r#"{"type":"heartbeat","data":{}}"#)).contains("\"topic\""));
    assert!(reason(dec(r#"{"type":"heartbeat","topic":"t"}"#)).contains("\"data\""));
    assert!(reason(dec(r#"{"type":"heartbeat","topic":"t","data":null}"#)).contains("\"data\""));
    let r = reason(dec(
        r#"{"type":"queue-summary","topic":"t","data":{"queueId":"Q"}}"#,
    ));
    assert!(r.contains("timestamp"), "{r}");
}

#[test]
fn missing_data_fields_are_malformed_and_named() {
    let r = reason(dec(
        r#"{"type":"queue-summary","topic":"t","timestamp":"2026-11-27T19:20:25.123Z",
 "data":{"queueId":"Q","agentsAvailable":1,"agentsLoggedIn":2,"interactionsWaiting":0}}"#,
    ));
    assert!(r.contains("agentsInteracting"), "{r}");
    let r = reason(dec(
        r#"{"type":"queue-interaction","topic":"t","timestamp":"2026-11-27T19:20:25.123Z",
 "data":{"queueId":"Q","mediaType":"voice","state":"waiting"}}"#,
    ));
    assert!(r.contains("conversationId"), "{r}");
    let r = reason(dec(
        r#"{"type":"agent-state","topic":"t","timestamp":"2026-11-27T19:20:25.123Z",
 "data":{"userId":"U","status":"IDLE"}}"#,
    ));
    assert!(r.contains("queueId"), "{r}");
}

#[test]
fn ill_typed_or_broken_input_is_malformed() {
    for text in [
        "",
        "not json",
        "[]",
        "42",
        "null",
        r#"{"type":"heartbeat","topic":"t","data":{}"#,
        r#"{"type":7,"topic":"t","data":{}}"#,
        r#"{"type":"heartbeat","topic":"t","data":"x"}"#,
        r#"{"type":"queue-summary","topic":"t","timestamp":"2026-11-27T19:20:25.123Z",
 "data":{"queueId":"Q","agentsAvailable":-1,"agentsLoggedIn":2,"agentsInteracting":1,"interactionsWaiting":0}}"#,
        r#"{"type":"queue-summary","topic":"t","timestamp":"yesterday",
 "data":{"queueId":"Q","agentsAvailable":1,"agentsLoggedIn":2,"agentsInteracting":1,"interactionsWaiting":0}}"#,
        r#"{"type":"agent-state","topic":"t","timestamp":"2026-11-27T19:20:25.123Z",
 "data":{"queueId":"Q","userId":"U","status":"IDLE","skills":{"A":{"available":1}}}}"#,
        r#"{"type":"queue-summary","topic":"t","timestamp":"2026-11-27T19:20:25.123Z",
 "data":{"queueId":"Q","agentsAvailable":1,"agentsLoggedIn":2,"agentsInteracting":1,"interactionsWaiting":0,"skills":{"A":{}}}}"#,
    ] {
        assert!(
            matches!(dec(text), FeedEvent::Malformed { .. }),
            "{text:?} -> {:?}",
            dec(text)
        );
    }
}

#[test]
fn reasons_stay_short() {
    let long = format!(
        r#"{{"type":"heartbeat","topic":"t","data":{{}},"x":"{}"#,
        "y".repeat(10_000)
    );
    let r = reason(dec(&long));
    assert!(r.chars().count() <= MAX_REASON + 1, "{}", r.len());
}

#[test]
fn queue_from_topic_accepts_only_queue_topics() {
    assert_eq!(queue_from_topic("/routing/queues/Q-1/events"), Some("Q-1"));
    assert_eq!(queue_from_topic("/routing/queues/events"), None);
    assert_eq!(queue_from_topic("/routing/queues//events"), None);
    assert_eq!(queue_from_topic("/system"), None);
}

/// Found by the `realtime_decode` fuzz target: `"type":""` came out as an
/// unknown type with an empty name; it is a malformed message.
#[test]
fn fuzz_regression_empty_type_is_malformed() {
    let text = include_str!("../../../tests/fuzz_regressions/realtime_empty_type.json");
    assert_eq!(
        reason(dec(text.trim_end())),
        "message with an empty \"type\""
    );
}

/// Found by the `realtime_decode` fuzz target: a summary with
/// `"queueId":""` names no queue; it is malformed, not a queue event.
#[test]
fn fuzz_regression_empty_queue_id_is_malformed() {
    let text = include_str!("../../../tests/fuzz_regressions/realtime_empty_queue_id.json");
    assert_eq!(
        reason(dec(text.trim_end())),
        "queue-summary message without data.queueId"
    );
}

/// Found by the `realtime_decode` fuzz target: an event with `"topic":""`
/// (and an empty userId) names nothing; it is malformed.
#[test]
fn fuzz_regression_empty_topic_is_malformed() {
    let text = include_str!("../../../tests/fuzz_regressions/realtime_empty_topic.json");
    assert_eq!(
        reason(dec(text.trim_end())),
        "agent-state message without \"topic\""
    );
    let no_user = text.replace(r#""topic":"""#, r#""topic":"/routing/queues/Q/events""#);
    assert_eq!(
        reason(dec(no_user.trim_end())),
        "agent-state message without data.userId"
    );
}
