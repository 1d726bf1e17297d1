//! The keymap as data. Dispatch, the hint bar, the help overlay, the
//! "(Esc: back)" titles and docs/KEYS.md all read `KEYMAP`, so what the
//! screen says and what the keys do cannot drift apart. Each row names
//! the modes it acts in: the main screen, the zoom, the alerts view, the
//! overlays, the wallboard, the filter prompt and the first-run welcome.

mod map;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

pub use map::KEYMAP;

/// What a key asks for. The view state turns it into a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    /// Jump to the n-th row of what is shown (1-based).
    Jump(u8),
    FocusNext,
    Zoom,
    /// Every queue as a tile, for a wall screen, and back.
    Wallboard,
    Filter,
    Sort,
    Pause,
    Reconnect,
    Alerts,
    /// Acknowledge the selected alert (the top row of the alerts list).
    Acknowledge,
    /// Snooze the selected alert for `SNOOZE`.
    Snooze,
    Help,
    /// Esc: close the innermost view; never quits.
    Back,
    Quit,
    /// Filter prompt: a character of the filter text.
    Type(char),
    /// Filter prompt: delete the last character.
    Erase,
    /// Filter prompt: clear the text, keep the prompt.
    EraseAll,
    /// Filter prompt: keep the filter and close the prompt.
    Keep,
    /// Filter prompt: clear the filter and close the prompt.
    Cancel,
}

/// What a row of the table does: one fixed action, or one made from the
/// key that was pressed (the digit of `Key::Digit`, the character of
/// `Key::Text`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Does {
    Act(Action),
    /// `Action::Jump` to the digit pressed.
    JumpToDigit,
    /// `Action::Type` of the character pressed.
    TypeChar,
}

/// One physical key, as the table spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    /// Ctrl plus a letter.
    Ctrl(char),
    /// Any of 1..=9; the action gets the digit.
    Digit,
    /// Any printable character (the filter prompt's text).
    Text,
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    Tab,
    Enter,
    Esc,
    Backspace,
}

/// What has the keys: each mode has its own rows and its own hints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The main screen, focus on the queues or the detail.
    Main,
    /// The main screen, focus on the alerts panel.
    AlertsPanel,
    /// The zoomed detail.
    Zoom,
    /// The full alerts view.
    AlertsView,
    Help,
    /// The start-up notes overlay (config warnings).
    Notes,
    /// Every queue as a tile.
    Wallboard,
    /// The `/` prompt.
    Filter,
    /// The first-run screen: no config yet, nothing to monitor.
    Welcome,
}

impl Mode {
    pub const ALL: [Mode; 9] = [
        Mode::Main,
        Mode::AlertsPanel,
        Mode::Zoom,
        Mode::AlertsView,
        Mode::Help,
        Mode::Notes,
        Mode::Wallboard,
        Mode::Filter,
        Mode::Welcome,
    ];

    /// How docs/KEYS.md names the mode.
    pub fn label(self) -> &'static str {
        match self {
            Mode::Main => "main screen",
            Mode::AlertsPanel => "alerts panel",
            Mode::Zoom => "zoom",
            Mode::AlertsView => "alerts view",
            Mode::Help => "help",
            Mode::Notes => "config warnings",
            Mode::Wallboard => "wallboard",
            Mode::Filter => "filter prompt",
            Mode::Welcome => "welcome screen",
        }
    }
}

/// One row of the keymap.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static [Key],
    pub does: Does,
    /// The modes the keys act in; elsewhere they do nothing.
    pub modes: &'static [Mode],
    /// What the help overlay and docs/KEYS.md say.
    pub help: &'static str,
    /// The short words on the hint bar, by mode; a mode not listed keeps
    /// the key off the bar there. "back" and "close" also make the
    /// mode's title ("(a or Esc: back)").
    pub hints: &'static [(Mode, &'static str)],
}

/// The hint words that leave a mode: they make its title.
const LEAVING: [&str; 2] = ["back", "close"];

impl Key {
    /// What the key brings when it matches `event`.
    fn matches(self, event: &KeyEvent) -> Option<Pressed> {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        let alt = event.modifiers.contains(KeyModifiers::ALT);
        let hit = match (self, event.code) {
            (Key::Ctrl(want), KeyCode::Char(got)) => ctrl && got.eq_ignore_ascii_case(&want),
            (Key::Digit, KeyCode::Char(got @ '1'..='9')) if !ctrl => {
                return Some(Pressed::Digit(got as u8 - b'0'));
            }
            (Key::Text, KeyCode::Char(got)) if !ctrl && !alt => return Some(Pressed::Char(got)),
            (Key::Char(want), KeyCode::Char(got)) => !ctrl && got == want,
            (Key::Up, KeyCode::Up) => true,
            (Key::Down, KeyCode::Down) => true,
            (Key::PageUp, KeyCode::PageUp) => true,
            (Key::PageDown, KeyCode::PageDown) => true,
            (Key::Home, KeyCode::Home) => true,
            (Key::End, KeyCode::End) => true,
            (Key::Tab, KeyCode::Tab) => true,
            (Key::Enter, KeyCode::Enter) => true,
            (Key::Esc, KeyCode::Esc) => true,
            (Key::Backspace, KeyCode::Backspace) => true,
            _ => false,
        };
        hit.then_some(Pressed::Plain)
    }

