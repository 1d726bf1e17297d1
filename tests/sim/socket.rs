//! The realtime v1 socket on real sockets: subscribe/ack, refusals, routing
//! of events to matching subscriptions, heartbeats, the generated center.

use std::time::Duration;

use crate::common::*;
use futures_util::SinkExt;
use queuetop::event::{AgentStatus, MediaType};
use queuetop::sim::SimOptions;
use serde_json::{Value, json};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

const MINUTE: Duration = Duration::from_secs(60);

fn is_rfc3339_ms(v: &Value) -> bool {
    let s = v.as_str().unwrap_or("");
    s.len() == 24 && s.ends_with('Z') && s.as_bytes()[19] == b'.'
}

#[tokio::test]
async fn subscribe_is_acked_with_the_ids() {
    let sim = start(scripted()).await;
    let q = sim.queues()[0].0.clone();
    let subs = json!([
        sub(Some(&q), "queue-summary", None),
        sub(None, "agent-state", None)
    ]);
    let mut ws = open(&sim).await;
    let ack = subscribe(&mut ws, subs.clone()).await;
    assert_eq!(ack["type"], "ack");
    assert_eq!(ack["topic"], "/system");
    assert!(is_rfc3339_ms(&ack["timestamp"]), "{ack}");
    let ids: Vec<&Value> = ack["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["id"])
        .collect();
    assert_eq!(ids, vec![&subs[0]["id"], &subs[1]["id"]]);
    let st = sim.stats();
    assert_eq!(st.subscribe_payloads, vec![subs.to_string()]);
    assert_eq!(st.acks_sent, 1);
}

async fn assert_refused(payload: Message) -> Value {
    let sim = start(scripted()).await;
    let mut ws = open(&sim).await;
    ws.send(payload).await.unwrap();
    let err = next_json(&mut ws).await;
    assert_eq!(err["type"], "error", "{err}");
    assert_eq!(err["topic"], "/system");
    assert!(err["data"]["code"].is_string(), "{err}");
    assert!(!err["message"].as_str().unwrap_or("").is_empty(), "{err}");
    assert_eq!(close_code(&mut ws).await, Some(4008));
    assert!(sim.wait_for(|s| s.connections_open == 0, SOON).await);
    assert_eq!(sim.stats().close_codes, vec![4008]);
    err
}

#[tokio::test]
async fn bad_subscriptions_get_an_error_then_4008() {
    assert_refused(Message::text("SELECT * FROM queues")).await;
    assert_refused(Message::text("[]")).await;
    let bad_id = json!([{"id": "42", "topic": "/routing/queues/events", "type": "queue-summary"}]);
    assert_refused(Message::text(bad_id.to_string())).await;
    let mut bad_type = sub(None, "queue-summary", None);
    bad_type["type"] = json!("everything");
    let err = assert_refused(Message::text(json!([bad_type]).to_string())).await;
    let _ = err;
    let bad_topic = json!([{"id": uuid::Uuid::new_v4().to_string(), "topic": "/users/events", "type": "queue-summary"}]);
    assert_refused(Message::text(bad_topic.to_string())).await;
    let too_many: Vec<Value> = (0..101).map(|_| sub(None, "queue-summary", None)).collect();
    assert_refused(Message::text(Value::Array(too_many).to_string())).await;
    assert_refused(Message::binary(b"[]".to_vec())).await;
}

#[tokio::test]
async fn events_go_only_to_matching_queue_and_type() {
    let sim = start(scripted()).await;
    let qs = sim.queues();
    let (q0, q1) = (qs[0].0.clone(), qs[1].0.clone());
    let mut ws = open_subscribed(&sim, json!([sub(Some(&q0), "queue-summary", None)])).await;
    let ctl = sim.control();
    ctl.push(summary(&q1, 9)); // other queue
    ctl.push(agent(&q0, AgentStatus::Idle)); // other type
    ctl.push(summary(&q0, 4));
    let ev = next_json(&mut ws).await;
    assert_eq!(ev["type"], "queue-summary");
    assert_eq!(ev["topic"], format!("/routing/queues/{q0}/events"));
    assert!(is_rfc3339_ms(&ev["timestamp"]), "{ev}");
    assert_eq!(
        ev["data"],
        json!({"queueId": q0, "queueName": "Scripted", "agentsAvailable": 1, "agentsLoggedIn": 3,
               "agentsInteracting": 2, "interactionsWaiting": 4, "skills": {}})
    );
    assert!(sim.wait_for(|s| s.events_sent == 1, SOON).await);
}

#[tokio::test]
async fn all_queues_topic_gets_every_queue_once_per_connection() {
    let sim = start(scripted()).await;
    let qs = sim.queues();
    // Two subscriptions that both match: the event is still sent once.
    let subs = json!([
        sub(None, "agent-state", None),
        sub(Some(&qs[2].0), "agent-state", None)
    ]);
    let mut ws = open_subscribed(&sim, subs).await;
    for (q, _) in &qs {
        sim.control().push(agent(q, AgentStatus::Interacting));
    }
    for (q, _) in &qs {
        let ev = next_json(&mut ws).await;
        assert_eq!(ev["type"], "agent-state");
        assert_eq!(ev["data"]["queueId"], q.as_str());
        assert_eq!(ev["data"]["status"], "INTERACTING");
        assert_eq!(ev["data"]["userName"], "Ana Ruiz");
        assert_eq!(ev["data"]["skills"], json!(["Spanish"]));
    }
    sim.control().push(interaction(&qs[0].0, MediaType::Voice));
    sim.control().push(agent(&qs[0].0, AgentStatus::OffQueue));
    let ev = next_json(&mut ws).await;
    assert_eq!(ev["data"]["status"], "OFF_QUEUE", "{ev}");
}

#[tokio::test(start_paused = true)]
async fn heartbeat_every_30s_on_an_idle_socket() {
    let sim = start(SimOptions {
        token_lifetime_s: 3 * 86_400,
        ..scripted()
    })
    .await;
    let q = sim.queues()[0].0.clone();
    let mut ws = open_subscribed(&sim, json!([sub(Some(&q), "queue-summary", None)])).await;
    let t0 = Instant::now();
    let hb = next_json_within(&mut ws, MINUTE).await;
    assert_eq!(
        hb,
        json!({"type": "heartbeat", "topic": "/system", "timestamp": hb["timestamp"], "data": {}})
    );
    assert!(is_rfc3339_ms(&hb["timestamp"]));
    let waited = t0.elapsed();
    assert!(
        waited >= Duration::from_secs(29) && waited <= Duration::from_secs(31),
        "{waited:?}"
    );
    // An event resets the idle timer.
    tokio::time::advance(Duration::from_secs(20)).await;
    sim.control().push(summary(&q, 1));
    assert_eq!(next_json(&mut ws).await["type"], "queue-summary");
    let t1 = Instant::now();
    assert_eq!(next_json_within(&mut ws, MINUTE).await["type"], "heartbeat");
    let waited = t1.elapsed();
    assert!(waited >= Duration::from_secs(29), "{waited:?}");
    // A day of idle socket is a day of heartbeats, in seconds of test.
    for _ in 0..(24 * 120 - 2) {
        assert_eq!(next_json_within(&mut ws, MINUTE).await["type"], "heartbeat");
    }
    assert!(sim.stats().heartbeats_sent >= 24 * 120);
}

#[tokio::test(start_paused = true)]
async fn generated_center_sends_a_snapshot_then_changes() {
    let sim = start(SimOptions {
        seed: 5,
        queues: 2,
        ..SimOptions::default()
    })
    .await;
    let q = sim.queues()[1].clone();
    let subs = json!([
        sub(Some(&q.0), "queue-summary", None),
        sub(Some(&q.0), "queue-interaction", None),
        sub(Some(&q.0), "agent-state", None)
    ]);
    let mut ws = open_subscribed(&sim, subs).await;
    let snap = next_json(&mut ws).await;
    assert_eq!(snap["type"], "queue-summary");
    assert_eq!(snap["data"]["queueId"], q.0.as_str());
    assert_eq!(snap["data"]["queueName"], q.1.as_str());
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..300 {
        let ev = next_json(&mut ws).await;
        assert_eq!(ev["data"]["queueId"], q.0.as_str(), "{ev}");
        seen.insert(ev["type"].as_str().unwrap().to_string());
    }
    for ty in ["queue-summary", "queue-interaction", "agent-state"] {
        assert!(seen.contains(ty), "{ty} never sent: {seen:?}");
    }
}

#[tokio::test]
async fn later_client_messages_are_ignored_and_close_is_answered() {
    let sim = start(scripted()).await;
    let q = sim.queues()[0].0.clone();
    let mut ws = open_subscribed(&sim, json!([sub(Some(&q), "queue-summary", None)])).await;
    ws.send(Message::text("{\"message\":\"ping\"}"))
        .await
        .unwrap();
    sim.control().push(summary(&q, 2));
    assert_eq!(next_json(&mut ws).await["data"]["interactionsWaiting"], 2);
    ws.close(None).await.unwrap();
    assert!(sim.wait_for(|s| s.connections_open == 0, SOON).await);
}

#[tokio::test]
async fn filters_are_applied_server_side() {
    let sim = start(scripted()).await;
    let q = sim.queues()[0].0.clone();
    let subs = json!([
        sub(
            Some(&q),
            "queue-interaction",
            Some("mediaType == \"voice\" || mediaType == \"callback\"")
        ),
        sub(
            None,
            "agent-state",
            Some("skill == \"Spanish\" && status != \"OFF_QUEUE\"")
        ),
    ]);
    let mut ws = open_subscribed(&sim, subs).await;
    let ctl = sim.control();
    ctl.push(interaction(&q, MediaType::Chat));
    ctl.push(interaction(&q, MediaType::Email));
    ctl.push(agent(&q, AgentStatus::OffQueue)); // has Spanish, but off queue
    ctl.push(interaction(&q, MediaType::Voice));
    ctl.push(agent(&q, AgentStatus::Idle));
    ctl.push(interaction(&q, MediaType::Callback));
    let a = next_json(&mut ws).await;
    assert_eq!(
        (a["type"].as_str(), a["data"]["mediaType"].as_str()),
        (Some("queue-interaction"), Some("voice"))
    );
    let b = next_json(&mut ws).await;
    assert_eq!(
        (b["type"].as_str(), b["data"]["status"].as_str()),
        (Some("agent-state"), Some("IDLE"))
    );
    let c = next_json(&mut ws).await;
    assert_eq!(c["data"]["mediaType"], "callback");
    assert!(sim.wait_for(|s| s.events_sent == 3, SOON).await);
}

#[tokio::test]
async fn unparsable_filter_is_refused_naming_the_subscription() {
    let sim = start(scripted()).await;
    let q = sim.queues()[0].0.clone();
    let good = sub(Some(&q), "queue-summary", None);
    let bad = sub(Some(&q), "queue-interaction", Some("SELECT * FROM queues"));
    let mut ws = open(&sim).await;
    let err = subscribe(&mut ws, json!([good, bad.clone()])).await;
    assert_eq!(err["type"], "error", "{err}");
    assert_eq!(err["data"]["code"], "invalid_filter", "{err}");
    assert_eq!(err["data"]["subscriptionId"], bad["id"], "{err}");
    assert_eq!(close_code(&mut ws).await, Some(4008));
}
