//! The feed against the in-process simulator: the simulator's start, a
//! config pointing at it, and the waits on the feed most tests share.

use std::sync::Arc;
use std::time::Duration;

use queuetop::config::{Config, EventType, Protocol, QueueConfig, ReconnectConfig};
use queuetop::event::{ConnState, FeedCommand, FeedEvent, QueueEvent};
use queuetop::feed::FeedHandle;
use queuetop::sim::{self, SimHandle, SimOptions};
use tokio::time::Instant;

use super::{config, is_state, queue, reconnect, recv_until};

/// How long a wait on the feed may take, in tokio time.
pub const LIMIT: Duration = Duration::from_secs(120);

pub async fn start_simulator(opts: SimOptions) -> SimHandle {
    sim::start("127.0.0.1:0".parse().unwrap(), opts)
        .await
        .unwrap()
}

/// A config for the feed against `sim`, with its credentials.
pub fn sim_config(
    sim: &SimHandle,
    protocol: Protocol,
    queues: Vec<QueueConfig>,
    reconnect: ReconnectConfig,
) -> Arc<Config> {
    config(
        protocol,
        &sim.login_url(),
        &sim.realtime_url(),
        sim.client_id(),
        sim.client_secret(),
        queues,
        reconnect,
    )
}

/// A queue by id, summaries only.
pub fn queue_by_id(id: &str) -> QueueConfig {
    queue(id, &[EventType::QueueSummary])
}

/// Every queue of the simulator by id, summaries only.
pub fn by_id(sim: &SimHandle) -> Vec<QueueConfig> {
    sim.queues().iter().map(|(id, _)| queue_by_id(id)).collect()
}

/// A queue configured by name only (resolved at start-up), summaries only.
pub fn named(name: &str) -> QueueConfig {
    QueueConfig {
        id: None,
        name: Some(name.into()),
        events: vec![EventType::QueueSummary],
        filter: None,
    }
}

/// Reconnect at 1 s doubling to 30 s, without jitter, for ever.
pub fn rc() -> ReconnectConfig {
    reconnect(1000, 30_000, 0, 75)
}

pub fn queue_ev(ev: &FeedEvent) -> Option<&QueueEvent> {
    match ev {
        FeedEvent::Queue(q) => Some(q),
        _ => None,
    }
}

/// The events before the next acknowledgement, and how many subscriptions
/// it acknowledged.
pub async fn acked(h: &mut FeedHandle) -> (Vec<FeedEvent>, usize) {
    let (before, ev) = recv_until(&mut h.events, LIMIT, |e| {
        matches!(e, FeedEvent::Acked { .. })
    })
    .await;
    let FeedEvent::Acked { count } = ev else {
        unreachable!()
    };
    (before, count)
}

/// Drains events into `seen` (bounded, in tokio time) until `pred` holds.
pub async fn until(
    h: &mut FeedHandle,
    seen: &mut Vec<FeedEvent>,
    limit: Duration,
    what: &str,
    pred: impl Fn() -> bool,
) {
    let start = Instant::now();
    while !pred() {
        assert!(start.elapsed() < limit, "never: {what}");
        if let Ok(Some(ev)) = tokio::time::timeout(Duration::from_secs(1), h.events.recv()).await {
            seen.push(ev);
        }
    }
}

/// Asks the feed to quit and waits for it to say Closed and end.
pub async fn quit(mut h: FeedHandle) {
    h.commands.send(FeedCommand::Quit).await.unwrap();
    recv_until(&mut h.events, LIMIT, |e| {
        is_state(e, |s| *s == ConnState::Closed)
    })
    .await;
    h.task.await.unwrap();
}
