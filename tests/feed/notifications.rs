//! The notifications feed against the built-in simulator's Notifications API
//! (docs/PROTOCOL.md, "Notifications API"): real REST, real channel sockets,
//! faults injected through SimControl. The simulator numbers every notification
//! from one global sequence (its CorrelationId), so every test can check that
//! each one was applied exactly once. Where time matters, tokio time is paused.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use crate::common::*;
use queuetop::config::{Config, EventType, Protocol, QueueConfig, ReconnectConfig};
use queuetop::event::{ConnState, FeedEvent, QueueEvent, QueueEventKind};
use queuetop::feed::{self, FeedHandle};
use queuetop::sim::{SimHandle, SimOptions};
use tokio::time::Instant;

fn cfg(sim: &SimHandle, queues: Vec<QueueConfig>, rc: ReconnectConfig) -> Arc<Config> {
    sim_config(sim, Protocol::Notifications, queues, rc)
}

/// Every notification seen was applied once: per CorrelationId, no event
/// (type and queue) twice; when we follow every topic (`complete`), no
/// number is missing below the highest seen either. Returns the highest.
fn each_once(seen: &[FeedEvent], complete: bool) -> u64 {
    let mut per: HashMap<u64, Vec<(String, String)>> = HashMap::new();
    for q in seen.iter().filter_map(queue_ev) {
        if let Some(c) = &q.correlation_id {
            let n: u64 = c.parse().expect("the simulator numbers notifications");
            let key = (
                q.kind.type_name().to_string(),
                q.kind.queue_id().to_string(),
            );
            let list = per.entry(n).or_default();
            assert!(
                !list.contains(&key),
                "notification {n} applied twice: {key:?}"
            );
            list.push(key);
        }
    }
    let ids: BTreeSet<u64> = per.keys().copied().collect();
    let max = ids.last().copied().unwrap_or(0);
    if complete {
        let missing: Vec<u64> = (1..=max).filter(|n| !ids.contains(n)).collect();
        assert!(missing.is_empty(), "never applied: {missing:?}");
    }
    max
}

/// Drains events until one carries CorrelationId `target` or more.
async fn until_id(h: &mut FeedHandle, seen: &mut Vec<FeedEvent>, target: u64) {
    let (more, ev) = recv_until(&mut h.events, LIMIT, |e| {
        queue_ev(e)
            .and_then(|q| q.correlation_id.as_deref())
            .and_then(|c| c.parse::<u64>().ok())
            .is_some_and(|n| n >= target)
    })
    .await;
    seen.extend(more);
    seen.push(ev);
}

fn reconnects(seen: &[FeedEvent]) -> usize {
    seen.iter()
        .filter(|e| is_state(e, |s| matches!(s, ConnState::Reconnecting { .. })))
        .count()
}

