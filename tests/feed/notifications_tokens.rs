//! Tokens the Notifications API stops taking (docs/PROTOCOL.md, "OAuth
//! client credentials", "Channel lifetime and handover"): a REST 401 is
//! answered with a new token at once, also during a handover and right
//! after an at-once reconnect; a revoked token brings new channels
//! without a gap. Against the simulator; tokio time is paused.

use std::time::Duration;

use crate::common::*;
use crate::fixtures::assert_no_secret;
use queuetop::event::{ConnState, FeedEvent};
use queuetop::feed;
use queuetop::sim::SimOptions;
use tokio::time::Instant;

/// Sooner than any backoff: `rc()` starts at 1 s, and its jitter waits at
/// least half a step.
const AT_ONCE: Duration = Duration::from_millis(499);

#[tokio::test(start_paused = true)]
async fn a_refused_token_on_rest_is_refreshed_at_once() {
    let sim = start_simulator(scripted(1, 2)).await;
    let (id, name) = sim.queues()[0].clone();
    sim.control().refuse_rest_tokens(1);
    let t0 = Instant::now();
    // By id only: its name comes from the lookup after the 401.
    let mut h = feed::spawn(notifications_config(&sim, vec![queue_by_id(&id)]));
    let (before, _) = acked(&mut h).await;
    assert!(t0.elapsed() <= AT_ONCE, "{:?}", t0.elapsed());
    assert!(before.contains(&FeedEvent::QueueName { queue_id: id, name }));
    let stats = sim.stats();
    assert_eq!((stats.rest_unauthorized, stats.token_requests), (1, 2));
    quit(h).await;
}

/// A refused token is replaced at once, even right after an at-once
/// reconnect (which would otherwise make the next retry back off).
#[tokio::test(start_paused = true)]
async fn a_refused_token_is_replaced_at_once_even_after_an_at_once_reconnect() {
    let sim = start_simulator(scripted(1, 2)).await;
    let mut h = follow_everything(&sim);
    acked(&mut h).await;
    assert_eq!(sim.stats().token_requests, 1);
    sim.control().refuse_rest_tokens(1);
    // "Going away": reconnect at once; the first REST call is then refused.
    sim.control().close_all(1001);
    let (_, ev) = recv_until(&mut h.events, LIMIT, |e| {
        matches!(e, FeedEvent::Status(s) if s.last_error.as_deref().is_some_and(|m| m.contains("401")))
    })
    .await;
    let FeedEvent::Status(status) = ev else {
        unreachable!()
    };
    let ConnState::Reconnecting { next_try, .. } = status.state else {
        panic!("{status:?}");
    };
    assert!(
        next_try <= Instant::now(),
        "the new token is fetched at once, not after a backoff: {:?} to go",
        next_try - Instant::now()
    );
    acked(&mut h).await;
    assert_eq!(sim.stats().token_requests, 2);
    quit(h).await;
}

#[tokio::test(start_paused = true)]
async fn a_failed_handover_keeps_the_old_channel_and_tries_again_later() {
    let sim = start_simulator(scripted(1, 2)).await;
    let queue_id = sim.queues()[0].0.clone();
    let mut h = follow_everything(&sim);
    acked(&mut h).await;
    // The handover's channel request is refused twice (401): once with the
    // old token and once with the fresh one it fetches at once, so the
    // handover fails and is tried again later.
    sim.control().refuse_rest_tokens(2);
    let t0 = Instant::now();
    sim.control().send_socket_closing();
    let mut seen = Vec::new();
    until(&mut h, &mut seen, LIMIT, "the retried handover", || {
        let stats = sim.stats();
        stats.channels_created == 2 && stats.channel_sockets_open == 1
    })
    .await;
    assert!(
        t0.elapsed() >= Duration::from_secs(10),
        "{:?}",
        t0.elapsed()
    );
    let stats = sim.stats();
    assert_eq!(stats.rest_unauthorized, 2);
    assert_eq!(stats.token_requests, 3, "each refused token was replaced");
    assert_eq!(
        stats.closes_sent, 0,
        "we closed the old channel, not the server"
    );
    sim.control().push(observed(&queue_id, 1));
    until_id(&mut h, &mut seen, 1).await;
    assert!(!any_status(&seen), "{seen:#?}");
    quit(h).await;
}

#[tokio::test(start_paused = true)]
async fn a_revoked_token_brings_a_new_token_and_new_channels_without_a_gap() {
    let (logs, _guard) = capture_logs();
    let sim = start_simulator(SimOptions {
        queues: 2,
        agents_per_queue: 3,
        ..SimOptions::default()
    })
    .await;
    let mut h = follow_everything(&sim);
    let (first, _) = acked(&mut h).await;
    let mut seen: Vec<FeedEvent> = first.into_iter().filter(|e| !any_status([e])).collect();
    until(&mut h, &mut seen, LIMIT, "some notifications", || {
        sim.stats().notifications_sent >= 10
    })
    .await;
    assert_eq!(sim.control().revoke_all_tokens(), 1);
    let (before, ev) = recv_until(&mut h.events, LIMIT, |e| {
        matches!(e, FeedEvent::Trouble { resolved: true, .. })
    })
    .await;
    seen.extend(before);
    seen.push(ev);
    assert_eq!(troubles(&seen, "token_revoked"), [false, true]);
    let stats = sim.stats();
    assert_eq!((stats.token_requests, stats.channels_created), (2, 2));
    until(&mut h, &mut seen, LIMIT, "the old channel closed", || {
        sim.stats().channel_sockets_open == 1
    })
    .await;
    assert_eq!(sim.stats().closes_sent, 0, "we closed it, not the server");
    let target = sim.stats().last_correlation_id + 1;
    until_id(&mut h, &mut seen, target).await;
    each_once(&seen, true);
    assert!(!any_status(&seen), "{seen:#?}");
    let text = logs.text();
    assert!(text.contains("token was revoked"), "{text}");
    assert_no_secret(&text, &sim, "the log");
    quit(h).await;
}
