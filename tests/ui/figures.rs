//! One truth per figure: after any sequence of feed events, the waiting
//! count and the longest wait read the same in the queue list, the detail
//! panel, `snapshot` (table and JSON) and the model; utilization reads the
//! same in the list's Utilization column, the export line, `snapshot
//! --json` and the metrics endpoint.

use crate::common;
use crate::props_common::checks::run;
use crate::props_common::{Clock, configured, limits, step};
use proptest::prelude::*;
use queuetop::app::snapshot::{render_json, render_table};
use queuetop::event::{QueueEventKind, QueueSummary};
use queuetop::model::AppState;
use queuetop::sink::export::export_line;
use queuetop::sink::metrics::{FeedCounts, Metrics};
use queuetop::ui::ViewState;
use ratatui::backend::TestBackend;
use serde_json::Value;

fn screen(st: &AppState, view: &ViewState, clock: &Clock) -> String {
    common::drawing::rows_text(&frame(st, view, clock), 0..50)
}

fn frame(st: &AppState, view: &ViewState, clock: &Clock) -> TestBackend {
    common::drawing::draw(st, view, &common::ui(), (clock.now, clock.wall), (200, 50))
}

/// The selected row's Utilization cell in the queue list: the figure after
/// the bar, read under the column's header (the highlight symbol `>` marks
/// the selected row).
fn utilization_cell(frame: &TestBackend) -> Option<String> {
    let buf = frame.buffer();
    let lines: Vec<Vec<&str>> = (0..buf.area.height)
        .map(|y| (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect())
        .collect();
    let title = "Utilization";
    let (header, x) = lines.iter().enumerate().find_map(|(y, line)| {
        let text: String = line.concat();
        let at = text.find(title)?;
        Some((y, text[..at].chars().count()))
    })?;
    let row = lines[header + 1..]
        .iter()
        .find(|line| line.get(1) == Some(&">"))?;
    // The cell is the bar, then the percent right-aligned in five columns.
    let end = x + title.len() + 4;
    Some(row.get(end - 5..end)?.concat().trim().to_string())
}

/// The queue's utilization as the export line, `snapshot --json`'s row
/// and the scrape give it, and as the screen shows it: the same number
/// everywhere. Queue work over agents on queue where the feed gives both
/// (`queueUtilization`, `queue_on_queue_utilization_percent`); elsewhere
/// the screen falls back to the original formula, which the export,
/// `snapshot` and the older metric keep under `utilization`.
fn utilization_agrees(
    st: &AppState,
    clock: &Clock,
    queue: &queuetop::model::QueueView,
    row: &Value,
    scrape: &prometheus_parse::Scrape,
    shown: Option<String>,
) -> Result<(), TestCaseError> {
    let event = crate::fixtures::queue_event(QueueEventKind::Summary(QueueSummary {
        queue_id: queue.id.clone(),
        ..QueueSummary::default()
    }))
    .received(clock.wall, clock.now)
    .build();
    let line: Value = serde_json::from_str(&export_line(st, &event, clock.now)).expect("export");
    let on_queue = line["figures"]["queueUtilization"].as_f64();
    let original = line["routing_metrics"]["utilization"].as_f64();
    prop_assert_eq!(row["queueUtilization"].as_f64(), on_queue, "{}", line);
    prop_assert_eq!(row["utilization"].as_f64(), original, "{}", line);
    let published = |name: &str| {
        scrape
            .samples
            .iter()
            .find(|s| s.metric == name && s.labels.get("queue_id") == Some(queue.id.as_str()))
            .map(|s| match s.value {
                prometheus_parse::Value::Gauge(v) => v,
                _ => f64::NAN,
            })
    };
    let name = "queuetop_queue_on_queue_utilization_percent";
    prop_assert_eq!(published(name), on_queue, "{} against {}", name, line);
    // The older family is the seed's figure, unrounded.
    let name = "queuetop_queue_utilization_percent";
    let old = published(name).map(queuetop::model::queue::round1);
    prop_assert_eq!(old, original, "{} against {}", name, line);
    // The screen's whole percent of the figure it shows.
    let figure = on_queue.or(original);
    let shown = shown.and_then(|cell| cell.strip_suffix('%')?.parse::<f64>().ok());
    prop_assert!(
        matches!((shown, figure), (Some(s), Some(f)) if (s - f).abs() <= 0.55),
        "the screen shows {:?}%, the export {:?} (queueUtilization {:?})",
        shown,
        figure,
        on_queue
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn queue_figures_agree_wherever_they_are_shown(
        limits in limits(),
        steps in prop::collection::vec(step(), 0..60),
    ) {
        let mut st = AppState::new(&configured(), limits);
        let mut clock = Clock::new();
        run(&mut st, &mut clock, &steps)?;
        let mut json = Vec::new();
        render_json(&mut json, &st).expect("json");
        let json: serde_json::Value = serde_json::from_slice(&json).expect("valid JSON");
        let table = render_table(&st);
        let metrics = Metrics::new();
        metrics.publish(&st, FeedCounts::default(), clock.now);
        let encoded = metrics.encode();
        let scrape = prometheus_parse::Scrape::parse(encoded.lines().map(|l| Ok(l.to_string())))
            .expect("OpenMetrics text");
        for q in st.queues().iter().filter(|q| q.summary.is_some() && !q.id.is_empty()) {
            let count = q.waiting_count();
            let mut view = ViewState::new();
            view.selected = Some(q.id.clone());
            let drawn = frame(&st, &view, &clock);
            let text = common::drawing::rows_text(&drawn, 0..50);
            let title = format!("Waiting: {count}");
            prop_assert!(text.contains(&title), "no {title:?} in\n{text}");
            if count > 0 {
                prop_assert!(!text.contains("nobody waiting"), "{text}");
            }
            let row = json
                .as_array()
                .and_then(|a| a.iter().find(|r| r["queueId"] == q.id.as_str()));
            prop_assert!(row.is_some(), "{} not in the snapshot", q.id);
            if let Some(row) = row {
                prop_assert_eq!(row["interactionsWaiting"].as_u64(), Some(u64::from(count)));
                // The snapshot is as of the model's latest time.
                let longest = st
                    .now()
                    .and_then(|now| q.longest_wait(now))
                    .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
                prop_assert_eq!(row["longestWaitMs"].as_u64(), longest);
                // Agents by state and queue utilization, as the export has them.
                let agents = q.summary.as_ref().map(|s| s.agents).unwrap_or_default();
                for (key, value) in queuetop::sink::export::agent_fields(&agents) {
                    prop_assert_eq!(row["agents"][key].as_u64(), value.map(u64::from), "{}", key);
                    prop_assert_eq!(row["agents"][key].is_null(), value.is_none(), "{}", key);
                }
                let util = q.metrics.queue_utilization.map(queuetop::model::queue::round1);
                prop_assert_eq!(row["queueUtilization"].as_f64(), util);
                utilization_agrees(&st, &clock, q, row, &scrape, utilization_cell(&drawn))?;
                let media = q.summary.as_ref().map(|s| s.media.clone()).unwrap_or_default();
                for (name, c) in &media {
                    prop_assert_eq!(row["media"][name.as_str()]["waiting"].as_u64(), Some(u64::from(c.waiting)));
                    prop_assert_eq!(row["media"][name.as_str()]["interacting"].as_u64(), c.interacting.map(u64::from));
                }
                prop_assert_eq!(row["media"].as_object().map(|m| m.len()), Some(media.len()));
            }
            // The table's row for this queue (when its name is one word
            // and no other queue's): WAITING is the fourth column.
            let prefix = format!("{} ", q.name);
            let lines: Vec<&str> = table.lines().filter(|l| l.starts_with(&prefix)).collect();
            let plain = !q.name.is_empty() && !q.name.contains(char::is_whitespace);
            if plain && lines.len() == 1 {
                let cols: Vec<&str> = lines[0].split_whitespace().collect();
                let want = count.to_string();
                prop_assert_eq!(cols.get(3).copied(), Some(want.as_str()), "{}", lines[0]);
            }
        }
    }
}

#[test]
fn a_summary_without_detail_says_so_and_gives_the_longest_wait() {
    use crate::fixtures::queue_event;
    use queuetop::event::{QueueEventKind, QueueSummary};
    let mut st = AppState::new(&configured(), queuetop::model::Limits::default());
    let clock = Clock::new();
    let summary = QueueSummary {
        queue_id: "q1".into(),
        interactions_waiting: 3,
        agents_logged_in: 2,
        oldest_waiting_since: Some(clock.wall - time::Duration::seconds(95)),
        ..QueueSummary::default()
    };
    st.apply(
        &queue_event(QueueEventKind::Summary(summary))
            .received(clock.wall, clock.now)
            .feed(),
    );
    let mut view = ViewState::new();
    view.selected = Some("q1".into());
    let text = screen(&st, &view, &clock);
    assert!(text.contains("Waiting: 3, longest 1m35s"), "{text}");
    assert!(text.contains("3 waiting, no detail on this feed"), "{text}");
    assert!(!text.contains("nobody waiting"), "{text}");
}