#[tokio::test(start_paused = true)]
async fn start_up_from_names_snapshot_first_then_live_and_no_secret_in_logs() {
    let (logs, _guard) = capture_logs();
    let sim = start_simulator(SimOptions {
        queues: 250,
        agents_per_queue: 3,
        ..SimOptions::default()
    })
    .await;
    let all = sim.queues();
    // Two by name (looked up over REST), one by id only (its name comes back).
    let wanted = vec![
        named(&all[7].1),
        named(&all[242].1),
        queue(&all[120].0, &[EventType::QueueSummary]),
    ];
    let mut h = feed::spawn(cfg(&sim, wanted, rc()));
    let (before, count) = acked(&mut h).await;
    assert!(
        count >= 3,
        "three queue topics and the members' user topics: {count}"
    );

    let names: Vec<(String, String)> = before
        .iter()
        .filter_map(|e| match e {
            FeedEvent::QueueName { queue_id, name } => Some((queue_id.clone(), name.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(names, [all[7].clone(), all[242].clone(), all[120].clone()]);
    let snaps: Vec<&QueueEvent> = before.iter().filter_map(queue_ev).collect();
    assert_eq!(
        snaps.len(),
        3,
        "one snapshot line per queue, nothing else yet"
    );
    assert!(snaps.iter().all(|q| q.snapshot && q.topic == "snapshot"));
    // Then the rosters from the member lists, so no queue shows an empty
    // roster until its agents change status.
    let members: Vec<(usize, &queuetop::event::AgentState)> = before
        .iter()
        .enumerate()
        .filter_map(|(i, e)| match e {
            FeedEvent::Member { agent, .. } => Some((i, agent)),
            _ => None,
        })
        .collect();
    let last_snap = before.iter().rposition(|e| queue_ev(e).is_some());
    assert!(members.iter().all(|(i, _)| Some(*i) > last_snap));
    for (id, _) in &names {
        let n = members.iter().filter(|(_, a)| &a.queue_id == id).count();
        // Three agents, and the simulator's members that are not joined.
        assert!(n >= 3, "{n} members in {id}");
    }
    assert!(members.iter().all(|(_, a)| a.user_name.is_some()
        && a.skills.iter().all(|s| !queuetop::subscription::is_uuid(s))));
    let skills: Vec<String> = snaps
        .iter()
        .flat_map(|q| match &q.kind {
            QueueEventKind::Summary(s) => s.skills.keys().cloned().collect::<Vec<_>>(),
            _ => Vec::new(),
        })
        .collect();
    assert!(!skills.is_empty(), "members bring their skills");
    assert!(
        skills.iter().all(|s| !queuetop::subscription::is_uuid(s)),
        "skills are shown by name: {skills:?}"
    );

    // Then notifications flow, each applied once.
    let mut seen = Vec::new();
    until(
        &mut h,
        &mut seen,
        LIMIT,
        "twenty notifications to us",
        || sim.stats().notifications_sent >= 20,
    )
    .await;
    let (more, _) = recv_until(&mut h.events, LIMIT, |e| {
        queue_ev(e).is_some_and(|q| !q.snapshot && q.correlation_id.is_some())
    })
    .await;
    seen.extend(more);
    each_once(&seen, false);
    assert_eq!(reconnects(&seen), 0);
    quit(h).await;

    let text = logs.text();
    assert!(text.contains("channel created") && text.contains("channel connected"));
    let tokens = sim.issued_tokens();
    assert!(!tokens.is_empty());
    for secret in tokens
        .iter()
        .map(String::as_str)
        .chain([sim.client_secret()])
    {
        assert!(!text.contains(secret), "a secret leaked into the log");
    }
}

/// Every queue and member followed, so every notification is ours.
async fn everything(sim: &SimHandle) -> FeedHandle {
    feed::spawn(cfg(sim, by_id(sim), rc()))
}

#[tokio::test(start_paused = true)]
async fn socket_closing_hands_over_make_before_break_and_nothing_is_lost_or_doubled() {
    let sim = start_simulator(SimOptions {
        queues: 4,
        agents_per_queue: 3,
        ..SimOptions::default()
    })
    .await;
    let mut h = everything(&sim).await;
    let (first, _) = acked(&mut h).await;
    let mut seen = first;
    sim.control()
        .set_socket_closing_every(Some(Duration::from_secs(20)));
    until(
        &mut h,
        &mut seen,
        Duration::from_secs(600),
        "three handovers",
        || sim.stats().channels_created >= 4,
    )
    .await;
    sim.control().set_socket_closing_every(None);
    let target = sim.stats().last_correlation_id;
    until_id(&mut h, &mut seen, target).await;
    assert!(each_once(&seen, true) >= target.max(20), "{target}");
    assert_eq!(reconnects(&seen), 0, "a handover is not a reconnect");
    assert!(sim.stats().socket_closing_sent >= 3);
    assert!(
        sim.wait_for(|s| s.channel_sockets_open == 1, Duration::from_secs(10))
            .await,
        "old channels were closed by us: {:?}",
        sim.stats()
    );
    assert!(h.gauges.dedupe_held() <= queuetop::feed::notifications::dedupe::DEDUPE_CAPACITY);
    quit(h).await;
}

#[tokio::test(start_paused = true)]
async fn channels_roll_over_before_their_24h_expiry() {
    let sim = start_simulator(SimOptions {
        queues: 2,
        agents_per_queue: 2,
        event_interval: Duration::from_secs(20),
        ..SimOptions::default()
    })
    .await;
    let mut h = everything(&sim).await;
    let (mut seen, _) = acked(&mut h).await;
    let t0 = Instant::now();
    until(
        &mut h,
        &mut seen,
        Duration::from_secs(26 * 3600),
        "a second channel",
        || sim.stats().channels_created >= 2,
    )
    .await;
    let took = t0.elapsed();
    assert!(took >= Duration::from_secs(86_400 - 660), "{took:?}");
    assert!(took < Duration::from_secs(86_400), "{took:?}");
    let target = sim.stats().last_correlation_id + 1;
    until_id(&mut h, &mut seen, target).await;
    each_once(&seen, true);
    assert_eq!(reconnects(&seen), 0);
    assert_eq!(sim.stats().channels_expired, 0, "rolled over before expiry");
    quit(h).await;
}

#[tokio::test(start_paused = true)]
async fn heartbeat_silence_is_a_dead_channel_and_the_feed_reconnects() {
    let sim = start_simulator(SimOptions {
        queues: 2,
        agents_per_queue: 2,
        ..SimOptions::default()
    })
    .await;
    let mut h = everything(&sim).await;
    acked(&mut h).await;
    sim.control().go_silent(true);
    let t0 = Instant::now();
    let (_, ev) = recv_until(&mut h.events, LIMIT, |e| {
        is_state(e, |s| matches!(s, ConnState::Reconnecting { .. }))
    })
    .await;
    let FeedEvent::Status(st) = ev else {
        unreachable!()
    };
    assert!(st.last_error.unwrap().contains("nothing received"));
    assert!(
        t0.elapsed() >= Duration::from_secs(37),
        "{:?}",
        t0.elapsed()
    );
    assert!(
        t0.elapsed() <= Duration::from_secs(76),
        "{:?}",
        t0.elapsed()
    );
    sim.control().go_silent(false);
    let (again, _) = acked(&mut h).await;
    assert!(
        again.iter().filter_map(queue_ev).all(|q| !q.snapshot),
        "the snapshot is exported once; a reconnect refreshes counts as events"
    );
    quit(h).await;
}

#[tokio::test]
async fn a_rejected_topic_is_an_alert_and_the_other_queues_stay_live() {
    let sim = start_simulator(SimOptions {
        queues: 3,
        agents_per_queue: 2,
        event_interval: Duration::from_millis(50),
        ..SimOptions::default()
    })
    .await;
    let qs = sim.queues();
    let refused = format!("v2.analytics.queues.{}.observations", qs[1].0);
    sim.control().set_reject_topics(vec![refused.clone()]);
    let mut h = everything(&sim).await;
    let (before, _) = acked(&mut h).await;
    let rejected: Vec<(&String, &Option<String>)> = before
        .iter()
        .filter_map(|e| match e {
            FeedEvent::TopicRejected {
                topic, queue_id, ..
            } => Some((topic, queue_id)),
            _ => None,
        })
        .collect();
    assert_eq!(rejected, [(&refused, &Some(qs[1].0.clone()))]);
    let live = qs[0].0.clone();
    recv_until(&mut h.events, LIMIT, |e| {
        queue_ev(e).is_some_and(|q| !q.snapshot && q.kind.queue_id() == live)
    })
    .await;
    quit(h).await;
}

#[tokio::test(start_paused = true)]
async fn rest_429_waits_retry_after() {
    let sim = start_simulator(SimOptions {
        queues: 2,
        ..SimOptions::default()
    })
    .await;
    sim.control().rate_limit_rest(1, 7);
    let t0 = Instant::now();
    let mut h = everything(&sim).await;
    acked(&mut h).await;
    assert!(t0.elapsed() >= Duration::from_secs(7), "{:?}", t0.elapsed());
    assert_eq!(sim.stats().rest_rate_limited, 1);
    quit(h).await;
}

#[tokio::test]
async fn twelve_hundred_queues_take_two_channels() {
    let sim = start_simulator(SimOptions {
        queues: 1200,
        agents_per_queue: 1,
        generate: false,
        ..SimOptions::default()
    })
    .await;
    let mut h = everything(&sim).await;
    let (before, count) = acked(&mut h).await;
    assert!(count > 1000, "{count}");
    assert_eq!(
        before
            .iter()
            .filter_map(queue_ev)
            .filter(|q| q.snapshot)
            .count(),
        1200
    );
    let st = sim.stats();
    assert_eq!(st.channels_created, 2);
    assert_eq!(st.channel_sockets_open, 2);
    quit(h).await;
}

/// End to end on the simulator: with five-minute tokens every channel is
/// replaced before its token expires, and across those rollovers no
/// notification is lost or applied twice, and the feed never reconnects.
#[tokio::test(start_paused = true)]
async fn token_driven_rollovers_lose_and_double_nothing() {
    let sim = start_simulator(SimOptions {
        queues: 3,
        agents_per_queue: 3,
        token_lifetime_s: 300,
        ..SimOptions::default()
    })
    .await;
    let mut h = everything(&sim).await;
    let (first, _) = acked(&mut h).await;
    let mut seen = first;
    until(
        &mut h,
        &mut seen,
        Duration::from_secs(3600),
        "four token-driven rollovers",
        || sim.stats().channels_created >= 5,
    )
    .await;
    let target = sim.stats().last_correlation_id;
    until_id(&mut h, &mut seen, target).await;
    assert!(each_once(&seen, true) >= target.max(20), "{target}");
    assert_eq!(reconnects(&seen), 0, "a rollover is not a reconnect");
    assert!(sim.stats().token_requests >= 5, "{:?}", sim.stats());
    quit(h).await;
}
