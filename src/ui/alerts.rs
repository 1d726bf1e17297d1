//! Alerts: newest first, with time and queue; cleared ones dimmed and
//! marked. A panel on wide screens, a one-line strip on narrow ones, and a
//! full view on `a`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use time::OffsetDateTime;

use crate::model::{Alert, AppState, Severity};
use crate::ui::{Scene, figures};

pub fn has_active(state: &AppState) -> bool {
    state.alerts().list.iter().any(|a| a.cleared_at.is_none())
}

fn active_count(state: &AppState) -> usize {
    state
        .alerts()
        .list
        .iter()
        .filter(|a| a.cleared_at.is_none())
        .count()
}

fn hms(scene: &Scene, t: OffsetDateTime) -> String {
    let t = t.to_offset(scene.ui.utc_offset);
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

/// The severity as a symbol and a word of four letters, so it lines up
/// and reads without colour.
pub fn severity(a: &Alert, ascii: bool) -> &'static str {
    match (a.severity, ascii) {
        (Severity::Critical, false) => "✖ CRIT",
        (Severity::Warning, false) => "▲ WARN",
        (Severity::Info, false) => "· INFO",
        (Severity::Critical, true) => "X CRIT",
        (Severity::Warning, true) => "! WARN",
        (Severity::Info, true) => "i INFO",
    }
}

/// "raised 14× in 10 min": the repeats grouped in one entry.
pub fn repeats(a: &Alert, ascii: bool) -> Option<String> {
    if a.raises < 2 {
        return None;
    }
    let times = if ascii { "x" } else { "×" };
    let span = (a.raised_at - a.first_raised).whole_seconds().max(0) as u64;
    let over = if span < 60 {
        format!("{span} s")
    } else if span < 3600 {
        format!("{} min", span / 60)
    } else {
        format!("{} h {} min", span / 3600, span % 3600 / 60)
    };
    Some(format!("raised {}{times} in {over}", a.raises))
}

/// The style of an alert's row: by severity while it presses, dimmed once
/// cleared, acknowledged or snoozed.
fn row_style(scene: &Scene, a: &Alert, wall: OffsetDateTime) -> Style {
    let t = scene.theme();
    if !a.is_pressing(wall) {
        return t.dim;
    }
    match a.severity {
        Severity::Critical => t.alert.add_modifier(Modifier::BOLD),
        Severity::Warning => t.warn,
        Severity::Info => t.text,
    }
}

/// The message without a leading "Queue name: ", which the queue column
/// already shows.
fn message<'a>(name: &str, a: &'a Alert) -> &'a str {
    a.message
        .strip_prefix(name)
        .and_then(|m| m.strip_prefix(": "))
        .unwrap_or(&a.message)
}

fn queue_name<'a>(state: &'a AppState, a: &'a Alert) -> &'a str {
    match &a.queue_id {
        None => "feed",
        Some(id) => state
            .queues()
            .iter()
            .find(|q| &q.id == id)
            .map_or(id.as_str(), |q| q.name.as_str()),
    }
}

