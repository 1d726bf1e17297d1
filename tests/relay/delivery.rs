//! The relay and its viewers through a real nats-server with JetStream on
//! loopback: exactly once and in order (also with two relays), a late
//! viewer's full state first, the links going down and coming back.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::common::*;
use queuetop::event::FeedEvent;
use queuetop::feed;
use queuetop::relay::Publisher;

async fn publisher(url: &str, prefix: &str) -> Publisher {
    let n = nats(url, prefix);
    let client = queuetop::nats::connect(&n, "test relay", None)
        .await
        .unwrap();
    Publisher::new(client, &n).await.unwrap()
}

/// Events per queue, in the order received.
fn per_queue(evs: &[FeedEvent]) -> HashMap<String, Vec<(String, String, Option<String>)>> {
    let mut m: HashMap<_, Vec<_>> = HashMap::new();
    for id in evs.iter().filter_map(ident) {
        m.entry(id.0.clone()).or_default().push(id);
    }
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_relays_reach_a_late_viewer_once_in_order_after_the_full_state() {
    let b = broker();
    let url = b.server.url();
    let queues = ["qa", "qb", "qc"];
    let mut one = publisher(&url, "queuetop.t1").await;
    let mut two = publisher(&url, "queuetop.t1").await;
    // Both relays see the same feed, the second a little behind.
    let before = script(&queues, 300, 0);
    for (i, ev) in before.iter().enumerate() {
        one.publish(ev).await;
        if i >= 10 {
            two.publish(&before[i - 10]).await;
        }
    }
    for ev in &before[before.len() - 10..] {
        two.publish(ev).await;
    }
    one.flush().await;
    two.flush().await;

    // A viewer started after all that: full state first, then the history.
    let mut v = feed::spawn(viewer(nats(&url, "queuetop.t1"), &[]));
    let want = per_queue(&before);
    let total: usize = want.values().map(Vec::len).sum();
    let seen = events(&mut v.events, total, "events").await;
    // The state of every queue came before the first replayed event.
    let first_replayed = seen.iter().position(|e| ident(e).is_some()).unwrap();
    for q in queues {
        let has_state = seen[..first_replayed].iter().any(|e| {
            matches!(e, FeedEvent::Queue(ev) if ev.snapshot && ev.kind.queue_id() == q
                && matches!(ev.kind, queuetop::event::QueueEventKind::Summary(_)))
        });
        assert!(has_state, "no state of {q} before the history");
    }
    assert_eq!(per_queue(&seen), want, "history: exactly once, in order");

    // Live: new events from both relays, still once each, in order.
    let after = script(&queues, 90, 300);
    let t0 = time::OffsetDateTime::now_utc();
    for ev in &after {
        two.publish(ev).await;
        one.publish(ev).await;
    }
    one.flush().await;
    two.flush().await;
    let live = events(&mut v.events, after.len(), "live events").await;
    // The newest is live: received by the viewer now (latency end to end),
    // not when the relay got it.
    let Some(FeedEvent::Queue(last)) = live.iter().rev().find(|e| ident(e).is_some()) else {
        panic!("no live event")
    };
    assert!(
        last.received_wall >= t0,
        "a live event kept the relay's receipt time"
    );
    // Nothing more: the second relay's copies were dropped by the stream.
    let (extra, _) = until(&mut v.events, Duration::from_secs(2), |_| false).await;
    let extra: Vec<_> = extra.iter().filter_map(ident).collect();
    assert!(extra.is_empty(), "duplicates reached the viewer: {extra:?}");
    assert_eq!(
        per_queue(&live),
        per_queue(&after),
        "live: exactly once, in order"
    );
    let dups = one
        .stats
        .duplicates
        .load(std::sync::atomic::Ordering::Relaxed)
        + two
            .stats
            .duplicates
            .load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(dups, 390, "each event published twice, stored once");
    let _ = Arc::clone(&one.stats);
}
