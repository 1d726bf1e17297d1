//! A notifications channel lives and dies like a real one: with the token
//! that created it, and through the system topics
//! `v2.system.no_longer_subscribed.{id}` and `v2.system.token_revoked.{id}`.
//! Real HTTP and WebSockets on 127.0.0.1, paused tokio time where time
//! matters.

use crate::common;
use std::time::Duration;

use crate::common::notif::{self, next_note, next_within, open_channel, queue_topic};
use crate::common::{Client, SOON, start, token};
use futures_util::{SinkExt, StreamExt};
use queuetop::sim::SimOptions;
use serde_json::Value;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

/// Reads until the server's close frame: `(code, reason)`.
async fn close_of(ws: &mut Client, bound: Duration) -> (u16, String) {
    loop {
        let msg = tokio::time::timeout(bound, ws.next())
            .await
            .expect("no close within the bound");
        match msg {
            Some(Ok(Message::Close(Some(f)))) => return (f.code.into(), f.reason.to_string()),
            Some(Ok(_)) => continue,
            other => panic!("ended without a close frame: {other:?}"),
        }
    }
}

/// Pings and waits for the pong (heartbeats may come first).
async fn answers(ws: &mut Client) {
    ws.send(Message::text(r#"{"message":"ping"}"#))
        .await
        .unwrap();
    for _ in 0..100 {
        if next_within(ws, SOON).await["eventBody"]["message"] == "pong" {
            return;
        }
    }
    panic!("no pong");
}

fn scripted(token_lifetime_s: u64) -> SimOptions {
    SimOptions {
        token_lifetime_s,
        socket_closing_grace: Duration::from_secs(5),
        ..common::scripted()
    }
}

fn topics(sim: &queuetop::sim::SimHandle) -> Vec<String> {
    sim.queues().iter().map(|q| queue_topic(&q.0)).collect()
}

#[tokio::test(start_paused = true)]
async fn a_channel_dies_with_the_token_that_created_it() {
    let sim = start(scripted(300)).await;
    let topics = topics(&sim);
    let t0 = Instant::now();
    let (_, old_id, mut old) = open_channel(&sim, &topics).await;
    let old_uri = format!("ws://{}/channels/{old_id}", sim.addr());
    // A channel made later with a longer-lived token outlives it.
    sim.control().set_token_lifetime(3600);
    let (fresh_token, _, mut fresh) = open_channel(&sim, &topics).await;

    let (code, reason) = close_of(&mut old, Duration::from_secs(400)).await;
    assert_eq!(code, 1000);
    assert!(reason.contains("token expired"), "{reason}");
    let lived = t0.elapsed();
    assert!(
        lived >= Duration::from_secs(299) && lived < Duration::from_secs(310),
        "{lived:?}"
    );
    assert_eq!(sim.stats().channels_closed_with_token, 1);

    // The channel is gone: no socket, no subscriptions.
    let err = tokio_tungstenite::connect_async(&old_uri)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("401"), "{err}");
    let r = notif::subscribe(&sim, &fresh_token, &old_id, &topics).await;
    assert_eq!(r.status, 404);
    // The other channel still answers.
    answers(&mut fresh).await;
}

#[tokio::test]
async fn no_longer_subscribed_stops_delivery_until_subscribed_again() {
    let sim = start(SimOptions {
        queues: 2,
        event_interval: Duration::from_millis(2),
        ..SimOptions::default()
    })
    .await;
    let topics = topics(&sim);
    let (t, id, mut ws) = open_channel(&sim, &topics).await;
    next_note(&mut ws).await;
    assert_eq!(sim.control().channel_ids(), vec![id.clone()]);
    assert!(sim.control().no_longer_subscribed(&id));
    let mut v = next_note(&mut ws).await;
    while v["topicName"]
        .as_str()
        .unwrap()
        .starts_with("v2.analytics.")
    {
        v = next_note(&mut ws).await;
    }
    assert_eq!(
        v["topicName"],
        format!("v2.system.no_longer_subscribed.{id}")
    );
    assert_eq!(v["eventBody"]["channelId"], id.as_str());
    assert_eq!(v["eventBody"]["systemTopicType"], "no_longer_subscribed");

    let sent = sim.stats().notifications_sent;
    let published = sim.stats().notifications_published;
    assert!(
        sim.wait_for(|s| s.notifications_published > published + 200, SOON)
            .await
    );
    assert_eq!(
        sim.stats().notifications_sent,
        sent,
        "nothing delivered meanwhile"
    );
    let r = notif::get(
        &sim,
        &t,
        &format!("/api/v2/notifications/channels/{id}/subscriptions"),
    )
    .await;
    assert_eq!(r.body["entities"], Value::Array(Vec::new()));

    let r = notif::subscribe(&sim, &t, &id, &topics).await;
    assert_eq!(r.status, 200);
    let v = next_note(&mut ws).await;
    assert!(
        v["topicName"]
            .as_str()
            .unwrap()
            .starts_with("v2.analytics.queues."),
        "{v}"
    );
    assert!(!sim.control().no_longer_subscribed("no-such-channel"));
}

#[tokio::test(start_paused = true)]
async fn a_revoked_token_is_refused_and_its_channels_close() {
    let sim = start(scripted(86_400)).await;
    let topics = topics(&sim);
    let (t, id, mut ws) = open_channel(&sim, &topics).await;
    let (other_token, other_id, mut other) = open_channel(&sim, &topics).await;
    assert_eq!(sim.control().revoke_token(&t), 1);
    let v = next_note(&mut ws).await;
    assert_eq!(v["topicName"], format!("v2.system.token_revoked.{id}"));
    assert_eq!(v["eventBody"]["systemTopicType"], "token_revoked");
    let r = notif::get(&sim, &t, "/api/v2/routing/queues").await;
    assert_eq!(r.status, 401, "{}", r.body);

    let t0 = Instant::now();
    let (code, reason) = close_of(&mut ws, Duration::from_secs(30)).await;
    assert_eq!(code, 1000);
    assert!(reason.contains("token revoked"), "{reason}");
    assert!(
        t0.elapsed() >= Duration::from_secs(4),
        "after the grace: {:?}",
        t0.elapsed()
    );
    assert_eq!(sim.stats().tokens_revoked, 1);
    assert_eq!(sim.control().channel_ids(), vec![other_id]);

    // The other token's channel lives on; a new token works.
    answers(&mut other).await;
    assert_eq!(
        notif::get(&sim, &other_token, "/api/v2/routing/queues")
            .await
            .status,
        200
    );
    assert_eq!(sim.control().revoke_token(&t), 0, "already revoked");
    assert_eq!(sim.control().revoke_all_tokens(), 1);
    let fresh = token(&sim).await;
    assert_eq!(
        notif::get(&sim, &fresh, "/api/v2/routing/queues")
            .await
            .status,
        200
    );
}
