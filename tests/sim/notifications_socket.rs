//! The simulator's notification channel sockets (docs/PROTOCOL.md,
//! "Notifications API"): real HTTP and WebSockets on 127.0.0.1, paused tokio
//! time where time matters.

use crate::common;
use std::collections::HashSet;
use std::time::Duration;

use crate::common::notif::{self, next_note, next_within, open_channel, queue_topic};
use crate::common::{SOON, close_code_within, start, token};
use futures_util::SinkExt;
use queuetop::event::AgentStatus;
use queuetop::sim::SimOptions;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

fn fast(queues: usize) -> SimOptions {
    SimOptions {
        queues,
        event_interval: Duration::from_millis(5),
        ..SimOptions::default()
    }
}

fn seq(v: &Value) -> u64 {
    v["metadata"]["CorrelationId"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no numeric CorrelationId in {v}"))
}

fn all_queue_topics(sim: &queuetop::sim::SimHandle) -> Vec<String> {
    sim.queues().iter().map(|q| queue_topic(&q.0)).collect()
}

/// The metrics of a wide-interval (totals) message, in order.
const TOTALS: [&str; 5] = [
    "nOffered",
    "tAbandon",
    "tAnswered",
    "tHandle",
    "oServiceLevel",
];

#[tokio::test]
async fn observations_flow_with_increasing_correlation_ids() {
    let sim = start(fast(3)).await;
    let topics = all_queue_topics(&sim);
    let (_, _, mut ws) = open_channel(&sim, &topics).await;
    let mut last = 0;
    let (mut partial, mut wide) = (false, false);
    for _ in 0..400 {
        let v = next_note(&mut ws).await;
        let topic = v["topicName"].as_str().unwrap();
        assert!(topics.iter().any(|t| t == topic), "{topic}");
        assert_eq!(v["version"], "2");
        let s = seq(&v);
        assert!(s > last, "CorrelationId {s} after {last}");
        last = s;
        let body = &v["eventBody"];
        assert!(body["group"]["queueId"].as_str().is_some());
        let d = &body["data"][0];
        let (a, b) = d["interval"].as_str().unwrap().split_once('/').unwrap();
        let names: Vec<&str> = d["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["metric"].as_str().unwrap())
            .collect();
        if a == b {
            assert!(queuetop::event::parse_rfc3339(a).is_some(), "{a}");
            assert!(!names.iter().any(|n| TOTALS.contains(n)), "{names:?}");
            partial |= !names.contains(&"oActiveUsers");
            assert!(body["group"]["mediaType"].as_str().is_some());
        } else {
            assert_eq!(names, TOTALS);
            assert!(d["metrics"][4]["stats"]["ratio"].is_number());
            for timed in [2, 3] {
                let stats = &d["metrics"][timed]["stats"];
                assert!(stats["count"].is_u64() && stats["sum"].is_u64(), "{d}");
            }
            wide = true;
        }
        if partial && wide && last > 50 {
            break;
        }
    }
    assert!(partial, "some messages carry only what changed");
    assert!(wide, "now and then a wide-interval totals message");
    assert!(sim.stats().last_correlation_id >= last);
}

#[tokio::test]
async fn user_topics_carry_routing_status_changes() {
    let sim = start(fast(1)).await;
    let t = token(&sim).await;
    let q = &sim.queues()[0].0;
    let r = notif::get(
        &sim,
        &t,
        &format!("/api/v2/routing/queues/{q}/members?pageSize=100"),
    )
    .await;
    let users: Vec<String> = r.body["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    let mut topics: Vec<String> = users
        .iter()
        .map(|u| format!("v2.users.{u}?routingStatus&presence"))
        .collect();
    // Both forms of one user: each event still comes once.
    topics.push(format!("v2.users.{}.activity", users[0]));
    let (_, _, mut ws) = open_channel(&sim, &topics).await;
    let mut seen = HashSet::new();
    for _ in 0..60 {
        let v = next_note(&mut ws).await;
        assert!(seen.insert(seq(&v)), "an event came twice: {v}");
        let topic = v["topicName"].as_str().unwrap();
        assert!(topics.iter().any(|t| t == topic), "{topic}");
        let rs = &v["eventBody"]["routingStatus"];
        let status = AgentStatus::parse(rs["status"].as_str().unwrap());
        assert!(!matches!(status, AgentStatus::Other(_)), "{rs}");
        assert!(queuetop::event::parse_rfc3339(rs["startTime"].as_str().unwrap()).is_some());
        assert!(v["eventBody"]["presence"].is_object());
    }
}

#[tokio::test]
async fn a_handover_sees_the_same_correlation_id_on_both_channels() {
    let sim = start(fast(2)).await;
    let topics = all_queue_topics(&sim);
    let (_, _, mut a) = open_channel(&sim, &topics).await;
    let (_, _, mut b) = open_channel(&sim, &topics).await;
    // Whatever b gets after it opened, a gets too, with the same number.
    let first_b = next_note(&mut b).await;
    let mut on_a = next_note(&mut a).await;
    while seq(&on_a) < seq(&first_b) {
        on_a = next_note(&mut a).await;
    }
    assert_eq!(on_a, first_b);
    for _ in 0..50 {
        assert_eq!(next_note(&mut a).await, next_note(&mut b).await);
    }
}

#[tokio::test]
async fn ping_gets_pong() {
    let sim = start(common::scripted()).await;
    let (_, _, mut ws) = open_channel(&sim, &all_queue_topics(&sim)).await;
    ws.send(Message::text(r#"{"message":"ping"}"#))
        .await
        .unwrap();
    let v = next_within(&mut ws, SOON).await;
    assert_eq!(v["topicName"], "channel.metadata");
    assert_eq!(v["eventBody"]["message"], "pong");
    assert_eq!(sim.stats().pongs_sent, 1);
}

#[tokio::test]
async fn scripted_pushes_become_notifications() {
    let sim = start(common::scripted()).await;
    let q = sim.queues()[0].0.clone();
    let (_, _, mut ws) = open_channel(&sim, &[queue_topic(&q)]).await;
    sim.control().push(common::summary(&q, 4));
    let v = next_note(&mut ws).await;
    assert_eq!(v["topicName"], queue_topic(&q).as_str());
    let metrics = v["eventBody"]["data"][0]["metrics"].as_array().unwrap();
    let count = |m: &str, qual: Option<&str>| {
        metrics
            .iter()
            .find(|x| x["metric"] == m && qual.is_none_or(|q| x["qualifier"] == q))
            .map(|x| x["stats"]["count"].as_u64().unwrap())
    };
    assert_eq!(count("oOnQueueUsers", Some("IDLE")), Some(1));
    assert_eq!(count("oWaiting", None), Some(4));
    assert_eq!(count("oInteracting", None), Some(2));
    assert_eq!(seq(&v), 1);
}

#[tokio::test(start_paused = true)]
async fn heartbeat_every_interval() {
    let sim = start(common::scripted()).await;
    let (_, _, mut ws) = open_channel(&sim, &all_queue_topics(&sim)).await;
    let t0 = tokio::time::Instant::now();
    for n in 1..=3u32 {
        let v = next_within(&mut ws, Duration::from_secs(45)).await;
        assert_eq!(v["topicName"], "channel.metadata");
        assert_eq!(v["eventBody"]["message"], "WebSocket Heartbeat");
        let at = t0.elapsed();
        assert!(
            at >= Duration::from_secs(30) * n - Duration::from_secs(1),
            "{at:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn socket_closing_then_close_after_the_grace() {
    let sim = start(SimOptions {
        socket_closing_grace: Duration::from_secs(5),
        heartbeat_interval: Duration::from_secs(3600),
        ..common::scripted()
    })
    .await;
    let (_, _, mut ws) = open_channel(&sim, &all_queue_topics(&sim)).await;
    sim.control().send_socket_closing();
    let v = next_within(&mut ws, SOON).await;
    assert_eq!(v["topicName"], "v2.system.socket_closing");
    assert!(v["eventBody"]["message"].as_str().is_some());
    let t0 = tokio::time::Instant::now();
    assert_eq!(
        close_code_within(&mut ws, Duration::from_secs(30)).await,
        Some(1001)
    );
    assert!(t0.elapsed() >= Duration::from_secs(4));
    assert_eq!(sim.stats().socket_closing_sent, 1);
}

#[tokio::test(start_paused = true)]
async fn socket_closing_every_six_hours_over_a_day() {
    let sim = start(SimOptions {
        socket_closing_grace: Duration::from_secs(60),
        ..common::scripted()
    })
    .await;
    sim.control()
        .set_socket_closing_every(Some(Duration::from_secs(6 * 3600)));
    let topics = all_queue_topics(&sim);
    let t0 = tokio::time::Instant::now();
    for round in 1..=4u32 {
        let (_, _, mut ws) = open_channel(&sim, &topics).await;
        let opened = tokio::time::Instant::now();
        let v = loop {
            let v = next_within(&mut ws, Duration::from_secs(60)).await;
            if v["topicName"] != "channel.metadata" {
                break v;
            }
        };
        assert_eq!(v["topicName"], "v2.system.socket_closing");
        assert!(opened.elapsed() >= Duration::from_secs(6 * 3600 - 1));
        // Make before break: the client closes the old socket itself.
        ws.close(None).await.unwrap();
        assert_eq!(sim.stats().socket_closing_sent, u64::from(round));
    }
    assert!(t0.elapsed() >= Duration::from_secs(24 * 3600 - 4));
}

#[tokio::test(start_paused = true)]
async fn channel_expires_after_its_lifetime() {
    let sim = start(common::scripted()).await;
    let topics = all_queue_topics(&sim);
    let t = token(&sim).await;
    // One channel never connected, one connected.
    let (idle, idle_uri, _) = notif::create_channel(&sim, &t).await;
    let (id, _, mut ws) = open_channel(&sim, &topics).await;
    let t0 = tokio::time::Instant::now();
    let code = close_code_within(&mut ws, Duration::from_secs(60)).await;
    assert_eq!(code, Some(1000));
    assert!(
        t0.elapsed() >= Duration::from_secs(24 * 3600 - 2),
        "{:?}",
        t0.elapsed()
    );
    let t = token(&sim).await;
    let gone = notif::subscribe(&sim, &t, &id, &topics).await;
    assert_eq!(gone.status, 404);
    let err = tokio_tungstenite::connect_async(&idle_uri)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("401"), "{err} for channel {idle}");
    assert!(sim.stats().channels_expired >= 2);
}

#[tokio::test(start_paused = true)]
async fn shorter_channel_lifetime_applies_to_new_channels() {
    let sim = start(common::scripted()).await;
    sim.control().set_channel_lifetime(Duration::from_secs(120));
    let t = token(&sim).await;
    let (_, _, expires) = notif::create_channel(&sim, &t).await;
    let exp = queuetop::event::parse_rfc3339(&expires).unwrap();
    let left = exp - time::OffsetDateTime::now_utc();
    assert!(left <= time::Duration::seconds(121) && left >= time::Duration::seconds(100));
    let (_, _, mut ws) = open_channel(&sim, &all_queue_topics(&sim)).await;
    let t0 = tokio::time::Instant::now();
    assert_eq!(
        close_code_within(&mut ws, Duration::from_secs(300)).await,
        Some(1000)
    );
    assert!(t0.elapsed() >= Duration::from_secs(119));
}

#[tokio::test]
async fn the_21st_channel_evicts_the_oldest() {
    let sim = start(common::scripted()).await;
    let topics = all_queue_topics(&sim);
    let (oldest, _, mut ws) = open_channel(&sim, &topics).await;
    let t = token(&sim).await;
    for _ in 0..19 {
        notif::create_channel(&sim, &t).await;
    }
    assert_eq!(sim.stats().channels_evicted, 0);
    notif::create_channel(&sim, &t).await;
    assert_eq!(close_code_within(&mut ws, SOON).await, Some(1000));
    assert_eq!(sim.stats().channels_evicted, 1);
    let gone = notif::subscribe(&sim, &t, &oldest, &topics).await;
    assert_eq!(gone.status, 404);
}

#[tokio::test]
async fn unknown_channel_socket_is_404_and_needs_no_token() {
    let sim = start(common::scripted()).await;
    let uri = format!("ws://{}/channels/no-such-channel", sim.addr());
    let err = tokio_tungstenite::connect_async(&uri).await.unwrap_err();
    assert!(err.to_string().contains("404"), "{err}");
}

#[tokio::test]
async fn many_queues_need_two_channels() {
    let sim = start(SimOptions {
        queues: 1200,
        // Light enough for a debug build on a loaded machine.
        agents_per_queue: 3,
        event_interval: Duration::from_millis(100),
        ..SimOptions::default()
    })
    .await;
    let topics = all_queue_topics(&sim);
    let t = token(&sim).await;
    let (id, _, _) = notif::create_channel(&sim, &t).await;
    let too_many = notif::subscribe(&sim, &t, &id, &topics).await;
    assert_eq!(too_many.status, 400);
    let (_, _, mut a) = open_channel(&sim, &topics[..1000]).await;
    let (_, _, mut b) = open_channel(&sim, &topics[1000..]).await;
    let first: HashSet<&str> = topics[..1000].iter().map(String::as_str).collect();
    for i in 0..50 {
        let v = tokio::time::timeout(SOON, next_note(&mut a)).await;
        let v = v.unwrap_or_else(|_| panic!("a, round {i}: {:?}", sim.stats()));
        assert!(first.contains(v["topicName"].as_str().unwrap()));
        let v = tokio::time::timeout(SOON, next_note(&mut b)).await;
        let v = v.unwrap_or_else(|_| panic!("b, round {i}: {:?}", sim.stats()));
        assert!(!first.contains(v["topicName"].as_str().unwrap()));
    }
}

#[tokio::test]
async fn socket_faults_apply_to_channels() {
    let sim = start(fast(2)).await;
    let topics = all_queue_topics(&sim);
    sim.control().set_close_after_events(Some((5, 4029)));
    sim.control().set_malformed_every(Some(2));
    let (_, _, mut ws) = open_channel(&sim, &topics).await;
    assert_eq!(close_code_within(&mut ws, SOON).await, Some(4029));
    let s = sim.stats();
    assert_eq!(s.notifications_sent, 5);
    assert_eq!(s.malformed_sent, 2);
}

#[tokio::test]
async fn flood_on_a_channel_keeps_correlation_ids_unique_and_increasing() {
    let sim = start(SimOptions {
        queues: 4,
        ..SimOptions::default()
    })
    .await;
    let topics = all_queue_topics(&sim);
    let (_, _, mut ws) = open_channel(&sim, &topics).await;
    sim.control().set_flood(true);
    let mut last = 0;
    for _ in 0..3000 {
        let v = next_note(&mut ws).await;
        assert!(topics.iter().any(|t| t == v["topicName"].as_str().unwrap()));
        let s = seq(&v);
        assert!(s > last, "{s} after {last}");
        last = s;
    }
    sim.control().set_flood(false);
    assert!(sim.stats().notifications_sent >= 3000);
}

#[tokio::test]
async fn drop_ends_a_channel_socket_without_a_close_frame() {
    let sim = start(fast(2)).await;
    sim.control().set_drop_after_events(Some(3));
    let (_, _, mut ws) = open_channel(&sim, &all_queue_topics(&sim)).await;
    assert_eq!(close_code_within(&mut ws, SOON).await, None);
    let s = sim.stats();
    assert_eq!((s.drops, s.notifications_sent), (1, 3));
}

#[tokio::test(start_paused = true)]
async fn silent_channel_sends_no_heartbeat_and_no_pong() {
    let sim = start(common::scripted()).await;
    let (_, _, mut ws) = open_channel(&sim, &all_queue_topics(&sim)).await;
    sim.control().go_silent(true);
    assert!(
        sim.wait_for(|s| s.channel_sockets_open == 1, SOON).await,
        "socket open"
    );
    ws.send(Message::text(r#"{"message":"ping"}"#))
        .await
        .unwrap();
    let got = tokio::time::timeout(
        Duration::from_secs(120),
        futures_util::StreamExt::next(&mut ws),
    )
    .await;
    assert!(got.is_err(), "a silent channel sent {got:?}");
    let s = sim.stats();
    assert_eq!((s.heartbeats_sent, s.pongs_sent), (0, 0));
}

#[tokio::test]
async fn shutdown_closes_channel_sockets_with_1001() {
    let sim = start(common::scripted()).await;
    let (_, _, mut ws) = open_channel(&sim, &all_queue_topics(&sim)).await;
    assert!(sim.wait_for(|s| s.channel_sockets_open == 1, SOON).await);
    let reader = tokio::spawn(async move { close_code_within(&mut ws, SOON).await });
    sim.shutdown().await;
    assert_eq!(reader.await.unwrap(), Some(1001));
}
