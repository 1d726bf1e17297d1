//! What a (re)connect over the simulator tells the model of what happened
//! before it: callers already waiting, members removed while the feed was
//! down.

use std::sync::Arc;
use std::time::Duration;

use crate::common::*;
use queuetop::config::{Config, Protocol};
use queuetop::event::{ConnState, FeedCommand, FeedEvent};
use queuetop::feed::{self, FeedHandle};
use queuetop::model::AppState;
use queuetop::sim::{SimHandle, SimOptions};
use tokio::time::Instant;

const LIMIT: Duration = Duration::from_secs(180);

fn config_for(sim: &SimHandle, protocol: Protocol) -> Arc<Config> {
    let queues = sim
        .queues()
        .iter()
        .map(|(id, _)| queue(id, &ALL_EVENTS))
        .collect();
    sim_config(sim, protocol, queues, reconnect(1000, 30_000, 0, 75))
}

/// One feed and the model it drives.
struct Client {
    feed: FeedHandle,
    state: AppState,
}

impl Client {
    fn start(cfg: &Arc<Config>) -> Client {
        Client {
            feed: feed::spawn(cfg.clone()),
            state: queuetop::app::seed::initial_state(cfg),
        }
    }

    /// Applies events until one matches `pred` (applied too).
    async fn until(&mut self, what: &str, pred: impl Fn(&FeedEvent) -> bool) {
        let deadline = Instant::now() + LIMIT;
        loop {
            let next = tokio::time::timeout_at(deadline, self.feed.events.recv()).await;
            let Ok(Some(ev)) = next else {
                panic!("never: {what} ({:?})", self.state.feed().status);
            };
            self.state.apply(&ev);
            if pred(&ev) {
                return;
            }
        }
    }

    async fn quit(mut self) {
        self.feed.commands.send(FeedCommand::Quit).await.unwrap();
        self.until("closed", |e| is_state(e, |s| *s == ConnState::Closed))
            .await;
        self.feed.task.await.unwrap();
    }
}

/// Applies both clients' events until `until` (tokio time).
async fn pump(a: &mut Client, b: &mut Client, until: Instant) {
    loop {
        tokio::select! {
            ev = a.feed.events.recv() => a.state.apply(&ev.expect("feed a runs")),
            ev = b.feed.events.recv() => b.state.apply(&ev.expect("feed b runs")),
            _ = tokio::time::sleep_until(until) => return,
        };
    }
}

/// A caller who began waiting before queuetop connected shows a longest
/// wait of at least their age on the realtime feed, as on a client that
/// saw them arrive.
#[tokio::test(start_paused = true)]
async fn realtime_longest_wait_counts_from_before_the_connect() {
    let sim = start_simulator(SimOptions {
        queues: 4,
        agents_per_queue: 3,
        ..SimOptions::default()
    })
    .await;
    let cfg = config_for(&sim, Protocol::Realtime);
    let acked = |e: &FeedEvent| matches!(e, FeedEvent::Acked { .. });
    // Connected from the start: it saw every caller arrive.
    let mut early = Client::start(&cfg);
    early.until("the early client's ack", acked).await;
    pump_one(&mut early, Instant::now() + Duration::from_secs(60)).await;

    let connected = Instant::now();
    let mut late = Client::start(&cfg);
    late.until("the late client's ack", acked).await;
    pump(&mut early, &mut late, connected + Duration::from_secs(2)).await;

    let now = Instant::now();
    let mut before_connect = 0;
    for seen in early.state.queues() {
        let Some(age) = seen.longest_wait(now) else {
            continue;
        };
        if age <= now - connected {
            continue;
        }
        before_connect += 1;
        let shown = late.state.queue(&seen.id).and_then(|q| q.longest_wait(now));
        assert!(
            shown.is_some_and(|w| w + Duration::from_secs(1) >= age),
            "{}: a caller waiting {age:?}, since before the connect, shows {shown:?}",
            seen.name
        );
    }
    assert!(
        before_connect > 0,
        "no caller waited across the connect: the test proves nothing"
    );
    early.quit().await;
    late.quit().await;
}

async fn pump_one(client: &mut Client, until: Instant) {
    while let Ok(ev) = tokio::time::timeout_at(until, client.feed.events.recv()).await {
        client.state.apply(&ev.expect("the feed runs"));
    }
}

/// A member removed from a queue while the feed was down (no notification
/// could tell) is off the roster once the reconnect has read the members
/// again, and out of the counts with it.
#[tokio::test(start_paused = true)]
async fn a_member_removed_while_the_feed_was_down_leaves_the_roster() {
    let sim = start_simulator(SimOptions {
        queues: 1,
        agents_per_queue: 4,
        unjoined_percent: 0,
        generate: false,
        ..SimOptions::default()
    })
    .await;
    let cfg = config_for(&sim, Protocol::Notifications);
    let queue_id = sim.queues()[0].0.clone();
    let mut client = Client::start(&cfg);
    let acked = |e: &FeedEvent| matches!(e, FeedEvent::Acked { .. });
    client.until("the ack", acked).await;
    let roster = |c: &Client| -> Vec<String> {
        let q = c.state.queue(&queue_id).expect("the queue");
        q.agents.keys().cloned().collect()
    };
    let before = roster(&client);
    assert_eq!(before.len(), 4, "{before:?}");
    let gone = before[0].clone();

    sim.control().go_silent(true);
    let down = |e: &FeedEvent| is_state(e, |s| matches!(s, ConnState::Reconnecting { .. }));
    client.until("the feed down", down).await;
    assert!(sim.control().remove_member(&queue_id, &gone));
    sim.control().go_silent(false);
    client.until("the ack after the reconnect", acked).await;

    let after = roster(&client);
    assert!(!after.contains(&gone), "{gone} is still on {after:?}");
    assert_eq!(after.len(), 3, "{after:?}");
    let q = client.state.queue(&queue_id).unwrap();
    let summary = q.summary.as_ref().expect("a summary");
    let counted = summary.agents.on_queue.unwrap_or(0) + summary.agents.off_queue.unwrap_or(0);
    assert_eq!(counted, 3, "{:?}", summary.agents);
    client.quit().await;
}
