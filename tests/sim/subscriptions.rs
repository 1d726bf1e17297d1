//! A subscription naming a topic the service does not take (an unknown
//! topic, an id that is not a UUID, one the `invalid_topics` fault names)
//! fails whole with 400 and a Genesys error body naming the topic, even
//! with `ignoreErrors=true`: that softens failed permission checks only.
//! Nothing of such a request is subscribed. Real HTTP on 127.0.0.1.

use crate::common::notif::{self, get};
use crate::common::{start, token};
use queuetop::sim::SimOptions;

fn opts() -> SimOptions {
    SimOptions {
        generate: false,
        queues: 2,
        ..SimOptions::default()
    }
}

/// The channel's topics, sorted.
async fn subscribed(sim: &queuetop::sim::SimHandle, t: &str, channel: &str) -> Vec<String> {
    let r = get(
        sim,
        t,
        &format!("/api/v2/notifications/channels/{channel}/subscriptions"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut out: Vec<String> = r.body["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .filter_map(|e| e["id"].as_str().map(str::to_string))
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn unknown_or_malformed_topics_fail_the_whole_subscription_with_400() {
    let sim = start(opts()).await;
    let t = token(&sim).await;
    let qs: Vec<String> = sim.queues().into_iter().map(|q| q.0).collect();
    let good = notif::queue_topic(&qs[0]);
    let (id, _, _) = notif::create_channel(&sim, &t).await;
    let ok = notif::subscribe(&sim, &t, &id, std::slice::from_ref(&good)).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    for bad in [
        "v2.something.else".to_string(),
        notif::queue_topic("support-en"),
        format!("v2.users.{}.conversations", qs[1]),
        format!("v2.routing.queues.{}.members", qs[1]),
    ] {
        let r = notif::subscribe(&sim, &t, &id, &[notif::queue_topic(&qs[1]), bad.clone()]).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
        assert_eq!(r.body["status"], 400, "{}", r.body);
        assert_eq!(r.body["code"], "bad.request", "{}", r.body);
        let message = r.body["message"].as_str().unwrap_or_default();
        assert!(message.contains(&bad), "{bad} not named in {message:?}");
        // The PUT that failed replaced nothing.
        assert_eq!(subscribed(&sim, &t, &id).await, vec![good.clone()]);
    }
}

#[tokio::test]
async fn the_invalid_topics_fault_fails_a_subscription_naming_the_topic() {
    let sim = start(opts()).await;
    let t = token(&sim).await;
    let qs: Vec<String> = sim.queues().into_iter().map(|q| q.0).collect();
    let topic = notif::queue_topic(&qs[1]);
    let (id, _, _) = notif::create_channel(&sim, &t).await;
    let before = notif::subscribe(&sim, &t, &id, std::slice::from_ref(&topic)).await;
    assert_eq!(before.status, 200, "{}", before.body);
    // By queue id: every topic of that queue.
    sim.control().set_invalid_topics(vec![qs[1].clone()]);
    let topics = [notif::queue_topic(&qs[0]), topic.clone()];
    let r = notif::subscribe(&sim, &t, &id, &topics).await;
    assert_eq!(r.status, 400, "{}", r.body);
    let message = r.body["message"].as_str().unwrap_or_default();
    assert!(message.contains(&topic), "{message:?}");
    assert!(!message.contains(&topics[0]), "{message:?}");
    sim.control().set_invalid_topics(Vec::new());
    let after = notif::subscribe(&sim, &t, &id, &topics).await;
    assert_eq!(after.status, 200, "{}", after.body);
}

/// A topic named twice in one request is held once, and counted.
#[tokio::test]
async fn a_topic_named_twice_is_held_once_and_counted() {
    let sim = start(opts()).await;
    let t = token(&sim).await;
    let q = sim.queues()[0].0.clone();
    let topic = notif::queue_topic(&q);
    let (id, _, _) = notif::create_channel(&sim, &t).await;
    let r = notif::subscribe(&sim, &t, &id, &[topic.clone(), topic.clone()]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(subscribed(&sim, &t, &id).await, vec![topic.clone()]);
    assert_eq!(sim.stats().topics_repeated, 1);
    let r = notif::subscribe(&sim, &t, &id, &[topic]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(sim.stats().topics_repeated, 1);
}
