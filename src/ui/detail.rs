//! Detail of the selected queue: gauges, sparklines and the interval totals
//! on the left, skills on the right; agents and waiting interactions below
//! when there is room (always when zoomed).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline, Wrap};

use crate::model::{History, QueueView};
use crate::ui::keys::{self, Mode};
use crate::ui::{Focus, Scene, figures, queues, tables, trends};

const LABEL: usize = 12;

pub fn render(frame: &mut Frame, area: Rect, scene: &Scene, q: Option<&QueueView>, zoomed: bool) {
    let t = scene.theme();
    let focused = zoomed || scene.view.focus == Focus::Detail;
    let Some(q) = q else {
        let block = scene.block(Line::styled(" Detail ", t.title), focused);
        frame.render_widget(
            Paragraph::new("Select a queue to see its detail.")
                .style(t.dim)
                .block(block),
            area,
        );
        return;
    };
    let mut title = vec![Span::styled(format!(" {} ", q.name), t.title)];
    if zoomed {
        title.push(Span::styled(keys::leave_title(Mode::Zoom), t.dim));
    }
    let mut block = scene.block(Line::from(title), focused);
    if q.stale {
        block = block.title(Line::styled(" STALE ", t.alert).right_aligned());
    } else if let Some(label) = scene.not_live() {
        block = block.title(Line::styled(format!(" {label} "), t.alert).right_aligned());
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width < 20 {
        return;
    }

    // Taller sparklines when there is room to spare; zoomed, the trends
    // below take their place.
    let spark_h: u16 = match inner.height {
        _ if zoomed => 0,
        20.. => 3,
        16.. => 2,
        _ => 1,
    };
    let interval_h = if figures::has_interval(q) { 3 } else { 0 };
    let metrics_h = 2 + 2 * spark_h + interval_h;
    let left_w = (inner.width / 2).clamp(30, 52);
    let cols = |r: Rect| {
        Layout::horizontal([Constraint::Length(left_w), Constraint::Fill(1)])
            .spacing(2)
            .areas::<2>(r)
    };
    let rest = if inner.width >= NARROW {
        let top_h = metrics_h.max(skills_height(q)).min(inner.height);
        let [top, rest] =
            Layout::vertical([Constraint::Length(top_h), Constraint::Fill(1)]).areas(inner);
        let [left, right] = cols(top);
        metrics(frame, left, scene, q, spark_h);
        tables::skills(frame, right, scene, q);
        rest
    } else {
        // Too narrow for the skills beside the gauges (skill names would
        // get no room): stack them.
        let [top, skills, rest] = Layout::vertical([
            Constraint::Length(metrics_h.min(inner.height)),
            Constraint::Length(skills_height(q)),
            Constraint::Fill(1),
        ])
        .areas(inner);
        metrics(frame, top, scene, q, spark_h);
        tables::skills(frame, skills, scene, q);
        rest
    };

    // Agents by state across the panel: one line, two when narrow.
    let rest = match figures::agent_states(q, scene.glyphs().ascii) {
        Some(text) if rest.height >= 4 => {
            let h = if text.chars().count() <= usize::from(rest.width) {
                1
            } else {
                2
            };
            let [line, rest] =
                Layout::vertical([Constraint::Length(h), Constraint::Fill(1)]).areas(rest);
            let text = Paragraph::new(text).wrap(Wrap { trim: true });
            frame.render_widget(text, line);
            rest
        }
        _ => rest,
    };

    let rest = if zoomed {
        // The tallest bars that leave the tables a few rows.
        let bars = (1..=4)
            .rev()
            .find(|&b| trends::height(rest.width, b) + TABLE_ROWS <= rest.height)
            .unwrap_or(1);
        let h = trends::height(rest.width, bars).min(rest.height);
        let [chart, rest] =
            Layout::vertical([Constraint::Length(h), Constraint::Fill(1)]).areas(rest);
        trends::render(frame, chart, scene, q);
        rest
    } else {
        rest
    };
    if rest.height >= 2 {
        tables::people(frame, rest, scene, q);
    } else if rest.height == 1 {
        let line = Line::styled(
            format!(
                "{} agents, {} waiting: Enter zooms for the roster",
                q.agents.len(),
                q.waiting_count()
            ),
            t.dim,
        );
        frame.render_widget(Paragraph::new(line), rest);
    }
}

/// Below this inner width the skills table goes under the gauges.
const NARROW: u16 = 72;
/// Rows the zoomed roster and waiting list keep below the trends.
const TABLE_ROWS: u16 = 5;

fn skills_height(q: &QueueView) -> u16 {
    let n = q.summary.as_ref().map_or(0, |s| s.skills.len()) as u16;
    (n + 2).clamp(3, 8)
}

fn metrics(frame: &mut Frame, area: Rect, scene: &Scene, q: &QueueView, spark_h: u16) {
    let t = scene.theme();
    let mut cons = vec![
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(spark_h),
        Constraint::Length(spark_h),
    ];
    if figures::has_interval(q) {
        cons.extend([Constraint::Length(1); 3]);
    }
    let rows = Layout::vertical(cons).split(area);
    if q.summary.is_none() {
        // 0% would read as "nobody busy"; there is simply no figure yet.
        for (row, label) in [(rows[0], "Utilization"), (rows[1], "Available")] {
            let line = Line::from(vec![
                Span::styled(format!("{label:<LABEL$}"), t.dim),
                Span::styled("no summary yet", t.dim),
            ]);
            frame.render_widget(Paragraph::new(line), row);
        }
    } else {
        draw_gauges(frame, &rows, scene, q);
    }
    let limits = &scene.ui.alerts;
    let waiting = Series {
        label: "Waiting",
        unit: "",
        ring: &q.waiting_history,
        now: figures::waiting(q).to_string(),
        // A full bar is the alert limit (or more).
        floor: u64::from(limits.waiting),
    };
    if spark_h > 0 {
        spark(frame, rows[2], scene, waiting);
    }
    let lat_now = q
        .latency_history
        .last()
        .map(|v| figures::millis(v as f64))
        .unwrap_or_else(|| "-".into());
    let latency = Series {
        label: "Latency",
        unit: " ms",
        ring: &q.latency_history,
        now: lat_now,
        // A tenth of the alert limit: a few ms stays a low line, not a
        // wall of full bars; the shape still shows under load.
        floor: limits.latency_ms / 10,
    };
    if spark_h > 0 {
        spark(frame, rows[3], scene, latency);
    }
    if figures::has_interval(q) {
        let f = q.interval_figures();
        let width = usize::from(area.width).saturating_sub(LABEL);
        let lines = figures::interval_lines(&f, scene.ui.utc_offset, width);
        for (row, (label, text)) in rows[4..]
            .iter()
            .zip(["Service", "Offered", "Speed"].into_iter().zip(lines))
        {
            let line = Line::from(vec![
                Span::styled(format!("{label:<LABEL$}"), t.dim),
                Span::raw(text),
            ]);
            frame.render_widget(Paragraph::new(line), *row);
        }
    }
}

fn draw_gauges(frame: &mut Frame, rows: &[Rect], scene: &Scene, q: &QueueView) {
    let t = scene.theme();
    let m = &q.metrics;
    let util = m.effective_utilization();
    let util_style = queues::level(scene, util, scene.ui.alerts.utilization_pct);
    gauge(frame, rows[0], scene, "Utilization", util, util_style);
    // Nobody available is the warning here: the scale runs the other way.
    let avail_style = if m.available_ratio <= 0.0 {
        t.alert
    } else {
        Style::default()
    };
    gauge(
        frame,
        rows[1],
        scene,
        "Available",
        m.available_ratio,
        avail_style,
    );
}

fn gauge(frame: &mut Frame, area: Rect, scene: &Scene, label: &str, pct: f64, style: Style) {
    let t = scene.theme();
    let g = scene.glyphs();
    let width = (area.width as usize).saturating_sub(LABEL + 6).max(1);
    let (fill, empty) = figures::bar(pct, width, g.bar_full, g.bar_empty);
    let line = Line::from(vec![
        Span::styled(format!("{label:<LABEL$}"), t.dim),
        Span::styled(fill, t.bar_fill.patch(style)),
        Span::styled(empty, t.bar_empty),
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
    let t = scene.theme();
    let value_w = 8u16;
    if area.width <= LABEL as u16 + value_w + 2 {
        return;
    }
    let [l, s, v] = Layout::horizontal([
        Constraint::Length(LABEL as u16),
        Constraint::Fill(1),
        Constraint::Length(value_w),
    ])
    .areas(area);
    let mut label_lines = vec![Line::styled(label, t.dim)];
    if ring.is_empty() {
        frame.render_widget(Paragraph::new(label_lines), l);
        frame.render_widget(Paragraph::new(Span::styled("no history", t.dim)), s);
    } else {
        // The newest buckets, right-aligned so "now" is always at the edge.
        let w = s.width as usize;
        let data: Vec<Option<u64>> = ring.iter().rev().take(w).rev().collect();
        let pad = w - data.len();
        let s = Rect::new(s.x + pad as u16, s.y, data.len() as u16, s.height);
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
        if s.height >= 2 {
            label_lines.push(Line::styled(format!("max {top}{unit}"), t.dim));
        }
        if s.height >= 3 {
            let span = data.len() as u64 * crate::model::history::BUCKET.as_secs();
            let span = if span >= 60 {
                format!("last {}m", span / 60)
            } else {
                format!("last {span}s")
            };
            label_lines.push(Line::styled(span, t.dim));
        }
        frame.render_widget(Paragraph::new(label_lines), l);
        let set = scene.glyphs().spark.clone();
        let baseline = set.one_eighth;
        frame.render_widget(
            Sparkline::default()
                .data(data.iter().copied())
                .max(top)
                .bar_set(set)
                .style(t.spark),
            s,
        );
        // Zero draws as nothing; a baseline on the bottom row shows the
        // history is there and flat. A gap (the feed was down) stays blank.
        let y = s.bottom().saturating_sub(1);
        let buf = frame.buffer_mut();
        for (x, v) in (s.left()..s.right()).zip(&data) {
            if v.is_some()
                && let Some(cell) = buf.cell_mut((x, y))
                && cell.symbol() == " "
            {
                cell.set_symbol(baseline);
            }
        }
    }
    frame.render_widget(Paragraph::new(Line::from(now).right_aligned()), v);
}
