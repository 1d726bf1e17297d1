//! The queue list: one row per queue, the selected row reversed and marked
//! with `>`, alerts with `!`, stale queues spelled out.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState};

use std::collections::HashMap;

use crate::model::{AlertKind, AppState, QueueView};
use crate::ui::columns::{self, BAR, Column, Spec};
use crate::ui::{Focus, Scene, figures, names};

/// Draws the list; returns how many rows fit and the first row shown.
pub fn render(frame: &mut Frame, area: Rect, scene: &Scene) -> (usize, usize) {
    let theme = scene.theme();
    let state = scene.state;
    let rows = &scene.rows;
    let block = block(scene);
    let height = (area.height.saturating_sub(3) as usize).max(1);
    if rows.is_empty() {
        let message = if state.queues().is_empty() {
            "No queues configured: add [[queue]] tables to the config.".to_string()
        } else {
            format!(
                "No queue name contains \"{}\" (Esc clears the filter).",
                scene.view.filter
            )
        };
        frame.render_widget(Paragraph::new(message).style(theme.dim).block(block), area);
        return (height, 0);
    }
    let selected = scene.selected_pos();
    let offset = window(scene.view.list_offset, selected, height, rows.len());
    let shown = &rows[offset..(offset + height).min(rows.len())];
    // Inside the border, less the selection marker's cell.
    let room = area.width.saturating_sub(3);
    let longest = shown
        .iter()
        .map(|&index| names::width(&state.queues()[index].name))
        .max()
        .unwrap_or(0);
    let (columns, name_width) = columns::choose(room, u16::try_from(longest).unwrap_or(u16::MAX));
    let shown_names: Vec<&str> = shown
        .iter()
        .map(|&index| state.queues()[index].name.as_str())
        .collect();
    let cut = names::fit_all(
        &shown_names,
        usize::from(name_width),
        scene.glyphs().ellipsis,
    );
    let dim_all = scene.not_live().is_some();
    let worst = worst_alerts(state);
    let body: Vec<Row> = shown
        .iter()
        .zip(cut)
        .enumerate()
        .map(|(place, (&index, name))| {
            let queue = &state.queues()[index];
            let context = RowContext {
                name,
                worst: worst.get(queue.id.as_str()).copied(),
                dim_all,
            };
            row(scene, offset + place, queue, &columns, context)
        })
        .collect();
    let table = table(scene, body, &columns, name_width).block(block);
    let mut table_state = TableState::default().with_selected(selected.map(|pos| pos - offset));
    frame.render_stateful_widget(table, area, &mut table_state);
    (height, offset)
}

/// The list's border: how many, the sort, the filter, and whether the
/// data is live.
fn block<'a>(scene: &Scene) -> Block<'a> {
    let theme = scene.theme();
    let view = scene.view;
    let mut title = vec![
        Span::styled(format!(" Queues ({}) ", scene.rows.len()), theme.title),
        Span::styled(format!("sort: {} ", view.sort.label()), theme.dim),
    ];
    if !view.filter.is_empty() || view.filter_editing {
        title.push(Span::styled(
            format!("filter: {} ", view.filter),
            theme.warn,
        ));
    }
    let block = scene.block(Line::from(title), view.focus == Focus::Queues);
    match scene.not_live() {
        Some(label) => block.title(Line::styled(format!(" {label} "), theme.alert).right_aligned()),
        None => block,
    }
}

/// The first row shown: only the rows in the window are built, so a
/// thousand queues cost what a screenful costs. The window starts at last
/// frame's offset (kept in range) and moves only when the selection
/// leaves it.
fn window(last: usize, selected: Option<usize>, height: usize, rows: usize) -> usize {
    let offset = last.min(rows.saturating_sub(height));
    match selected {
        Some(pos) if pos < offset => pos,
        Some(pos) if pos >= offset + height => pos + 1 - height,
        _ => offset,
    }
}

