//! One truth for the interval figures: for any totals, goal and config
//! override, the detail panel, the export line, `snapshot --json` and the
//! metrics endpoint show the same service level, goal, volumes and speeds,
//! and "-" (null, absent) where there is nothing to compute from.

use crate::common;
use std::time::Duration;

use crate::fixtures::queue_event;
use proptest::prelude::*;
use queuetop::app::snapshot::render_json;
use queuetop::event::{
    FeedEvent, QueueEvent, QueueEventKind, QueueSummary, QueueTotals, ServiceTarget,
};
use queuetop::model::AppState;
use queuetop::model::{Limits, QueueSeed, ServiceGoal};
use queuetop::sink::export::export_line;
use queuetop::sink::metrics::{FeedCounts, Metrics};
use queuetop::ui::ViewState;
use serde_json::Value;
use time::OffsetDateTime;
use tokio::time::Instant;

const INTERVAL: &str = "2026-11-30T10:00:00.000Z/2026-11-30T10:30:00.000Z";

#[derive(Debug, Clone)]
struct Case {
    totals: QueueTotals,
    goal: Option<(f64, u64)>,
    override_pct: Option<f64>,
    override_s: Option<u64>,
}

fn count() -> impl Strategy<Value = Option<u64>> {
    prop_oneof![Just(None), Just(Some(0)), (1..100_000u64).prop_map(Some)]
}

fn share() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![
        Just(None),
        (0.0..=100.0f64).prop_map(Some),
        Just(Some(f64::NAN)),
        Just(Some(250.0)),
        Just(Some(-3.0))
    ]
}

fn millis() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![
        Just(None),
        (0.0..3_600_000.0f64).prop_map(Some),
        Just(Some(f64::INFINITY))
    ]
}

fn case() -> impl Strategy<Value = Case> {
    let totals = (
        (count(), count(), count(), count()),
        (share(), share()),
        (millis(), millis()),
        prop::sample::select(vec![INTERVAL, "not an interval"]),
    )
        .prop_map(
            |((offered, answered, abandoned, handled), (sl, target), (asa, aht), interval)| {
                QueueTotals {
                    queue_id: "q1".into(),
                    interval: interval.into(),
                    offered,
                    answered,
                    abandoned,
                    handled,
                    service_level_pct: sl,
                    service_level_target_pct: target,
                    average_answer_ms: asa,
                    average_handle_ms: aht,
                }
            },
        );
    (
        totals,
        prop::option::of((0.0..=100.0f64, 0..300_000u64)),
        prop::option::of(1.0..=100.0f64),
        prop::option::of(1..3600u64),
    )
        .prop_map(|(totals, goal, override_pct, override_s)| Case {
            totals,
            goal,
            override_pct,
            override_s,
        })
}

fn event(kind: QueueEventKind, now: Instant, wall: OffsetDateTime) -> QueueEvent {
    queue_event(kind)
        .topic("v2.analytics.queues.q1.observations")
        .received(wall, now)
        .build()
}

/// The detail panel's text after `label`, up to the panel's border.
fn screen_value(screen: &str, label: &str) -> Option<String> {
    let prefix = format!("{label:<12}");
    screen.lines().find_map(|l| {
        let at = l.find(&prefix)?;
        let rest = &l[at + prefix.len()..];
        let end = rest.find(['│', '┃']).unwrap_or(rest.len());
        Some(rest[..end].trim_end().to_string())
    })
}

/// The detail panel shows `label`'s line as one of `forms`.
fn shown_as_one_of(text: &str, label: &str, forms: &[String]) -> Result<(), TestCaseError> {
    let shown = screen_value(text, label).unwrap_or_default();
    prop_assert!(
        forms.contains(&shown),
        "{}: {:?} not one of {:?}\n{}",
        label,
        shown,
        forms,
        text
    );
    Ok(())
}

fn screen(st: &AppState, now: Instant, wall: OffsetDateTime) -> String {
    let mut view = ViewState::new();
    view.selected = Some("q1".into());
    view.zoomed = true;
    let frame = common::drawing::draw(st, &view, &common::ui(), (now, wall), (200, 50));
    common::drawing::rows_text(&frame, 0..50)
}

