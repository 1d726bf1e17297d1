//! The scripted Notifications API server's usual set-up and waits,
//! shared by the feed_notifications_* tests.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::notif_server::{NotifServer, Script};
use super::*;
use queuetop::config::{Config, EventType, Protocol, QueueConfig, ReconnectConfig};
use queuetop::event::{FeedEvent, QueueEventKind};
use queuetop::feed::FeedHandle;

/// How long the scripted tests' `until` may wait: past a channel's 24 h.
pub const LONG: Duration = Duration::from_secs(26 * 3600);
pub const SECRET: &str = "csecret-do-not-log";

pub fn cfg(server: &NotifServer, queues: Vec<QueueConfig>, rc: ReconnectConfig) -> Arc<Config> {
    config(
        Protocol::Notifications,
        &server.url,
        "ws://127.0.0.1:9/unused",
        "cid",
        SECRET,
        queues,
        rc,
    )
}

pub fn both(id: &str, name: &str) -> QueueConfig {
    QueueConfig {
        name: Some(name.into()),
        ..queue(id, &[EventType::QueueSummary])
    }
}

/// Receives until the summary with correlation id `last` (bounded; a
/// status change brings an agent event first, then the summary).
pub async fn until_seq(h: &mut FeedHandle, seen: &mut Vec<FeedEvent>, last: u64) {
    let want = last.to_string();
    let (before, ev) = recv_until(&mut h.events, LIMIT, |e| {
        queue_ev(e).is_some_and(|q| {
            q.correlation_id.as_deref() == Some(want.as_str())
                && matches!(q.kind, QueueEventKind::Summary(_))
        })
    })
    .await;
    seen.extend(before);
    seen.push(ev);
}

/// Every correlation id among the summaries, counted.
pub fn applied(seen: &[FeedEvent]) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for q in seen.iter().filter_map(queue_ev) {
        if let Some(c) = &q.correlation_id {
            *m.entry(c.clone()).or_default() += 1;
        }
    }
    m
}

pub fn assert_each_once(seen: &[FeedEvent], last: u64) {
    let m = applied(seen);
    for seq in 1..=last {
        assert_eq!(m.get(&seq.to_string()), Some(&1), "seq {seq}: {m:?}");
    }
    assert_eq!(m.len() as u64, last, "{m:?}");
}

pub fn script(queues: &[(&str, &str)]) -> Script {
    Script {
        queues: queues
            .iter()
            .map(|(i, n)| (i.to_string(), n.to_string()))
            .collect(),
        counts: queues
            .iter()
            .map(|(i, _)| (i.to_string(), (1, 2, 3)))
            .collect(),
        channel_lifetime_s: 86_400,
        answer_pings: true,
        ..Script::default()
    }
}
