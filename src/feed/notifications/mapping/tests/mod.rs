mod observations;

use super::*;
use crate::event::{AgentStatus, FeedEvent, QueueEventKind, QueueSummary};
use time::OffsetDateTime;
use tokio::time::Instant;

const EXAMPLE: &str = r#"{"topicName":"v2.analytics.queues.Q.observations","version":"2",
 "eventBody":{"group":{"queueId":"Q","mediaType":"voice"},
   "data":[{"interval":"2026-11-27T19:20:25.123Z/2026-11-27T19:20:25.123Z",
     "metrics":[{"metric":"oOnQueueUsers","qualifier":"IDLE","stats":{"count":3}},
                {"metric":"oOnQueueUsers","qualifier":"INTERACTING","stats":{"count":6}},
                {"metric":"oOnQueueUsers","qualifier":"NOT_RESPONDING","stats":{"count":1}},
                {"metric":"oWaiting","stats":{"count":4}},
                {"metric":"oInteracting","stats":{"count":6}}]}]},
 "metadata":{"CorrelationId":"c-1"}}"#;

fn receipt() -> Receipt {
    Receipt {
        wall: OffsetDateTime::now_utc(),
        at: Instant::now(),
    }
}

fn summaries(d: Decoded) -> Vec<QueueSummary> {
    let Decoded::Events(evs) = d else {
        panic!("expected events, got {d:?}");
    };
    evs.into_iter()
        .filter_map(|e| match e {
            FeedEvent::Queue(q) => match q.kind {
                QueueEventKind::Summary(s) => Some(s),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn protocol_example_maps_exactly() {
    let mut m = Mapper::new();
    let d = m.decode(EXAMPLE, receipt());
    let Decoded::Events(evs) = &d else {
        panic!("{d:?}")
    };
    let FeedEvent::Queue(ev) = &evs[0] else {
        panic!("{evs:?}")
    };
    assert_eq!(ev.correlation_id.as_deref(), Some("c-1"));
    assert_eq!(ev.topic, "v2.analytics.queues.Q.observations");
    assert_eq!(
        ev.server_time.map(crate::event::rfc3339_ms).as_deref(),
        Some("2026-11-27T19:20:25.123Z")
    );
    let s = &summaries(d)[0];
    assert_eq!(s.agents_available, 3);
    assert_eq!(s.agents_interacting, 6);
    assert_eq!(s.agents_logged_in, 10);
    assert_eq!(s.interactions_waiting, 4);
}

#[tokio::test]
async fn a_missing_metric_keeps_its_last_value() {
    let mut m = Mapper::new();
    m.decode(EXAMPLE, receipt());
    let only_waiting = r#"{"topicName":"v2.analytics.queues.Q.observations",
      "eventBody":{"group":{"queueId":"Q","mediaType":"voice"},
      "data":[{"interval":"2026-11-27T19:21:00.000Z/2026-11-27T19:21:00.000Z",
      "metrics":[{"metric":"oWaiting","stats":{"count":7}}]}]}}"#;
    let s = &summaries(m.decode(only_waiting, receipt()))[0];
    assert_eq!(s.interactions_waiting, 7);
    assert_eq!(s.agents_available, 3);
    assert_eq!(s.agents_interacting, 6);
    assert_eq!(s.agents_logged_in, 10);
}

#[tokio::test]
async fn a_wide_interval_never_overwrites_current_counts() {
    let mut m = Mapper::new();
    m.decode(EXAMPLE, receipt());
    let totals = r#"{"topicName":"v2.analytics.queues.Q.observations",
      "eventBody":{"group":{"queueId":"Q","mediaType":"voice"},
      "data":[{"interval":"2026-11-27T19:00:00.000Z/2026-11-27T19:30:00.000Z",
      "metrics":[{"metric":"oWaiting","stats":{"count":99}},
                 {"metric":"tAbandon","stats":{"count":5}},
                 {"metric":"nOffered","stats":{"count":120}},
                 {"metric":"oServiceLevel","stats":{"ratio":0.8}}]}]}}"#;
    let Decoded::Events(evs) = m.decode(totals, receipt()) else {
        panic!()
    };
    assert_eq!(evs.len(), 1, "only a totals event: {evs:?}");
    let FeedEvent::Queue(ev) = &evs[0] else {
        panic!()
    };
    let QueueEventKind::Totals(t) = &ev.kind else {
        panic!("{ev:?}")
    };
    assert_eq!(t.abandoned, Some(5));
    assert_eq!(t.offered, Some(120));
    assert!((t.service_level_pct.unwrap_or_default() - 80.0).abs() < 1e-9);
    // The bucket's start is not a send time: no latency from it.
    assert_eq!((ev.server_time, ev.latency_ms()), (None, None));
    let s = m.summary("Q").unwrap();
    assert_eq!(s.interactions_waiting, 4);
}

#[tokio::test]
async fn waiting_is_summed_over_media_types() {
    let mut m = Mapper::new();
    m.decode(EXAMPLE, receipt());
    let chat = EXAMPLE
        .replace("\"voice\"", "\"chat\"")
        .replace("\"count\":4", "\"count\":2");
    let s = &summaries(m.decode(&chat, receipt()))[0];
    assert_eq!(s.interactions_waiting, 6);
}

#[tokio::test]
async fn skills_come_from_members_and_waiting_demand() {
    let mut m = Mapper::new();
    m.set_skill_names([
        ("s-es".to_string(), "Spanish".to_string()),
        ("s-bill".to_string(), "Billing".to_string()),
    ]);
    m.set_members(
        "Q",
        vec![
            Member {
                user_id: "u1".into(),
                name: Some("Ana Ruiz".into()),
                skills: vec!["s-bill".into()],
                status: AgentStatus::Idle,
                since: None,
                joined: true,
            },
            Member {
                user_id: "u2".into(),
                name: None,
                skills: vec!["s-es".into(), "s-bill".into()],
                status: AgentStatus::Interacting,
                since: None,
                joined: true,
            },
        ],
    );
    let waiting = r#"{"topicName":"v2.analytics.queues.Q.observations",
      "eventBody":{"group":{"queueId":"Q","mediaType":"voice"},
      "data":[{"interval":"2026-11-27T19:21:00.000Z/2026-11-27T19:21:00.000Z",
      "metrics":[{"metric":"oWaiting","stats":{"count":2},"observations":[
         {"requestedRoutingSkillIds":["s-es"]},{"requestedRoutingSkillIds":["s-es","s-fr"]}]}]}]}}"#;
    let s = &summaries(m.decode(waiting, receipt()))[0];
    let es = s.skills["Spanish"];
    assert_eq!((es.available, es.required), (0, Some(2)));
    assert_eq!(s.skills["Billing"].available, 1);
    assert_eq!(
        s.skills["s-fr"].available, 0,
        "unnamed skills keep their id"
    );

    // u2 goes idle: Spanish is covered now.
    let status = r#"{"topicName":"v2.users.u2?routingStatus&presence",
      "eventBody":{"routingStatus":{"status":"IDLE","startTime":"2026-11-27T19:22:00.000Z"}}}"#;
    let Decoded::Events(evs) = m.decode(status, receipt()) else {
        panic!()
    };
    assert!(
        matches!(&evs[0], FeedEvent::Queue(q) if matches!(&q.kind, QueueEventKind::Agent(a) if a.status == AgentStatus::Idle && a.user_name.is_none() && a.skills == ["Spanish", "Billing"]))
    );
    let s = m.summary("Q").unwrap();
    assert_eq!(s.skills["Spanish"].available, 1);
    assert_eq!(s.skills["Billing"].available, 2);

    // The rosters as they stand now: named skills, current statuses.
    let roster: Vec<_> = m.rosters().into_iter().map(|(a, _)| a).collect();
    let rows: Vec<(&str, &str, &AgentStatus, Vec<&str>)> = roster
        .iter()
        .map(|a| {
            let skills = a.skills.iter().map(String::as_str).collect();
            (a.queue_id.as_str(), a.user_id.as_str(), &a.status, skills)
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("Q", "u1", &AgentStatus::Idle, vec!["Billing"]),
            ("Q", "u2", &AgentStatus::Idle, vec!["Spanish", "Billing"]),
        ]
    );
    assert_eq!(roster[0].user_name.as_deref(), Some("Ana Ruiz"));
}

