//! Sample states for the UI snapshot tests and the draw bench: a few
//! queues with a skill deficit, an alert, a stale queue and one with no
//! data yet. Times are offsets from one `Instant` so frames are stable.

use std::collections::BTreeMap;
use std::time::Duration;

use queuetop::config::AlertConfig;
use queuetop::event::{
    AgentStatus, ConnState, FeedStatus, MediaCounts, MediaType, QueueSummary, QueueTotals,
    SkillCount,
};
use queuetop::model::{
    AgentRow, Alert, AlertKind, Alerts, AppState, CapacityMetrics, Combine, FeedStats, History,
    LatencyStats, QueueView, StateParts, WaitingRow,
};
use queuetop::ui::{Ui, theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use time::OffsetDateTime;
use tokio::time::Instant;

pub mod drawing;

pub struct Fixture {
    pub state: AppState,
    /// The frame's "now": three hours after `base`.
    pub now: Instant,
    pub wall: OffsetDateTime,
}

pub fn ui() -> Ui {
    Ui {
        theme: &theme::DARK,
        glyphs: &theme::UNICODE,
        environment: "mypurecloud.ie".into(),
        protocol: "notifications",
        alerts: AlertConfig::default(),
        utc_offset: time::UtcOffset::UTC,
        clock: true,
        wallboard: false,
    }
}

pub fn ascii_ui() -> Ui {
    Ui {
        theme: &theme::MONO,
        glyphs: &theme::ASCII,
        ..ui()
    }
}

/// 2026-11-27 07:02:13 UTC.
pub fn wall() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_795_762_933).expect("fixed time")
}

fn ring(vals: &[u64]) -> History {
    let vals: Vec<Option<u64>> = vals.iter().map(|&v| Some(v)).collect();
    History::from_values(Combine::Max, &vals)
}

struct Q {
    name: &'static str,
    avail: u32,
    logged: u32,
    busy: u32,
    waiting: u32,
    skills: &'static [(&'static str, u32, Option<u32>)],
}

fn queue(base: Instant, now: Instant, i: usize, spec: &Q) -> QueueView {
    let summary = QueueSummary {
        queue_id: format!("q{i}"),
        queue_name: Some(spec.name.into()),
        agents_available: spec.avail,
        agents_logged_in: spec.logged,
        agents_interacting: spec.busy,
        interactions_waiting: spec.waiting,
        skills: spec
            .skills
            .iter()
            .map(|(n, a, r)| {
                (
                    n.to_string(),
                    SkillCount {
                        available: *a,
                        required: *r,
                    },
                )
            })
            .collect(),
        ..Default::default()
    };
    let pct = |x: u32| {
        if spec.logged == 0 {
            0.0
        } else {
            f64::from(x) * 100.0 / f64::from(spec.logged)
        }
    };
    let mut deficits: Vec<String> = spec
        .skills
        .iter()
        .filter(|(_, a, _)| *a == 0)
        .map(|(n, _, _)| n.to_string())
        .collect();
    deficits.sort();
    let names = [
        "Ana Ruiz",
        "Ben Okafor",
        "Chloe Martin",
        "Dev Patel",
        "Eva Novak",
        "Femi Ade",
        "Gus Lind",
        "Hana Sato",
        "Ivo Petrov",
        "Jin Park",
    ];
    let statuses = [
        AgentStatus::Idle,
        AgentStatus::Interacting,
        AgentStatus::Interacting,
        AgentStatus::Communicating,
        AgentStatus::NotResponding,
        AgentStatus::OffQueue,
    ];
    let mut agents = BTreeMap::new();
    for k in 0..spec.logged.min(10) as usize {
        let id = format!("u{i}-{k}");
        agents.insert(
            id.clone(),
            AgentRow {
                user_id: id,
                name: Some(names[k].into()),
                status: statuses[(k + i) % statuses.len()].clone(),
                skills: vec!["Billing".into()],
                since: now - Duration::from_secs(37 * (k as u64 + 1)),
            },
        );
    }
    let mut waiting = BTreeMap::new();
    for k in 0..spec.waiting.min(8) as usize {
        let id = format!("c{i}-{k:02}-7f3a9c");
        waiting.insert(
            id.clone(),
            WaitingRow {
                conversation_id: id,
                media_type: if k % 3 == 2 {
                    MediaType::Chat
                } else {
                    MediaType::Voice
                },
                wait_ms: 15_000 * (k as u64 + 1) + 1000 * i as u64,
                seen: now - Duration::from_secs(20),
            },
        );
    }
    let wave: Vec<u64> = (0..90u64)
        .map(|x| (x * 7 + i as u64 * 3) % 11 + u64::from(spec.waiting))
        .collect();
    let lat: Vec<u64> = (0..90u64).map(|x| 40 + (x * 13 + i as u64) % 60).collect();
    let mut q = QueueView::new(&format!("q{i}"), Some(spec.name), true);
    q.summary = Some(summary);
    q.metrics = CapacityMetrics {
        utilization: pct(spec.busy),
        available_ratio: pct(spec.avail),
        skill_coverage: spec.skills.len(),
        skill_deficits: deficits,
        queue_utilization: None,
    };
    q.agents = agents;
    q.waiting = waiting;
    q.waiting_history = ring(&wave);
    q.latency_history = ring(&lat);
    q.last_update = Some(base + Duration::from_secs(3 * 3600 - 2));
    q
}

