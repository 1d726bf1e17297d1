//! The export agrees with the simulator's truth. The notifications feed,
//! configured from the simulator's own config.toml, runs against the
//! simulator with its real behaviours (no detail in notifications, zero
//! qualifiers left out of query answers and, here, of notifications too);
//! every event goes through the app's model and export line, as in the
//! headless mode. Once the model holds still, the last export line per
//! queue must equal `SimHandle::truth()` within one reconciliation period
//! (the observations query interval), and stay equal after the next query.
//!
//! Paused tokio time: the simulator and the feed share this runtime, so a
//! socket write lands before the clock auto-advances (see tests/feed/soak.rs).
//! The model moves only when the test ticks it.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use queuetop::config::Config;
use queuetop::event::{ConnState, FeedCommand, FeedEvent};
use queuetop::feed::{self, FeedHandle};
use queuetop::model::AppState;
use queuetop::sim::{self, Faults, Pace, QueueTruth, SimHandle, SimOptions};
use queuetop::sink::export::export_line;
use serde_json::Value;
use tokio::time::Instant;

/// Observations query interval: the reconciliation period.
const INTERVAL_S: u64 = 2;
/// The query's round trip on loopback, on top of the period.
const SLACK: Duration = Duration::from_secs(1);
const LIMIT: Duration = Duration::from_secs(60);

/// What the export shows of one queue, or what the simulator holds:
/// available, on queue, interacting, waiting, skill deficits.
type Figures = (u64, u64, u64, u64, Vec<String>);

fn simulator(token_lifetime_s: u64) -> SimOptions {
    SimOptions {
        queues: 4,
        agents_per_queue: 5,
        generate: false,
        token_lifetime_s,
        faults: Faults {
            omit_zero_qualifiers_in_notifications: true,
            ..Faults::default()
        },
        ..SimOptions::default()
    }
}

/// The simulator's own config.toml (notifications, every queue with every
/// event type), with a short reconciliation period.
fn config(sim: &SimHandle, dir: &std::path::Path) -> Arc<Config> {
    let audit = toml::Value::String(dir.join("audit.log").display().to_string());
    let text = sim.config_toml("notifications").replacen(
        "[genesys]\n",
        &format!("[genesys]\nobservations_interval_s = {INTERVAL_S}\n"),
        1,
    ) + &format!("\n[log]\naudit_file = {audit}\n");
    match Config::from_toml_str(&text, "the simulator's config", &HashMap::new()) {
        Ok(loaded) => Arc::new(loaded.config),
        Err(problems) => panic!("the simulator's config is refused: {problems:?}\n{text}"),
    }
}

/// The app side: the model, the last export line per queue, and every
/// notification applied (by the simulator's CorrelationId numbering).
struct App {
    state: AppState,
    last: HashMap<String, Value>,
    applied: BTreeSet<u64>,
    /// (CorrelationId, event type, queue): one notification may carry
    /// several events, never the same one twice.
    keys: HashSet<(u64, String, String)>,
    doubled: Vec<u64>,
    reconnects: usize,
}

impl App {
    fn new(state: AppState) -> App {
        App {
            state,
            last: HashMap::new(),
            applied: BTreeSet::new(),
            keys: HashSet::new(),
            doubled: Vec::new(),
            reconnects: 0,
        }
    }

    fn on(&mut self, ev: &FeedEvent) {
        let state = &mut self.state;
        state.apply(ev);
        match ev {
            FeedEvent::Queue(q) => {
                let line = export_line(state, q, Instant::now());
                let v: Value = serde_json::from_str(&line).expect("an export line is JSON");
                let id = v["routing_metrics"]["queueId"]
                    .as_str()
                    .expect("queueId")
                    .to_string();
                self.last.insert(id, v);
                if let Some(c) = &q.correlation_id {
                    let n: u64 = c.parse().expect("the simulator numbers notifications");
                    let key = (n, q.kind.type_name().to_string(), q.kind.queue_id().into());
                    if !self.keys.insert(key) {
                        self.doubled.push(n);
                    }
                    self.applied.insert(n);
                }
            }
            FeedEvent::Status(s) if matches!(s.state, ConnState::Reconnecting { .. }) => {
                self.reconnects += 1;
            }
            _ => {}
        }
    }

