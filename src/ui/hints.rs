//! The one-line key hint bar, generated from `keys::KEYMAP` for what has
//! the keys (`ViewState::place`): the hints follow focus and mode. While
//! the filter prompt is open it is the prompt; after `r` it says
//! "reconnecting" until the feed reports.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::ui::Scene;
use crate::ui::keys::{self, Place};

pub fn render(frame: &mut Frame, area: Rect, scene: &Scene) {
    let t = scene.theme();
    let view = scene.view;
    let ascii = scene.glyphs().ascii;
    let place = view.place();
    let mut items: Vec<Vec<Span>> = keys::hints(place)
        .map(|(b, word)| {
            vec![
                Span::styled(b.hint_label(ascii), t.key),
                Span::styled(format!(":{word}"), t.dim),
            ]
        })
        .collect();
    let mut lead: Vec<Span> = Vec::new();
    if place == Place::Filter {
        lead = vec![
            Span::styled("/", t.key),
            Span::raw(view.filter.clone()),
            Span::styled("_", t.key),
            Span::raw("  "),
        ];
        let x = area.x + 1 + view.filter.chars().count() as u16;
        if x < area.right() {
            frame.set_cursor_position(Position::new(x, area.y));
        }
    } else if view.reconnect_asked.is_some() {
        lead = vec![Span::styled("reconnecting now...  ", t.alert)];
    }
    let lead_w: usize = lead.iter().map(|s| s.width()).sum();
    // Drop from the front (least needed) until it fits; the last two
    // (help or back, and quit) stay.
    let width = |items: &Vec<Vec<Span>>| -> usize {
        items
            .iter()
            .map(|i| i.iter().map(|s| s.width()).sum::<usize>() + 1)
            .sum()
    };
    while items.len() > 2 && lead_w + width(&items) > area.width as usize {
        items.remove(0);
    }
    let mut spans = lead;
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" "));
        }
        spans.extend(item);
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
