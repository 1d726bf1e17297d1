//! Every fault knob, on real sockets: drops, silence, closes with each code,
//! token expiry while connected, malformed frames, flood and backpressure.

use std::time::Duration;

use crate::common::*;
use futures_util::{SinkExt, StreamExt};
use queuetop::sim::{Faults, SimOptions};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{self, Message};

fn with_faults(faults: Faults) -> SimOptions {
    SimOptions {
        faults,
        ..scripted()
    }
}

async fn summary_client(sim: &queuetop::sim::SimHandle) -> (Client, String) {
    let q = sim.queues()[0].0.clone();
    let ws = open_subscribed(sim, json!([sub(Some(&q), "queue-summary", None)])).await;
    (ws, q)
}

/// Reads frames until the socket ends; true when it ended without a close
/// frame (what the client reports as 1006).
async fn ended_without_close(ws: &mut Client) -> bool {
    loop {
        match next_msg(ws).await {
            Some(Ok(Message::Close(_))) => return false,
            Some(Ok(_)) => continue,
            Some(Err(tungstenite::Error::Protocol(
                tungstenite::error::ProtocolError::ResetWithoutClosingHandshake,
            )))
            | Some(Err(tungstenite::Error::Io(_)))
            | None => return true,
            Some(Err(e)) => panic!("unexpected error {e}"),
        }
    }
}

#[tokio::test]
async fn drop_after_n_events_ends_the_socket_without_a_close_frame() {
    let sim = start(with_faults(Faults {
        drop_after_events: Some(3),
        ..Faults::default()
    }))
    .await;
    let (mut ws, q) = summary_client(&sim).await;
    for n in 1..=5 {
        sim.control().push(summary(&q, n));
    }
    for n in 1..=3 {
        assert_eq!(next_json(&mut ws).await["data"]["interactionsWaiting"], n);
    }
    assert!(ended_without_close(&mut ws).await);
    let st = sim.stats();
    assert_eq!((st.events_sent, st.drops, st.closes_sent), (3, 1, 0));
    // The count starts afresh on the next connection.
    let (mut ws, _) = summary_client(&sim).await;
    sim.control().push(summary(&q, 7));
    assert_eq!(next_json(&mut ws).await["data"]["interactionsWaiting"], 7);
}

#[tokio::test]
async fn drop_all_ends_every_socket_without_a_close_frame() {
    let sim = start(scripted()).await;
    let (mut a, _) = summary_client(&sim).await;
    let (mut b, _) = summary_client(&sim).await;
    sim.control().drop_all();
    assert!(ended_without_close(&mut a).await);
    assert!(ended_without_close(&mut b).await);
    assert!(
        sim.wait_for(|s| s.connections_open == 0 && s.drops == 2, SOON)
            .await
    );
}

#[tokio::test(start_paused = true)]
async fn silent_keeps_the_socket_open_and_sends_nothing() {
    let sim = start(scripted()).await;
    let (mut ws, q) = summary_client(&sim).await;
    sim.control().go_silent(true);
    sim.control().push(summary(&q, 1));
    // A hung server does not even answer pings.
    ws.send(Message::Ping(b"anyone?".to_vec().into()))
        .await
        .unwrap();
    // Five minutes of virtual time: no event, no heartbeat, no pong, no close.
    let quiet = tokio::time::timeout(Duration::from_secs(300), ws.next()).await;
    assert!(quiet.is_err(), "expected silence, got {quiet:?}");
    assert_eq!(sim.stats().connections_open, 1);
    assert_eq!(sim.stats().heartbeats_sent, 0);
    sim.control().go_silent(false);
    sim.control().push(summary(&q, 2));
    // A heartbeat may come first: the socket has been idle for 300 s.
    assert_eq!(next_event(&mut ws).await["data"]["interactionsWaiting"], 2);
}

#[tokio::test(start_paused = true)]
async fn silent_before_subscribing_holds_the_ack_back() {
    let sim = start(with_faults(Faults {
        silent: true,
        ..Faults::default()
    }))
    .await;
    let q = sim.queues()[0].0.clone();
    let mut ws = open(&sim).await;
    ws.send(Message::text(
        json!([sub(Some(&q), "queue-summary", None)]).to_string(),
    ))
    .await
    .unwrap();
    assert!(
        tokio::time::timeout(Duration::from_secs(120), ws.next())
            .await
            .is_err()
    );
    sim.control().go_silent(false);
    assert_eq!(next_json(&mut ws).await["type"], "ack");
}

#[tokio::test]
async fn close_after_n_events_with_each_code() {
    for code in [1000u16, 1001, 4001, 4008, 4029] {
        let sim = start(with_faults(Faults {
            close_after_events: Some((2, code)),
            ..Faults::default()
        }))
        .await;
        let (mut ws, q) = summary_client(&sim).await;
        for n in 1..=3 {
            sim.control().push(summary(&q, n));
        }
        assert_eq!(next_json(&mut ws).await["type"], "queue-summary");
        assert_eq!(next_json(&mut ws).await["type"], "queue-summary");
        assert_eq!(close_code(&mut ws).await, Some(code), "code {code}");
        assert!(sim.wait_for(|s| s.connections_open == 0, SOON).await);
        assert_eq!(sim.stats().close_codes, vec![code]);
        assert_eq!(sim.stats().events_sent, 2);
    }
}

#[tokio::test]
async fn close_all_closes_with_the_given_code() {
    let sim = start(scripted()).await;
    let (mut ws, _) = summary_client(&sim).await;
    sim.control().close_all(1001);
    assert_eq!(close_code(&mut ws).await, Some(1001));
}

