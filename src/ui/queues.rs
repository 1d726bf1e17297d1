//! The queue list: one row per queue, the selected row reversed and marked
//! with `>`, alerts with `!`, stale queues spelled out.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use std::collections::HashMap;

use crate::model::{AlertKind, QueueView};
use crate::ui::{Focus, Scene, figures};

const BAR: usize = 10;

/// Draws the list; returns how many rows fit and the first row shown.
pub fn render(frame: &mut Frame, area: Rect, scene: &Scene) -> (usize, usize) {
    let t = scene.theme();
    let view = scene.view;
    let state = scene.state;
    let rows = &scene.rows;
    let focused = view.focus == Focus::Queues;

    let mut title = vec![
        Span::styled(format!(" Queues ({}) ", rows.len()), t.title),
        Span::styled(format!("sort: {} ", view.sort.label()), t.dim),
    ];
    if !view.filter.is_empty() || view.filter_editing {
        title.push(Span::styled(format!("filter: {} ", view.filter), t.warn));
    }
    let mut block = scene.block(Line::from(title), focused);
    if let Some(label) = scene.not_live() {
        block = block.title(Line::styled(format!(" {label} "), t.alert).right_aligned());
    }
    let inner_rows = area.height.saturating_sub(3) as usize;

    if rows.is_empty() {
        let msg = if state.queues.is_empty() {
            "No queues configured: add [[queue]] tables to the config.".to_string()
        } else {
            format!(
                "No queue name contains \"{}\" (Esc clears the filter).",
                view.filter
            )
        };
        frame.render_widget(Paragraph::new(msg).style(t.dim).block(block), area);
        return (inner_rows.max(1), 0);
    }

    let dim_all = scene.not_live().is_some();
    // The most pressing active alert per queue: the "why" beside the "!N".
    let mut worst: HashMap<&str, &AlertKind> = HashMap::new();
    for a in state.alerts.list.iter().filter(|a| a.cleared_at.is_none()) {
        if let Some(id) = a.queue_id.as_deref() {
            let e = worst.entry(id).or_insert(&a.kind);
            if rank(&a.kind) < rank(e) {
                *e = &a.kind;
            }
        }
    }
    let right = |s: &'static str| Cell::from(Line::from(s).right_aligned());
    let header = Row::new(vec![
        Cell::from("#"),
        Cell::from("Queue"),
        right("Idle/OnQ"),
        Cell::from("Utilization"),
        right("Wait"),
        right("Longest"),
        Cell::from("Alerts"),
    ])
    .style(t.dim.add_modifier(Modifier::BOLD));
    // Only the rows in the window are built: a thousand queues cost what
    // a screenful costs. The window starts at last frame's offset (kept in
    // range) and moves only when the selection leaves it.
    let height = inner_rows.max(1);
    let selected = scene.selected_pos();
    let mut offset = view.list_offset.min(rows.len().saturating_sub(height));
    if let Some(s) = selected {
        if s < offset {
            offset = s;
        } else if s >= offset + height {
            offset = s + 1 - height;
        }
    }
    let end = (offset + height).min(rows.len());
    let body: Vec<Row> = rows[offset..end]
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let q = &state.queues[i];
            let worst = worst.get(q.id.as_str()).copied();
            row(scene, offset + k, q, dim_all, worst)
        })
        .collect();
    let widths = [
        Constraint::Length(2),
        Constraint::Fill(1),
        Constraint::Length(8),
        Constraint::Length(BAR as u16 + 5),
        Constraint::Length(4),
        Constraint::Length(7),
        Constraint::Length(8),
    ];
    let table = Table::new(body, widths)
        .header(header)
        .block(block)
        .column_spacing(1)
        .row_highlight_style(t.selected)
        .highlight_symbol(">")
        .highlight_spacing(ratatui::widgets::HighlightSpacing::Always);
    let mut ts = TableState::default().with_selected(selected.map(|s| s - offset));
    frame.render_stateful_widget(table, area, &mut ts);
    (height, offset)
}

/// Most pressing first: severity, then the kinds callers feel first.
fn rank(k: &AlertKind) -> (crate::model::Severity, u8) {
    let within = match k {
        AlertKind::NoAgents => 0,
        AlertKind::LongestWait => 1,
        AlertKind::ServiceLevel => 2,
        AlertKind::FeedDown => 3,
        AlertKind::Stale => 4,
        AlertKind::Waiting => 5,
        AlertKind::SkillShort { .. } => 6,
        AlertKind::Utilization => 7,
        _ => 8,
    };
    (k.severity(), within)
}

/// A word for the alerts column.
fn short(k: &AlertKind) -> &'static str {
    k.short()
}

fn row<'a>(
    scene: &Scene,
    pos: usize,
    q: &'a QueueView,
    dim_all: bool,
    worst: Option<&AlertKind>,
) -> Row<'a> {
    let t = scene.theme();
    let g = scene.glyphs();
    let limits = &scene.ui.alerts;
    let index = if pos < 9 {
        format!("{}", pos + 1)
    } else {
        String::new()
    };
    let util = q.metrics.effective_utilization();
    let has_summary = q.summary.is_some();
    let (fill, empty) = figures::bar(util, BAR, g.bar_full, g.bar_empty);
    let util_style = level(scene, util, limits.utilization_pct);
    let util_cell = if has_summary {
        Line::from(vec![
            Span::styled(fill, t.bar_fill.patch(util_style)),
            Span::styled(empty, t.bar_empty),
            Span::styled(format!("{:>4.0}%", util), util_style),
        ])
    } else {
        Line::styled("no data yet", t.dim)
    };
    let waiting = figures::waiting(q);
    let wait_style = if waiting >= u64::from(limits.waiting) && limits.waiting > 0 {
        t.alert
    } else {
        Style::default()
    };
    let longest = figures::longest_wait(q, scene.data_now())
        .map(figures::duration)
        .unwrap_or_else(|| "-".to_string());

    let mut status = Vec::new();
    if q.active_alerts > 0 {
        let why = worst.map_or("", short);
        status.push(Span::styled(format!("!{} {why}", q.active_alerts), t.alert));
    } else if q.stale {
        status.push(Span::styled("stale", t.stale));
    }
    let mut r = Row::new(vec![
        Cell::from(index),
        Cell::from(figures::fit(&q.name, 40, g.ellipsis)),
        Cell::from(Line::from(figures::agents(q)).right_aligned()),
        Cell::from(util_cell),
        Cell::from(
            Line::styled(
                if has_summary {
                    waiting.to_string()
                } else {
                    "-".into()
                },
                wait_style,
            )
            .right_aligned(),
        ),
        Cell::from(Line::from(longest).right_aligned()),
        Cell::from(Line::from(status)),
    ]);
    if q.stale || dim_all {
        r = r.style(t.stale);
    }
    r
}

/// Alert style at or over the limit, warning within 10 points of it.
pub fn level(scene: &Scene, value: f64, limit: f64) -> Style {
    let t = scene.theme();
    if limit <= 0.0 {
        Style::default()
    } else if value >= limit {
        t.alert
    } else if value >= limit - 10.0 {
        t.warn
    } else {
        Style::default()
    }
}
