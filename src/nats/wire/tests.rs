use super::*;
use crate::event::{AgentCounts, FeedEvent, QueueTotals};

/// Now, in whole milliseconds (what the wire carries), so a time that
/// went over the wire comes back equal.
fn at() -> (Instant, OffsetDateTime) {
    let wall = parse_rfc3339(&rfc3339_ms(OffsetDateTime::now_utc())).unwrap();
    (Instant::now(), wall)
}

fn queue_event(kind: QueueEventKind, now: Instant, wall: OffsetDateTime) -> FeedEvent {
    // Whole milliseconds: the wire carries milliseconds.
    let ms = |t: OffsetDateTime| parse_rfc3339(&rfc3339_ms(t)).unwrap();
    FeedEvent::Queue(QueueEvent {
        kind,
        topic: "v2.routing.queues.q1.conversations".into(),
        server_time: Some(ms(wall - time::Duration::seconds(2))),
        received_wall: ms(wall),
        received: now,
        correlation_id: Some("c-1".into()),
        snapshot: false,
    })
}

fn round_trip(ev: &FeedEvent, now: Instant, wall: OffsetDateTime) -> FeedEvent {
    let w = Wire::from_event(ev, now, wall).unwrap();
    let bytes = serde_json::to_vec(&w).unwrap();
    let back: Wire = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(back, w);
    back.into_event(now, wall).unwrap()
}

#[test]
fn every_queue_kind_survives_the_wire() {
    let (now, wall) = at();
    let mut skills = BTreeMap::new();
    skills.insert(
        "French".to_string(),
        SkillCount {
            available: 1,
            required: Some(3),
        },
    );
    let kinds = [
        QueueEventKind::Summary(QueueSummary {
            queue_id: "q1".into(),
            queue_name: Some("Sales".into()),
            agents_available: 2,
            agents_logged_in: 5,
            agents_interacting: 3,
            interactions_waiting: 4,
            skills,
            oldest_waiting_since: Some(wall - time::Duration::seconds(42)),
            demand_truncated: true,
            agents: AgentCounts {
                on_queue: Some(5),
                off_queue: Some(1),
                idle: Some(2),
                interacting: Some(2),
                communicating: Some(1),
                not_responding: None,
            },
            media: [(
                "voice".to_string(),
                crate::event::MediaCounts {
                    waiting: 4,
                    interacting: Some(2),
                },
            )]
            .into(),
            service_target: crate::event::ServiceTarget::new(80.0, 20_000),
        }),
        QueueEventKind::Interaction(QueueInteraction {
            queue_id: "q1".into(),
            conversation_id: "conv".into(),
            media_type: MediaType::Other("video".into()),
            state: InteractionState::Waiting,
            wait_ms: Some(1200),
        }),
        QueueEventKind::Agent(AgentState {
            queue_id: "q1".into(),
            user_id: "u1".into(),
            user_name: Some("Ann".into()),
            status: AgentStatus::NotResponding,
            skills: vec!["French".into()],
        }),
        QueueEventKind::Totals(QueueTotals {
            queue_id: "q1".into(),
            interval: "2026-01-01T00:00:00Z/2026-01-01T00:30:00Z".into(),
            offered: Some(9),
            abandoned: None,
            service_level_pct: Some(87.5),
            service_level_target_pct: Some(80.0),
            answered: Some(8),
            average_answer_ms: Some(4125.5),
            handled: Some(7),
            average_handle_ms: Some(241_000.0),
        }),
    ];
    for kind in kinds {
        let ev = queue_event(kind, now, wall);
        assert_eq!(round_trip(&ev, now, wall), ev);
    }
}

#[test]
fn an_old_event_gets_an_instant_as_old() {
    let (now, wall) = at();
    let w = Wire::QueueName {
        queue_id: "q".into(),
        name: "n".into(),
    };
    assert!(w.into_event(now, wall).is_some());
    let json = format!(
        r#"{{"type":"queue-summary","receivedWall":"{}","summary":{{"queueId":"q"}}}}"#,
        rfc3339_ms(wall - time::Duration::seconds(90))
    );
    let w: Wire = serde_json::from_str(&json).unwrap();
    let Some(FeedEvent::Queue(q)) = w.into_event(now, wall) else {
        panic!("not a queue event")
    };
    let age = now - q.received;
    assert!(
        age >= Duration::from_secs(89) && age <= Duration::from_secs(91),
        "{age:?}"
    );
}

