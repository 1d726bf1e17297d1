//! What the user has done to the screen: selection, focus, sort, filter,
//! zoom, pause, open views. Not domain state: the model never sees it.
//! Every key is a transition here, testable without a terminal.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use tokio::time::Instant;

use crate::model::{AppState, QueueView};
use crate::ui::keys::{self, Action, Mode};
use crate::ui::sort::{RiskOrder, SortKey};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    Queues,
    Detail,
    Alerts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overlay {
    #[default]
    None,
    Help,
    Alerts,
    /// The config's warnings from start-up.
    Notes,
}

/// What the app loop must do after a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Nothing visible changed.
    None,
    Redraw,
    Reconnect,
    Quit,
    /// Acknowledge the alert at this index of the shown alert list.
    Acknowledge(usize),
    /// Snooze the alert at this index of the shown alert list.
    Snooze(usize),
}

#[derive(Debug, Clone, Default)]
pub struct ViewState {
    /// The selected queue by id, so sorting and filtering keep it.
    pub selected: Option<String>,
    pub focus: Focus,
    pub sort: SortKey,
    pub filter: String,
    /// The `/` prompt is open and takes the keys.
    pub filter_editing: bool,
    pub zoomed: bool,
    /// The wallboard replaces the main screen (`w`, `--wallboard`).
    pub wallboard: bool,
    pub overlay: Overlay,
    /// The frozen copy shown while paused; the live state keeps moving.
    pub paused: Option<Box<AppState>>,
    /// Scroll offsets of the detail and alerts panels.
    pub detail_scroll: usize,
    pub alerts_scroll: usize,
    /// The alert at the top of the scrolled alerts list, so the view stays
    /// on it as newer alerts arrive above.
    pub(super) alerts_anchor: Option<crate::ui::scroll::AlertAnchor>,
    pub help_scroll: usize,
    /// Warnings from start-up, shown over the screen until closed.
    pub notes: Vec<String>,
    /// Rows of the queue list at the last draw (for PgUp/PgDn).
    pub page_rows: usize,
    /// First row the queue list showed at the last draw.
    pub list_offset: usize,
    /// Where the list was at the last draw, and its header row's text:
    /// what a click lands on.
    pub list_area: Option<ratatui::layout::Rect>,
    pub list_header: String,
    /// When `r` was pressed, until the feed reports a new state: the
    /// screen says "reconnecting" at once, even while connected.
    pub reconnect_asked: Option<Instant>,
    /// The risk order last sorted: kept for `RISK_HOLD`.
    pub(super) risk_order: std::cell::RefCell<Option<RiskOrder>>,
}

impl ViewState {
    pub fn new() -> Self {
        ViewState {
            page_rows: 10,
            ..Default::default()
        }
    }

    /// Opens with `notes` over the screen (none: the plain screen).
    pub fn with_notes(mut self, notes: Vec<String>) -> Self {
        if !notes.is_empty() {
            self.overlay = Overlay::Notes;
        }
        self.notes = notes;
        self
    }

    /// Starting on the wallboard (`--wallboard`) or not.
    pub fn with_wallboard(mut self, on: bool) -> Self {
        self.wallboard = on;
        self
    }

    /// The state the panels show: the frozen copy while paused.
    pub fn shown<'a>(&'a self, live: &'a AppState) -> &'a AppState {
        self.paused.as_deref().unwrap_or(live)
    }

    /// Position of the selected queue among `rows`; the first when the
    /// selection is gone (filtered out or never set).
    pub fn selected_pos(&self, state: &AppState, rows: &[usize]) -> Option<usize> {
        if rows.is_empty() {
            return None;
        }
        let pos = self
            .selected
            .as_ref()
            .and_then(|id| rows.iter().position(|&i| &state.queues()[i].id == id));
        Some(pos.unwrap_or(0))
    }

