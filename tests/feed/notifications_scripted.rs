//! The notifications feed against a scripted Notifications API on
//! loopback (tests/feed/common/notif_server.rs): real HTTP, real sockets.
//! Where time matters, tokio time is paused.

use std::time::Duration;

use crate::common::notif_server::{Member, NotifServer};
use crate::common::scripted::*;
use crate::common::*;
use queuetop::config::{EventType, QueueConfig};
use queuetop::event::{AgentStatus, ConnState, FeedCommand, FeedEvent, QueueEvent, QueueEventKind};
use queuetop::feed;
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn start_up_from_names_across_pages_snapshot_first_and_no_secret_in_logs() {
    let (logs, _guard) = capture_logs();
    let all: Vec<(String, String)> = (1..=250)
        .map(|i| (format!("q{i:03}"), format!("Support {i:03}")))
        .collect();
    let refs: Vec<(&str, &str)> = all.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let mut s = script(&refs);
    s.skills = vec![("s1".into(), "Spanish".into())];
    s.members.insert(
        "q245".into(),
        vec![Member {
            user_id: "u1".into(),
            name: "Ana Ruiz".into(),
            skills: vec!["s1".into()],
            status: "IDLE".into(),
            unjoined: false,
        }],
    );
    let server = NotifServer::start(s).await;
    // 21 names: more than 20 lookups, so every queue is listed once, paged.
    let wanted: Vec<QueueConfig> = (230..=250)
        .map(|i| named(&format!("Support {i:03}")))
        .collect();
    let mut h = feed::spawn(cfg(&server, wanted, rc()));
    let (before, count) = acked(&mut h).await;
    assert_eq!(
        count, 43,
        "21 observation topics, 21 membership topics and one user topic"
    );

    let reqs = server.requests();
    for n in 1..=3 {
        let page = format!("GET /api/v2/routing/queues?pageSize=100&pageNumber={n}");
        assert!(reqs.contains(&page), "{page} not in {reqs:#?}");
    }
    let names: Vec<(&str, &str)> = before
        .iter()
        .filter_map(|e| match e {
            FeedEvent::QueueName { queue_id, name } => Some((queue_id.as_str(), name.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(names.len(), 21);
    assert_eq!(names[0], ("q230", "Support 230"));
    // The first snapshot: one summary per queue, before any notification.
    let snaps: Vec<&QueueEvent> = before.iter().filter_map(queue_ev).collect();
    assert_eq!(snaps.len(), 21);
    assert!(
        snaps
            .iter()
            .all(|q| q.snapshot && q.topic == "snapshot" && q.correlation_id.is_none())
    );
    let QueueEventKind::Summary(s) = &snaps[15].kind else {
        panic!("{snaps:?}")
    };
    assert_eq!(s.queue_id, "q245");
    assert_eq!(
        (
            s.agents_available,
            s.agents_logged_in,
            s.interactions_waiting
        ),
        (1, 3, 3)
    );
    assert_eq!(
        s.skills["Spanish"].available, 1,
        "skills are named from REST"
    );
    let topics = server.topics_of("chan-1");
    assert!(topics.contains(&"v2.users.u1.activity".to_string()));
    assert!(topics.contains(&"v2.routing.queues.q245.users".to_string()));
    assert!(
        !topics.iter().any(|t| t.contains("presence")),
        "presence alone is not used: {topics:?}"
    );

    // Then notifications: a routing status change moves the skill count.
    let seq = server.user_status("u1", "INTERACTING");
    let mut seen = Vec::new();
    until_seq(&mut h, &mut seen, seq).await;
    let agent = seen
        .iter()
        .filter_map(queue_ev)
        .find_map(|q| match &q.kind {
            QueueEventKind::Agent(a) => Some(a.clone()),
            _ => None,
        })
        .expect("an agent event");
    assert_eq!(
        (agent.queue_id.as_str(), agent.user_id.as_str()),
        ("q245", "u1")
    );
    assert_eq!(agent.skills, ["Spanish"]);
    let summary = seen
        .iter()
        .filter_map(queue_ev)
        .find_map(|q| match &q.kind {
            QueueEventKind::Summary(s) if s.queue_id == "q245" => Some(s.clone()),
            _ => None,
        })
        .expect("a summary after the status change");
    assert_eq!(summary.skills["Spanish"].available, 0, "a deficit now");
    let seq = server.observe("q230", 5, 1, 0);
    until_seq(&mut h, &mut seen, seq).await;
    let last = queue_ev(seen.last().unwrap()).unwrap();
    assert!(!last.snapshot);
    assert_eq!(last.topic, "v2.analytics.queues.q230.observations");
    quit(h).await;

    let text = logs.text();
    assert!(
        text.contains("channel created") && text.contains("channel connected"),
        "{text}"
    );
    for secret in server.tokens().iter().map(String::as_str).chain([SECRET]) {
        assert!(!text.contains(secret), "{secret} leaked into the log");
    }
}

#[tokio::test]
async fn a_refused_token_on_rest_is_refreshed_at_once() {
    let mut s = script(&[("qa", "A")]);
    s.unauthorized = 1;
    let server = NotifServer::start(s).await;
    // By id only: its name comes from `GET /api/v2/routing/queues?id=..`.
    let mut h = feed::spawn(cfg(
        &server,
        vec![queue("qa", &[EventType::QueueSummary])],
        rc(),
    ));
    let (before, _) = acked(&mut h).await;
    assert!(before.contains(&FeedEvent::QueueName {
        queue_id: "qa".into(),
        name: "A".into()
    }));
    assert!(
        server
            .requests()
            .contains(&"GET /api/v2/routing/queues?id=qa&pageSize=100&pageNumber=1".to_string())
    );
    assert_eq!(server.tokens().len(), 2);
    quit(h).await;
}

#[tokio::test]
async fn a_name_that_matches_nothing_or_two_queues_is_a_config_error() {
    let server = NotifServer::start(script(&[
        ("q1", "Sales"),
        ("q2", "Sales"),
        ("q3", "Support"),
    ]))
    .await;
    for (name, want) in [
        ("Nope", "no queue is named \"Nope\""),
        ("Sales", "2 queues are named \"Sales\" (ids q1, q2)"),
        ("support", "names differ only in case: \"Support\""),
    ] {
        let mut h = feed::spawn(cfg(&server, vec![named(name)], rc()));
        let (_, ev) = recv_until(&mut h.events, LIMIT, |e| {
            is_state(e, |s| matches!(s, ConnState::Stopped { .. }))
        })
        .await;
        let FeedEvent::Status(st) = ev else {
            unreachable!()
        };
        let ConnState::Stopped { reason } = st.state else {
            unreachable!()
        };
        assert!(reason.contains(want), "{reason}");
        quit(h).await;
    }
    assert!(server.created().is_empty(), "nothing was subscribed");
}

#[tokio::test(start_paused = true)]
async fn a_failed_handover_keeps_the_old_channel_and_tries_again_later() {
    let server = NotifServer::start(script(&[("qa", "A")])).await;
    let mut h = feed::spawn(cfg(&server, vec![both("qa", "A")], rc()));
    acked(&mut h).await;
    // The handover's channel request is refused twice (401): once with the
    // old token and once with the fresh one it fetches at once, so the
    // handover fails and is tried again later.
    server.with(|s| s.unauthorized = 2);
    let t0 = Instant::now();
    server.socket_closing("chan-1");
    let mut seen = Vec::new();
    let srv = server.clone();
    until(&mut h, &mut seen, LONG, "the retried handover", || {
        srv.closed_by_client() == ["chan-1"]
    })
    .await;
    assert!(
        t0.elapsed() >= Duration::from_secs(10),
        "{:?}",
        t0.elapsed()
    );
    assert_eq!(server.created(), ["chan-1", "chan-2"]);
    assert_eq!(server.tokens().len(), 3, "each refused token was replaced");
    server.observe("qa", 1, 0, 0);
    until_seq(&mut h, &mut seen, 1).await;
    assert!(
        !seen.iter().any(|e| matches!(e, FeedEvent::Status(_))),
        "{seen:#?}"
    );
    quit(h).await;
}

#[tokio::test]
async fn a_reconnect_rereads_the_members_so_no_missed_status_stays_on_screen() {
    let mut s = script(&[("qa", "A")]);
    s.skills = vec![("s1".into(), "Spanish".into())];
    s.members.insert(
        "qa".into(),
        vec![Member {
            user_id: "u1".into(),
            name: "Ana Ruiz".into(),
            skills: vec!["s1".into()],
            status: "IDLE".into(),
            unjoined: false,
        }],
    );
    let server = NotifServer::start(s).await;
    let mut h = feed::spawn(cfg(&server, vec![both("qa", "A")], rc()));
    let status_of = |before: &[FeedEvent]| {
        before.iter().find_map(|e| match e {
            FeedEvent::Member { agent, .. } if agent.user_id == "u1" => Some(agent.status.clone()),
            _ => None,
        })
    };
    let spanish = |before: &[FeedEvent]| {
        before
            .iter()
            .filter_map(queue_ev)
            .find_map(|q| match &q.kind {
                QueueEventKind::Summary(s) => s.skills.get("Spanish").map(|c| c.available),
                _ => None,
            })
    };
    let (before, _) = acked(&mut h).await;
    assert_eq!(status_of(&before), Some(AgentStatus::Idle));
    assert_eq!(spanish(&before), Some(1));

    // Ana starts a call while we are away: no notification reaches us.
    server.with(|s| s.members.get_mut("qa").unwrap()[0].status = "INTERACTING".into());
    h.commands.send(FeedCommand::ReconnectNow).await.unwrap();
    let (before, _) = acked(&mut h).await;
    assert_eq!(status_of(&before), Some(AgentStatus::Interacting));
    assert_eq!(spanish(&before), Some(0), "the refresh counts her as busy");
    let member_reads = server
        .requests()
        .iter()
        .filter(|r| r.contains("/members"))
        .count();
    assert_eq!(member_reads, 2, "once at start, once after the reconnect");
    quit(h).await;
}