/// The list row's service level, ASA, abandon rate, offered and answered
/// on the main screen at 250 columns, read under their headers (each
/// right-aligned: the header ends where its cell ends).
fn list_cells(st: &AppState, now: Instant, wall: OffsetDateTime) -> Vec<String> {
    let (w, h) = (250u16, 50u16);
    let mut view = ViewState::new();
    view.selected = Some("q1".into());
    let frame = common::drawing::draw(st, &view, &common::ui(), (now, wall), (w, h));
    let buf = frame.buffer();
    // The list, left of the detail panel.
    let lines: Vec<Vec<char>> = (0..h)
        .map(|y| {
            (0..w - 84)
                .map(|x| buf[(x, y)].symbol().chars().next().unwrap_or(' '))
                .collect()
        })
        .collect();
    let find = |line: &[char], text: &str| {
        let line: String = line.iter().collect();
        line.find(text).map(|at| line[..at].chars().count())
    };
    let header = lines
        .iter()
        .find(|l| find(l, "SL/target").is_some())
        .expect("the list shows SL/target at 250 columns");
    let row = lines
        .iter()
        .find(|l| find(l, "Alpha").is_some())
        .expect("the list shows Alpha");
    [
        ("SL/target", 9),
        ("ASA", 6),
        ("Aband", 6),
        ("Offered", 7),
        ("Answered", 8),
    ]
    .iter()
    .map(|(title, width)| {
        let end = find(header, title).expect("header") + title.len();
        row[end - width..end]
            .iter()
            .collect::<String>()
            .trim()
            .to_string()
    })
    .collect()
}

/// What the screen must show for a JSON figure: its whole percent or
/// its duration, "-" for null.
fn pct(v: &Value) -> String {
    v.as_f64().map_or("-".into(), |p| format!("{p:.0}%"))
}

fn span(v: &Value) -> String {
    v.as_u64().map_or("-".into(), |ms| {
        queuetop::ui::figures::duration(Duration::from_millis(ms))
    })
}

fn whole(v: &Value) -> String {
    v.as_u64().map_or("-".into(), |n| n.to_string())
}

/// The sample of `name` for queue q1, if published.
fn metric(scrape: &prometheus_parse::Scrape, name: &str) -> Option<f64> {
    scrape
        .samples
        .iter()
        .find(|s| s.metric == name && s.labels.get("queue_id") == Some("q1"))
        .map(|s| match s.value {
            prometheus_parse::Value::Gauge(v) | prometheus_parse::Value::Untyped(v) => v,
            _ => f64::NAN,
        })
}

const KEYS: [&str; 10] = [
    "serviceLevelPct",
    "serviceLevelTargetPct",
    "serviceLevelTargetMs",
    "offered",
    "answered",
    "abandoned",
    "abandonedPct",
    "averageSpeedOfAnswerMs",
    "averageHandleTimeMs",
    "interval",
];

