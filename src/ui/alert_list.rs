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
use crate::ui::keys::{self, Mode};
use crate::ui::{Scene, figures};

pub fn has_active(state: &AppState) -> bool {
    state
        .alerts()
        .list
        .iter()
        .any(|alert| alert.cleared_at.is_none())
}

fn active_count(state: &AppState) -> usize {
    state
        .alerts()
        .list
        .iter()
        .filter(|alert| alert.cleared_at.is_none())
        .count()
}

fn hms(scene: &Scene, at: OffsetDateTime) -> String {
    let at = at.to_offset(scene.ui.utc_offset);
    format!("{:02}:{:02}:{:02}", at.hour(), at.minute(), at.second())
}

/// The severity as a symbol and a word of four letters, so it lines up
/// and reads without colour.
pub fn severity(alert: &Alert, ascii: bool) -> &'static str {
    match (alert.severity, ascii) {
        (Severity::Critical, false) => "✖ CRIT",
        (Severity::Warning, false) => "▲ WARN",
        (Severity::Info, false) => "· INFO",
        (Severity::Critical, true) => "X CRIT",
        (Severity::Warning, true) => "! WARN",
        (Severity::Info, true) => "i INFO",
    }
}

/// "raised 14× in 10 min": the repeats grouped in one entry.
pub fn repeats(alert: &Alert, ascii: bool) -> Option<String> {
    if alert.raises < 2 {
        return None;
    }
    let times = if ascii { "x" } else { "×" };
    let span = (alert.raised_at - alert.first_raised)
        .whole_seconds()
        .max(0) as u64;
    let over = if span < 60 {
        format!("{span} s")
    } else if span < 3600 {
        format!("{} min", span / 60)
    } else {
        format!("{} h {} min", span / 3600, span % 3600 / 60)
    };
    Some(format!("raised {}{times} in {over}", alert.raises))
}

/// The style of an alert's row: by severity while it presses, dimmed once
/// cleared, acknowledged or snoozed.
fn row_style(scene: &Scene, alert: &Alert, wall: OffsetDateTime) -> Style {
    let theme = scene.theme();
    if !alert.is_pressing(wall) {
        return theme.dim;
    }
    match alert.severity {
        Severity::Critical => theme.alert.add_modifier(Modifier::BOLD),
        Severity::Warning => theme.warn,
        Severity::Info => theme.text,
    }
}

/// The message without a leading "Queue name: ", which the queue column
/// already shows.
fn message<'a>(name: &str, alert: &'a Alert) -> &'a str {
    alert
        .message
        .strip_prefix(name)
        .and_then(|rest| rest.strip_prefix(": "))
        .unwrap_or(&alert.message)
}

fn queue_name<'a>(state: &'a AppState, alert: &'a Alert) -> &'a str {
    match &alert.queue_id {
        None => "feed",
        Some(id) => state
            .queues()
            .iter()
            .find(|queue| &queue.id == id)
            .map_or(id.as_str(), |queue| queue.name.as_str()),
    }
}

/// The newest active alert on one line, above the hint bar (narrow layout).
pub fn render_strip(frame: &mut Frame, area: Rect, scene: &Scene) {
    if area.height == 0 {
        return;
    }
    let theme = scene.theme();
    let state = scene.state;
    let Some(alert) = state
        .alerts()
        .list
        .iter()
        .rev()
        .find(|alert| alert.cleared_at.is_none())
    else {
        return;
    };
    let active = active_count(state);
    let more = if active > 1 {
        format!("  (+{} more: a)", active - 1)
    } else {
        String::new()
    };
    let name = queue_name(state, alert);
    let style = row_style(scene, alert, state.wall());
    let ascii = scene.glyphs().ascii;
    let line = Line::from(vec![
        Span::styled(
            format!(
                "{} {} ",
                severity(alert, ascii),
                hms(scene, alert.raised_at)
            ),
            style,
        ),
        Span::styled(format!("{name}: "), style),
        Span::raw(message(name, alert).to_string()),
        Span::styled(more, theme.dim),
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
    title.push_span(Span::styled(
        keys::leave_title(Mode::AlertsView),
        scene.theme().dim,
    ));
    let block = scene.block(title, true);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    table(frame, inner, scene, true);
}

fn title(scene: &Scene) -> Line<'static> {
    let theme = scene.theme();
    let state = scene.state;
    let active = active_count(state);
    let mut spans = vec![Span::styled(" Alerts ", theme.title)];
    if active > 0 {
        spans.push(Span::styled(format!("{active} active "), theme.alert));
    }
    let cleared = state.alerts().list.len() - active;
    if cleared > 0 {
        spans.push(Span::styled(format!("{cleared} cleared "), theme.dim));
    }
    Line::from(spans)
}

fn table(frame: &mut Frame, area: Rect, scene: &Scene, full: bool) {
    let theme = scene.theme();
    let state = scene.state;
    if state.alerts().list.is_empty() {
        frame.render_widget(Paragraph::new("No alerts.").style(theme.dim), area);
        return;
    }
    let scroll = scene
        .view
        .alerts_scroll
        .min(state.alerts().list.len().saturating_sub(1));
    // The alert column: what the mark, time, queue and cleared columns
    // and their spacing leave.
    let text_width =
        usize::from(area.width).saturating_sub(1 + 8 + 14 + 3 + if full { 9 } else { 0 });
    let rows = state
        .alerts()
        .list
        .iter()
        .rev()
        .skip(scroll)
        .map(|alert| row(scene, alert, text_width, full));
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
        table = table.header(Row::new(head).style(theme.dim.add_modifier(Modifier::BOLD)));
    }
    frame.render_widget(table, area);
}

