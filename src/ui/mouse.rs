//! Clicks: on a queue row it selects that queue; on the list's header it
//! sorts by the column clicked. The wheel scrolls like the arrows. What a
//! click lands on comes from the last frame (`ViewState::list_area` and
//! the header row's text), so it follows whatever columns the list shows.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use tokio::time::Instant;

use crate::model::AppState;
use crate::ui::keys::Action;
use crate::ui::{Effect, Overlay, SortKey, ViewState};

/// Rows of the list above its first queue: the border and the header.
const ABOVE_ROWS: u16 = 2;

/// The sort a header word asks for; None for a column with no sort.
fn sort_for(word: &str) -> Option<SortKey> {
    let word = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '#');
    Some(match word.to_lowercase().as_str() {
        "#" | "risk" => SortKey::Risk,
        "queue" | "name" => SortKey::Name,
        "utilization" | "util" => SortKey::Utilization,
        "wait" | "waiting" | "longest" => SortKey::Waiting,
        "alerts" | "alert" => SortKey::Alerts,
        _ => return None,
    })
}

/// The word of `line` under column `x` (0-based within the line).
fn word_at(line: &str, x: usize) -> Option<&str> {
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let (_, at) = chars.get(x).copied()?;
    if at.is_whitespace() {
        return None;
    }
    let start = chars[..x]
        .iter()
        .rposition(|(_, c)| c.is_whitespace())
        .map_or(0, |p| p + 1);
    let end = chars[x..]
        .iter()
        .position(|(_, c)| c.is_whitespace())
        .map_or(chars.len(), |p| x + p);
    let from = chars[start].0;
    let to = chars.get(end).map_or(line.len(), |(i, _)| *i);
    Some(&line[from..to])
}

impl ViewState {
    /// One mouse event on the screen as last drawn.
    pub fn handle_mouse(&mut self, ev: &MouseEvent, live: &AppState, now: Instant) -> Effect {
        match ev.kind {
            MouseEventKind::ScrollUp => self.apply(Action::Up, live, now),
            MouseEventKind::ScrollDown => self.apply(Action::Down, live, now),
            MouseEventKind::Down(MouseButton::Left) => self.click(ev.column, ev.row, live, now),
            _ => Effect::None,
        }
    }

    fn click(&mut self, column: u16, row: u16, live: &AppState, now: Instant) -> Effect {
        let Some(list) = self.list_area else {
            return Effect::None;
        };
        let inside = column > list.x && column < list.right().saturating_sub(1);
        if self.overlay != Overlay::None || self.zoomed || !inside {
            return Effect::None;
        }
        if row == list.y + 1 {
            let word = word_at(&self.list_header, usize::from(column - list.x));
            return match word.and_then(sort_for) {
                Some(sort) if sort != self.sort => {
                    self.sort = sort;
                    Effect::Redraw
                }
                _ => Effect::None,
            };
        }
        if row < list.y + ABOVE_ROWS || row >= list.bottom().saturating_sub(1) {
            return Effect::None;
        }
        let pos = self.list_offset + usize::from(row - list.y - ABOVE_ROWS);
        let state = self.shown(live);
        let rows = self.visible(state, now);
        let Some(&index) = rows.get(pos) else {
            return Effect::None;
        };
        let id = state.queues()[index].id.clone();
        if self.selected.as_ref() == Some(&id) && self.focus == crate::ui::Focus::Queues {
            return Effect::None;
        }
        self.selected = Some(id);
        self.focus = crate::ui::Focus::Queues;
        self.detail_scroll = 0;
        Effect::Redraw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_under_a_column() {
        let header = "  #  Queue      Agents Utilization  Wait Longest Alerts";
        assert_eq!(word_at(header, 6), Some("Queue"));
        assert_eq!(word_at(header, 5), Some("Queue"));
        assert_eq!(word_at(header, 4), None);
        assert_eq!(word_at(header, 2), Some("#"));
        assert_eq!(word_at(header, 54), Some("Alerts"));
        assert_eq!(word_at(header, 200), None);
        assert_eq!(sort_for("Longest"), Some(SortKey::Waiting));
        assert_eq!(sort_for("Agents"), None);
        assert_eq!(sort_for("Waiting,"), Some(SortKey::Waiting));
    }
}