#[test]
fn added_fields_are_ignored_and_missing_ones_default() {
    let json = r#"{"type":"agent-state","topic":"t","futureField":[1,2],
        "agent":{"queueId":"q","userId":"u","status":"IDLE","mood":"happy"}}"#;
    let w: Wire = serde_json::from_str(json).unwrap();
    let (now, wall) = at();
    let Some(FeedEvent::Queue(q)) = w.into_event(now, wall) else {
        panic!("not a queue event")
    };
    let QueueEventKind::Agent(a) = q.kind else {
        panic!("not an agent")
    };
    assert_eq!((a.user_id.as_str(), a.status), ("u", AgentStatus::Idle));
    assert!(a.skills.is_empty() && q.server_time.is_none() && !q.snapshot);
}

#[test]
fn an_unknown_type_decodes_as_unknown_and_keeps_its_name() {
    let json = br#"{"type":"queue-forecast","queueId":"q","n":3}"#;
    let w: Wire = serde_json::from_slice(json).unwrap();
    assert_eq!(w, Wire::Unknown);
    assert_eq!(unknown_type(json), "queue-forecast");
    let (now, wall) = at();
    assert!(w.into_event(now, wall).is_none());
}

#[test]
fn relay_only_events_are_not_published() {
    let (now, wall) = at();
    for ev in [
        FeedEvent::Heartbeat,
        FeedEvent::Acked { count: 3 },
        FeedEvent::Malformed { reason: "x".into() },
    ] {
        assert!(Wire::from_event(&ev, now, wall).is_none(), "{ev:?}");
    }
}

/// The counts and totals travel as event.rs's own types: their JSON names
/// are the protocol between a relay and viewers of other versions, so a
/// field renamed in event.rs must fail here.
#[test]
fn the_shared_types_keep_their_wire_names() {
    use crate::event::{MediaCounts, SkillCount};
    let agents = AgentCounts {
        on_queue: Some(1),
        off_queue: Some(2),
        idle: Some(3),
        interacting: Some(4),
        communicating: Some(5),
        not_responding: Some(6),
    };
    assert_eq!(
        serde_json::to_string(&agents).unwrap(),
        r#"{"onQueue":1,"offQueue":2,"idle":3,"interacting":4,"communicating":5,"notResponding":6}"#
    );
    let media = MediaCounts {
        waiting: 1,
        interacting: Some(2),
    };
    assert_eq!(
        serde_json::to_string(&media).unwrap(),
        r#"{"waiting":1,"interacting":2}"#
    );
    let skill = SkillCount {
        available: 1,
        required: None,
    };
    assert_eq!(
        serde_json::to_string(&skill).unwrap(),
        r#"{"available":1,"required":null}"#
    );
    let totals = QueueTotals {
        queue_id: "q".into(),
        interval: "i".into(),
        offered: Some(1),
        abandoned: Some(2),
        service_level_pct: Some(3.0),
        service_level_target_pct: Some(4.0),
        answered: Some(5),
        average_answer_ms: Some(6.0),
        handled: Some(7),
        average_handle_ms: Some(8.0),
    };
    assert_eq!(
        serde_json::to_string(&totals).unwrap(),
        concat!(
            r#"{"queueId":"q","interval":"i","offered":1,"abandoned":2,"serviceLevelPct":3.0,"#,
            r#""serviceLevelTargetPct":4.0,"answered":5,"averageAnswerMs":6.0,"handled":7,"#,
            r#""averageHandleMs":8.0}"#
        )
    );
    // An older relay's summary without counts still reads, as unknown.
    let back: AgentCounts = serde_json::from_str("{}").unwrap();
    assert_eq!(back, AgentCounts::default());
}