/// The table around the rows: the columns' widths and header.
fn table<'a>(scene: &Scene, body: Vec<Row<'a>>, columns: &[&Spec], name_width: u16) -> Table<'a> {
    let theme = scene.theme();
    let widths: Vec<Constraint> = columns
        .iter()
        .map(|spec| match spec.column {
            Column::Name => Constraint::Length(name_width),
            Column::Alerts => Constraint::Fill(1),
            _ => Constraint::Length(spec.width),
        })
        .collect();
    let header = Row::new(columns.iter().map(|spec| {
        let line = Line::from(spec.header);
        Cell::from(if spec.right {
            line.right_aligned()
        } else {
            line
        })
    }))
    .style(theme.dim.add_modifier(Modifier::BOLD));
    Table::new(body, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(theme.selected)
        .highlight_symbol(">")
        .highlight_spacing(ratatui::widgets::HighlightSpacing::Always)
}

/// The most pressing active alert of each queue (by id): the "why"
/// beside the "!N", the colour and symbol of a wallboard tile.
pub fn worst_alerts(state: &AppState) -> HashMap<&str, &AlertKind> {
    let mut worst: HashMap<&str, &AlertKind> = HashMap::new();
    let active = state
        .alerts()
        .list
        .iter()
        .filter(|a| a.cleared_at.is_none());
    for alert in active {
        if let Some(id) = alert.queue_id.as_deref() {
            let entry = worst.entry(id).or_insert(&alert.kind);
            if rank(&alert.kind) < rank(entry) {
                *entry = &alert.kind;
            }
        }
    }
    worst
}

/// Most pressing first: severity, then the kinds callers feel first.
fn rank(kind: &AlertKind) -> (crate::model::Severity, u8) {
    let within = match kind {
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
    (kind.severity(), within)
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
    queue: &'a QueueView,
    columns: &[&Spec],
    context: RowContext,
) -> Row<'a> {
    let theme = scene.theme();
    let glyphs = scene.glyphs();
    let limits = &scene.ui.alerts;
    let has_summary = queue.summary.is_some();
    let cells = columns.iter().map(|spec| {
        let cell = match spec.column {
            Column::Index if pos < 9 => Line::raw(format!("{}", pos + 1)),
            Column::Index => Line::raw(""),
            Column::Name => Line::raw(context.name.clone()),
            Column::Agents => Line::from(figures::agents(queue)),
            Column::Utilization if has_summary => {
                let util = queue.metrics.effective_utilization();
                let (fill, empty) = figures::bar(util, BAR, glyphs.bar_full, glyphs.bar_empty);
                let style = theme.level(util, limits.utilization_pct);
                Line::from(vec![
                    Span::styled(fill, theme.bar_fill.patch(style)),
                    Span::styled(empty, theme.bar_empty),
                    Span::styled(format!("{:>4.0}%", util), style),
                ])
            }
            Column::Utilization => Line::styled("no data yet", theme.dim),
            Column::Waiting if has_summary => {
                let waiting = figures::waiting(queue);
                let style = if waiting >= u64::from(limits.waiting) && limits.waiting > 0 {
                    theme.alert
                } else {
                    Style::default()
                };
                Line::styled(waiting.to_string(), style)
            }
            Column::Waiting => Line::raw("-"),
            Column::Longest => Line::raw(
                figures::longest_wait(queue, scene.data_now())
                    .map(figures::duration)
                    .unwrap_or_else(|| "-".to_string()),
            ),
            Column::Alerts if queue.active_alerts > 0 => {
                let why = context.worst.map_or("", AlertKind::short);
                Line::styled(format!("!{} {why}", queue.active_alerts), theme.alert)
            }
            Column::Alerts if queue.stale => Line::styled("stale", theme.stale),
            Column::Alerts => Line::raw(""),
            other => crate::ui::columns::cell(scene, other, queue),
        };
        Cell::from(if spec.right {
            cell.right_aligned()
        } else {
            cell
        })
    });
    let row = Row::new(cells);
    if queue.stale || context.dim_all {
        row.style(theme.stale)
    } else {
        row
    }
}
