//! Alert churn on the simulator: raises a minute and alert lifetimes on
//! the steady demo (the working day `queuetop demo` plays, both feeds) and
//! `--scenario busy` (the fast model, crowded), through the real feed over
//! loopback. Minutes of wall time, so ignored by default:
//!
//!     CHURN_SECONDS=120 cargo test --release --test model churn:: -- --ignored --nocapture
//!
//! The figures go to BENCHMARKS.md. Each run also replays the same events
//! into a model with no raise or clear delay, for comparison.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use queuetop::app::seed::initial_state;
use queuetop::config::Config;
use queuetop::model::{AlertKind, AppState};
use queuetop::sim::{self, SimOptions};
use time::OffsetDateTime;
use tokio::time::Instant;

/// Raises and the lives of the alerts that ended, from the transitions.
#[derive(Default)]
struct Churn {
    raises: usize,
    lives_s: Vec<f64>,
    by_kind: std::collections::BTreeMap<&'static str, usize>,
}

impl Churn {
    fn take(&mut self, st: &mut AppState) {
        for t in st.take_alert_transitions() {
            if matches!(t.alert.kind, AlertKind::SkillDeficit { .. }) {
                continue; // deficit-list changes: logged, not alerts
            }
            if t.raised {
                self.raises += 1;
                *self.by_kind.entry(t.alert.kind.name()).or_default() += 1;
            } else if let Some(c) = t.alert.cleared_at {
                self.lives_s.push((c - t.alert.raised_at).as_seconds_f64());
            }
        }
    }

    fn report(&mut self, what: &str, minutes: f64) -> (f64, Option<f64>) {
        self.lives_s.sort_by(f64::total_cmp);
        let median = self.lives_s.get(self.lives_s.len() / 2).copied();
        let shortest = self.lives_s.first().copied();
        let per_min = self.raises as f64 / minutes;
        println!(
            "{what}: {per_min:.1} raises/min ({} in {minutes:.1} min), {} ended, median life {}, shortest {}",
            self.raises,
            self.lives_s.len(),
            median.map_or("-".into(), |m| format!("{m:.1} s")),
            shortest.map_or("-".into(), |m| format!("{m:.1} s")),
        );
        println!("  by kind: {:?}", self.by_kind);
        (per_min, shortest)
    }
}

async fn churn(name: &str, opts: SimOptions, protocol: &str, secs: u64) -> (f64, Option<f64>) {
    let sim = sim::start("127.0.0.1:0".parse().unwrap(), opts)
        .await
        .expect("simulator");
    let text = sim.config_toml(protocol);
    let cfg: Config = Config::from_toml_str(&text, "churn", &HashMap::new())
        .expect("the simulator's config")
        .config;
    let cfg = Arc::new(cfg);
    let mut feed = queuetop::feed::spawn(cfg.clone());
    let mut st = initial_state(&cfg);
    let mut undelayed = (*cfg).clone();
    undelayed.alerts.raise_delay_s = 0;
    undelayed.alerts.clear_delay_s = 0;
    let mut raw = initial_state(&undelayed);
    let (mut churn, mut raw_churn) = (Churn::default(), Churn::default());
    let end = Instant::now() + Duration::from_secs(secs);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            ev = feed.events.recv() => {
                let Some(ev) = ev else { break };
                st.apply(&ev);
                raw.apply(&ev);
            }
            _ = tick.tick() => {
                let (now, wall) = (Instant::now(), OffsetDateTime::now_utc());
                st.tick(now, wall);
                raw.tick(now, wall);
            }
            _ = tokio::time::sleep_until(end) => break,
        }
        churn.take(&mut st);
        raw_churn.take(&mut raw);
    }
    let _ = feed.commands.try_send(queuetop::event::FeedCommand::Quit);
    drop(feed.events);
    sim.shutdown().await;
    let minutes = secs as f64 / 60.0;
    raw_churn.report(&format!("{name} ({protocol}), no delays"), minutes);
    churn.report(&format!("{name} ({protocol})"), minutes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "minutes of wall time: run by hand for BENCHMARKS.md"]
async fn alert_churn_on_the_simulator() {
    let secs: u64 = std::env::var("CHURN_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let busy = SimOptions {
        agents_per_queue: 20,
        event_interval: Duration::from_millis(100),
        ..SimOptions::default()
    };
    let delay = queuetop::model::Limits::default().raise_delay_s as f64;
    let only = std::env::var("CHURN_ONLY").unwrap_or_default();
    for (name, opts, protocol) in [
        ("steady", sim::demo_options(), "notifications"),
        ("steady", sim::demo_options(), "realtime"),
        ("busy", busy, "notifications"),
    ] {
        if !only.is_empty() && only != format!("{name}-{protocol}") {
            continue;
        }
        let (per_min, shortest) = churn(name, opts, protocol, secs).await;
        if name == "steady" {
            assert!(per_min < 5.0, "{name}: {per_min:.1} raises a minute");
        }
        assert!(
            shortest.is_none_or(|s| s >= delay),
            "an alert shorter than its raise delay"
        );
    }
}