#[tokio::test]
async fn metadata_frames_and_junk() {
    let mut m = Mapper::new();
    let hb = r#"{"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}}"#;
    assert_eq!(m.decode(hb, receipt()), Decoded::Heartbeat);
    let pong = r#"{"topicName":"channel.metadata","eventBody":{"message":"pong"}}"#;
    assert_eq!(m.decode(pong, receipt()), Decoded::Pong);
    let closing = r#"{"topicName":"v2.system.socket_closing","eventBody":{"message":"closing"}}"#;
    assert_eq!(m.decode(closing, receipt()), Decoded::SocketClosing);
    assert!(matches!(
        m.decode("{nope", receipt()),
        Decoded::Malformed(_)
    ));
    assert!(matches!(
        m.decode(
            r#"{"topicName":"v2.analytics.queues.Q.observations","eventBody":{}}"#,
            receipt()
        ),
        Decoded::Malformed(_)
    ));
    assert!(matches!(
        m.decode(r#"{"topicName":"v2.other","eventBody":{}}"#, receipt()),
        Decoded::Unknown(t) if t == "v2.other"
    ));
}

#[tokio::test]
async fn snapshot_gives_one_summary_per_queue() {
    let mut m = Mapper::new();
    m.add_queue("Q", Some("Support EN".into()));
    let body = r#"{"results":[
      {"group":{"queueId":"Q","mediaType":"voice"},"data":[
        {"metric":"oOnQueueUsers","qualifier":"IDLE","stats":{"count":2}},
        {"metric":"oOnQueueUsers","qualifier":"INTERACTING","stats":{"count":3}},
        {"metric":"oWaiting","stats":{"count":1}}]},
      {"group":{"queueId":"Q","mediaType":"chat"},"data":[
        {"metric":"oWaiting","stats":{"count":2}}]},
      {"group":{"queueId":"R"},"data":[]}]}"#;
    let evs = m.apply_snapshot(body, receipt()).unwrap();
    assert_eq!(evs.len(), 2);
    assert!(evs.iter().all(|e| e.snapshot && e.topic == "snapshot"));
    let QueueEventKind::Summary(s) = &evs[0].kind else {
        panic!()
    };
    assert_eq!(s.queue_name.as_deref(), Some("Support EN"));
    assert_eq!(
        (
            s.agents_available,
            s.agents_logged_in,
            s.interactions_waiting
        ),
        (2, 5, 3)
    );
}

