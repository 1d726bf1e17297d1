//! The notifications feed against the simulator: its config, and what its
//! tests check of the events it delivered. The simulator numbers every
//! notification from one global sequence (its CorrelationId), so a test
//! can check that each one was applied exactly once.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use queuetop::config::{Config, Protocol, QueueConfig};
use queuetop::event::{ConnState, FeedEvent, QueueEventKind, QueueSummary};
use queuetop::feed::{self, FeedHandle};
use queuetop::sim::{SimHandle, SimOptions};

use super::{LIMIT, by_id, is_state, queue_ev, rc, recv_until, sim_config};

/// The notifications feed's config against `sim`, reconnecting as `rc()`.
pub fn notifications_config(sim: &SimHandle, queues: Vec<QueueConfig>) -> Arc<Config> {
    sim_config(sim, Protocol::Notifications, queues, rc())
}

/// The feed on every queue of `sim` (and so on every member): every
/// notification the simulator sends is one the feed follows.
pub fn follow_everything(sim: &SimHandle) -> FeedHandle {
    feed::spawn(notifications_config(sim, by_id(sim)))
}

/// A simulator that changes only when a test tells it to: `queues` queues
/// of `agents` joined members each.
pub fn scripted(queues: usize, agents: usize) -> SimOptions {
    SimOptions {
        queues,
        agents_per_queue: agents,
        unjoined_percent: 0,
        generate: false,
        ..SimOptions::default()
    }
}

/// A summary for `SimControl::push`: it goes out as a full observation.
pub fn observed(queue_id: &str, available: u32) -> QueueEventKind {
    crate::fixtures::summary(queue_id)
        .available(available)
        .logged_in(available + 1)
        .interacting(1)
        .event()
}

/// Every notification seen was applied once: per CorrelationId, no event
/// (type and queue) twice; when we follow every topic (`complete`), no
/// number is missing below the highest seen either. Returns the highest.
pub fn each_once(seen: &[FeedEvent], complete: bool) -> u64 {
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

/// Drains events into `seen` until one carries CorrelationId `target` or
/// more.
pub async fn until_id(h: &mut FeedHandle, seen: &mut Vec<FeedEvent>, target: u64) {
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

pub fn reconnects(seen: &[FeedEvent]) -> usize {
    seen.iter()
        .filter(|e| is_state(e, |s| matches!(s, ConnState::Reconnecting { .. })))
        .count()
}

/// Whether the feed reported any change of its connection among `seen`.
pub fn any_status<'a>(seen: impl IntoIterator<Item = &'a FeedEvent>) -> bool {
    seen.into_iter().any(|e| matches!(e, FeedEvent::Status(_)))
}

/// Summaries of `queue` after the snapshot, in arrival order:
/// (available, correlation id).
pub fn summaries_of(seen: &[FeedEvent], queue: &str) -> Vec<(u32, Option<String>)> {
    seen.iter()
        .filter_map(queue_ev)
        .filter_map(|q| match &q.kind {
            QueueEventKind::Summary(s) if s.queue_id == queue && !q.snapshot => {
                Some((s.agents_available, q.correlation_id.clone()))
            }
            _ => None,
        })
        .collect()
}

/// The last summary of `queue` among `seen`.
pub fn last_summary(seen: &[FeedEvent], queue: &str) -> QueueSummary {
    seen.iter()
        .rev()
        .filter_map(queue_ev)
        .find_map(|q| match &q.kind {
            QueueEventKind::Summary(s) if s.queue_id == queue => Some(s.clone()),
            _ => None,
        })
        .expect("a summary")
}

/// The `Trouble` events with `code`, as (resolved) in order.
pub fn troubles(seen: &[FeedEvent], code: &str) -> Vec<bool> {
    seen.iter()
        .filter_map(|e| match e {
            FeedEvent::Trouble {
                code: c, resolved, ..
            } if c == code => Some(*resolved),
            _ => None,
        })
        .collect()
}

/// How many REST calls the simulator took that start with `prefix`
/// (`"PUT "`, `"GET /api/v2/routing/queues?"`, ...).
pub fn rest_calls(sim: &SimHandle, prefix: &str) -> usize {
    sim.rest_calls()
        .iter()
        .filter(|c| c.starts_with(prefix))
        .count()
}

/// Whether a channel follows `user`'s activity.
pub fn followed(sim: &SimHandle, user: &str) -> bool {
    let control = sim.control();
    let activity = format!("v2.users.{user}.activity");
    let channels = control.channel_ids();
    channels
        .iter()
        .any(|id| control.channel_topics(id).contains(&activity))
}
