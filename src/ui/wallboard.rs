//! The wallboard, for a TV or a second monitor: the header's totals in
//! large digits, then every queue as a tile (name, waiting, longest wait,
//! agents available of on queue, service level), its worst alert shown by
//! colour and by symbol. Tiles follow the list's order (risk first), so
//! what does not fit is the least pressing, and says how many.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::model::{AlertKind, QueueView, Severity};
use crate::ui::{Scene, figures, names, queue_table};

/// A tile's rows and the blank row under it.
const TILE_H: u16 = 4;
/// Tile widths tried, widest first; the gap column included.
const TILE_WIDTHS: [u16; 4] = [32, 26, 22, 20];
/// Below this height the totals take one line, not large digits.
const TALL: u16 = 24;

pub fn render(frame: &mut Frame, area: Rect, scene: &Scene) {
    let large = area.height >= TALL && !scene.glyphs().ascii;
    let totals_h = if large { 5 } else { 2 };
    let [top, grid] =
        Layout::vertical([Constraint::Length(totals_h), Constraint::Fill(1)]).areas(area);
    totals(frame, top, scene, large);
    tiles(frame, grid, scene);
}

/// Waiting, the oldest wait, queues in alert, the worst service level.
fn totals(frame: &mut Frame, area: Rect, scene: &Scene, large: bool) {
    let theme = scene.theme();
    let tot = scene.state.totals(scene.data_now());
    let oldest = tot.oldest.map_or("-".to_string(), clock);
    let worst_sl = tot
        .worst_sl
        .map_or("-".to_string(), |sl| format!("{sl:.0}"));
    let alert_style = if tot.in_alert > 0 {
        theme.alert
    } else {
        theme.ok
    };
    let figures: [(&str, String, &str, Style); 5] = [
        ("Waiting", tot.waiting.to_string(), "", theme.text),
        ("Oldest wait", oldest, "", theme.text),
        ("Queues in alert", tot.in_alert.to_string(), "", alert_style),
        ("Worst SL", worst_sl, "%", theme.text),
        ("Queues", scene.rows.len().to_string(), "", theme.dim),
    ];
    if !large {
        let mut spans = Vec::new();
        for (label, value, unit, style) in &figures {
            spans.push(Span::styled(format!(" {label} "), theme.dim));
            spans.push(Span::styled(
                format!("{value}{unit}"),
                style.add_modifier(Modifier::BOLD),
            ));
            spans.push(Span::raw("  "));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
        return;
    }
    let cells = Layout::horizontal([Constraint::Fill(1); 5]).split(area);
    for ((label, value, unit, style), cell) in figures.iter().zip(cells.iter()) {
        let mut lines = vec![Line::styled(format!(" {label}"), theme.dim)];
        let rows = big(value);
        for (index, row) in rows.into_iter().enumerate() {
            let mut spans = vec![Span::raw(" "), Span::styled(row, *style)];
            if index == 2 {
                spans.push(Span::styled(format!(" {unit}"), theme.dim));
            }
            lines.push(Line::from(spans));
        }
        frame.render_widget(Paragraph::new(lines), *cell);
    }
}

/// "2:21" for a wait (minutes:seconds, or hours:minutes past an hour).
fn clock(span: std::time::Duration) -> String {
    let seconds = span.as_secs();
    if seconds < 3600 {
        format!("{}:{:02}", seconds / 60, seconds % 60)
    } else {
        format!("{}h{:02}", seconds / 3600, (seconds % 3600) / 60)
    }
}

/// Digits three rows tall in block characters; anything else is kept as
/// it is on the bottom row.
fn big(text: &str) -> [String; 3] {
    let mut rows = [String::new(), String::new(), String::new()];
    for letter in text.chars() {
        let glyph: [&str; 3] = match letter {
            '0' => ["█▀█", "█ █", "▀▀▀"],
            '1' => ["▀█ ", " █ ", "▀▀▀"],
            '2' => ["▀▀█", "█▀▀", "▀▀▀"],
            '3' => ["▀▀█", " ▀█", "▀▀▀"],
            '4' => ["█ █", "▀▀█", "  ▀"],
            '5' => ["█▀▀", "▀▀█", "▀▀▀"],
            '6' => ["█▀▀", "█▀█", "▀▀▀"],
            '7' => ["▀▀█", "  █", "  ▀"],
            '8' => ["█▀█", "█▀█", "▀▀▀"],
            '9' => ["█▀█", "▀▀█", "▀▀▀"],
            ':' => [" ", "▀", "▀"],
            '-' => ["   ", "▀▀▀", "   "],
            other => {
                rows[0].push(' ');
                rows[1].push(' ');
                rows[2].push(other);
                continue;
            }
        };
        for (row, part) in rows.iter_mut().zip(glyph) {
            row.push_str(part);
            row.push(' ');
        }
    }
    rows
}

/// How the grid is cut: tile width (gap included), columns, rows.
pub fn grid(area: Rect, queues: usize) -> (u16, u16, u16) {
    let rows = (area.height + 1) / TILE_H;
    for width in TILE_WIDTHS {
        let cols = (area.width + 1) / width;
        if usize::from(cols) * usize::from(rows) >= queues {
            return (width, cols, rows);
        }
    }
    let width = TILE_WIDTHS[TILE_WIDTHS.len() - 1];
    (width, (area.width + 1) / width, rows)
}

fn tiles(frame: &mut Frame, area: Rect, scene: &Scene) {
    let theme = scene.theme();
    let rows = &scene.rows;
    let (width, cols, grid_rows) = grid(area, rows.len());
    let capacity = usize::from(cols) * usize::from(grid_rows);
    if capacity == 0 {
        return;
    }
    // One slot goes to "+N more" when not every queue fits.
    let shown = if rows.len() > capacity {
        capacity - 1
    } else {
        rows.len()
    };
    let state = scene.state;
    let worst = queue_table::worst_alerts(state);
    let tile_w = width - 1;
    let shown_names: Vec<&str> = rows[..shown]
        .iter()
        .map(|&index| state.queues()[index].name.as_str())
        .collect();
    let cut = names::fit_all(
        &shown_names,
        usize::from(tile_w.saturating_sub(2)),
        scene.glyphs().ellipsis,
    );
    let at = |place: usize| {
        let (col, row) = (place as u16 % cols, place as u16 / cols);
        Rect::new(
            area.x + col * width,
            area.y + row * TILE_H,
            tile_w,
            TILE_H - 1,
        )
    };
    for (place, (&index, name)) in rows[..shown].iter().zip(cut).enumerate() {
        let queue = &state.queues()[index];
        let kind = worst.get(queue.id.as_str()).copied();
        tile(frame, at(place), scene, queue, name, kind);
    }
    if shown < rows.len() {
        let more = vec![
            Line::styled(format!("+{} more", rows.len() - shown), theme.title),
            Line::styled("in risk order;", theme.dim),
            Line::styled("/ filters", theme.dim),
        ];
        frame.render_widget(Paragraph::new(more), at(shown));
    }
}

/// A symbol for the worst alert, so severity is never colour alone.
fn symbol(scene: &Scene, severity: Option<Severity>, stale: bool) -> &'static str {
    let ascii = scene.glyphs().ascii;
    match (severity, stale, ascii) {
        (Some(Severity::Critical), _, false) => "✖",
        (Some(Severity::Critical), _, true) => "X",
        (Some(Severity::Warning), _, false) => "▲",
        (Some(Severity::Warning), _, true) => "!",
        (Some(Severity::Info), _, _) => "i",
        (None, true, _) => "?",
        (None, false, false) => "●",
        (None, false, true) => "o",
    }
}

