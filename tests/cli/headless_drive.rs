//! The headless loop given the feed's channels (paused time): flush when
//! drained, quit on a signal, exit 1 when the feed stops; and `snapshot`
//! timing out against a simulator that never sends a summary.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::fixtures::{queue_event, summary};
use queuetop::app::headless::drive;
use queuetop::app::snapshot::{missing, render_table, snapshot};
use queuetop::config::{Config, QueueConfig};
use queuetop::event::{ConnState, FeedCommand, FeedEvent, FeedStatus};
use queuetop::sink::export::Exporter;
use tokio::sync::{mpsc, oneshot};

/// A writer that records how many times it was flushed.
#[derive(Clone, Default)]
struct Sink {
    bytes: Arc<Mutex<Vec<u8>>>,
    flushes: Arc<Mutex<usize>>,
}
impl Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.bytes.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        *self.flushes.lock().unwrap() += 1;
        Ok(())
    }
}
impl Sink {
    fn lines(&self) -> usize {
        self.bytes
            .lock()
            .unwrap()
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
    }
}

fn cfg() -> Config {
    let mut c = Config::defaults("/nonexistent/audit.log".into());
    c.queues = vec![QueueConfig {
        id: Some("Q".into()),
        name: Some("Support EN".into()),
        events: vec![],
        filter: None,
    }];
    c
}

fn summary_event(avail: u32) -> FeedEvent {
    let kind = summary("Q")
        .available(avail)
        .logged_in(10)
        .interacting(6)
        .waiting(4)
        .skill("Spanish", 0)
        .event();
    queue_event(kind).topic("/routing/queues/Q/events").feed()
}

fn status(state: ConnState) -> FeedEvent {
    FeedEvent::Status(FeedStatus {
        state,
        last_error: None,
        connects: 1,
    })
}

struct Harness {
    events: mpsc::Sender<FeedEvent>,
    commands: mpsc::Receiver<FeedCommand>,
    quit: Option<oneshot::Sender<()>>,
    sink: Sink,
    task: tokio::task::JoinHandle<i32>,
}

fn start() -> Harness {
    let (ev_tx, ev_rx) = mpsc::channel(1024);
    let (cmd_tx, cmd_rx) = mpsc::channel(16);
    let (quit_tx, quit_rx) = oneshot::channel::<()>();
    let sink = Sink::default();
    let exporter = Exporter::from_writer(Box::new(sink.clone()));
    let task = tokio::spawn(async move {
        let shutdown = async move {
            let _ = quit_rx.await;
        };
        drive(&cfg(), ev_rx, &cmd_tx, exporter, shutdown)
            .await
            .unwrap()
    });
    Harness {
        events: ev_tx,
        commands: cmd_rx,
        quit: Some(quit_tx),
        sink,
        task,
    }
}

#[tokio::test(start_paused = true)]
async fn a_burst_is_exported_whole_and_flushed_once() {
    let mut h = start();
    for i in 0..100 {
        h.events.send(summary_event(i % 3)).await.unwrap();
    }
    // Everything was queued before the loop ran: one drain, one flush.
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(h.sink.lines(), 100);
    assert_eq!(*h.sink.flushes.lock().unwrap(), 1);

    // A signal: Quit goes to the feed; what it still sends is exported.
    h.quit.take().unwrap().send(()).unwrap();
    assert_eq!(h.commands.recv().await, Some(FeedCommand::Quit));
    h.events.send(summary_event(1)).await.unwrap();
    h.events.send(status(ConnState::Closed)).await.unwrap();
    assert_eq!(h.task.await.unwrap(), 0);
    assert_eq!(h.sink.lines(), 101);
}

#[tokio::test(start_paused = true)]
async fn a_stopped_feed_ends_the_run_with_1() {
    let mut h = start();
    h.events.send(summary_event(0)).await.unwrap();
    h.events
        .send(status(ConnState::Stopped {
            reason: "subscription refused (4008)".into(),
        }))
        .await
        .unwrap();
    assert_eq!(h.task.await.unwrap(), 1);
    assert_eq!(h.commands.recv().await, Some(FeedCommand::Quit));
    assert_eq!(h.sink.lines(), 1, "flushed before exiting");
}

#[tokio::test(start_paused = true)]
async fn a_feed_that_vanishes_ends_the_run_with_1() {
    let h = start();
    drop(h.events);
    assert_eq!(h.task.await.unwrap(), 1);
}

#[tokio::test(start_paused = true)]
async fn quit_is_bounded_when_the_feed_never_closes() {
    let mut h = start();
    h.quit.take().unwrap().send(()).unwrap();
    assert_eq!(h.commands.recv().await, Some(FeedCommand::Quit));
    // The feed says nothing more: the grace period ends the wait.
    assert_eq!(h.task.await.unwrap(), 0);
    drop(h.events);
}

#[test]
fn table_and_missing_queues() {
    let mut c = cfg();
    c.queues.push(QueueConfig {
        id: Some("R".into()),
        name: None,
        events: vec![],
        filter: None,
    });
    let mut st = queuetop::app::seed::initial_state(&c);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async { st.apply(&summary_event(3)) });
    assert_eq!(missing(&st), vec!["R".to_string()]);
    assert_eq!(
        render_table(&st),
        "QUEUE       AVAIL/LOGGED  UTIL %  WAITING  LONGEST  DEFICITS\n\
         Support EN          3/10    60.0        4        -  Spanish\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_times_out_when_a_queue_never_reports() {
    let sim = queuetop::sim::start(
        "127.0.0.1:0".parse().unwrap(),
        queuetop::sim::SimOptions {
            generate: false,
            queues: 2,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let loaded =
        Config::from_toml_str(&sim.config_toml("realtime"), "sim", &Default::default()).unwrap();
    let code = snapshot(Arc::new(loaded.config), true, Duration::from_secs(3))
        .await
        .unwrap();
    // No queue reported: nothing to show, which is exit 2.
    assert_eq!(code, 2);
    assert!(sim.stats().acks_sent >= 1, "it did connect and subscribe");
    sim.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_flood_still_flushes_and_hears_the_signal() {
    let mut h = start();
    let events = h.events.clone();
    let mut commands = std::mem::replace(&mut h.commands, mpsc::channel(1).1);
    // A feed that never pauses until told to quit.
    let feed = tokio::spawn(async move {
        let mut sent = 0u64;
        loop {
            tokio::select! {
                biased;
                cmd = commands.recv() => {
                    assert_eq!(cmd, Some(FeedCommand::Quit));
                    events.send(status(ConnState::Closed)).await.unwrap();
                    return sent;
                }
                r = events.send(summary_event(1)) => {
                    r.unwrap();
                    sent += 1;
                }
            }
        }
    });
    // Wait until several drains have been flushed, then signal.
    while *h.sink.flushes.lock().unwrap() < 5 {
        tokio::task::yield_now().await;
    }
    h.quit.take().unwrap().send(()).unwrap();
    assert_eq!(h.task.await.unwrap(), 0);
    let sent = feed.await.unwrap();
    assert_eq!(h.sink.lines() as u64, sent, "every event exported");
}