#[tokio::test]
async fn refused_subscriptions_fault_sends_error_then_4008() {
    let sim = start(scripted()).await;
    sim.control().refuse_subscriptions(true);
    let q = sim.queues()[0].0.clone();
    let mut ws = open(&sim).await;
    let reply = subscribe(&mut ws, json!([sub(Some(&q), "queue-summary", None)])).await;
    assert_eq!(reply["type"], "error");
    assert_eq!(close_code(&mut ws).await, Some(4008));
}

#[tokio::test(start_paused = true)]
async fn token_expiry_while_connected_closes_4001() {
    let sim = start(SimOptions {
        token_lifetime_s: 90,
        ..scripted()
    })
    .await;
    let (mut ws, _) = summary_client(&sim).await;
    let t0 = tokio::time::Instant::now();
    // Two heartbeats (30 s, 60 s), then 4001 at 90 s.
    for _ in 0..2 {
        let hb = next_json_within(&mut ws, Duration::from_secs(60)).await;
        assert_eq!(hb["type"], "heartbeat");
    }
    let code = close_code_within(&mut ws, Duration::from_secs(60)).await;
    assert_eq!(code, Some(4001));
    let waited = t0.elapsed();
    assert!(
        waited >= Duration::from_secs(89) && waited <= Duration::from_secs(92),
        "{waited:?}"
    );
    // Tokens issued after set_token_lifetime get the new lifetime.
    sim.control().set_token_lifetime(5);
    let resp = token_response(&sim, sim.client_id(), sim.client_secret()).await;
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["expires_in"], 5);
}

fn is_well_formed(m: &Message) -> bool {
    let Message::Text(t) = m else {
        return false;
    };
    let Ok(v) = serde_json::from_str::<Value>(t) else {
        return false;
    };
    v.get("type").is_some() && v.get("topic").is_some() && v.get("data").is_some()
}

#[tokio::test]
async fn malformed_frames_are_interleaved() {
    let sim = start(with_faults(Faults {
        malformed_every: Some(2),
        ..Faults::default()
    }))
    .await;
    let (mut ws, q) = summary_client(&sim).await;
    for n in 1..=10 {
        sim.control().push(summary(&q, n));
    }
    let mut good = Vec::new();
    let mut bad = 0;
    while good.len() < 10 {
        let m = next_msg(&mut ws).await.unwrap().unwrap();
        if is_well_formed(&m) {
            let Message::Text(t) = m else { unreachable!() };
            let v: Value = serde_json::from_str(&t).unwrap();
            good.push(v["data"]["interactionsWaiting"].as_u64().unwrap());
        } else {
            bad += 1;
        }
    }
    assert_eq!(good, (1..=10).collect::<Vec<_>>());
    assert_eq!(bad, 5);
    assert_eq!(sim.stats().malformed_sent, 5);
}

#[tokio::test]
async fn flood_writes_valid_frames_fast_and_blocks_on_a_full_socket() {
    let sim = start(with_faults(Faults {
        flood: true,
        ..Faults::default()
    }))
    .await;
    let ws = open_subscribed(
        &sim,
        json!([
            sub(None, "queue-summary", None),
            sub(None, "agent-state", None)
        ]),
    )
    .await;
    let mut ws = ws;
    let queues: Vec<String> = sim.queues().into_iter().map(|q| q.0).collect();
    for _ in 0..5000 {
        let m = next_msg(&mut ws).await.unwrap().unwrap();
        assert!(is_well_formed(&m), "{m:?}");
        let Message::Text(t) = m else { unreachable!() };
        let v: Value = serde_json::from_str(&t).unwrap();
        let ty = v["type"].as_str().unwrap();
        assert!(ty == "queue-summary" || ty == "agent-state", "{ty}");
        assert!(queues.iter().any(|q| v["data"]["queueId"] == q.as_str()));
    }
    // Stop reading: the server must block on the socket, not buffer. The
    // kernel buffers plus tungstenite's write buffer hold a few thousand
    // frames; an unbounded writer would pass this many in well under 3 s.
    let stopped_at = sim.stats().events_sent;
    let runaway = sim
        .wait_for(
            |s| s.events_sent > stopped_at + 100_000,
            Duration::from_secs(3),
        )
        .await;
    assert!(
        !runaway,
        "flood kept writing into a full socket: {:?}",
        sim.stats().events_sent
    );
    assert_eq!(sim.stats().events_lagged, 0);
    sim.control().set_flood(false);
    drop(ws);
    assert!(sim.wait_for(|s| s.connections_open == 0, SOON).await);
}

#[tokio::test]
async fn flood_respects_close_after_events() {
    let sim = start(with_faults(Faults {
        flood: true,
        close_after_events: Some((1000, 1001)),
        ..Faults::default()
    }))
    .await;
    let (mut ws, _) = summary_client(&sim).await;
    let mut events = 0;
    let code = loop {
        match next_msg(&mut ws).await.unwrap().unwrap() {
            Message::Close(f) => break f.map(|f| u16::from(f.code)),
            _ => events += 1,
        }
    };
    assert_eq!(code, Some(1001));
    assert_eq!(events, 1000);
    assert_eq!(sim.stats().events_sent, 1000);
}

#[tokio::test(start_paused = true)]
async fn drop_after_n_counts_the_first_snapshot_too() {
    let sim = start(SimOptions {
        queues: 6,
        faults: Faults {
            drop_after_events: Some(2),
            ..Faults::default()
        },
        ..SimOptions::default()
    })
    .await;
    let mut ws = open_subscribed(&sim, json!([sub(None, "queue-summary", None)])).await;
    assert_eq!(next_json(&mut ws).await["type"], "queue-summary");
    assert_eq!(next_json(&mut ws).await["type"], "queue-summary");
    assert!(ended_without_close(&mut ws).await);
    assert_eq!(sim.stats().events_sent, 2);
}
