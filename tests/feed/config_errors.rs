//! A subscription the service refuses as malformed (400, even with
//! `ignoreErrors=true`) is a config error: the notifications feed stops
//! with a message naming the topic instead of retrying it for ever.
//! Against the built-in simulator on 127.0.0.1, in paused tokio time.

use std::time::Duration;

use crate::common::*;
use queuetop::config::Protocol;
use queuetop::event::{ConnState, FeedCommand, FeedEvent};
use queuetop::feed;
use queuetop::sim::SimOptions;

#[tokio::test(start_paused = true)]
async fn a_subscription_refused_as_malformed_stops_the_feed_naming_the_topic() {
    let sim = start_simulator(SimOptions {
        queues: 3,
        agents_per_queue: 2,
        ..SimOptions::default()
    })
    .await;
    let qs = sim.queues();
    let topic = format!("v2.analytics.queues.{}.observations", qs[1].0);
    sim.control().set_invalid_topics(vec![topic.clone()]);
    // Reconnecting for ever is the default: a config error must still stop.
    let cfg = sim_config(&sim, Protocol::Notifications, by_id(&sim), rc());
    let mut h = feed::spawn(cfg);
    let (_, stopped) = recv_until(&mut h.events, LIMIT, |e| {
        is_state(e, |s| matches!(s, ConnState::Stopped { .. }))
    })
    .await;
    let FeedEvent::Status(status) = stopped else {
        unreachable!()
    };
    let ConnState::Stopped { reason } = status.state else {
        unreachable!()
    };
    assert!(reason.contains(&topic), "topic not named: {reason}");
    assert!(!reason.contains(&qs[0].0), "a good queue blamed: {reason}");
    // Stopped means stopped: no subscription is tried again on its own.
    let calls = sim.stats().rest_requests;
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert_eq!(sim.stats().rest_requests, calls, "retried after stopping");
    h.commands.send(FeedCommand::Quit).await.unwrap();
    recv_until(&mut h.events, LIMIT, |e| {
        is_state(e, |s| *s == ConnState::Closed)
    })
    .await;
    h.task.await.unwrap();
}
