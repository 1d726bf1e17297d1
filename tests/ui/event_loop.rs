//! The app loop driven without a terminal: `TestBackend`, channels for the
//! keyboard and the feed, and paused time. Counts frames, not milliseconds.

use crate::common;
use crate::fixtures::{self, queue_event};
use std::io;
use std::path::PathBuf;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures_util::stream::{self, Stream};
use queuetop::app::terminal::Stop;
use queuetop::app::{AppLoop, Exit, LoopIo};
use queuetop::config::{Config, QueueConfig};
use queuetop::event::{ConnState, FeedCommand, FeedEvent, FeedStatus};
use queuetop::ui::Ui;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep};

type Input = std::pin::Pin<Box<dyn Stream<Item = io::Result<Event>> + Send>>;

struct Rig {
    app: AppLoop,
    term: Terminal<TestBackend>,
    io: LoopIo<Input>,
    keys: mpsc::UnboundedSender<io::Result<Event>>,
    feed: mpsc::Sender<FeedEvent>,
    commands: mpsc::Receiver<FeedCommand>,
}

fn config(stale_after_s: u64) -> Config {
    let mut cfg = Config::defaults(PathBuf::from("/nonexistent/audit.log"));
    cfg.alerts.stale_after_s = stale_after_s;
    cfg.queues = (0..3)
        .map(|i| QueueConfig {
            id: Some(format!("q{i}")),
            name: Some(format!("Queue {i}")),
            events: Vec::new(),
            filter: None,
        })
        .collect();
    cfg
}

fn rig(cfg: &Config, clock: bool) -> Rig {
    let ui = Ui {
        clock,
        ..common::ui()
    };
    let (keys, mut key_rx) = mpsc::unbounded_channel();
    let input: Input = Box::pin(stream::poll_fn(move |cx| key_rx.poll_recv(cx)));
    let (feed, feed_rx) = mpsc::channel(1024);
    let (cmd_tx, commands) = mpsc::channel(8);
    Rig {
        app: AppLoop::new(queuetop::app::seed::initial_state(cfg), ui, cfg.ui.fps)
            .with_wall_from_tokio_clock(common::wall()),
        term: Terminal::new(TestBackend::new(80, 24)).expect("test backend"),
        io: LoopIo {
            input,
            feed: feed_rx,
            commands: cmd_tx,
        },
        keys,
        feed,
        commands,
    }
}

fn summary(i: u32) -> FeedEvent {
    let q = format!("q{}", i % 3);
    let kind = fixtures::summary(&q)
        .available(i % 7)
        .logged_in(10)
        .interacting(3)
        .waiting(i % 13)
        .event();
    queue_event(kind)
        .topic(format!("/routing/queues/{q}/events"))
        .feed()
}

fn key(c: char) -> io::Result<Event> {
    Ok(Event::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::NONE,
    )))
}

async fn after(d: Duration) -> Stop {
    sleep(d).await;
    Stop::Signal("test")
}

fn screen(r: &Rig) -> String {
    r.term.backend().to_string()
}

#[tokio::test(start_paused = true)]
async fn a_burst_of_ten_thousand_events_costs_a_handful_of_frames() {
    let cfg = config(120);
    let mut r = rig(&cfg, false);
    let feed = r.feed.clone();
    let producer = tokio::spawn(async move {
        for i in 0..10_000 {
            feed.send(summary(i)).await.expect("loop is running");
        }
    });
    let exit = r
        .app
        .run(&mut r.term, &mut r.io, after(Duration::from_secs(2)))
        .await
        .expect("loop");
    producer.await.expect("producer");
    assert_eq!(exit, Exit::Stopped(Stop::Signal("test")));
    assert_eq!(
        r.app.events_applied(),
        10_000,
        "every event reaches the model"
    );
    let draws = r.app.draws();
    assert!((2..=5).contains(&draws), "{draws} frames for 10,000 events");
    // The last event is on screen: 9999 % 13 = 2 waiting in q0.
    assert!(screen(&r).contains("Queue 0"), "{}", screen(&r));
}