    /// The selected queue, if any is visible.
    pub fn selected_queue<'a>(&self, state: &'a AppState, now: Instant) -> Option<&'a QueueView> {
        let rows = self.visible(state, now);
        let pos = self.selected_pos(state, &rows)?;
        Some(&state.queues()[rows[pos]])
    }

    pub fn handle_key(&mut self, ev: &KeyEvent, live: &AppState, now: Instant) -> Effect {
        if ev.kind == KeyEventKind::Release {
            return Effect::None;
        }
        if !self.filter_editing {
            return match keys::action_for(ev, self.mode()) {
                Some(action) => self.apply(action, live, now),
                None => Effect::None,
            };
        }
        // Esc then a key, typed fast (or over a slow SSH link), reaches us
        // as Alt+key: that was Esc, then the key, not filter text.
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        if let KeyCode::Char(letter) = ev.code
            && ev.modifiers.contains(KeyModifiers::ALT)
            && !ctrl
        {
            self.apply(Action::Cancel, live, now);
            let plain = KeyEvent::new(KeyCode::Char(letter), ev.modifiers - KeyModifiers::ALT);
            return match self.handle_key(&plain, live, now) {
                Effect::None => Effect::Redraw,
                other => other,
            };
        }
        match keys::action_for(ev, Mode::Filter) {
            Some(action) => self.apply(action, live, now),
            None => Effect::None,
        }
    }

    /// What has the keys now: which of the keymap's rows act, and which
    /// hints the bar shows.
    pub fn mode(&self) -> Mode {
        match self.overlay {
            _ if self.filter_editing => Mode::Filter,
            Overlay::Help => Mode::Help,
            Overlay::Notes => Mode::Notes,
            Overlay::Alerts => Mode::AlertsView,
            Overlay::None if self.zoomed => Mode::Zoom,
            Overlay::None if self.wallboard => Mode::Wallboard,
            Overlay::None if self.focus == Focus::Alerts => Mode::AlertsPanel,
            Overlay::None => Mode::Main,
        }
    }

    /// One action, one transition.
    pub fn apply(&mut self, action: Action, live: &AppState, now: Instant) -> Effect {
        match action {
            Action::Quit => return Effect::Quit,
            Action::Reconnect => {
                self.reconnect_asked = Some(now);
                return Effect::Reconnect;
            }
            Action::Back => return self.back(),
            Action::Type(letter) => self.filter.push(letter),
            Action::Erase => {
                self.filter.pop();
            }
            Action::EraseAll => self.filter.clear(),
            Action::Keep => self.filter_editing = false,
            Action::Cancel => {
                self.filter.clear();
                self.filter_editing = false;
            }
            Action::Help => {
                self.overlay = toggle(self.overlay, Overlay::Help);
                self.help_scroll = 0;
            }
            Action::Alerts => {
                self.overlay = toggle(self.overlay, Overlay::Alerts);
                self.alerts_scroll = 0;
                self.alerts_anchor = None;
            }
            Action::Pause => {
                self.paused = match self.paused.take() {
                    Some(_) => None,
                    None => Some(Box::new(live.clone())),
                }
            }
            Action::Sort => self.sort = self.sort.next(),
            Action::Acknowledge | Action::Snooze => {
                // The top row of the alerts list (newest first, scrolled).
                let list = &self.shown(live).alerts().list;
                let Some(index) = list.len().checked_sub(1 + self.alerts_scroll) else {
                    return Effect::None;
                };
                return match action {
                    Action::Acknowledge => Effect::Acknowledge(index),
                    _ => Effect::Snooze(index),
                };
            }
            Action::Filter => {
                self.filter_editing = true;
                self.overlay = Overlay::None;
            }
            // The wallboard has no detail to zoom.
            Action::Zoom if self.wallboard => return Effect::None,
            Action::Zoom => {
                self.zoomed = !self.zoomed;
                self.detail_scroll = 0;
            }
            Action::Wallboard => {
                self.wallboard = !self.wallboard;
                self.zoomed = false;
                self.overlay = Overlay::None;
            }
            Action::FocusNext => {
                self.focus = match self.focus {
                    Focus::Queues => Focus::Detail,
                    Focus::Detail => Focus::Alerts,
                    Focus::Alerts => Focus::Queues,
                }
            }
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Home
            | Action::End
            | Action::Jump(_) => return self.scroll(action, live, now),
        }
        Effect::Redraw
    }

    fn back(&mut self) -> Effect {
        if self.overlay != Overlay::None {
            self.overlay = Overlay::None;
        } else if self.zoomed {
            self.zoomed = false;
            self.detail_scroll = 0;
        } else if self.wallboard {
            self.wallboard = false;
        } else if !self.filter.is_empty() {
            self.filter.clear();
        } else {
            // The main screen: Esc never quits (q and Ctrl-C do).
            return Effect::None;
        }
        Effect::Redraw
    }

    pub(super) fn move_selection(
        &mut self,
        action: Action,
        live: &AppState,
        now: Instant,
    ) -> Effect {
        let state = self.shown(live);
        let rows = self.visible(state, now);
        let Some(pos) = self.selected_pos(state, &rows) else {
            return Effect::None;
        };
        let last = rows.len() - 1;
        let page = self.page_rows.max(1);
        let new = match action {
            Action::Up => pos.saturating_sub(1),
            Action::Down => (pos + 1).min(last),
            Action::PageUp => pos.saturating_sub(page),
            Action::PageDown => (pos + page).min(last),
            Action::Home => 0,
            Action::End => last,
            Action::Jump(number) if (number as usize) >= 1 && (number as usize) <= rows.len() => {
                number as usize - 1
            }
            _ => return Effect::None,
        };
        // Pin the selection by id even when it did not move, so a later
        // re-sort keeps the queue the user is looking at.
        self.selected = Some(state.queues()[rows[new]].id.clone());
        if new == pos {
            return Effect::None;
        }
        self.detail_scroll = 0;
        Effect::Redraw
    }
}

fn toggle(current: Overlay, want: Overlay) -> Overlay {
    if current == want { Overlay::None } else { want }
}