const QUEUES: &[Q] = &[
    Q {
        name: "Support EN",
        avail: 3,
        logged: 10,
        busy: 6,
        waiting: 4,
        skills: &[
            ("Spanish", 0, Some(2)),
            ("Billing", 2, None),
            ("Tier 2", 1, Some(1)),
        ],
    },
    Q {
        name: "Billing",
        avail: 0,
        logged: 20,
        busy: 19,
        waiting: 12,
        skills: &[("Billing", 0, Some(5)), ("Refunds", 0, None)],
    },
    Q {
        name: "Sales DE",
        avail: 5,
        logged: 8,
        busy: 3,
        waiting: 0,
        skills: &[("German", 5, None)],
    },
    Q {
        name: "VIP Callback",
        avail: 1,
        logged: 4,
        busy: 2,
        waiting: 1,
        skills: &[],
    },
    Q {
        name: "Tech Support L2",
        avail: 0,
        logged: 0,
        busy: 0,
        waiting: 0,
        skills: &[],
    },
];

fn alert(kind: AlertKind, q: &str, msg: &str, at: i64, cleared: Option<i64>) -> Alert {
    let w = wall();
    Alert {
        severity: kind.severity(),
        kind,
        queue_id: Some(q.into()),
        message: msg.into(),
        raised_at: w - time::Duration::seconds(at),
        cleared_at: cleared.map(|c| w - time::Duration::seconds(c)),
        raises: 1,
        first_raised: w - time::Duration::seconds(at),
        acknowledged: false,
        snoozed_until: None,
        restored: false,
    }
}

/// Feed figures: 12,345 events, latency samples 40..=139 ms, `state`.
pub fn feed_stats(state: ConnState) -> FeedStats {
    let mut latency = LatencyStats::default();
    for ms in 40..140 {
        latency.record(ms);
    }
    let mut f = FeedStats::default();
    f.events_processed = 12_345;
    f.heartbeats = 3;
    f.latency = latency;
    f.status = FeedStatus {
        state,
        last_error: None,
        connects: 1,
    };
    f
}

/// The five sample queues with alerts; the feed connected.
pub fn fixture() -> Fixture {
    let base = Instant::now();
    let now = base + Duration::from_secs(3 * 3600);
    let mut queues: Vec<QueueView> = QUEUES
        .iter()
        .enumerate()
        .map(|(i, q)| queue(base, now, i, q))
        .collect();
    queues[0].active_alerts = 1;
    queues[1].active_alerts = 2;
    queues[1].totals = Some(QueueTotals {
        queue_id: "q1".into(),
        interval: "2026-11-27T07:00:00Z/2026-11-27T07:30:00Z".into(),
        offered: Some(140),
        abandoned: Some(9),
        answered: Some(126),
        average_answer_ms: Some(14_400.0),
        handled: Some(120),
        average_handle_ms: Some(245_000.0),
        service_level_pct: Some(71.0),
        ..Default::default()
    });
    if let Some(s) = &mut queues[1].summary {
        s.service_target = queuetop::event::ServiceTarget::new(80.0, 20_000);
    }
    queues[3].stale = true;
    queues[3].last_update = Some(base + Duration::from_secs(3 * 3600 - 300));
    queues[4].summary = None;
    queues[4].metrics = CapacityMetrics::default();
    queues[4].waiting_history = ring(&[]);
    queues[4].latency_history = ring(&[]);
    let mut alerts = Alerts::default();
    alerts.list = vec![
        alert(
            AlertKind::Waiting,
            "q1",
            "12 waiting (limit 10)",
            900,
            Some(600),
        ),
        alert(
            AlertKind::SkillShort {
                skill: "Spanish".into(),
            },
            "q0",
            "no agent available with skill Spanish (2 needed)",
            420,
            None,
        ),
        alert(
            AlertKind::Utilization,
            "q1",
            "utilization 95% (limit 90%)",
            120,
            None,
        ),
        alert(AlertKind::Waiting, "q1", "12 waiting (limit 10)", 60, None),
    ];
    Fixture {
        state: StateParts {
            queues,
            feed: feed_stats(ConnState::Connected),
            alerts,
            limits: queuetop::model::Limits::default(),
        }
        .build(),
        now,
        wall: wall(),
    }
}

/// `n` queues cycling the samples, for the bench and scrolling tests.
pub fn many(n: usize) -> Fixture {
    let mut f = fixture();
    let base = f.now - Duration::from_secs(3 * 3600);
    let now = f.now;
    f.state.edit(|parts| {
        parts.queues = (0..n)
            .map(|i| {
                let mut q = queue(base, now, i, &QUEUES[i % QUEUES.len()]);
                q.name = format!("{} {:03}", q.name, i);
                with_interval_figures(&mut q, i);
                q
            })
            .collect();
    });
    f
}

/// Agents on and off queue, waiting by media and interval totals: the
/// figures the wide layouts add.
fn with_interval_figures(q: &mut QueueView, i: usize) {
    let n = i as u32;
    if let Some(s) = q.summary.as_mut() {
        let off = n % 3;
        s.agents.on_queue = Some(s.agents_logged_in.saturating_sub(off));
        s.agents.off_queue = Some(off.min(s.agents_logged_in));
        let waiting = s.interactions_waiting;
        let chat = waiting / 3;
        for (media, count) in [("voice", waiting - chat), ("chat", chat)] {
            s.media.insert(
                media.to_string(),
                MediaCounts {
                    waiting: count,
                    interacting: Some(0),
                },
            );
        }
    }
    let offered = 40 + u64::from(n * 13 % 90);
    q.totals = Some(QueueTotals {
        queue_id: q.id.clone(),
        interval: "2026-11-27T07:00:00Z/2026-11-27T07:30:00Z".into(),
        offered: Some(offered),
        abandoned: Some(u64::from(n % 7)),
        service_level_pct: Some(f64::from(55 + n * 7 % 45)),
        service_level_target_pct: Some(80.0),
        ..Default::default()
    });
}

pub fn terminal(w: u16, h: u16) -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(w, h)).expect("test backend")
}