fn tile(
    frame: &mut Frame,
    area: Rect,
    scene: &Scene,
    queue: &QueueView,
    name: String,
    worst: Option<&AlertKind>,
) {
    let theme = scene.theme();
    let severity = worst.map(AlertKind::severity);
    let mark = symbol(scene, severity, queue.stale);
    // The name line carries the state: reversed for critical, so it reads
    // from across a room even without colour.
    let name_style = match severity {
        Some(Severity::Critical) => theme.alert.add_modifier(Modifier::REVERSED),
        Some(Severity::Warning) => theme.warn,
        Some(Severity::Info) => theme.title,
        None if queue.stale => theme.stale,
        None => theme.ok.add_modifier(Modifier::BOLD),
    };
    let width = usize::from(area.width);
    let head = format!("{mark} {name}");
    let pad = width.saturating_sub(names::width(&head));
    let title = Line::styled(format!("{head}{}", " ".repeat(pad)), name_style);

    let waiting = if queue.summary.is_some() || !queue.waiting.is_empty() {
        figures::waiting(queue).to_string()
    } else {
        "-".to_string()
    };
    let longest = figures::longest_wait(queue, scene.data_now())
        .map(figures::duration)
        .unwrap_or_else(|| "-".to_string());
    let wait_style = if worst.is_some_and(|kind| {
        matches!(
            kind,
            AlertKind::Waiting | AlertKind::LongestWait | AlertKind::NoAgents
        )
    }) {
        theme.alert
    } else {
        theme.text
    };
    let line2 = spread(
        vec![
            Span::styled(waiting, wait_style.add_modifier(Modifier::BOLD)),
            Span::styled(" waiting", theme.dim),
        ],
        vec![Span::styled(longest, wait_style)],
        width,
    );
    let agents = match &queue.summary {
        Some(summary) => format!("{}/{}", summary.idle(), summary.on_queue()),
        None => "-".to_string(),
    };
    let sl = queue
        .service_level()
        .map_or("-".to_string(), |value| format!("{value:.0}%"));
    let sl_style = if worst.is_some_and(|kind| matches!(kind, AlertKind::ServiceLevel)) {
        theme.alert
    } else {
        theme.text
    };
    let line3 = spread(
        vec![
            Span::styled(agents, theme.text),
            Span::styled(" avail", theme.dim),
        ],
        vec![Span::styled("SL ", theme.dim), Span::styled(sl, sl_style)],
        width,
    );
    let mut lines = vec![title, line2, line3];
    if queue.stale || scene.not_live().is_some() {
        for line in lines.iter_mut().skip(1) {
            line.style = theme.stale;
        }
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// `left` at the start and `right` at the end of a line `width` wide.
fn spread<'a>(left: Vec<Span<'a>>, right: Vec<Span<'a>>, width: usize) -> Line<'a> {
    let used: usize = left.iter().chain(&right).map(Span::width).sum();
    let mut spans = left;
    spans.push(Span::raw(" ".repeat(width.saturating_sub(used).max(1))));
    spans.extend(right);
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hundred_queues_fit_two_hundred_by_fifty() {
        // 200x50 less the header, the hint bar and the large totals.
        let (_, cols, rows) = grid(Rect::new(0, 0, 200, 43), 100);
        assert!(
            usize::from(cols) * usize::from(rows) >= 100,
            "{cols}x{rows}"
        );
    }

    #[test]
    fn few_queues_get_wider_tiles() {
        let (few, _, _) = grid(Rect::new(0, 0, 200, 43), 12);
        let (many, _, _) = grid(Rect::new(0, 0, 200, 43), 100);
        assert!(few > many);
    }

    #[test]
    fn large_digits_are_three_rows_of_equal_width() {
        let rows = big("12:05");
        let widths: Vec<usize> = rows.iter().map(|r| names::width(r)).collect();
        assert!(widths.iter().all(|w| *w == widths[0]), "{rows:?}");
        assert_eq!(clock(std::time::Duration::from_secs(141)), "2:21");
        assert_eq!(clock(std::time::Duration::from_secs(3_720)), "1h02");
    }
}
