//! The periodic observations query on the notifications feed, against the
//! built-in simulator: real REST, real channel sockets, paused tokio time.

use std::sync::Arc;
use std::time::Duration;

use crate::common::*;
use queuetop::config::{Config, Protocol};
use queuetop::event::{FeedEvent, QueueEvent, QueueEventKind, QueueSummary};
use queuetop::feed::{self, FeedHandle};
use queuetop::sim::{SimHandle, SimOptions};
use tokio::time::Instant;

const REQUERY: &str = "observations.query";

/// Every queue of the simulator, by id, with observations queries every
/// `interval_s` seconds.
fn cfg(sim: &SimHandle, interval_s: u64) -> Arc<Config> {
    let base = sim_config(sim, Protocol::Notifications, by_id(sim), rc());
    let mut c = (*base).clone();
    c.genesys.observations_interval_s = interval_s;
    Arc::new(c)
}

fn summary(ev: &FeedEvent) -> Option<(&QueueEvent, &QueueSummary)> {
    match ev {
        FeedEvent::Queue(q) => match &q.kind {
            QueueEventKind::Summary(s) => Some((q, s)),
            _ => None,
        },
        _ => None,
    }
}

fn counts(s: &QueueSummary) -> (u32, u32, u32, u32) {
    (
        s.agents_available,
        s.agents_logged_in,
        s.agents_interacting,
        s.interactions_waiting,
    )
}

/// Events until `until` of tokio time has passed.
async fn drain_until(h: &mut FeedHandle, until: Instant) -> Vec<FeedEvent> {
    let mut seen = Vec::new();
    while let Ok(Some(ev)) = tokio::time::timeout_at(until, h.events.recv()).await {
        seen.push(ev);
    }
    seen
}

#[tokio::test(start_paused = true)]
async fn the_periodic_query_corrects_what_a_notification_got_wrong() {
    let (logs, _guard) = capture_logs();
    // Scripted: the model stands still, so its counts are the snapshot's.
    let sim = start_simulator(SimOptions {
        queues: 3,
        agents_per_queue: 4,
        generate: false,
        ..SimOptions::default()
    })
    .await;
    let mut h = feed::spawn(cfg(&sim, 10));
    let (before, _) = recv_until(&mut h.events, LIMIT, |e| {
        matches!(e, FeedEvent::Acked { .. })
    })
    .await;
    let acked_at = Instant::now();
    let truth = before
        .iter()
        .filter_map(summary)
        .find(|(q, _)| q.snapshot)
        .map(|(_, s)| s.clone())
        .expect("a snapshot");
    // A notification the model does not back: what a drifting mapping
    // would leave on screen.
    let mut wrong = truth.clone();
    wrong.agents_available += 2;
    wrong.agents_logged_in += 2;
    wrong.interactions_waiting += 3;
    sim.control().push(QueueEventKind::Summary(wrong.clone()));
    let shown = recv_until(&mut h.events, LIMIT, |e| {
        summary(e).is_some_and(|(q, _)| !q.snapshot && q.topic != REQUERY)
    })
    .await
    .1;
    assert_eq!(counts(summary(&shown).unwrap().1), counts(&wrong));

    let (_, fixed) = recv_until(&mut h.events, LIMIT, |e| {
        summary(e).is_some_and(|(q, _)| q.topic == REQUERY)
    })
    .await;
    let (ev, s) = summary(&fixed).unwrap();
    let waited = ev.received - acked_at;
    assert!(waited <= Duration::from_secs(11), "{waited:?}");
    assert_eq!(s.queue_id, truth.queue_id);
    assert_eq!(counts(s), counts(&truth), "back to the simulator's truth");
    // IDLE +2, NOT_RESPONDING -2 (the note splits the extra agents so),
    // waiting/voice +3: each figure that differed is one correction.
    assert!(
        h.gauges.observation_corrections() >= 2,
        "{}",
        h.gauges.observation_corrections()
    );
    assert!(
        logs.text().contains("observations query corrected counts"),
        "the corrections are logged"
    );

    // Two more rounds: nothing changed, so nothing is sent again.
    let later = drain_until(&mut h, Instant::now() + Duration::from_secs(25)).await;
    let again: Vec<_> = later
        .iter()
        .filter_map(summary)
        .filter(|(q, _)| q.topic == REQUERY)
        .collect();
    assert!(
        again.is_empty(),
        "unchanged queues are not re-sent: {again:?}"
    );
    quit(h).await;
}

#[tokio::test(start_paused = true)]
async fn agents_by_state_and_media_follow_the_simulator_on_notifications_alone() {
    let sim = start_simulator(SimOptions {
        queues: 3,
        agents_per_queue: 8,
        generate: false,
        ..SimOptions::default()
    })
    .await;
    // No query after the first: every later figure comes from notifications.
    let mut h = feed::spawn(cfg(&sim, 3600));
    let (mut seen, _) = recv_until(&mut h.events, LIMIT, |e| {
        matches!(e, FeedEvent::Acked { .. })
    })
    .await;
    let mut shown = std::collections::HashMap::new();
    let (mut off_queue_seen, mut busy_seen) = (0, 0);
    for round in 0..8 {
        if round > 0 {
            sim.control().tick(40);
            seen = drain_until(&mut h, Instant::now() + Duration::from_secs(3)).await;
        }
        for (_, s) in seen.iter().filter_map(summary) {
            shown.insert(s.queue_id.clone(), s.clone());
        }
        for q in sim.truth() {
            let s = shown.get(&q.queue_id);
            assert_eq!(
                s.map(|s| s.agents),
                Some(q.agents),
                "{} in round {round}",
                q.queue_name
            );
            // Per media type, the waiting add up to the queue's.
            let by_media = s.map(|s| s.media.values().map(|m| m.waiting).sum::<u32>());
            assert_eq!(by_media, Some(q.interactions_waiting), "{}", q.queue_name);
            off_queue_seen += q.agents.off_queue.unwrap_or(0);
            busy_seen += q.agents.interacting.unwrap_or(0);
        }
    }
    assert!(off_queue_seen > 0, "some agent went off queue");
    assert!(busy_seen > 0, "some agent worked a queue interaction");
    quit(h).await;
}
