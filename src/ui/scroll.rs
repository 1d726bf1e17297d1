//! Scrolling what has the keys: the open view, the zoomed detail, the
//! focused panel, the help; and keeping a scrolled alerts list on its
//! alert as newer ones arrive.

use tokio::time::Instant;

use crate::model::{AlertKind, AppState};
use crate::ui::keys::Action;
use crate::ui::{Effect, Focus, Overlay, ViewState};

impl ViewState {
    /// Moves what has the keys: the open view, the zoomed detail or the
    /// focused panel; the queue selection only when that is the list.
    pub(super) fn scroll(&mut self, action: Action, live: &AppState, now: Instant) -> Effect {
        let focus = match self.overlay {
            Overlay::Alerts => Focus::Alerts,
            Overlay::Notes => return Effect::None,
            Overlay::Help => {
                let max = crate::ui::key_help::LINES.saturating_sub(1);
                return self.scroll_to(action, self.help_scroll, max, |view, to| {
                    view.help_scroll = to
                });
            }
            Overlay::None if self.zoomed => Focus::Detail,
            Overlay::None => self.focus,
        };
        let (current, max) = match focus {
            Focus::Queues => return self.move_selection(action, live, now),
            // As far as the longer of the roster and the waiting list.
            Focus::Detail => (
                self.detail_scroll,
                self.selected_queue(self.shown(live), now)
                    .map_or(0, |queue| queue.agents.len().max(queue.waiting.len()))
                    .saturating_sub(1),
            ),
            Focus::Alerts => (
                self.alerts_scroll,
                self.shown(live).alerts().list.len().saturating_sub(1),
            ),
        };
        self.scroll_to(action, current, max, move |view, to| match focus {
            Focus::Alerts => {
                view.alerts_scroll = to;
                view.alerts_anchor = anchor_at(view.shown(live), to);
            }
            _ => view.detail_scroll = to,
        })
    }

    /// One scrolled view moved by `action` from `current`, at most `max`.
    fn scroll_to(
        &mut self,
        action: Action,
        current: usize,
        max: usize,
        set: impl FnOnce(&mut Self, usize),
    ) -> Effect {
        let page = self.page_rows.max(1);
        let new = match action {
            Action::Up => current.saturating_sub(1),
            Action::Down => current + 1,
            Action::PageUp => current.saturating_sub(page),
            Action::PageDown => current + page,
            Action::Home => 0,
            Action::End => max,
            Action::Jump(number) => usize::from(number).saturating_sub(1),
            _ => current,
        }
        .min(max);
        if new == current {
            return Effect::None;
        }
        set(self, new);
        Effect::Redraw
    }
}

/// One alert entry, by what does not change while it lives: its queue,
/// kind and first raise.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct AlertAnchor {
    queue_id: Option<String>,
    kind: AlertKind,
    first_raised: time::OffsetDateTime,
}

/// The anchor for the alert `scroll` rows below the newest.
fn anchor_at(state: &AppState, scroll: usize) -> Option<AlertAnchor> {
    if scroll == 0 {
        // At the top the view follows the newest alert.
        return None;
    }
    let list = &state.alerts().list;
    let alert = list.get(list.len().checked_sub(1 + scroll)?)?;
    Some(AlertAnchor {
        queue_id: alert.queue_id.clone(),
        kind: alert.kind.clone(),
        first_raised: alert.first_raised,
    })
}

impl ViewState {
    /// Keeps a scrolled alerts list on the alert it showed at the top as
    /// alerts arrive, repeat or drop off; true when the offset changed.
    /// At the top it stays at the top, showing the newest.
    pub fn follow_alerts(&mut self, live: &AppState) -> bool {
        let Some(anchor) = &self.alerts_anchor else {
            return false;
        };
        let list = &self.shown(live).alerts().list;
        let found = list.iter().rev().position(|alert| {
            alert.first_raised == anchor.first_raised
                && alert.kind == anchor.kind
                && alert.queue_id == anchor.queue_id
        });
        let new = match found {
            Some(position) => position,
            // It dropped off the bounded history: the oldest left.
            None => list.len().saturating_sub(1),
        };
        if new == self.alerts_scroll {
            return false;
        }
        self.alerts_scroll = new;
        if new == 0 {
            self.alerts_anchor = None;
        }
        true
    }
}
