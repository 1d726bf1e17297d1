//! A simulator and a feed pointed at it, started together, so that a test
//! states only what it changes: the simulator's options, a fault set before
//! the feed connects, the protocol, the event types, the backoff.

use std::sync::Arc;
use std::time::Duration;

use queuetop::config::{Config, EventType, Protocol, ReconnectConfig};
use queuetop::event::{ConnState, FeedEvent, FeedStatus};
use queuetop::feed::{self, FeedHandle};
use queuetop::sim::{SimControl, SimHandle, SimOptions};
use tokio::time::Instant;

use super::{LIMIT, acked, is_state, queue, reconnect, recv_until, sim_config, start_simulator};

/// Every event type the realtime API offers for a queue.
pub const ALL_EVENTS: [EventType; 3] = [
    EventType::QueueSummary,
    EventType::QueueInteraction,
    EventType::AgentState,
];

type Fault = Box<dyn FnOnce(&SimControl)>;
type Edit = Box<dyn FnOnce(&mut Config)>;

/// What to start. By default: a scripted simulator (no model ticks, two
/// queues), the realtime protocol, every event type of every queue, and a
/// backoff of 10 ms doubling to 100 ms, giving up after 10 failures.
pub struct SimFeed {
    options: SimOptions,
    protocol: Protocol,
    events: Vec<EventType>,
    reconnect: ReconnectConfig,
    faults: Vec<Fault>,
    edits: Vec<Edit>,
}

impl SimFeed {
    pub fn scripted() -> SimFeed {
        SimFeed {
            options: SimOptions {
                generate: false,
                queues: 2,
                ..SimOptions::default()
            },
            protocol: Protocol::Realtime,
            events: ALL_EVENTS.to_vec(),
            reconnect: reconnect(10, 100, 10, 75),
            faults: Vec::new(),
            edits: Vec::new(),
        }
    }

    pub fn options(mut self, edit: impl FnOnce(&mut SimOptions)) -> SimFeed {
        edit(&mut self.options);
        self
    }

    pub fn reconnect(mut self, reconnect: ReconnectConfig) -> SimFeed {
        self.reconnect = reconnect;
        self
    }

    /// A fault or script step set on the simulator before the feed starts.
    pub fn fault(mut self, fault: impl FnOnce(&SimControl) + 'static) -> SimFeed {
        self.faults.push(Box::new(fault));
        self
    }

    /// A change to the feed's config beyond what the builder offers.
    pub fn config(mut self, edit: impl FnOnce(&mut Config) + 'static) -> SimFeed {
        self.edits.push(Box::new(edit));
        self
    }

    pub async fn start(self) -> (SimHandle, FeedHandle) {
        let sim = start_simulator(self.options).await;
        for fault in self.faults {
            fault(&sim.control());
        }
        let queues = sim
            .queues()
            .iter()
            .map(|(id, _)| queue(id, &self.events))
            .collect();
        let mut config =
            Arc::unwrap_or_clone(sim_config(&sim, self.protocol, queues, self.reconnect));
        for edit in self.edits {
            edit(&mut config);
        }
        let feed = feed::spawn(Arc::new(config));
        (sim, feed)
    }

    /// Started, and the first subscriptions acknowledged.
    pub async fn connected(self) -> (SimHandle, FeedHandle) {
        let (sim, mut feed) = self.start().await;
        acked(&mut feed).await;
        (sim, feed)
    }
}

/// Closes every socket with `code` and returns how long the feed took to
/// be subscribed again.
pub async fn close_and_reconnect(sim: &SimHandle, h: &mut FeedHandle, code: u16) -> Duration {
    let t0 = Instant::now();
    sim.control().close_all(code);
    acked(h).await;
    t0.elapsed()
}

/// Receives until a status whose state matches `pred`; the events before
/// it are returned too.
pub async fn status_when(
    h: &mut FeedHandle,
    limit: Duration,
    pred: impl Fn(&ConnState) -> bool,
) -> (Vec<FeedEvent>, FeedStatus) {
    match recv_until(&mut h.events, limit, |e| is_state(e, &pred)).await {
        (before, FeedEvent::Status(status)) => (before, status),
        (_, other) => unreachable!("recv_until matched {other:?}"),
    }
}

/// The next Reconnecting status.
pub async fn reconnecting(h: &mut FeedHandle, limit: Duration) -> FeedStatus {
    status_when(h, limit, |s| matches!(s, ConnState::Reconnecting { .. }))
        .await
        .1
}

/// The events up to the feed's stop, and the reason it gave.
pub async fn stopped(h: &mut FeedHandle) -> (Vec<FeedEvent>, String) {
    let (before, status) = status_when(h, LIMIT, |s| matches!(s, ConnState::Stopped { .. })).await;
    match status.state {
        ConnState::Stopped { reason } => (before, reason),
        other => unreachable!("status_when matched {other:?}"),
    }
}