fn check(c: &Case) -> Result<(), TestCaseError> {
    let queues = [QueueSeed {
        id: Some("q1".into()),
        name: Some("Alpha".into()),
        ..QueueSeed::default()
    }];
    let mut st = AppState::new(&queues, Limits::default());
    st.edit(|parts| {
        parts.queues[0].target_override = ServiceGoal {
            percent: c.override_pct,
            within_s: c.override_s,
        };
    });
    let now = Instant::now();
    let wall = OffsetDateTime::from_unix_timestamp(1_795_807_225).expect("fixed time");
    let summary = QueueSummary {
        queue_id: "q1".into(),
        agents_logged_in: 3,
        service_target: c.goal.and_then(|(p, ms)| ServiceTarget::new(p, ms)),
        ..QueueSummary::default()
    };
    st.apply(&FeedEvent::Queue(event(
        QueueEventKind::Summary(summary),
        now,
        wall,
    )));
    let totals = event(QueueEventKind::Totals(c.totals.clone()), now, wall);
    st.apply(&FeedEvent::Queue(totals.clone()));

    let line: Value = serde_json::from_str(&export_line(&st, &totals, now)).expect("export JSON");
    let export = &line["figures"];
    let mut json = Vec::new();
    render_json(&mut json, &st).expect("snapshot");
    let snapshot: Value = serde_json::from_slice(&json).expect("snapshot JSON");
    let row = &snapshot[0];
    for key in KEYS {
        prop_assert_eq!(&export[key], &row[key], "{} differs", key);
    }
    // Nothing to compute from is no figure.
    if matches!(c.totals.answered, Some(0)) || matches!(c.totals.offered, Some(0)) {
        prop_assert!(export["serviceLevelPct"].is_null(), "{}", line);
    }
    if !matches!(c.totals.offered, Some(n) if n > 0) {
        prop_assert!(export["abandonedPct"].is_null(), "{}", line);
    }

    // The screen shows each line whole, or its short form where the
    // panel is narrow; never other figures.
    let text = screen(&st, now, wall);
    let mut service = pct(&export["serviceLevelPct"]);
    let (target, within) = (
        &export["serviceLevelTargetPct"],
        &export["serviceLevelTargetMs"],
    );
    if !target.is_null() || !within.is_null() {
        service.push_str(&format!(" (target {} in {})", pct(target), span(within)));
    }
    let mut forms = vec![service.clone()];
    if export["interval"] == INTERVAL {
        forms.insert(0, format!("{service} since 10:00"));
    }
    shown_as_one_of(&text, "Service", &forms)?;
    let (offered, answered, abandoned, share) = (
        whole(&export["offered"]),
        whole(&export["answered"]),
        whole(&export["abandoned"]),
        pct(&export["abandonedPct"]),
    );
    let forms = [
        format!("{offered}, answered {answered}, abandoned {abandoned} ({share})"),
        format!("{offered} ans {answered} abn {abandoned} ({share})"),
    ];
    shown_as_one_of(&text, "Offered", &forms)?;
    let speed = format!(
        "ASA {}, AHT {}",
        span(&export["averageSpeedOfAnswerMs"]),
        span(&export["averageHandleTimeMs"])
    );
    prop_assert_eq!(screen_value(&text, "Speed"), Some(speed), "{}", text);

    // The list's interval columns (all of them shown at 250 columns)
    // say the same as the export, written as the detail writes them.
    let cells = list_cells(&st, now, wall);
    let level = export["serviceLevelPct"]
        .as_f64()
        .map_or("-".to_string(), |p| {
            // Without a goal the list measures against the alert's threshold.
            let target = export["serviceLevelTargetPct"]
                .as_f64()
                .unwrap_or(st.limits().service_level_pct);
            format!("{p:.0}/{target:.0}%")
        });
    let want = [
        level,
        span(&export["averageSpeedOfAnswerMs"]),
        pct(&export["abandonedPct"]),
        whole(&export["offered"]),
        whole(&export["answered"]),
    ];
    let mut shown = cells.clone();
    // Under its goal the level carries a marker as well as a colour.
    shown[0] = shown[0].trim_start_matches('!').to_string();
    prop_assert_eq!(&shown[..], &want[..], "{:?}\n{}", cells, text);

    let metrics = Metrics::new();
    metrics.publish(&st, FeedCounts::default(), now);
    let encoded = metrics.encode();
    let scrape = prometheus_parse::Scrape::parse(encoded.lines().map(|l| Ok(l.to_string())))
        .expect("OpenMetrics text");
    for (name, key, scale) in [
        (
            "queuetop_queue_service_level_percent",
            "serviceLevelPct",
            1.0,
        ),
        (
            "queuetop_queue_service_level_target_percent",
            "serviceLevelTargetPct",
            1.0,
        ),
        (
            "queuetop_queue_service_level_target_seconds",
            "serviceLevelTargetMs",
            1000.0,
        ),
        ("queuetop_queue_interval_offered", "offered", 1.0),
        ("queuetop_queue_interval_answered", "answered", 1.0),
        ("queuetop_queue_interval_abandoned", "abandoned", 1.0),
        (
            "queuetop_queue_interval_abandoned_percent",
            "abandonedPct",
            1.0,
        ),
        (
            "queuetop_queue_average_speed_of_answer_seconds",
            "averageSpeedOfAnswerMs",
            1000.0,
        ),
        (
            "queuetop_queue_average_handle_time_seconds",
            "averageHandleTimeMs",
            1000.0,
        ),
    ] {
        let want = export[key].as_f64().map(|v| v / scale);
        let got = metric(&scrape, name);
        match (want, got) {
            (Some(w), Some(g)) => {
                prop_assert!((w - g).abs() <= w.abs() * 1e-9, "{} {} != {}", name, g, w)
            }
            (None, None) => {}
            _ => prop_assert!(
                false,
                "{}: {:?} published, the export has {:?}",
                name,
                got,
                want
            ),
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn interval_figures_agree_wherever_they_are_shown(c in case()) {
        check(&c)?;
    }
}

#[test]
fn a_quiet_interval_shows_its_goal_and_no_level() {
    let c = Case {
        totals: QueueTotals {
            queue_id: "q1".into(),
            interval: INTERVAL.into(),
            offered: Some(0),
            answered: Some(0),
            abandoned: Some(0),
            handled: Some(0),
            // What a server may send over nothing: a level of 100 %.
            service_level_pct: Some(100.0),
            ..QueueTotals::default()
        },
        goal: Some((80.0, 20_000)),
        override_pct: None,
        override_s: None,
    };
    check(&c).expect("agree");
    let mut st = AppState::new(
        &[QueueSeed {
            id: Some("q1".into()),
            name: None,
            ..QueueSeed::default()
        }],
        Limits::default(),
    );
    let (now, wall) = (Instant::now(), common::wall());
    let summary = QueueSummary {
        queue_id: "q1".into(),
        service_target: ServiceTarget::new(80.0, 20_000),
        ..QueueSummary::default()
    };
    st.apply(&FeedEvent::Queue(event(
        QueueEventKind::Summary(summary),
        now,
        wall,
    )));
    st.apply(&FeedEvent::Queue(event(
        QueueEventKind::Totals(c.totals),
        now,
        wall,
    )));
    let text = screen(&st, now, wall);
    assert_eq!(
        screen_value(&text, "Service").as_deref(),
        Some("- (target 80% in 20s) since 10:00"),
        "{text}"
    );
    assert!(!text.contains("100%"), "{text}");
}
