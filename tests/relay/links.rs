//! The whole path (simulator, relay, nats-server, viewer) and its links
//! going away: the viewer says which link is down within the heartbeat
//! timeout and is live again by itself, with nothing lost that JetStream
//! kept.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use crate::common::*;
use queuetop::config::{Config, Protocol};
use queuetop::event::FeedEvent;
use queuetop::feed;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;

fn start_relay(cfg: Arc<Config>) -> (oneshot::Sender<()>, JoinHandle<color_eyre::Result<i32>>) {
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(queuetop::relay::run(cfg, async move {
        let _ = stopped.await;
    }));
    (stop, task)
}

fn queue_event(ev: &FeedEvent) -> bool {
    matches!(ev, FeedEvent::Queue(q) if !q.snapshot)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewer_names_the_link_that_is_down_and_recovers_by_itself() {
    let mut b = broker();
    let url = b.server.url();
    let (cfg, sim) =
        queuetop::app::demo::demo_config(Protocol::Notifications, Default::default(), None)
            .await
            .unwrap();
    let mut relay_cfg = cfg.clone();
    relay_cfg.nats = Some(nats(&url, "queuetop.links"));
    let relay_cfg = Arc::new(relay_cfg);
    let (stop, relay) = start_relay(relay_cfg.clone());

    let mut v = feed::spawn(viewer(nats(&url, "queuetop.links"), &[]));
    let (_, ok) = until(&mut v.events, LIMIT, is_live).await;
    assert!(ok, "the viewer never went live");
    let (_, ok) = until(&mut v.events, LIMIT, queue_event).await;
    assert!(ok, "no event came through the relay");

    // Relay gone: not live within the heartbeat timeout (3 s), naming it.
    let _ = stop.send(());
    assert_eq!(relay.await.unwrap().unwrap(), 0);
    let gone = Instant::now();
    let (_, ok) = until(&mut v.events, Duration::from_secs(10), |e| {
        down_because(e, "relay")
    })
    .await;
    let took = gone.elapsed();
    assert!(ok, "no 'relay' down status");
    assert!(
        took <= Duration::from_millis(4500),
        "not live only after {took:?}"
    );

    // A relay again: live again by itself, and events flow.
    let (stop, relay) = start_relay(relay_cfg.clone());
    let (_, ok) = until(&mut v.events, LIMIT, is_live).await;
    assert!(ok, "not live again after the relay came back");
    let (seen, ok) = until(&mut v.events, LIMIT, queue_event).await;
    assert!(ok, "no event after the relay came back");
    let mut before: HashSet<_> = seen.iter().filter_map(ident).collect();

    // Broker down: named; back: live again, with what it kept.
    let (seen, _) = until(&mut v.events, Duration::from_secs(2), |_| false).await;
    before.extend(seen.iter().filter_map(ident));
    b.server.stop();
    let (_, ok) = until(&mut v.events, LIMIT, |e| down_because(e, "broker")).await;
    assert!(ok, "no 'broker' down status");
    b.server.resume().unwrap();
    let (_, ok) = until(&mut v.events, LIMIT, is_live).await;
    assert!(ok, "not live again after the broker came back");
    let (_, ok) = until(&mut v.events, LIMIT, queue_event).await;
    assert!(ok, "no event after the broker came back");

    // A viewer started now replays what the stream kept from before.
    let mut late = feed::spawn(viewer(nats(&url, "queuetop.links"), &[]));
    let mut missing = before.clone();
    let (_, ok) = until(&mut late.events, LIMIT, |e| {
        if let Some(id) = ident(e) {
            missing.remove(&id);
        }
        missing.is_empty()
    })
    .await;
    assert!(
        ok,
        "{} of {} events from before the restart are gone",
        missing.len(),
        before.len()
    );

    let _ = stop.send(());
    let _ = relay.await;
    sim.shutdown().await;
}
