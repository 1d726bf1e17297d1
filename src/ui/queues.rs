//! The queue list: one row per queue, the selected row reversed and marked
//! with `>`, alerts with `!`, stale queues spelled out.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use std::collections::HashMap;

use crate::model::{AlertKind, AppState, QueueView};
use crate::ui::columns::{self, BAR, Column, Spec};
use crate::ui::{Focus, Scene, figures, names};

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
        let msg = if state.queues().is_empty() {
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
    let worst = worst_alerts(state);
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
    let shown = &rows[offset..end];
    // Inside the border, less the selection marker's cell.
    let room = area.width.saturating_sub(3);
    let longest = shown
        .iter()
        .map(|&i| names::width(&state.queues()[i].name))
        .max()
        .unwrap_or(0);
    let (cols, name_w) = columns::choose(room, u16::try_from(longest).unwrap_or(u16::MAX));
    let shown_names: Vec<&str> = shown
        .iter()
        .map(|&i| state.queues()[i].name.as_str())
        .collect();
    let cut = names::fit_all(&shown_names, usize::from(name_w), scene.glyphs().ellipsis);
    let body: Vec<Row> = shown
        .iter()
        .zip(cut)
        .enumerate()
        .map(|(k, (&i, name))| {
            let q = &state.queues()[i];
            let worst = worst.get(q.id.as_str()).copied();
            let line = RowContext {
                name,
                worst,
                dim_all,
            };
            row(scene, offset + k, q, &cols, line)
        })
        .collect();
    let widths: Vec<Constraint> = cols
        .iter()
        .map(|c| match c.column {
            Column::Name => Constraint::Length(name_w),
            Column::Alerts => Constraint::Fill(1),
            _ => Constraint::Length(c.width),
        })
        .collect();
    let header = Row::new(cols.iter().map(|c| {
        let line = Line::from(c.header);
        Cell::from(if c.right { line.right_aligned() } else { line })
    }))
    .style(t.dim.add_modifier(Modifier::BOLD));
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

/// The most pressing active alert of each queue (by id): the "why"
/// beside the "!N", the colour and symbol of a wallboard tile.
pub fn worst_alerts(state: &AppState) -> HashMap<&str, &AlertKind> {
    let mut worst: HashMap<&str, &AlertKind> = HashMap::new();
    for a in state
        .alerts()
        .list
        .iter()
        .filter(|a| a.cleared_at.is_none())
    {
        if let Some(id) = a.queue_id.as_deref() {
            let e = worst.entry(id).or_insert(&a.kind);
            if rank(&a.kind) < rank(e) {
                *e = &a.kind;
            }
        }
    }
    worst
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

/// What a row needs besides its queue.
struct RowContext<'a> {
    name: String,
    worst: Option<&'a AlertKind>,
    dim_all: bool,
}

fn row<'a>(
    scene: &Scene,
    pos: usize,
    q: &'a QueueView,
    cols: &[&Spec],
    line: RowContext,
) -> Row<'a> {
    let t = scene.theme();
    let g = scene.glyphs();
    let limits = &scene.ui.alerts;
    let has_summary = q.summary.is_some();
    let cells = cols.iter().map(|c| {
        let cell = match c.column {
            Column::Index if pos < 9 => Line::raw(format!("{}", pos + 1)),
            Column::Index => Line::raw(""),
            Column::Name => Line::raw(line.name.clone()),
            Column::Agents => Line::from(figures::agents(q)),
            Column::Utilization if has_summary => {
                let util = q.metrics.effective_utilization();
                let (fill, empty) = figures::bar(util, BAR, g.bar_full, g.bar_empty);
                let style = level(scene, util, limits.utilization_pct);
                Line::from(vec![
                    Span::styled(fill, t.bar_fill.patch(style)),
                    Span::styled(empty, t.bar_empty),
                    Span::styled(format!("{:>4.0}%", util), style),
                ])
            }
            Column::Utilization => Line::styled("no data yet", t.dim),
            Column::Waiting if has_summary => {
                let waiting = figures::waiting(q);
                let style = if waiting >= u64::from(limits.waiting) && limits.waiting > 0 {
                    t.alert
                } else {
                    Style::default()
                };
                Line::styled(waiting.to_string(), style)
            }
            Column::Waiting => Line::raw("-"),
            Column::Longest => Line::raw(
                figures::longest_wait(q, scene.data_now())
                    .map(figures::duration)
                    .unwrap_or_else(|| "-".to_string()),
            ),
            Column::Alerts if q.active_alerts > 0 => {
                let why = line.worst.map_or("", AlertKind::short);
                Line::styled(format!("!{} {why}", q.active_alerts), t.alert)
            }
            Column::Alerts if q.stale => Line::styled("stale", t.stale),
            Column::Alerts => Line::raw(""),
            other => columns::cell(scene, other, q),
        };
        Cell::from(if c.right { cell.right_aligned() } else { cell })
    });
    let mut r = Row::new(cells);
    if q.stale || line.dim_all {
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
