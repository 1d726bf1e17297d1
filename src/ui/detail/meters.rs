//! The detail's left column: the utilization and availability gauges,
//! the waiting and latency sparklines, the interval totals.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};

use crate::model::{History, QueueView};
use crate::ui::{Scene, figures, trends};

use super::LABEL;

pub fn render(frame: &mut Frame, area: Rect, scene: &Scene, queue: &QueueView, spark_height: u16) {
    let theme = scene.theme();
    let mut constraints = vec![
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(spark_height),
        Constraint::Length(spark_height),
    ];
    if figures::has_interval(queue) {
        constraints.extend([Constraint::Length(1); 3]);
    }
    let rows = Layout::vertical(constraints).split(area);
    if queue.summary.is_none() {
        // 0% would read as "nobody busy"; there is simply no figure yet.
        for (row, label) in [(rows[0], "Utilization"), (rows[1], "Available")] {
            let line = Line::from(vec![
                Span::styled(format!("{label:<LABEL$}"), theme.dim),
                Span::styled("no summary yet", theme.dim),
            ]);
            frame.render_widget(Paragraph::new(line), row);
        }
    } else {
        draw_gauges(frame, &rows, scene, queue);
    }
    let limits = &scene.ui.alerts;
    let waiting = Series {
        label: "Waiting",
        unit: "",
        ring: &queue.waiting_history,
        now: figures::waiting(queue).to_string(),
        // A full bar is the alert limit (or more).
        floor: u64::from(limits.waiting),
    };
    if spark_height > 0 {
        spark(frame, rows[2], scene, waiting);
    }
    let latency_now = queue
        .latency_history
        .last()
        .map(|ms| figures::millis(ms as f64))
        .unwrap_or_else(|| "-".into());
    let latency = Series {
        label: "Latency",
        unit: " ms",
        ring: &queue.latency_history,
        now: latency_now,
        // A tenth of the alert limit: a few ms stays a low line, not a
        // wall of full bars; the shape still shows under load.
        floor: limits.latency_ms / 10,
    };
    if spark_height > 0 {
        spark(frame, rows[3], scene, latency);
    }
    if figures::has_interval(queue) {
        let interval = queue.interval_figures();
        let width = usize::from(area.width).saturating_sub(LABEL);
        let lines = figures::interval_lines(&interval, scene.ui.utc_offset, width);
        for (row, (label, text)) in rows[4..]
            .iter()
            .zip(["Service", "Offered", "Speed"].into_iter().zip(lines))
        {
            let line = Line::from(vec![
                Span::styled(format!("{label:<LABEL$}"), theme.dim),
                Span::raw(text),
            ]);
            frame.render_widget(Paragraph::new(line), *row);
        }
    }
}

fn draw_gauges(frame: &mut Frame, rows: &[Rect], scene: &Scene, queue: &QueueView) {
    let theme = scene.theme();
    let metrics = &queue.metrics;
    let util = metrics.effective_utilization();
    let util_style = theme.level(util, scene.ui.alerts.utilization_pct);
    gauge(frame, rows[0], scene, "Utilization", util, util_style);
    // Nobody available is the warning here: the scale runs the other way.
    let avail_style = if metrics.available_ratio <= 0.0 {
        theme.alert
    } else {
        Style::default()
    };
    gauge(
        frame,
        rows[1],
        scene,
        "Available",
        metrics.available_ratio,
        avail_style,
    );
}

fn gauge(frame: &mut Frame, area: Rect, scene: &Scene, label: &str, pct: f64, style: Style) {
    let theme = scene.theme();
    let glyphs = scene.glyphs();
    let width = (area.width as usize).saturating_sub(LABEL + 6).max(1);
    let (fill, empty) = figures::bar(pct, width, glyphs.bar_full, glyphs.bar_empty);
    let line = Line::from(vec![
        Span::styled(format!("{label:<LABEL$}"), theme.dim),
        Span::styled(fill, theme.bar_fill.patch(style)),
        Span::styled(empty, theme.bar_empty),
        Span::styled(format!("{pct:>5.0}%"), style),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

/// One sparkline: its history (30 s buckets, gaps where the feed was
/// down), the value now, and the smallest top of the scale (so a flat low
/// series does not draw as full bars).
struct Series<'a> {
    label: &'a str,
    /// Written after the scale's top ("" or " ms").
    unit: &'a str,
    ring: &'a History,
    now: String,
    floor: u64,
}

fn spark(frame: &mut Frame, area: Rect, scene: &Scene, series: Series) {
    let Series {
        label,
        unit,
        ring,
        now,
        floor,
    } = series;
    let theme = scene.theme();
    let value_w = 8u16;
    if area.width <= LABEL as u16 + value_w + 2 {
        return;
    }
    let [label_area, chart, value_area] = Layout::horizontal([
        Constraint::Length(LABEL as u16),
        Constraint::Fill(1),
        Constraint::Length(value_w),
    ])
    .areas(area);
    let mut label_lines = vec![Line::styled(label, theme.dim)];
    if ring.is_empty() {
        frame.render_widget(Paragraph::new(label_lines), label_area);
        frame.render_widget(Paragraph::new(Span::styled("no history", theme.dim)), chart);
    } else {
        // The newest buckets, right-aligned so "now" is always at the edge.
        let columns = chart.width as usize;
        let data: Vec<Option<u64>> = ring.iter().rev().take(columns).rev().collect();
        let pad = columns - data.len();
        let chart = Rect::new(
            chart.x + pad as u16,
            chart.y,
            data.len() as u16,
            chart.height,
        );
        let top = data
            .iter()
            .flatten()
            .copied()
            .max()
            .unwrap_or(0)
            .max(floor)
            .max(1);
        // Taller, the label column says what a full bar is and how far
        // back the line goes (one column per 30 s bucket).
        if chart.height >= 2 {
            label_lines.push(Line::styled(format!("max {top}{unit}"), theme.dim));
        }
        if chart.height >= 3 {
            let span = data.len() as u64 * crate::model::history::BUCKET.as_secs();
            let span = if span >= 60 {
                format!("last {}m", span / 60)
            } else {
                format!("last {span}s")
            };
            label_lines.push(Line::styled(span, theme.dim));
        }
        frame.render_widget(Paragraph::new(label_lines), label_area);
        sparkline(frame, chart, scene, &data, top);
    }
    frame.render_widget(Paragraph::new(Line::from(now).right_aligned()), value_area);
}

/// The bars of `data` scaled to `top`, with a baseline under the known
/// values (a flat history still shows).
fn sparkline(frame: &mut Frame, chart: Rect, scene: &Scene, data: &[Option<u64>], top: u64) {
    let set = scene.glyphs().spark.clone();
    let baseline = set.one_eighth;
    frame.render_widget(
        Sparkline::default()
            .data(data.iter().copied())
            .max(top)
            .bar_set(set)
            .style(scene.theme().spark),
        chart,
    );
    trends::draw_baseline(frame, chart, data, baseline);
}
