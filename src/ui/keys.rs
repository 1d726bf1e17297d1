//! The keymap as data. The key handler, the hint bar and the help overlay
//! all read `KEYMAP`, so what the screen says and what the keys do cannot
//! drift apart.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// What a key asks for. The view state turns it into a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    /// Jump to the n-th visible queue (1-based).
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
    /// Esc: close the innermost view; quit when none is open.
    Back,
    Quit,
}

/// One physical key, as the table spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    /// Ctrl plus a letter.
    Ctrl(char),
    /// Any of 1..=9; the action gets the digit.
    Digit,
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    Tab,
    Enter,
    Esc,
}

/// One row of the keymap.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static [Key],
    pub action: Action,
    /// What the help overlay and README say.
    pub help: &'static str,
    /// The short word on the hint bar; `None` keeps it off the bar.
    pub hint: Option<&'static str>,
}

pub const KEYMAP: &[Binding] = &[
    Binding {
        keys: &[Key::Up, Key::Char('k')],
        action: Action::Up,
        help: "move up (scrolls the focused panel)",
        hint: None,
    },
    Binding {
        keys: &[Key::Down, Key::Char('j')],
        action: Action::Down,
        help: "move down (scrolls the focused panel)",
        hint: None,
    },
    Binding {
        keys: &[Key::PageUp],
        action: Action::PageUp,
        help: "one page up",
        hint: None,
    },
    Binding {
        keys: &[Key::PageDown],
        action: Action::PageDown,
        help: "one page down",
        hint: None,
    },
    Binding {
        keys: &[Key::Home],
        action: Action::Home,
        help: "first queue",
        hint: None,
    },
    Binding {
        keys: &[Key::End],
        action: Action::End,
        help: "last queue",
        hint: None,
    },
    Binding {
        keys: &[Key::Digit],
        action: Action::Jump(0),
        help: "jump to queue 1-9 of the list",
        hint: None,
    },
    Binding {
        keys: &[Key::Tab],
        action: Action::FocusNext,
        help: "move focus: queues, detail, alerts",
        hint: Some("focus"),
    },
    Binding {
        keys: &[Key::Enter],
        action: Action::Zoom,
        help: "zoom the queue detail to full screen and back",
        hint: Some("zoom"),
    },
    Binding {
        keys: &[Key::Char('w')],
        action: Action::Wallboard,
        help: "wallboard: every queue as a tile, for a wall screen, and back",
        hint: None,
    },
    Binding {
        keys: &[Key::Char('/')],
        action: Action::Filter,
        help: "filter queues by name (Enter keeps, Esc clears)",
        hint: Some("filter"),
    },
    Binding {
        keys: &[Key::Char('s')],
        action: Action::Sort,
        help: "sort by risk, name, utilization, waiting, alerts",
        hint: Some("sort"),
    },
    Binding {
        keys: &[Key::Char('p')],
        action: Action::Pause,
        help: "pause the display (the feed keeps counting)",
        hint: Some("pause"),
    },
    Binding {
        keys: &[Key::Char('r')],
        action: Action::Reconnect,
        help: "reconnect now (restarts a stopped feed)",
        hint: Some("reconnect"),
    },
    Binding {
        keys: &[Key::Char('a')],
        action: Action::Alerts,
        help: "show or hide the alerts view, newest first",
        hint: Some("alerts"),
    },
    Binding {
        keys: &[Key::Char('x')],
        action: Action::Acknowledge,
        help: "acknowledge the alert at the top of the alerts list",
        hint: None,
    },
    Binding {
        keys: &[Key::Char('z')],
        action: Action::Snooze,
        help: "snooze the alert at the top of the alerts list for 15 min",
        hint: None,
    },
    Binding {
        keys: &[Key::Char('?')],
        action: Action::Help,
        help: "show or hide the key help",
        hint: Some("help"),
    },
    Binding {
        keys: &[Key::Esc],
        action: Action::Back,
        help: "close the open view; quit when none is open",
        hint: None,
    },
    Binding {
        keys: &[Key::Char('q'), Key::Ctrl('c')],
        action: Action::Quit,
        help: "quit",
        hint: Some("quit"),
    },
];