#[tokio::test(start_paused = true)]
async fn an_idle_screen_without_a_clock_draws_nothing() {
    let cfg = config(0);
    let mut r = rig(&cfg, false);
    let exit = r
        .app
        .run(&mut r.term, &mut r.io, after(Duration::from_secs(3600)))
        .await
        .expect("loop");
    assert_eq!(exit, Exit::Stopped(Stop::Signal("test")));
    assert_eq!(r.app.draws(), 1, "only the first frame in an hour");
}

#[tokio::test(start_paused = true)]
async fn going_stale_is_drawn_once() {
    let cfg = config(120);
    let mut r = rig(&cfg, false);
    r.app
        .run(&mut r.term, &mut r.io, after(Duration::from_secs(3600)))
        .await
        .expect("loop");
    assert_eq!(r.app.draws(), 2, "first frame, then the queues going stale");
    assert!(screen(&r).contains("stale"), "{}", screen(&r));
}

#[tokio::test(start_paused = true)]
async fn a_visible_clock_redraws_once_a_second() {
    let cfg = config(0);
    let mut r = rig(&cfg, true);
    r.app
        .run(&mut r.term, &mut r.io, after(Duration::from_secs(10)))
        .await
        .expect("loop");
    let draws = r.app.draws();
    assert!((10..=12).contains(&draws), "{draws} frames in 10 s");
}

#[tokio::test(start_paused = true)]
async fn a_countdown_redraws_only_while_it_counts() {
    let cfg = config(0);
    let mut r = rig(&cfg, false);
    let status = FeedEvent::Status(FeedStatus {
        state: ConnState::Reconnecting {
            attempt: 3,
            max_attempts: 10,
            next_try: Instant::now() + Duration::from_secs(5),
        },
        last_error: None,
        connects: 1,
    });
    r.feed.send(status).await.expect("queued");
    r.app
        .run(&mut r.term, &mut r.io, after(Duration::from_secs(60)))
        .await
        .expect("loop");
    let draws = r.app.draws();
    // First frame, the status, then about one a second for 5 s; none after.
    assert!((5..=9).contains(&draws), "{draws} frames");
    assert!(
        screen(&r).contains("reconnecting, attempt 3 of 10"),
        "{}",
        screen(&r)
    );
}

#[tokio::test(start_paused = true)]
async fn keys_reach_the_view_and_the_feed() {
    let cfg = config(0);
    let mut r = rig(&cfg, false);
    for c in ['j', '?'] {
        r.keys.send(key(c)).expect("open");
    }
    let keys = r.keys.clone();
    tokio::spawn(async move {
        sleep(Duration::from_secs(1)).await;
        let _ = keys.send(key('?'));
        let _ = keys.send(key('r'));
        sleep(Duration::from_secs(1)).await;
        let _ = keys.send(key('q'));
    });
    let exit = r
        .app
        .run(&mut r.term, &mut r.io, after(Duration::from_secs(60)))
        .await
        .expect("loop");
    assert_eq!(exit, Exit::Quit);
    assert_eq!(r.commands.try_recv(), Ok(FeedCommand::ReconnectNow));
    assert_eq!(r.commands.try_recv(), Ok(FeedCommand::Quit));
    let text = screen(&r);
    assert!(
        text.contains(">2  Queue 1"),
        "j moved the selection:\n{text}"
    );
    assert!(!text.contains("Keys (? or Esc"), "help was closed:\n{text}");
}

