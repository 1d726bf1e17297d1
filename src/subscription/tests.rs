use super::*;

const ID: &str = "5d2c8f3e-6a4b-4c1d-9e0f-1a2b3c4d5e6f";
const Q: &str = "8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c1e";

fn topic() -> String {
    queue_topic(Q)
}

fn err(id: &str, topic: &str, kind: &str, filter: Option<&str>) -> String {
    match Subscription::new(id, topic, kind, filter) {
        Ok(s) => panic!("accepted {s:?}"),
        Err(e) => e.to_string(),
    }
}

fn queue(name: &str, id: Option<&str>, events: &[EventType], filter: Option<&str>) -> QueueSpec {
    QueueSpec {
        id: id.map(str::to_string),
        label: Some(name.to_string()),
        events: events.to_vec(),
        filter: filter.map(str::to_string),
    }
}

fn set_json(n: usize) -> String {
    let items: Vec<String> = (0..n)
        .map(|_| {
            format!(
                r#"{{"id":"{}","topic":"{}","type":"agent-state"}}"#,
                uuid::Uuid::new_v4(),
                topic()
            )
        })
        .collect();
    format!("[{}]", items.join(","))
}

#[test]
fn a_valid_subscription_and_its_getters() {
    let s = Subscription::new(
        ID,
        &topic(),
        "queue-summary",
        Some(r#"mediaType == "voice""#),
    )
    .unwrap();
    assert_eq!(s.id(), ID);
    assert_eq!(s.topic(), topic());
    assert_eq!(s.kind(), EventType::QueueSummary);
    assert_eq!(s.queue_id(), Some(Q));
    assert_eq!(s.filter().unwrap().to_string(), r#"mediaType == "voice""#);

    let all = Subscription::new(ID, "/routing/queues/events", "agent-state", Some("")).unwrap();
    assert_eq!(all.queue_id(), None);
    assert!(all.filter().is_none());

    let gw = Subscription::new(
        ID,
        "/routing/queues/support_EN-2/events",
        "queue-interaction",
        None,
    )
    .unwrap();
    assert_eq!(gw.queue_id(), Some("support_EN-2"));
}

#[test]
fn too_many_subscriptions() {
    assert_eq!(
        SubscriptionSet::parse_json(&set_json(101))
            .unwrap_err()
            .to_string(),
        "too many subscriptions: 101 (at most 100 per connection)"
    );
    assert_eq!(
        SubscriptionSet::parse_json(&set_json(100)).unwrap().len(),
        100
    );
    assert_eq!(
        SubscriptionSet::parse_json("[]").unwrap_err().to_string(),
        "no subscriptions: a connection needs at least one"
    );

    // 34 queues x 3 types = 102.
    let queues: Vec<QueueSpec> = (0..34)
        .map(|i| {
            queue(
                &format!("Q{i}"),
                Some(&format!("q{i}")),
                &EventType::ALL,
                None,
            )
        })
        .collect();
    let errors = SubscriptionSet::from_queues(&queues).unwrap_err();
    assert_eq!(
        errors[0].to_string(),
        "too many subscriptions: 102 (at most 100 per connection)"
    );
}

#[test]
fn ids_must_be_uuids() {
    assert_eq!(
        err("sub-1", &topic(), "queue-summary", None),
        "id `sub-1` is not a UUID; use a UUID such as 5d2c8f3e-6a4b-4c1d-9e0f-1a2b3c4d5e6f"
    );
    // Ids that are not UUIDs, and UUID spellings that are not the wire form.
    for id in [
        "sub-1-1700000000000",
        "5d2c8f3e6a4b4c1d9e0f1a2b3c4d5e6f",
        "{5d2c8f3e-6a4b-4c1d-9e0f-1a2b3c4d5e6f}",
        "urn:uuid:5d2c8f3e-6a4b-4c1d-9e0f-1a2b3c4d5e6f",
        "",
    ] {
        assert!(
            err(id, &topic(), "queue-summary", None)
                .starts_with(&format!("id `{id}` is not a UUID")),
            "{id}"
        );
    }
}

#[test]
fn the_seed_id_in_a_set_names_the_subscription_and_queue() {
    let json = format!(
        r#"[{{"id":"{ID}","topic":"{t}","type":"queue-summary"}},
            {{"id":"5d2c8f3e-6a4b-4c1d-9e0f-1a2b3c4d5e60","topic":"{t}","type":"agent-state"}},
            {{"id":"sub-1-1700000000000","topic":"{t}","type":"queue-interaction"}}]"#,
        t = topic()
    );
    assert_eq!(
        SubscriptionSet::parse_json(&json).unwrap_err().to_string(),
        format!(
            "subscription 3 (queue {Q}): id `sub-1-1700000000000` is not a UUID; use a UUID such as 5d2c8f3e-6a4b-4c1d-9e0f-1a2b3c4d5e6f"
        )
    );
}

#[test]
fn bad_topics() {
    for t in [
        "/routing/queues",
        "/routing/queues//events",
        "/routing/queues/a/b/events",
        "routing/queues/events",
        "/routing/users/events",
        "/routing/queues/x/events/",
    ] {
        assert_eq!(
            err(ID, t, "queue-summary", None),
            format!(
                "topic `{t}` is not `/routing/queues/events` or `/routing/queues/{{queueId}}/events`"
            )
        );
    }
    assert_eq!(
        err(
            ID,
            "/routing/queues/Support EN/events",
            "queue-summary",
            None
        ),
        "queue id `Support EN` is neither a UUID nor made of letters, digits, `_` and `-`"
    );
}

#[test]
fn unknown_type() {
    assert_eq!(
        err(ID, &topic(), "queue-summaries", None),
        "type `queue-summaries` is unknown; use queue-summary, queue-interaction or agent-state"
    );
}

#[test]
fn filter_rules() {
    let long = format!("skill == \"{}\"", "x".repeat(2049 - 11));
    assert_eq!(
        err(ID, &topic(), "agent-state", Some(&long)),
        "filter is 2049 characters (at most 2048)"
    );
    assert_eq!(
        err(ID, &topic(), "agent-state", Some("SELECT * FROM queues")),
        "filter syntax error at column 1: expected a field (queueId, mediaType, status, userId, skill), found `SELECT`"
    );
    assert_eq!(
        err(ID, &topic(), "agent-state", Some(r#"team == "a""#)),
        "filter syntax error at column 1: expected a field (queueId, mediaType, status, userId, skill), found `team`"
    );
    assert_eq!(
        err(
            ID,
            &topic(),
            "agent-state",
            Some(r#"(skill == "a" || skill == "b""#)
        ),
        "filter syntax error at column 30: expected `)` to close the `(` at column 1, found end of filter"
    );
    assert_eq!(
        err(ID, &topic(), "agent-state", Some(r#"skill == "a"#)),
        "filter syntax error at column 10: unterminated string: add a closing `\"`"
    );
    for ok in [
        r#"skill == "a" && status != "IDLE""#,
        r#"skill == "a" || skill == "b""#,
        r#"(skill == "a" || skill == "b") && (status == "IDLE")"#,
        r#"skill == "say \"hi\"" || skill == "back\\slash""#,
    ] {
        assert!(
            Subscription::new(ID, &topic(), "agent-state", Some(ok)).is_ok(),
            "{ok}"
        );
    }
}

#[test]
fn from_queues_builds_one_per_queue_and_type() {
    let queues = vec![
        queue(
            "Support EN",
            Some(Q),
            &[EventType::QueueSummary, EventType::AgentState],
            Some(r#"skill == "English""#),
        ),
        queue(
            "Billing",
            Some("billing-1"),
            &[EventType::QueueInteraction],
            None,
        ),
    ];
    let set = SubscriptionSet::from_queues(&queues).unwrap();
    assert_eq!(set.len(), 3);
    let subs: Vec<&Subscription> = set.iter().collect();
    assert_eq!(subs[0].kind(), EventType::QueueSummary);
    assert_eq!(subs[1].kind(), EventType::AgentState);
    assert_eq!(subs[0].topic(), topic());
    assert_eq!(subs[2].queue_id(), Some("billing-1"));
    assert!(subs[1].filter().is_some());
    assert!(subs[2].filter().is_none());
    assert!(subs.iter().all(|s| is_uuid(s.id())));
    assert_ne!(subs[0].id(), subs[1].id());

    // The wire form parses back on the server side to the same set.
    let json = set.to_json();
    assert!(json.starts_with(r#"[{"id":""#), "{json}");
    assert!(
        json.contains(r#""type":"agent-state","filter":"skill == \"English\"""#),
        "{json}"
    );
    assert_eq!(SubscriptionSet::parse_json(&json).unwrap(), set);
}

#[test]
fn from_queues_reports_every_problem() {
    let queues = vec![
        queue(
            "Support EN",
            Some(Q),
            &[EventType::QueueSummary, EventType::AgentState],
            Some("SELECT 1"),
        ),
        queue("Sales", None, &[EventType::QueueSummary], None),
        queue("Bad", Some("has space"), &[EventType::QueueSummary], None),
    ];
    let errors = SubscriptionSet::from_queues(&queues).unwrap_err();
    let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        text,
        vec![
            "subscription 1 (queue Support EN): filter syntax error at column 1: expected a field (queueId, mediaType, status, userId, skill), found `SELECT`",
            "subscription 3 (queue Sales): the queue has a name but no id; the realtime feed needs `id` (a UUID)",
            "subscription 4 (queue Bad): queue id `has space` is neither a UUID nor made of letters, digits, `_` and `-`",
        ]
    );
    let idx: Vec<Option<usize>> = errors.iter().map(|e| e.queue_index()).collect();
    assert_eq!(idx, vec![Some(0), Some(1), Some(2)]);
    assert_eq!(errors[2].rule(), "queue ids are UUIDs or [A-Za-z0-9_-]+");
}

#[test]
fn duplicate_ids_and_bad_json() {
    let a = Subscription::new(ID, &topic(), "queue-summary", None).unwrap();
    let b = Subscription::new(ID, &topic(), "agent-state", None).unwrap();
    assert_eq!(
        SubscriptionSet::new(vec![a, b]).unwrap_err().to_string(),
        format!(
            "subscription 2 (queue {Q}): id `{ID}` is already used by subscription 1; give each subscription its own UUID"
        )
    );
    let e = SubscriptionSet::parse_json(r#"{"id":1}"#)
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("subscriptions are not a JSON array"), "{e}");
    let e = SubscriptionSet::parse_json(r#"[{"id":"x"}]"#)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("subscription 1: subscriptions are not a JSON array"),
        "{e}"
    );
}

#[test]
fn server_side_errors_carry_the_subscription_id_and_a_code() {
    let json = format!(
        r#"[{{"id":"{ID}","topic":"{}","type":"queue-sumary"}}]"#,
        topic()
    );
    let e = SubscriptionSet::parse_json(&json).unwrap_err();
    assert_eq!(e.subscription_id(), Some(ID));
    assert_eq!(e.code(), "invalid_type");
    let e = SubscriptionSet::parse_json(&set_json(101)).unwrap_err();
    assert_eq!(
        (e.subscription_id(), e.code()),
        (None, "too_many_subscriptions")
    );
    let json = format!(
        r#"[{{"id":"x","topic":"{}","type":"agent-state"}}]"#,
        topic()
    );
    let e = SubscriptionSet::parse_json(&json).unwrap_err();
    assert_eq!((e.subscription_id(), e.code()), (None, "invalid_id"));
}

#[test]
fn wants_checks_type_queue_and_filter() {
    use crate::event::{AgentState, AgentStatus, QueueEventKind, QueueSummary};
    let agent = |q: &str, skill: &str| {
        QueueEventKind::Agent(AgentState {
            queue_id: q.to_string(),
            user_id: "u".to_string(),
            user_name: None,
            status: AgentStatus::Idle,
            skills: vec![skill.to_string()],
        })
    };
    let summary = QueueEventKind::Summary(QueueSummary {
        queue_id: Q.to_string(),
        ..Default::default()
    });
    let s = Subscription::new(ID, &topic(), "agent-state", Some(r#"skill == "Spanish""#)).unwrap();
    assert!(s.wants(&agent(Q, "Spanish")));
    assert!(!s.wants(&agent(Q, "Billing")));
    assert!(!s.wants(&agent("other", "Spanish")));
    assert!(!s.wants(&summary));
    let all = Subscription::new(ID, "/routing/queues/events", "queue-summary", None).unwrap();
    assert!(all.wants(&summary));
    let set = SubscriptionSet::new(vec![s]).unwrap();
    assert!(set.wants(&agent(Q, "Spanish")));
    assert!(!set.wants(&summary));
}

/// Found by the `filter_parse` fuzz target: a compact filter that fits in
/// 2048 characters prints canonically (with spaces) past the limit, so the
/// wire must carry the text as written, never the canonical form.
#[test]
fn fuzz_regression_compact_filter_is_sent_as_written() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fuzz_regressions/filter_compact_2048.txt"
    ))
    .unwrap();
    let f = crate::filter::Filter::parse(&text).unwrap();
    assert!(f.to_string().chars().count() > crate::filter::MAX_FILTER_CHARS);
    let s = Subscription::new(ID, &topic(), "queue-summary", Some(&text)).unwrap();
    assert_eq!(s.filter_text(), Some(text.as_str()));
    let set = SubscriptionSet::new(vec![s]).unwrap();
    let back = SubscriptionSet::parse_json(&set.to_json()).unwrap();
    let first = back.iter().next().unwrap();
    assert_eq!(first.filter(), Some(&f));
}

#[test]
fn all_queues_adds_one_subscription_on_the_all_queues_topic() {
    let set = SubscriptionSet::for_queues(&[], true).unwrap();
    assert_eq!(set.len(), 1);
    let s = set.iter().next().unwrap();
    assert_eq!((s.topic(), s.queue_id()), ("/routing/queues/events", None));
    let q = queue("A", Some(Q), &[EventType::QueueSummary], None);
    assert_eq!(
        SubscriptionSet::for_queues(std::slice::from_ref(&q), true)
            .unwrap()
            .len(),
        2
    );
    assert_eq!(SubscriptionSet::for_queues(&[q], false).unwrap().len(), 1);
    // It counts against the limit of 100.
    let many: Vec<QueueSpec> = (0..100)
        .map(|i| {
            queue(
                "q",
                Some(&format!("q{i}")),
                &[EventType::QueueSummary],
                None,
            )
        })
        .collect();
    assert!(SubscriptionSet::for_queues(&many, false).is_ok());
    let e = SubscriptionSet::for_queues(&many, true).unwrap_err();
    assert!(e[0].to_string().contains("101"), "{}", e[0]);
}