    /// Where the last export line of a queue differs from the truth.
    fn differences(&self, truth: &[QueueTruth]) -> Vec<String> {
        truth
            .iter()
            .filter_map(|t| {
                let want: Figures = (
                    t.agents_available.into(),
                    t.agents_on_queue.into(),
                    t.agents_interacting.into(),
                    t.interactions_waiting.into(),
                    t.skill_deficits.clone(),
                );
                let shown = self.last.get(&t.queue_id).map(shown);
                (shown.as_ref() != Some(&want))
                    .then(|| format!("{}: export {shown:?}, truth {want:?}", t.queue_name))
            })
            .collect()
    }
}

fn shown(line: &Value) -> Figures {
    let m = &line["routing_metrics"];
    let n = |k: &str| m[k].as_u64().unwrap_or(u64::MAX);
    let deficits = m["skillDeficits"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    (
        n("agentsAvailable"),
        n("agentsLoggedIn"),
        n("agentsInteracting"),
        n("interactionsWaiting"),
        deficits,
    )
}

/// Applies the feed's events until `until` (tokio time).
async fn pump(h: &mut FeedHandle, app: &mut App, until: Instant) {
    while let Ok(ev) = tokio::time::timeout_at(until, h.events.recv()).await {
        match ev {
            Some(ev) => app.on(&ev),
            None => panic!("the feed stopped: {:?}", app.state.feed().status),
        }
    }
}

/// Waits until the export equals the truth, at most one period and the
/// query's round trip; then it must still after the next query. Returns
/// how long it took.
async fn agree(h: &mut FeedHandle, app: &mut App, sim: &SimHandle, what: &str) -> Duration {
    let start = Instant::now();
    let deadline = start + Duration::from_secs(INTERVAL_S) + SLACK;
    loop {
        let diff = app.differences(&sim.truth());
        if diff.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: one period after the model stood still the export differs:\n{}",
            diff.join("\n")
        );
        pump(
            h,
            app,
            deadline.min(Instant::now() + Duration::from_millis(100)),
        )
        .await;
    }
    let took = start.elapsed();
    pump(
        h,
        app,
        Instant::now() + Duration::from_secs(INTERVAL_S) + SLACK,
    )
    .await;
    let diff = app.differences(&sim.truth());
    assert!(
        diff.is_empty(),
        "{what}: after the next query:\n{}",
        diff.join("\n")
    );
    took
}

/// The simulator, the feed on its config, and the app once connected.
async fn connect(opts: SimOptions) -> (SimHandle, FeedHandle, App, tempfile::TempDir) {
    let sim = sim::start("127.0.0.1:0".parse().unwrap(), opts)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&sim, dir.path());
    let mut app = App::new(queuetop::app::seed::initial_state(&cfg));
    let mut h = feed::spawn(cfg);
    let deadline = Instant::now() + LIMIT;
    while app.state.feed().status.state != ConnState::Connected {
        assert!(
            Instant::now() < deadline,
            "never connected: {:?}",
            sim.stats()
        );
        pump(
            &mut h,
            &mut app,
            Instant::now() + Duration::from_millis(100),
        )
        .await;
    }
    (sim, h, app, dir)
}

