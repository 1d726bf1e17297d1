//! The one-line key hint bar, generated from `keys::KEYMAP`; while the
//! filter prompt is open it is the prompt.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::ui::keys;
use crate::ui::{Overlay, Scene};

pub fn render(frame: &mut Frame, area: Rect, scene: &Scene) {
    let t = scene.theme();
    let view = scene.view;
    let ascii = scene.glyphs().ascii;
    if view.filter_editing {
        let line = Line::from(vec![
            Span::styled("/", t.key),
            Span::raw(view.filter.clone()),
            Span::styled("_", t.key),
            Span::styled("   Enter keep  Esc clear  ", t.dim),
            Span::styled(if ascii { "Up/Down" } else { "↑↓" }, t.key),
            Span::styled(" move", t.dim),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        let x = area.x + 1 + view.filter.chars().count() as u16;
        if x < area.right() {
            frame.set_cursor_position(Position::new(x, area.y));
        }
        return;
    }
    let context = match view.overlay {
        Overlay::Help => Some("? or Esc: close help"),
        Overlay::Alerts => Some("a or Esc: close alerts   Up/Down: scroll"),
        Overlay::None if view.zoomed => Some("Enter or Esc: back   Up/Down: scroll"),
        Overlay::None => None,
    };
    if let Some(text) = context {
        frame.render_widget(Paragraph::new(Span::styled(text, t.dim)), area);
        return;
    }
    let mut items: Vec<Vec<Span>> = keys::hints()
        .map(|(b, word)| {
            vec![
                Span::styled(b.keys[0].label(ascii), t.key),
                Span::styled(format!(":{word}"), t.dim),
            ]
        })
        .collect();
    // Drop from the front (least needed) until it fits; help and quit stay.
    let width = |items: &Vec<Vec<Span>>| -> usize {
        items
            .iter()
            .map(|i| i.iter().map(|s| s.width()).sum::<usize>() + 1)
            .sum()
    };
    while items.len() > 2 && width(&items) > area.width as usize {
        items.remove(0);
    }
    let mut spans = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" "));
        }
        spans.extend(item);
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
