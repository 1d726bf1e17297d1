//! A relay (its publish loop, with heartbeats) and viewers through a real
//! nats-server on loopback: a viewer that falls behind says so and its
//! latency counts the lag; a late snapshot gets every queue at once; a
//! relay whose broker is gone still stops in time.

use std::time::Duration;

use crate::common::*;
use queuetop::config::NatsConfig;
use queuetop::event::{ConnState, FeedCommand, FeedEvent, FeedStatus};
use queuetop::feed;
use queuetop::relay::Publisher;
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// A relay's publish loop fed by the test instead of a Genesys feed.
struct Relay {
    feed: mpsc::Sender<FeedEvent>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<color_eyre::Result<()>>,
}

async fn relay(n: &NatsConfig, grace: Duration) -> Relay {
    let client = queuetop::nats::connect(n, "test relay", None)
        .await
        .unwrap();
    let publisher = Publisher::new(client, n).await.unwrap();
    let (feed, mut events) = mpsc::channel(1024);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let (commands, _keep) = mpsc::channel::<FeedCommand>(16);
        let shutdown = async move {
            let _ = stopped.await;
        };
        publisher
            .run(&mut events, &commands, None, shutdown, grace)
            .await
    });
    let connected = FeedStatus {
        state: ConnState::Connected,
        last_error: None,
        connects: 1,
    };
    feed.send(FeedEvent::Status(connected)).await.unwrap();
    Relay { feed, stop, task }
}

/// `n` scripted events, stamped by the server now (a live feed's).
fn fresh(queues: &[&str], n: usize, from: usize) -> Vec<FeedEvent> {
    let mut evs = script(queues, n, from);
    for ev in &mut evs {
        if let FeedEvent::Queue(q) = ev {
            q.server_time = Some(OffsetDateTime::now_utc());
        }
    }
    evs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lagging_viewer_says_so_and_its_latency_counts_the_lag() {
    let b = broker();
    let n = nats(&b.server.url(), "queuetop.lag");
    let r = relay(&n, Duration::from_secs(5)).await;
    let mut v = feed::spawn(viewer(n.clone(), &[]));
    let (_, ok) = until(&mut v.events, LIMIT, is_live).await;
    assert!(ok, "the viewer never went live");

    // The viewer stops reading (a machine too busy for it) while the relay
    // publishes more than its buffers hold: the rest waits on the broker.
    let evs = fresh(&["qa", "qb", "qc"], 6000, 0);
    let total = evs.len();
    for ev in evs {
        r.feed.send(ev).await.unwrap();
    }
    let pause = Duration::from_secs(4);
    tokio::time::sleep(pause).await;

    let seen = events(&mut v.events, total, "events").await;
    let behind = seen.iter().position(|e| down_because(e, "behind"));
    assert!(
        behind.is_some(),
        "the viewer never said it was behind: {:?}",
        seen.iter()
            .filter(|e| matches!(e, FeedEvent::Status(_)))
            .collect::<Vec<_>>()
    );
    // What it read after the pause was that much older than it looked:
    // the latency says so (live events are stamped on arrival here).
    let Some(FeedEvent::Queue(last)) = seen.iter().rev().find(|e| ident(e).is_some()) else {
        panic!("no event")
    };
    let lag = last.latency_ms().unwrap_or(0);
    assert!(
        lag >= pause.as_millis() as i64,
        "the last event's latency {lag} ms hides a pause of {pause:?}"
    );
    // Caught up: live again, by itself.
    let after = &seen[behind.unwrap_or(0)..];
    let live_again = after.iter().any(is_live);
    let live_again = live_again || until(&mut v.events, LIMIT, is_live).await.1;
    assert!(live_again, "the viewer caught up but never said live again");
    let _ = r.stop.send(());
    r.task.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_snapshot_of_a_running_relay_shows_every_queue() {
    let b = broker();
    let n = nats(&b.server.url(), "queuetop.late");
    let r = relay(&n, Duration::from_secs(5)).await;
    let queues = ["qa", "qb", "qc"];
    for ev in fresh(&queues, 90, 0) {
        r.feed.send(ev).await.unwrap();
    }
    // A viewer that has them all: the relay has published them.
    let mut v = feed::spawn(viewer(n.clone(), &queues));
    events(&mut v.events, 90, "events").await;

    // A snapshot started now must not give up before its first connection
    // is made: every queue, exit 0.
    let started = Instant::now();
    let code = queuetop::app::snapshot::snapshot(
        viewer(n.clone(), &queues),
        true,
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    assert_eq!(code, 0, "the late snapshot failed");
    assert!(started.elapsed() < Duration::from_secs(10));
    let _ = r.stop.send(());
    r.task.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_whose_broker_is_gone_still_stops_in_time() {
    let mut b = broker();
    let n = nats(&b.server.url(), "queuetop.gone");
    let grace = Duration::from_secs(1);
    let r = relay(&n, grace).await;
    for ev in fresh(&["qa"], 50, 0) {
        r.feed.send(ev).await.unwrap();
    }
    b.server.stop();
    // Published while the broker is away: acks that will never come.
    for ev in fresh(&["qa"], 50, 50) {
        r.feed.send(ev).await.unwrap();
    }
    let asked = Instant::now();
    let _ = r.stop.send(());
    let done = tokio::time::timeout(Duration::from_secs(15), r.task).await;
    assert!(
        done.is_ok(),
        "the relay was still flushing to a missing broker 15 s after the stop"
    );
    // The grace to drain the feed, and another to flush what it has.
    assert!(asked.elapsed() < grace * 2 + Duration::from_secs(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relay_takes_events_while_the_bucket_has_not_answered() {
    let b = broker();
    let n = nats(&b.server.url(), "queuetop.slow");
    let client = queuetop::nats::connect(&n, "test relay", None)
        .await
        .unwrap();
    let publisher = Publisher::new(client, &n).await.unwrap();
    // One slot: the test's sends wait whenever the relay's loop does.
    let (feed, mut events) = mpsc::channel(1);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let (commands, _keep) = mpsc::channel::<FeedCommand>(16);
        let shutdown = async move {
            let _ = stopped.await;
        };
        publisher
            .run(
                &mut events,
                &commands,
                None,
                shutdown,
                Duration::from_secs(1),
            )
            .await
    });
    // A broker that answers nothing for a while (a busy one, frozen here):
    // the relay's state writes must not stop it taking the feed's events.
    let pid = b.server.pid().to_string();
    let signal = |sig: &str| {
        let ok = std::process::Command::new("kill")
            .args([sig, pid.as_str()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill {sig} {pid} failed");
    };
    signal("-STOP");
    let queues: Vec<String> = (0..20).map(|i| format!("q{i}")).collect();
    let names: Vec<&str> = queues.iter().map(String::as_str).collect();
    let started = Instant::now();
    let mut sent = 0;
    // Past the first state tick (500 ms), with every queue's state dirty.
    while started.elapsed() < Duration::from_secs(2) && sent < 300 {
        for ev in fresh(&names, 10, sent) {
            let took = tokio::time::timeout(Duration::from_secs(3), feed.send(ev)).await;
            if took.is_err() {
                signal("-CONT");
                panic!("the relay stopped taking events after {sent}: waiting on the bucket");
            }
        }
        sent += 10;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    signal("-CONT");
    assert!(sent >= 300 || started.elapsed() >= Duration::from_secs(2));
    drop(feed);
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(15), task).await;
}