#[tokio::test(start_paused = true)]
async fn a_closed_or_failing_terminal_ends_the_loop() {
    let cfg = config(0);
    let mut r = rig(&cfg, false);
    drop(r.keys);
    let exit = r
        .app
        .run(&mut r.term, &mut r.io, after(Duration::from_secs(60)))
        .await
        .expect("loop");
    assert!(matches!(exit, Exit::InputGone(_)), "{exit:?}");

    let mut r = rig(&cfg, false);
    for _ in 0..3 {
        r.keys.send(Err(io::Error::other("EIO"))).expect("open");
    }
    let exit = r
        .app
        .run(&mut r.term, &mut r.io, after(Duration::from_secs(60)))
        .await
        .expect("loop");
    assert!(
        matches!(exit, Exit::InputGone(ref m) if m.contains("EIO")),
        "{exit:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn pause_freezes_the_panels_while_the_feed_counts_on() {
    let cfg = config(0);
    let mut r = rig(&cfg, false);
    r.feed.send(summary(0)).await.expect("queued");
    let feed = r.feed.clone();
    let keys = r.keys.clone();
    tokio::spawn(async move {
        sleep(Duration::from_secs(1)).await;
        keys.send(key('p')).expect("open");
        sleep(Duration::from_secs(1)).await;
        for i in 1..=3 {
            feed.send(summary(i * 3)).await.expect("running");
        }
    });
    r.app
        .run(&mut r.term, &mut r.io, after(Duration::from_secs(5)))
        .await
        .expect("loop");
    assert_eq!(
        r.app.state().feed().events_processed,
        4,
        "the live state moved on"
    );
    let shown = r.app.view.shown(r.app.state());
    assert_eq!(shown.feed().events_processed, 1, "the panels did not");
    assert!(screen(&r).contains("PAUSED"));
}

#[tokio::test(start_paused = true)]
async fn a_resize_redraws_once() {
    let cfg = config(0);
    let mut r = rig(&cfg, false);
    let keys = r.keys.clone();
    tokio::spawn(async move {
        sleep(Duration::from_secs(1)).await;
        keys.send(Ok(Event::Resize(100, 30))).expect("open");
        // Focus changes and unknown keys draw nothing.
        keys.send(Ok(Event::FocusLost)).expect("open");
        keys.send(key('x')).expect("open");
    });
    r.app
        .run(&mut r.term, &mut r.io, after(Duration::from_secs(10)))
        .await
        .expect("loop");
    assert_eq!(r.app.draws(), 2, "the first frame and the resize");
}

/// A writer the test can read back.
#[derive(Clone, Default)]
struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl io::Write for Shared {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn every_event_is_exported_even_when_frames_are_skipped() {
    let cfg = config(0);
    let mut r = rig(&cfg, false);
    let out = Shared::default();
    let exporter = queuetop::sink::export::Exporter::from_writer(Box::new(out.clone()));
    r.app = AppLoop::new(
        queuetop::app::seed::initial_state(&cfg),
        common::ui(),
        cfg.ui.fps,
    )
    .with_wall_from_tokio_clock(common::wall())
    .with_exporter(exporter);
    let feed = r.feed.clone();
    tokio::spawn(async move {
        for i in 0..3000 {
            feed.send(summary(i)).await.expect("running");
        }
    });
    r.app
        .run(&mut r.term, &mut r.io, after(Duration::from_secs(2)))
        .await
        .expect("loop");
    let text = String::from_utf8(out.0.lock().expect("lock").clone()).expect("utf-8");
    assert_eq!(text.lines().count(), 3000, "one line per event, flushed");
    assert!(r.app.draws() < 10, "{} frames", r.app.draws());
}

fn click(column: u16, row: u16) -> io::Result<Event> {
    Ok(Event::Mouse(crossterm::event::MouseEvent {
        kind: crossterm::event::MouseEventKind::Down(crossterm::event::MouseButton::Left),
        column,
        row,
        modifiers: KeyModifiers::NONE,
    }))
}

/// Row and column of the first occurrence of `text` on the screen.
fn find(r: &Rig, text: &str) -> (u16, u16) {
    let buf = r.term.backend().buffer();
    for y in 0..buf.area.height {
        let line: String = (0..buf.area.width)
            .map(|x| buf.cell((x, y)).map_or(" ", |c| c.symbol()))
            .collect();
        if let Some(x) = line.find(text) {
            return (line[..x].chars().count() as u16, y);
        }
    }
    panic!("{text} not on screen:\n{}", screen(r));
}

fn status(state: ConnState) -> FeedEvent {
    FeedEvent::Status(FeedStatus {
        state,
        last_error: None,
        connects: 1,
    })
}

#[tokio::test(start_paused = true)]
async fn r_says_reconnecting_at_once_until_the_feed_reports() {
    let cfg = config(0);
    let mut r = rig(&cfg, false);
    r.feed
        .send(status(ConnState::Connected))
        .await
        .expect("open");
    r.keys.send(key('r')).expect("open");
    r.app
        .run(&mut r.term, &mut r.io, after(Duration::from_millis(200)))
        .await
        .expect("loop");
    assert_eq!(r.commands.try_recv(), Ok(FeedCommand::ReconnectNow));
    assert!(screen(&r).contains("reconnecting now"), "{}", screen(&r));
    // The feed answers: the header says what it does, the notice goes.
    r.feed
        .send(status(ConnState::Connecting))
        .await
        .expect("open");
    r.app
        .run(&mut r.term, &mut r.io, after(Duration::from_millis(200)))
        .await
        .expect("loop");
    assert!(!screen(&r).contains("reconnecting now"), "{}", screen(&r));
    // A feed that never answers: the notice ends on its own.
    r.keys.send(key('r')).expect("open");
    r.app
        .run(&mut r.term, &mut r.io, after(Duration::from_secs(12)))
        .await
        .expect("loop");
    assert!(!screen(&r).contains("reconnecting now"), "{}", screen(&r));
}

#[tokio::test(start_paused = true)]
async fn esc_on_the_main_screen_does_not_quit() {
    let cfg = config(0);
    let mut r = rig(&cfg, false);
    for _ in 0..3 {
        r.keys
            .send(Ok(Event::Key(KeyEvent::from(KeyCode::Esc))))
            .expect("open");
    }
    let exit = r
        .app
        .run(&mut r.term, &mut r.io, after(Duration::from_secs(2)))
        .await
        .expect("loop");
    assert_eq!(exit, Exit::Stopped(Stop::Signal("test")));
}

#[tokio::test(start_paused = true)]
async fn a_click_selects_a_row_and_a_header_sorts() {
    let cfg = config(0);
    let mut r = rig(&cfg, false);
    for i in 0..3 {
        r.feed.send(summary(i)).await.expect("open");
    }
    r.app
        .run(&mut r.term, &mut r.io, after(Duration::from_millis(200)))
        .await
        .expect("loop");
    let (x, y) = find(&r, "Queue 2");
    r.keys.send(click(x, y)).expect("open");
    r.app
        .run(&mut r.term, &mut r.io, after(Duration::from_millis(200)))
        .await
        .expect("loop");
    let (_, y2) = find(&r, "Queue 2");
    assert_eq!(
        find(&r, ">").1,
        y2,
        "the clicked row is selected:\n{}",
        screen(&r)
    );
    // The header's "Queue" column: sort by name.
    let (hx, hy) = find(&r, "Queue ");
    assert!(hy < y, "the header is above the rows");
    r.keys.send(click(hx + 1, hy)).expect("open");
    r.app
        .run(&mut r.term, &mut r.io, after(Duration::from_millis(200)))
        .await
        .expect("loop");
    assert!(screen(&r).contains("sort: name"), "{}", screen(&r));
}

#[test]
fn the_mouse_is_on_unless_the_config_says_off() {
    let base = "[genesys]\nclient_id = \"id\"\nclient_secret = \"s\"\n\n\
                [[queue]]\nid = \"8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c1e\"\n";
    let load = |extra: &str| {
        Config::from_toml_str(
            &format!("{base}{extra}"),
            "mouse.toml",
            &std::collections::HashMap::new(),
        )
        .map(|l| l.config.ui.mouse)
        .map_err(|p| format!("{p:?}"))
    };
    assert_eq!(load(""), Ok(true));
    assert_eq!(load("\n[ui]\nmouse = false\n"), Ok(false));
    assert!(load("\n[ui]\nmouse = \"no\"\n").is_err());
}