    /// How the key is written on screen.
    pub fn label(self, ascii: bool) -> String {
        let text = match self {
            Key::Char(c) => return c.to_string(),
            Key::Ctrl(c) => return format!("Ctrl-{}", c.to_ascii_uppercase()),
            Key::Digit => "1-9",
            Key::Text => "text",
            Key::Up if ascii => "Up",
            Key::Up => "↑",
            Key::Down if ascii => "Down",
            Key::Down => "↓",
            Key::PageUp => "PgUp",
            Key::PageDown => "PgDn",
            Key::Home => "Home",
            Key::End => "End",
            Key::Tab => "Tab",
            Key::Enter => "Enter",
            Key::Esc => "Esc",
            Key::Backspace => "Backspace",
        };
        text.to_string()
    }
}

/// What a matched key brings to its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pressed {
    Plain,
    Digit(u8),
    Char(char),
}

impl Does {
    /// The action for a key that brought `pressed`; None when the row
    /// needs what the key did not bring (a digit, a character).
    fn action(self, pressed: Pressed) -> Option<Action> {
        match (self, pressed) {
            (Does::Act(action), _) => Some(action),
            (Does::JumpToDigit, Pressed::Digit(digit)) => Some(Action::Jump(digit)),
            (Does::TypeChar, Pressed::Char(c)) => Some(Action::Type(c)),
            _ => None,
        }
    }
}

impl Binding {
    /// "↑ k", "q Ctrl-C": every key of the row, in table order.
    pub fn keys_label(&self, ascii: bool) -> String {
        let labels: Vec<String> = self.keys.iter().map(|k| k.label(ascii)).collect();
        labels.join(" ")
    }

    /// The key as the hint bar writes it: the first key, except that the
    /// Up row's hint stands for both arrows.
    pub fn hint_label(&self, ascii: bool) -> String {
        match self.keys[0] {
            Key::Up if ascii => "Up/Down".into(),
            Key::Up => "↑↓".into(),
            key => key.label(ascii),
        }
    }

    pub fn acts_in(&self, mode: Mode) -> bool {
        self.modes.contains(&mode)
    }
}

/// Maps a key press in `mode` to its action through `table` (`KEYMAP`
/// outside tests). Releases are ignored (some terminals report both press
/// and release); repeats act as presses, so holding ↓ keeps scrolling.
pub fn action_in(table: &[Binding], event: &KeyEvent, mode: Mode) -> Option<Action> {
    if event.kind == KeyEventKind::Release {
        return None;
    }
    table
        .iter()
        .filter(|binding| binding.acts_in(mode))
        .find_map(|binding| {
            let pressed = binding.keys.iter().find_map(|k| k.matches(event))?;
            binding.does.action(pressed)
        })
}

/// `action_in` over `KEYMAP`.
pub fn action_for(event: &KeyEvent, mode: Mode) -> Option<Action> {
    action_in(KEYMAP, event, mode)
}

/// The hint bar's items in `mode` through `table`: keys that share a
/// word are one item ("a/Esc:back"), placed where the last of them is in
/// table order.
pub fn hint_items_in(
    table: &'static [Binding],
    mode: Mode,
    ascii: bool,
) -> Vec<(String, &'static str)> {
    let mut items: Vec<(String, &'static str)> = Vec::new();
    for (binding, word) in hints_raw(table, mode) {
        let label = binding.hint_label(ascii);
        match items.iter().position(|(_, w)| *w == word) {
            Some(pos) => {
                let (earlier, _) = items.remove(pos);
                items.push((format!("{earlier}/{label}"), word));
            }
            None => items.push((label, word)),
        }
    }
    items
}

/// `hint_items_in` over `KEYMAP`.
pub fn hint_items(mode: Mode, ascii: bool) -> Vec<(String, &'static str)> {
    hint_items_in(KEYMAP, mode, ascii)
}

/// The hint words of `mode`, in table order, one per row.
pub fn hints(mode: Mode) -> impl Iterator<Item = (&'static Binding, &'static str)> {
    hints_raw(KEYMAP, mode)
}

fn hints_raw(
    table: &'static [Binding],
    mode: Mode,
) -> impl Iterator<Item = (&'static Binding, &'static str)> {
    table.iter().filter_map(move |binding| {
        binding
            .hints
            .iter()
            .find(|(m, _)| *m == mode)
            .map(|&(_, word)| (binding, word))
    })
}

/// How a view's title says the way out of `mode`: "(a or Esc: back) ",
/// from the rows whose hint there is "back" or "close". Empty when the
/// table gives none.
pub fn leave_title_in(table: &'static [Binding], mode: Mode) -> String {
    let leaving: Vec<(&Binding, &str)> = hints_raw(table, mode)
        .filter(|(_, word)| LEAVING.contains(word))
        .collect();
    let Some(&(_, word)) = leaving.first() else {
        return String::new();
    };
    let keys: Vec<String> = leaving
        .iter()
        .map(|(binding, _)| binding.keys[0].label(false))
        .collect();
    format!("({}: {word}) ", keys.join(" or "))
}

/// `leave_title_in` over `KEYMAP`.
pub fn leave_title(mode: Mode) -> String {
    leave_title_in(KEYMAP, mode)
}

#[cfg(test)]
mod tests;