#[tokio::test]
async fn counts_from_the_network_saturate_instead_of_overflowing() {
    let big = u64::MAX;
    let frame = format!(
        r#"{{"topicName":"v2.analytics.queues.Q.observations","eventBody":{{"group":{{"queueId":"Q","mediaType":"voice"}},
        "data":[{{"interval":"2026-11-27T19:20:25.123Z/2026-11-27T19:20:25.123Z","metrics":[
          {{"metric":"oOnQueueUsers","qualifier":"IDLE","stats":{{"count":{big}}}}},
          {{"metric":"oOnQueueUsers","qualifier":"INTERACTING","stats":{{"count":{big}}}}},
          {{"metric":"oOnQueueUsers","qualifier":"COMMUNICATING","stats":{{"count":{big}}}}},
          {{"metric":"oWaiting","stats":{{"count":{big}}}}}]}}]}}}}"#
    );
    let mut m = Mapper::new();
    let s = &summaries(m.decode(&frame, receipt()))[0];
    assert_eq!(s.agents_available, u32::MAX);
    assert_eq!(s.agents_interacting, u32::MAX);
    assert_eq!(s.agents_logged_in, u32::MAX);
    assert!(s.agents_logged_in >= s.agents_available);
    assert_eq!(s.interactions_waiting, u32::MAX);
}

#[tokio::test]
async fn parse_then_apply_gives_the_correlation_id_before_any_change() {
    let env = Mapper::parse(EXAMPLE).unwrap();
    assert_eq!(env.correlation_id(), Some("c-1"));
    assert_eq!(env.topic(), "v2.analytics.queues.Q.observations");
    let mut m = Mapper::new();
    assert!(m.summary("Q").is_none(), "parsing applied nothing");
    let s = &summaries(m.apply(env, receipt()))[0];
    assert_eq!(s.agents_available, 3);
    assert!(matches!(
        Mapper::parse("not json"),
        Err(Decoded::Malformed(_))
    ));
}

#[test]
fn a_user_on_no_queue_any_more_is_no_member() {
    let member = |user_id: &str| Member {
        user_id: user_id.into(),
        name: None,
        skills: Vec::new(),
        status: AgentStatus::Idle,
        since: None,
        joined: true,
    };
    let mut m = Mapper::new();
    m.set_members("Q", vec![member("u1"), member("u2")]);
    m.set_members("R", vec![member("u2")]);
    m.set_members("Q", vec![member("u1")]);
    m.set_members("R", Vec::new());
    let ids: Vec<&String> = m.member_ids().collect();
    assert_eq!(ids, ["u1"]);
}
