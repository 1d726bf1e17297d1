//! What the soak test records: every notification applied, the outage
//! windows in which loss is allowed, and the sizes of what holds memory.

use std::collections::{BTreeSet, HashSet};

use queuetop::event::{ConnState, FeedEvent};
use queuetop::feed::FeedHandle;
use queuetop::model::AppState;
use queuetop::sim::SimHandle;

/// Sizes of everything that holds memory, at a checkpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Sizes {
    pub queues: usize,
    pub agents: usize,
    pub waiting: usize,
    pub alerts: usize,
    /// Longest ring (histories) and its capacity.
    pub ring_max: usize,
    pub ring_cap: usize,
    pub latency: usize,
    pub latency_cap: usize,
    pub dedupe: usize,
    pub channels_open: usize,
}

pub fn sizes(state: &AppState, h: &FeedHandle) -> Sizes {
    let rings = state.queues().iter().flat_map(|q| {
        [
            &q.utilization_history,
            &q.waiting_history,
            &q.latency_history,
        ]
    });
    Sizes {
        queues: state.queues().len(),
        agents: state.queues().iter().map(|q| q.agents.len()).sum(),
        waiting: state.queues().iter().map(|q| q.waiting.len()).sum(),
        alerts: state.alerts().list.len(),
        ring_max: rings.clone().map(|r| r.len()).max().unwrap_or(0),
        ring_cap: rings.map(|r| r.capacity()).min().unwrap_or(0),
        latency: state.feed().latency.count(),
        latency_cap: state.feed().latency.capacity(),
        dedupe: h.gauges.dedupe_held(),
        channels_open: h.gauges.channels_open(),
    }
}

/// An outage: numbers after `lo` up to `hi` (set at the next Connected)
/// may be lost.
#[derive(Debug)]
pub struct Outage {
    pub lo: u64,
    pub hi: Option<u64>,
    pub why: &'static str,
}

/// What the test saw, event by event.
#[derive(Default)]
pub struct Seen {
    pub applied: BTreeSet<u64>,
    /// (CorrelationId, event type, queue): one notification may carry
    /// several events, but never the same one twice.
    pub keys: HashSet<(u64, String, String)>,
    pub duplicates: Vec<u64>,
    pub reconnects: usize,
    pub outages: Vec<Outage>,
    pub silent: bool,
}

impl Seen {
    pub fn max(&self) -> u64 {
        self.applied.last().copied().unwrap_or(0)
    }

    pub fn open_outage(&self) -> Option<&Outage> {
        self.outages.iter().find(|o| o.hi.is_none())
    }

    pub fn on_event(&mut self, ev: &FeedEvent, sim: &SimHandle) {
        match ev {
            FeedEvent::Queue(q) => {
                if let Some(c) = &q.correlation_id {
                    let n: u64 = c.parse().expect("the simulator numbers notifications");
                    let key = (n, q.kind.type_name().to_string(), q.kind.queue_id().into());
                    if !self.keys.insert(key) {
                        self.duplicates.push(n);
                    }
                    self.applied.insert(n);
                }
            }
            FeedEvent::Status(s) => match s.state {
                ConnState::Connected => {
                    let last = sim.stats().last_correlation_id;
                    for o in self.outages.iter_mut().filter(|o| o.hi.is_none()) {
                        o.hi = Some(last);
                    }
                }
                ConnState::Reconnecting { .. } => {
                    self.reconnects += 1;
                    if std::mem::take(&mut self.silent) {
                        sim.control().go_silent(false);
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
}
