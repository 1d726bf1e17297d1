//! The one-line key hint bar, generated from `keys::KEYMAP` for what has
//! the keys (`ViewState::mode`): the hints follow focus and mode. While
//! the filter prompt is open it is the prompt; after `r` it says
//! "reconnecting" until the feed reports.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::ui::Scene;
use crate::ui::Theme;
use crate::ui::keys::{self, Mode};

pub fn render(frame: &mut Frame, area: Rect, scene: &Scene) {
    let theme = scene.theme();
    let view = scene.view;
    let mode = view.mode();
    let items = keys::hint_items(mode, scene.glyphs().ascii);
    let mut lead: Vec<Span> = Vec::new();
    if mode == Mode::Filter {
        lead = vec![
            Span::styled("/", theme.key),
            Span::raw(view.filter.clone()),
            Span::styled("_", theme.key),
            Span::raw("  "),
        ];
        let x = area.x + 1 + view.filter.chars().count() as u16;
        if x < area.right() {
            frame.set_cursor_position(Position::new(x, area.y));
        }
    } else if view.reconnect_asked.is_some() {
        lead = vec![Span::styled("reconnecting now...  ", theme.alert)];
    }
    let line = bar(lead, &items, area.width, theme);
    frame.render_widget(Paragraph::new(line), area);
}

/// `lead`, then as many of `items` ("key:word") as fit in `width`:
/// dropped from the front (least needed) until they fit; the last two
/// (help or back, and quit) always stay.
pub fn bar<'a>(
    lead: Vec<Span<'a>>,
    items: &[(String, &str)],
    width: u16,
    theme: &Theme,
) -> Line<'a> {
    let lead_width: usize = lead.iter().map(Span::width).sum();
    let item_width = |(key, word): &(String, &str)| -> usize {
        // The key, the colon, the word and one space between items.
        Span::raw(key.as_str()).width() + 1 + Span::raw(*word).width() + 1
    };
    let mut first = 0;
    let mut total: usize = items.iter().map(item_width).sum();
    while items.len() - first > 2 && lead_width + total > usize::from(width) {
        total -= item_width(&items[first]);
        first += 1;
    }
    let mut spans = lead;
    for (index, (key, word)) in items[first..].iter().enumerate() {
        if index > 0 {
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled(key.clone(), theme.key));
        spans.push(Span::styled(format!(":{word}"), theme.dim));
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use ratatui::buffer::Buffer;
    use ratatui::style::Style;
    use ratatui::widgets::Widget;

    use super::*;
    use crate::ui::keys::hint_items;
    use crate::ui::theme::DARK;

    /// The bar for `mode` at `width`, text only.
    fn drawn(mode: Mode, lead: &'static str, width: u16) -> Buffer {
        let items = hint_items(mode, false);
        let lead = if lead.is_empty() {
            Vec::new()
        } else {
            vec![Span::raw(lead)]
        };
        let area = Rect::new(0, 0, width, 1);
        let mut buffer = Buffer::empty(area);
        Paragraph::new(bar(lead, &items, width, &DARK)).render(area, &mut buffer);
        buffer.set_style(area, Style::reset());
        buffer
    }

    #[test]
    fn all_hints_fit_at_80_columns() {
        assert_eq!(
            drawn(Mode::AlertsView, "", 60),
            Buffer::with_lines(["↑↓:scroll x:ack z:snooze ?:help a/Esc:back q:quit           "])
        );
    }

    #[test]
    fn hints_drop_from_the_front_and_the_last_two_stay() {
        assert_eq!(
            drawn(Mode::AlertsView, "", 38),
            Buffer::with_lines(["z:snooze ?:help a/Esc:back q:quit     "])
        );
        assert_eq!(
            drawn(Mode::AlertsView, "", 22),
            Buffer::with_lines(["a/Esc:back q:quit     "])
        );
        // Narrower still: the way out and quit are cut, never dropped.
        assert_eq!(
            drawn(Mode::AlertsView, "", 12),
            Buffer::with_lines(["a/Esc:back q"])
        );
    }

    #[test]
    fn a_lead_takes_room_from_the_hints() {
        assert_eq!(
            drawn(Mode::AlertsView, "reconnecting now...  ", 60),
            Buffer::with_lines(["reconnecting now...  z:snooze ?:help a/Esc:back q:quit      "])
        );
    }
}