/// The newest active alert on one line, above the hint bar (narrow layout).
pub fn render_strip(frame: &mut Frame, area: Rect, scene: &Scene) {
    if area.height == 0 {
        return;
    }
    let t = scene.theme();
    let state = scene.state;
    let Some(a) = state
        .alerts()
        .list
        .iter()
        .rev()
        .find(|a| a.cleared_at.is_none())
    else {
        return;
    };
    let n = active_count(state);
    let more = if n > 1 {
        format!("  (+{} more: a)", n - 1)
    } else {
        String::new()
    };
    let name = queue_name(state, a);
    let style = row_style(scene, a, state.wall());
    let ascii = scene.glyphs().ascii;
    let line = Line::from(vec![
        Span::styled(
            format!("{} {} ", severity(a, ascii), hms(scene, a.raised_at)),
            style,
        ),
        Span::styled(format!("{name}: "), style),
        Span::raw(message(name, a).to_string()),
        Span::styled(more, t.dim),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

/// The alerts panel beside the queue list (wide layout).
pub fn render_panel(frame: &mut Frame, area: Rect, scene: &Scene, focused: bool) {
    let title = title(scene);
    let block = scene.block(title, focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    table(frame, inner, scene, false);
}

/// The full alerts view (`a`).
pub fn render_view(frame: &mut Frame, area: Rect, scene: &Scene) {
    let mut title = title(scene);
    title.push_span(Span::styled("(a or Esc: back) ", scene.theme().dim));
    let block = scene.block(title, true);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    table(frame, inner, scene, true);
}

fn title(scene: &Scene) -> Line<'static> {
    let t = scene.theme();
    let state = scene.state;
    let n = active_count(state);
    let mut spans = vec![Span::styled(" Alerts ", t.title)];
    if n > 0 {
        spans.push(Span::styled(format!("{n} active "), t.alert));
    }
    let cleared = state.alerts().list.len() - n;
    if cleared > 0 {
        spans.push(Span::styled(format!("{cleared} cleared "), t.dim));
    }
    Line::from(spans)
}

fn table(frame: &mut Frame, area: Rect, scene: &Scene, full: bool) {
    let t = scene.theme();
    let g = scene.glyphs();
    let state = scene.state;
    if state.alerts().list.is_empty() {
        frame.render_widget(Paragraph::new("No alerts.").style(t.dim), area);
        return;
    }
    let scroll = scene
        .view
        .alerts_scroll
        .min(state.alerts().list.len().saturating_sub(1));
    let wall = state.wall();
    // The alert column: what the mark, time, queue and cleared columns
    // and their spacing leave.
    let text_w = usize::from(area.width).saturating_sub(1 + 8 + 14 + 3 + if full { 9 } else { 0 });
    let rows = state.alerts().list.iter().rev().skip(scroll).map(|a| {
        let cleared = a.cleared_at.is_some();
        // Not by colour alone: cleared, acknowledged (x), snoozed (z).
        let mark = if cleared {
            g.cleared
        } else if a.is_snoozed(wall) {
            "z"
        } else if a.acknowledged {
            "x"
        } else {
            "!"
        };
        let name = queue_name(state, a);
        let sev = severity(a, g.ascii);
        let msg = message(name, a);
        let restored = if a.restored { " (before restart)" } else { "" };
        let text = match repeats(a, g.ascii) {
            None => format!("{sev} {msg}{restored}"),
            Some(r) => {
                let after = format!("{sev} {msg} ({r}){restored}");
                // Where the message would push the count off the row, the
                // count goes first: it says more than the message's tail.
                if after.chars().count() <= text_w {
                    after
                } else {
                    format!("{sev} {r}: {msg}{restored}")
                }
            }
        };
        let text = if a.restored {
            format!("{text} (before restart)")
        } else {
            text
        };
        let text = figures::fit(&text, text_w, g.ellipsis);
        let mut cells = vec![
            Cell::from(mark),
            Cell::from(hms(scene, a.raised_at)),
            Cell::from(figures::fit(name, 14, g.ellipsis)),
            Cell::from(text),
        ];
        if full {
            let c = a.cleared_at.map_or(String::new(), |c| hms(scene, c));
            cells.push(Cell::from(c));
        }
        Row::new(cells).style(row_style(scene, a, wall))
    });
    let mut widths = vec![
        Constraint::Length(1),
        Constraint::Length(8),
        Constraint::Length(14),
        Constraint::Fill(1),
    ];
    let mut head = vec!["", "Raised", "Queue", "Alert"];
    if full {
        widths.push(Constraint::Length(8));
        head.push("Cleared");
    }
    let mut table = Table::new(rows, widths).column_spacing(1);
    if full {
        table = table.header(Row::new(head).style(t.dim.add_modifier(Modifier::BOLD)));
    }
    frame.render_widget(table, area);
}