impl Key {
    fn matches(self, ev: &KeyEvent) -> Option<Option<u8>> {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let hit = match (self, ev.code) {
            (Key::Ctrl(c), KeyCode::Char(e)) => ctrl && e.eq_ignore_ascii_case(&c),
            (Key::Digit, KeyCode::Char(e @ '1'..='9')) if !ctrl => {
                return Some(Some(e as u8 - b'0'));
            }
            (Key::Char(c), KeyCode::Char(e)) => !ctrl && e == c,
            (Key::Up, KeyCode::Up) => true,
            (Key::Down, KeyCode::Down) => true,
            (Key::PageUp, KeyCode::PageUp) => true,
            (Key::PageDown, KeyCode::PageDown) => true,
            (Key::Home, KeyCode::Home) => true,
            (Key::End, KeyCode::End) => true,
            (Key::Tab, KeyCode::Tab) => true,
            (Key::Enter, KeyCode::Enter) => true,
            (Key::Esc, KeyCode::Esc) => true,
            _ => false,
        };
        hit.then_some(None)
    }

    /// How the key is written on screen.
    pub fn label(self, ascii: bool) -> String {
        let s = match self {
            Key::Char(c) => return c.to_string(),
            Key::Ctrl(c) => return format!("Ctrl-{}", c.to_ascii_uppercase()),
            Key::Digit => "1-9",
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
        };
        s.to_string()
    }
}

impl Binding {
    /// "↑ k", "q Ctrl-C": every key of the row, in table order.
    pub fn keys_label(&self, ascii: bool) -> String {
        let labels: Vec<String> = self.keys.iter().map(|k| k.label(ascii)).collect();
        labels.join(" ")
    }
}

/// Maps a key press to its action through `KEYMAP`. Releases and repeats
/// of non-movement keys are ignored (some terminals report both).
pub fn action_for(ev: &KeyEvent) -> Option<Action> {
    if ev.kind == KeyEventKind::Release {
        return None;
    }
    for b in KEYMAP {
        for k in b.keys {
            if let Some(digit) = k.matches(ev) {
                return Some(match (b.action, digit) {
                    (Action::Jump(_), Some(d)) => Action::Jump(d),
                    (a, _) => a,
                });
            }
        }
    }
    None
}

/// The rows of the hint bar, in table order.
pub fn hints() -> impl Iterator<Item = (&'static Binding, &'static str)> {
    KEYMAP.iter().filter_map(|b| b.hint.map(|h| (b, h)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn every_action_in_the_table_is_reachable() {
        for b in KEYMAP {
            for k in b.keys {
                let ev = match *k {
                    Key::Char(c) => key(KeyCode::Char(c)),
                    Key::Ctrl(c) => KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL),
                    Key::Digit => key(KeyCode::Char('3')),
                    Key::Up => key(KeyCode::Up),
                    Key::Down => key(KeyCode::Down),
                    Key::PageUp => key(KeyCode::PageUp),
                    Key::PageDown => key(KeyCode::PageDown),
                    Key::Home => key(KeyCode::Home),
                    Key::End => key(KeyCode::End),
                    Key::Tab => key(KeyCode::Tab),
                    Key::Enter => key(KeyCode::Enter),
                    Key::Esc => key(KeyCode::Esc),
                };
                let want = match b.action {
                    Action::Jump(_) => Action::Jump(3),
                    a => a,
                };
                assert_eq!(action_for(&ev), Some(want), "{k:?}");
            }
        }
    }

    #[test]
    fn ctrl_c_quits_and_plain_c_does_nothing() {
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(action_for(&ctrl_c), Some(Action::Quit));
        assert_eq!(action_for(&key(KeyCode::Char('c'))), None);
        let ctrl_q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::CONTROL);
        assert_eq!(action_for(&ctrl_q), None);
    }

    #[test]
    fn zero_is_not_a_jump() {
        assert_eq!(action_for(&key(KeyCode::Char('0'))), None);
    }

    #[test]
    fn labels_follow_the_ascii_switch() {
        assert_eq!(KEYMAP[0].keys_label(false), "↑ k");
        assert_eq!(KEYMAP[0].keys_label(true), "Up k");
    }
}