async fn quit(mut h: FeedHandle, app: &mut App) {
    h.commands.send(FeedCommand::Quit).await.unwrap();
    let deadline = Instant::now() + LIMIT;
    while let Ok(Some(ev)) = tokio::time::timeout_at(deadline, h.events.recv()).await {
        app.on(&ev);
    }
    h.task.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn the_last_export_line_per_queue_is_the_simulators_truth() {
    truth_over_rounds(simulator(86_400)).await;
}

#[tokio::test(start_paused = true)]
async fn the_working_day_agrees_with_its_truth_too() {
    // Half a minute of the day a tick, from noon: the lunch peak.
    let pace = Pace::Day {
        speed: 60.0,
        start_minute: 12 * 60,
    };
    truth_over_rounds(SimOptions {
        pace,
        ..simulator(86_400)
    })
    .await;
}

/// Twelve rounds of twenty ticks, each ending with the export agreeing
/// with the truth.
async fn truth_over_rounds(opts: SimOptions) {
    let (sim, mut h, mut app, _dir) = connect(opts).await;
    agree(&mut h, &mut app, &sim, "at start").await;
    let (mut deficits, mut waiting, mut longest) = (BTreeSet::new(), 0, Duration::ZERO);
    for round in 0..12 {
        sim.control().tick(20);
        let took = agree(&mut h, &mut app, &sim, &format!("round {round}")).await;
        longest = longest.max(took);
        for t in sim.truth() {
            deficits.extend(t.skill_deficits.iter().cloned());
            waiting += t.interactions_waiting;
        }
    }
    // The comparison covered what it claims to.
    assert!(!deficits.is_empty(), "some skill deficit appeared");
    assert!(waiting > 0, "some interactions waited");
    let st = sim.stats();
    assert_eq!(st.events_lagged, 0, "the simulator dropped nothing: {st:?}");
    assert!(app.doubled.is_empty(), "applied twice: {:?}", app.doubled);
    eprintln!(
        "truth: agreed within {longest:?} of a {INTERVAL_S} s period; {} corrections by the \
         query; deficits seen {deficits:?}",
        h.gauges.observation_corrections()
    );
    quit(h, &mut app).await;
}

#[tokio::test(start_paused = true)]
async fn no_notification_is_lost_or_doubled_across_token_rollovers() {
    // Tokens live 10 s: every channel is rolled over (make before break)
    // before the token that made it expires, about every 8 s.
    const LIFETIME_S: u64 = 10;
    let (sim, mut h, mut app, _dir) = connect(simulator(LIFETIME_S)).await;
    let first = sim.stats().channels_created;
    let start = Instant::now();
    // The model moves throughout, in small steps, so that notifications
    // are published while a handover is under way.
    for _ in 0..600 {
        sim.control().tick(1);
        pump(
            &mut h,
            &mut app,
            Instant::now() + Duration::from_millis(100),
        )
        .await;
    }
    let ran = start.elapsed();
    agree(&mut h, &mut app, &sim, "after the rollovers").await;

    let st = sim.stats();
    let rollovers = st.channels_created - first;
    assert!(
        rollovers >= ran.as_secs() / LIFETIME_S,
        "a channel per token at least: {rollovers} in {ran:?}; {st:?}"
    );
    assert_eq!(
        st.channels_closed_with_token, 0,
        "every channel rolled in time: {st:?}"
    );
    assert_eq!(app.reconnects, 0, "handovers are no reconnects");
    assert_eq!(st.events_lagged, 0, "the simulator dropped nothing: {st:?}");
    let last = st.last_correlation_id;
    assert!(last > 100, "enough notifications to mean something: {last}");
    let missing: Vec<u64> = (1..=last).filter(|n| !app.applied.contains(n)).collect();
    assert!(missing.is_empty(), "lost: {missing:?}");
    assert!(app.doubled.is_empty(), "applied twice: {:?}", app.doubled);
    // Every copy written to our sockets was applied once or dropped as a
    // handover duplicate.
    assert_eq!(
        app.applied.len() as u64 + h.gauges.duplicates_dropped(),
        st.notifications_sent,
        "written to our sockets vs applied + duplicates dropped: {st:?}"
    );
    eprintln!(
        "rollovers: {rollovers} in {ran:?}, {last} notifications, {} duplicates dropped",
        h.gauges.duplicates_dropped()
    );
    quit(h, &mut app).await;
}
