//! The notifications feed against the built-in simulator's Notifications API
//! (docs/PROTOCOL.md, "Notifications API"): real REST, real channel sockets,
//! faults injected through SimControl. The simulator numbers every notification
//! from one global sequence (its CorrelationId), so every test can check that
//! each one was applied exactly once. Where time matters, tokio time is paused.

use std::time::Duration;

use crate::common::*;
use crate::fixtures::assert_no_secret;
use queuetop::config::EventType;
use queuetop::event::{FeedEvent, QueueEvent, QueueEventKind};
use queuetop::feed;
use queuetop::sim::SimOptions;
use tokio::time::Instant;

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
    // 21 by name: more than 20 lookups, so every queue is listed once,
    // a page per 100; and one by id only (its name comes back).
    let picked: Vec<usize> = [7].into_iter().chain(230..250).chain([120]).collect();
    let mut wanted: Vec<_> = picked[..21].iter().map(|&i| named(&all[i].1)).collect();
    wanted.push(queue(&all[120].0, &[EventType::QueueSummary]));
    let mut h = feed::spawn(notifications_config(&sim, wanted));
    let (before, count) = acked(&mut h).await;
    assert!(
        count >= 2 * picked.len(),
        "observation and membership topics per queue, and the members' user topics: {count}"
    );
    for page in 1..=3 {
        let listing = format!("GET /api/v2/routing/queues?pageSize=100&pageNumber={page}");
        assert_eq!(rest_calls(&sim, &listing), 1, "{listing}");
    }
    assert_eq!(rest_calls(&sim, "GET /api/v2/routing/queues?name="), 0);

    let names: Vec<(String, String)> = before
        .iter()
        .filter_map(|e| match e {
            FeedEvent::QueueName { queue_id, name } => Some((queue_id.clone(), name.clone())),
            _ => None,
        })
        .collect();
    let expected: Vec<(String, String)> = picked.iter().map(|&i| all[i].clone()).collect();
    assert_eq!(names, expected);
    let snaps: Vec<&QueueEvent> = before.iter().filter_map(queue_ev).collect();
    assert_eq!(
        snaps.len(),
        picked.len(),
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

    // Members are followed on their activity topic, queues on their
    // membership topic; presence alone is not used.
    let channel = sim.control().channel_ids()[0].clone();
    let topics = sim.control().channel_topics(&channel);
    let member = &members[0].1;
    for topic in [
        format!("v2.users.{}.activity", member.user_id),
        format!("v2.routing.queues.{}.users", member.queue_id),
    ] {
        assert!(topics.contains(&topic), "{topic} not in {topics:?}");
    }
    assert!(!topics.iter().any(|t| t.contains("presence")), "{topics:?}");

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
    assert_no_secret(&text, &sim, "the log");
}

#[tokio::test(start_paused = true)]
async fn socket_closing_hands_over_make_before_break_and_nothing_is_lost_or_doubled() {
    let sim = start_simulator(SimOptions {
        queues: 4,
        agents_per_queue: 3,
        ..SimOptions::default()
    })
    .await;
    let mut h = follow_everything(&sim);
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
    let mut h = follow_everything(&sim);
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
    let mut h = follow_everything(&sim);
    acked(&mut h).await;
    sim.control().go_silent(true);
    let t0 = Instant::now();
    let status = reconnecting(&mut h, LIMIT).await;
    assert!(status.last_error.unwrap().contains("nothing received"));
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
    let mut h = follow_everything(&sim);
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
    let mut h = follow_everything(&sim);
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
    let mut h = follow_everything(&sim);
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
    let mut h = follow_everything(&sim);
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
    assert_eq!(
        sim.stats().channels_closed_with_token,
        0,
        "no channel outlived its token"
    );
    quit(h).await;
}

/// The real API matches `?name=` loosely (a prefix, any case), so the feed
/// compares names itself: none, two, or one in another case is the
/// config's to fix, and nothing is subscribed.
#[tokio::test(start_paused = true)]
async fn a_name_that_matches_nothing_or_two_queues_is_a_config_error() {
    let sim = start_simulator(SimOptions {
        queue_names: ["Sales", "Sales", "Support"].map(String::from).to_vec(),
        ..scripted(3, 1)
    })
    .await;
    let all = sim.queues();
    let two = format!(
        "2 queues are named \"Sales\" (ids {}, {})",
        all[0].0, all[1].0
    );
    for (name, want) in [
        ("Nope", "no queue is named \"Nope\""),
        ("Sales", two.as_str()),
        ("support", "names differ only in case: \"Support\""),
    ] {
        let mut h = feed::spawn(notifications_config(&sim, vec![named(name)]));
        let (_, reason) = stopped(&mut h).await;
        assert!(reason.contains(want), "{reason}");
        quit(h).await;
    }
    assert_eq!(sim.stats().channels_created, 0, "nothing was subscribed");
}
