//! The scripted Notifications API server's usual set-up and waits,
//! shared by the feed_notifications_* tests.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::notif_server::{NotifServer, Script};
use super::*;
use queuetop::config::{Config, EventType, Protocol, QueueConfig, ReconnectConfig};
use queuetop::event::{ConnState, FeedCommand, FeedEvent, QueueEvent, QueueEventKind};
use queuetop::feed::FeedHandle;
use tokio::time::Instant;

pub const LIMIT: Duration = Duration::from_secs(120);
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

pub fn named(name: &str) -> QueueConfig {
    QueueConfig {
        id: None,
        name: Some(name.into()),
        events: vec![EventType::QueueSummary],
        filter: None,
    }
}

pub fn both(id: &str, name: &str) -> QueueConfig {
    QueueConfig {
        name: Some(name.into()),
        ..queue(id, &[EventType::QueueSummary])
    }
}

pub fn rc() -> ReconnectConfig {
    reconnect(1000, 30_000, 0, 75)
}

pub fn queue_ev(ev: &FeedEvent) -> Option<&QueueEvent> {
    match ev {
        FeedEvent::Queue(q) => Some(q),
        _ => None,
    }
}

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

/// Waits (bounded, in tokio time) until `pred` holds, draining events.
pub async fn until(
    h: &mut FeedHandle,
    seen: &mut Vec<FeedEvent>,
    what: &str,
    pred: impl Fn() -> bool,
) {
    let start = Instant::now();
    while !pred() {
        assert!(
            start.elapsed() < Duration::from_secs(26 * 3600),
            "never: {what}"
        );
        if let Ok(Some(ev)) = tokio::time::timeout(Duration::from_secs(60), h.events.recv()).await {
            seen.push(ev);
        }
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

pub async fn quit(mut h: FeedHandle) {
    h.commands.send(FeedCommand::Quit).await.unwrap();
    recv_until(&mut h.events, LIMIT, |e| {
        is_state(e, |s| *s == ConnState::Closed)
    })
    .await;
    h.task.await.unwrap();
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
