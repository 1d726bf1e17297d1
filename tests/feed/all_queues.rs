//! `genesys.all_queues`: with no `[[queue]]` table, both feeds watch every
//! queue the simulator has (the all-queues topic on realtime, REST listing
//! on notifications).

use std::collections::BTreeSet;
use std::time::Duration;

use crate::common::*;
use queuetop::config::{Config, Protocol};
use queuetop::event::{FeedEvent, QueueEventKind};
use queuetop::feed;
use queuetop::sim::SimOptions;

const LIMIT: Duration = Duration::from_secs(60);

async fn every_queue_reports(protocol: Protocol) {
    let sim = start_simulator(SimOptions {
        queues: 7,
        event_interval: Duration::from_millis(20),
        ..SimOptions::default()
    })
    .await;
    let base = config(
        protocol,
        &sim.login_url(),
        &sim.realtime_url(),
        sim.client_id(),
        sim.client_secret(),
        Vec::new(),
        reconnect(10, 100, 0, 75),
    );
    let mut cfg: Config = (*base).clone();
    cfg.genesys.all_queues = true;
    let mut handle = feed::spawn(std::sync::Arc::new(cfg));
    let want: BTreeSet<String> = sim.queues().into_iter().map(|(id, _)| id).collect();
    let mut seen = BTreeSet::new();
    let done = tokio::time::timeout(LIMIT, async {
        while let Some(ev) = handle.events.recv().await {
            if let FeedEvent::Queue(q) = ev
                && let QueueEventKind::Summary(s) = &q.kind
            {
                seen.insert(s.queue_id.clone());
                if seen == want {
                    return true;
                }
            }
        }
        false
    })
    .await;
    assert_eq!(done, Ok(true), "{protocol:?}: saw {seen:?} of {want:?}");
    assert_eq!(seen, want);
}

#[tokio::test]
async fn realtime_watches_every_queue_through_the_all_queues_topic() {
    every_queue_reports(Protocol::Realtime).await;
}

#[tokio::test]
async fn notifications_watches_every_queue_listed_by_rest() {
    every_queue_reports(Protocol::Notifications).await;
}