/// Resident memory of this process, in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(start_paused = true)]
#[ignore = "a minute of CPU: run by hand for BENCHMARKS.md"]
async fn memory_at_1000_queues_with_an_hour_of_history() {
    use crate::fixtures::queue_event;
    use queuetop::event::{
        AgentState, AgentStatus, ConnState, FeedEvent, FeedStatus, InteractionState, MediaType,
        QueueEventKind, QueueInteraction, QueueSummary, SkillCount,
    };
    use queuetop::model::{Limits, QueueSeed};
    let before = rss_kib();
    let queues: Vec<QueueSeed> = (0..1000)
        .map(|i| QueueSeed::new(Some(&format!("q{i:04}")), Some(&format!("Queue {i}"))))
        .collect();
    let mut st = AppState::new(&queues, Limits::default());
    let t0 = OffsetDateTime::now_utc();
    let start = Instant::now();
    st.apply(&FeedEvent::Status(FeedStatus {
        state: ConnState::Connected,
        last_error: None,
        connects: 1,
    }));
    let ev = |kind: QueueEventKind| {
        let now = Instant::now();
        queue_event(kind).received(t0 + (now - start), now).feed()
    };
    let skills: std::collections::BTreeMap<String, SkillCount> =
        ["English", "Spanish", "Billing", "VIP"]
            .iter()
            .map(|s| {
                (
                    s.to_string(),
                    SkillCount {
                        available: 1,
                        required: Some(1),
                    },
                )
            })
            .collect();
    for second in 0..3600u64 {
        // Each queue reports every 30 s, spread over the half minute.
        for i in (second % 30..1000).step_by(30) {
            let q = format!("q{i:04}");
            st.apply(&ev(QueueEventKind::Summary(QueueSummary {
                queue_id: q.clone(),
                agents_available: 2,
                agents_logged_in: 20,
                agents_interacting: 15,
                interactions_waiting: 5,
                skills: skills.clone(),
                ..QueueSummary::default()
            })));
            let u = second % 20;
            st.apply(&ev(QueueEventKind::Agent(AgentState {
                queue_id: q.clone(),
                user_id: format!("u{u}"),
                user_name: Some(format!("Agent {u}")),
                status: AgentStatus::Interacting,
                skills: vec!["English".into(), "Billing".into()],
            })));
            st.apply(&ev(QueueEventKind::Interaction(QueueInteraction {
                queue_id: q,
                conversation_id: format!("c{}", second % 5),
                media_type: MediaType::Voice,
                state: InteractionState::Waiting,
                wait_ms: Some(1000),
            })));
        }
        tokio::time::advance(Duration::from_secs(1)).await;
        st.tick(Instant::now(), t0 + (Instant::now() - start));
    }
    let after = rss_kib();
    let q = st.queue("q0000").unwrap();
    println!(
        "1000 queues, one hour: RSS {} KiB -> {} KiB (+{:.1} MiB); buckets per history {}, alerts {}",
        before,
        after,
        (after.saturating_sub(before)) as f64 / 1024.0,
        q.waiting_history.len(),
        st.alerts().list.len(),
    );
    assert_eq!(q.waiting_history.len(), 120);
    assert!(after < 30 * 1024 + before, "over 30 MiB");
}

/// The same hour on the working day's own events: 1000 queues of the
/// simulator's day model (ticked by hand, half a second a tick), through
/// the notifications feed over loopback into the model, paused time. The
/// resident figures include the simulator's own 1000 queues, its
/// broadcast backlogs and the feed.
#[tokio::test(start_paused = true)]
#[ignore = "minutes of CPU: run by hand for BENCHMARKS.md"]
async fn memory_at_1000_queues_on_an_hour_of_the_working_day() {
    use queuetop::sim::Pace;
    let empty = rss_kib();
    let opts = SimOptions {
        queues: 1000,
        generate: false,
        pace: Pace::day(),
        ..SimOptions::default()
    };
    let sim = sim::start("127.0.0.1:0".parse().unwrap(), opts)
        .await
        .expect("simulator");
    let with_sim = rss_kib();
    let text = sim.config_toml("notifications");
    let cfg = Config::from_toml_str(&text, "memory", &HashMap::new())
        .expect("the simulator's config")
        .config;
    let cfg = Arc::new(cfg);
    let mut feed = queuetop::feed::spawn(cfg.clone());
    let mut st = initial_state(&cfg);
    let (start, wall0) = (Instant::now(), OffsetDateTime::now_utc());
    let mut applied = 0u64;
    let mut first_minute = 0;
    for step in 0..7200u64 {
        sim.control().tick(1);
        let until = Instant::now() + Duration::from_millis(500);
        loop {
            tokio::select! {
                ev = feed.events.recv() => {
                    let Some(ev) = ev else { break };
                    st.apply(&ev);
                    applied += 1;
                }
                _ = tokio::time::sleep_until(until) => break,
            }
        }
        if step % 2 == 1 {
            let now = Instant::now();
            st.tick(now, wall0 + (now - start));
        }
        if step == 120 {
            first_minute = rss_kib();
        }
    }
    let after = rss_kib();
    let q = st.queues().first().expect("a queue");
    println!(
        "1000 queues, an hour of the working day: RSS {empty} KiB empty, {with_sim} KiB with \
         the simulator, {first_minute} KiB after a minute, {after} KiB after the hour \
         (+{:.1} MiB over the hour); {applied} events applied, buckets per history {}, alerts {}",
        after.saturating_sub(first_minute) as f64 / 1024.0,
        q.waiting_history.len(),
        st.alerts().list.len(),
    );
    let _ = feed.commands.try_send(queuetop::event::FeedCommand::Quit);
    drop(feed.events);
    sim.shutdown().await;
    assert!(applied > 100_000, "the day should move: {applied} events");
    // The process holds the simulator, its socket backlogs and the feed
    // too; what the hour itself adds is the histories and alerts.
    assert!(
        after < first_minute + 10 * 1024,
        "the hour added over 10 MiB"
    );
}