/// One alert: its mark, when, which queue, what, and (full) when cleared.
fn row<'a>(scene: &Scene, alert: &Alert, text_width: usize, full: bool) -> Row<'a> {
    let glyphs = scene.glyphs();
    let state = scene.state;
    let wall = state.wall();
    // Not by colour alone: cleared, acknowledged (x), snoozed (z).
    let mark = if alert.cleared_at.is_some() {
        glyphs.cleared
    } else if alert.is_snoozed(wall) {
        "z"
    } else if alert.acknowledged {
        "x"
    } else {
        "!"
    };
    let name = queue_name(state, alert);
    let text = text(alert, name, text_width, glyphs.ascii);
    let mut cells = vec![
        Cell::from(mark),
        Cell::from(hms(scene, alert.raised_at)),
        Cell::from(figures::fit(name, 14, glyphs.ellipsis)),
        Cell::from(figures::fit(&text, text_width, glyphs.ellipsis)),
    ];
    if full {
        let cleared = alert.cleared_at.map_or(String::new(), |at| hms(scene, at));
        cells.push(Cell::from(cleared));
    }
    Row::new(cells).style(row_style(scene, alert, wall))
}

/// The alert column's text: severity, message, repeats, and whether it
/// was raised before a restart. Where the message would push the repeat
/// count past `width`, the count goes first: it says more than the
/// message's tail.
fn text(alert: &Alert, name: &str, width: usize, ascii: bool) -> String {
    let severity = severity(alert, ascii);
    let message = message(name, alert);
    let restored = if alert.restored {
        " (before restart)"
    } else {
        ""
    };
    match repeats(alert, ascii) {
        None => format!("{severity} {message}{restored}"),
        Some(repeats) => {
            let after = format!("{severity} {message} ({repeats}){restored}");
            if after.chars().count() <= width {
                after
            } else {
                format!("{severity} {repeats}: {message}{restored}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AlertKind;

    fn alert(raises: u32, restored: bool) -> Alert {
        let at = OffsetDateTime::UNIX_EPOCH;
        Alert {
            kind: AlertKind::Waiting,
            severity: Severity::Warning,
            queue_id: Some("q1".into()),
            message: "Billing: 12 waiting".into(),
            raised_at: at + time::Duration::minutes(10),
            cleared_at: Some(at + time::Duration::minutes(11)),
            raises,
            first_raised: at,
            acknowledged: false,
            snoozed_until: None,
            restored,
        }
    }

    #[test]
    fn an_alert_from_before_a_restart_says_so_once() {
        assert_eq!(
            text(&alert(1, true), "Billing", 80, true),
            "! WARN 12 waiting (before restart)"
        );
        assert_eq!(
            text(&alert(3, true), "Billing", 80, true),
            "! WARN 12 waiting (raised 3x in 10 min) (before restart)"
        );
    }

    #[test]
    fn the_repeat_count_goes_first_when_the_row_is_short() {
        assert_eq!(
            text(&alert(3, false), "Billing", 30, true),
            "! WARN raised 3x in 10 min: 12 waiting"
        );
        assert_eq!(
            text(&alert(1, false), "Billing", 30, false),
            "▲ WARN 12 waiting"
        );
    }
}
