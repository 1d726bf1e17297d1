//! The keymap as data. The key handler, the hint bar, the help overlay and
//! docs/KEYS.md all read `KEYMAP`, so what the screen says and what the
//! keys do cannot drift apart. The filter prompt's keys are rows of the
//! same table, in their own context.

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

/// Where the keys go: the screens, or the open filter prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Screen,
    Filter,
}

/// What has the keys, for the hint bar: the hints follow focus and mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The main screen, focus on the queues or the detail.
    Main,
    /// The main screen, focus on the alerts panel.
    AlertsPanel,
    /// The zoomed detail.
    Zoom,
    /// The full alerts view.
    AlertsView,
    Help,
    /// The start-up notes overlay.
    Notes,
    Filter,
}

/// One row of the keymap.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static [Key],
    pub action: Action,
    pub context: Context,
    /// What the help overlay and docs/KEYS.md say.
    pub help: &'static str,
    /// The short words on the hint bar, by place; a place not listed
    /// keeps the key off the bar there.
    pub hints: &'static [(Place, &'static str)],
}

use Place::{AlertsPanel, AlertsView, Filter as FilterPlace, Help as HelpPlace, Main, Notes, Zoom};

/// Every place with scrolling.
const VIEWS: &[(Place, &str)] = &[
    (Zoom, "scroll"),
    (AlertsView, "scroll"),
    (AlertsPanel, "scroll"),
    (HelpPlace, "scroll"),
];

const fn screen(
    keys: &'static [Key],
    action: Action,
    help: &'static str,
    hints: &'static [(Place, &'static str)],
) -> Binding {
    Binding {
        keys,
        action,
        context: Context::Screen,
        help,
        hints,
    }
}

const fn prompt(
    keys: &'static [Key],
    action: Action,
    help: &'static str,
    hints: &'static [(Place, &'static str)],
) -> Binding {
    Binding {
        keys,
        action,
        context: Context::Filter,
        help,
        hints,
    }
}

pub const KEYMAP: &[Binding] = &[
    screen(
        &[Key::Up, Key::Char('k')],
        Action::Up,
        "move up (scrolls the focused panel or the open view)",
        VIEWS,
    ),
    screen(
        &[Key::Down, Key::Char('j')],
        Action::Down,
        "move down (scrolls the focused panel or the open view)",
        &[],
    ),
    screen(&[Key::PageUp], Action::PageUp, "one page up", &[]),
    screen(&[Key::PageDown], Action::PageDown, "one page down", &[]),
    screen(
        &[Key::Home],
        Action::Home,
        "first queue (top of the focused panel or the open view)",
        &[],
    ),
    screen(
        &[Key::End],
        Action::End,
        "last queue (bottom of the focused panel or the open view)",
        &[],
    ),
    screen(
        &[Key::Digit],
        Action::Jump(0),
        "jump to queue 1-9 of the list (row 1-9 of the open view)",
        &[],
    ),
    screen(
        &[Key::Tab],
        Action::FocusNext,
        "move focus: queues, detail, alerts",
        &[(Main, "focus"), (AlertsPanel, "focus")],
    ),
    screen(
        &[Key::Enter],
        Action::Zoom,
        "zoom the queue detail and its trends to full screen and back",
        &[(Main, "zoom")],
    ),
    screen(
        &[Key::Char('w')],
        Action::Wallboard,
        "wallboard: every queue as a tile, for a wall screen, and back",
        &[],
    ),
    screen(
        &[Key::Char('/')],
        Action::Filter,
        "filter queues by name (the prompt's keys are below)",
        &[(Main, "filter")],
    ),
    screen(
        &[Key::Char('s')],
        Action::Sort,
        "sort by risk, name, utilization, waiting, alerts",
        &[(Main, "sort")],
    ),
    screen(
        &[Key::Char('p')],
        Action::Pause,
        "pause the display (the feed keeps counting)",
        &[(Main, "pause"), (AlertsPanel, "pause")],
    ),
    screen(
        &[Key::Char('r')],
        Action::Reconnect,
        "reconnect now (restarts a stopped feed)",
        &[(Main, "reconnect")],
    ),
    screen(
        &[Key::Char('a')],
        Action::Alerts,
        "show or hide the alerts view, newest first",
        &[(Main, "alerts"), (AlertsPanel, "alerts")],
    ),
    screen(
        &[Key::Char('x')],
        Action::Acknowledge,
        "acknowledge the alert at the top of the alerts list",
        &[(AlertsPanel, "ack"), (AlertsView, "ack")],
    ),
    screen(
        &[Key::Char('z')],
        Action::Snooze,
        "snooze the alert at the top of the alerts list for 15 min",
        &[(AlertsPanel, "snooze"), (AlertsView, "snooze")],
    ),
    screen(
        &[Key::Char('?')],
        Action::Help,
        "show or hide the key help",
        &[
            (Main, "help"),
            (AlertsPanel, "help"),
            (Zoom, "help"),
            (AlertsView, "help"),
            (HelpPlace, "close"),
        ],
    ),
    screen(
        &[Key::Esc],
        Action::Back,
        "close the open view, prompt or filter (never quits)",
        &[(Zoom, "back"), (AlertsView, "back"), (Notes, "close")],
    ),
    screen(
        &[Key::Char('q'), Key::Ctrl('c')],
        Action::Quit,
        "quit",
        &[
            (Main, "quit"),
            (AlertsPanel, "quit"),
            (Zoom, "quit"),
            (AlertsView, "quit"),
            (HelpPlace, "quit"),
            (Notes, "quit"),
        ],
    ),
    prompt(
        &[Key::Text],
        Action::Type(' '),
        "type the filter text (matches anywhere in the name, any case)",
        &[],
    ),
    prompt(
        &[Key::Backspace],
        Action::Erase,
        "delete the last character",
        &[],
    ),
    prompt(&[Key::Ctrl('u')], Action::EraseAll, "clear the text", &[]),
    prompt(
        &[Key::Enter],
        Action::Keep,
        "keep the filter and close the prompt",
        &[(FilterPlace, "keep")],
    ),
    prompt(
        &[Key::Esc],
        Action::Cancel,
        "clear the filter and close the prompt",
        &[(FilterPlace, "clear")],
    ),
    prompt(
        &[Key::Up],
        Action::Up,
        "move the selection up while typing",
        &[(FilterPlace, "move")],
    ),
    prompt(
        &[Key::Down],
        Action::Down,
        "move the selection down while typing",
        &[],
    ),
    prompt(&[Key::Ctrl('c')], Action::Quit, "quit", &[]),
];

impl Key {
    /// The digit or character the key carries, when it matches `ev`.
    fn matches(self, ev: &KeyEvent) -> Option<Carried> {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let alt = ev.modifiers.contains(KeyModifiers::ALT);
        let hit = match (self, ev.code) {
            (Key::Ctrl(c), KeyCode::Char(e)) => ctrl && e.eq_ignore_ascii_case(&c),
            (Key::Digit, KeyCode::Char(e @ '1'..='9')) if !ctrl => {
                return Some(Carried::Digit(e as u8 - b'0'));
            }
            (Key::Text, KeyCode::Char(e)) if !ctrl && !alt => return Some(Carried::Char(e)),
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
            (Key::Backspace, KeyCode::Backspace) => true,
            _ => false,
        };
        hit.then_some(Carried::Nothing)
    }

    /// How the key is written on screen.
    pub fn label(self, ascii: bool) -> String {
        let s = match self {
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
        s.to_string()
    }
}

/// What a matched key brings to its action.
enum Carried {
    Nothing,
    Digit(u8),
    Char(char),
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
            k => k.label(ascii),
        }
    }
}

/// Maps a key press in `context` to its action through `KEYMAP`. Key
/// releases are ignored (some terminals report both press and release).
pub fn action_for(ev: &KeyEvent, context: Context) -> Option<Action> {
    if ev.kind == KeyEventKind::Release {
        return None;
    }
    for b in KEYMAP.iter().filter(|b| b.context == context) {
        for k in b.keys {
            if let Some(carried) = k.matches(ev) {
                return Some(match (b.action, carried) {
                    (Action::Jump(_), Carried::Digit(d)) => Action::Jump(d),
                    (Action::Type(_), Carried::Char(c)) => Action::Type(c),
                    (a, _) => a,
                });
            }
        }
    }
    None
}

/// The hint bar's items at `place`, in table order.
pub fn hints(place: Place) -> impl Iterator<Item = (&'static Binding, &'static str)> {
    KEYMAP.iter().filter_map(move |b| {
        b.hints
            .iter()
            .find(|(p, _)| *p == place)
            .map(|&(_, word)| (b, word))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn event_for(k: Key) -> KeyEvent {
        match k {
            Key::Char(c) => key(KeyCode::Char(c)),
            Key::Ctrl(c) => KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL),
            Key::Digit => key(KeyCode::Char('3')),
            Key::Text => key(KeyCode::Char('é')),
            Key::Up => key(KeyCode::Up),
            Key::Down => key(KeyCode::Down),
            Key::PageUp => key(KeyCode::PageUp),
            Key::PageDown => key(KeyCode::PageDown),
            Key::Home => key(KeyCode::Home),
            Key::End => key(KeyCode::End),
            Key::Tab => key(KeyCode::Tab),
            Key::Enter => key(KeyCode::Enter),
            Key::Esc => key(KeyCode::Esc),
            Key::Backspace => key(KeyCode::Backspace),
        }
    }

    #[test]
    fn every_action_in_the_table_is_reachable() {
        for b in KEYMAP {
            for k in b.keys {
                let want = match b.action {
                    Action::Jump(_) => Action::Jump(3),
                    Action::Type(_) => Action::Type('é'),
                    a => a,
                };
                assert_eq!(action_for(&event_for(*k), b.context), Some(want), "{k:?}");
            }
        }
    }

    #[test]
    fn ctrl_c_quits_and_plain_c_does_nothing() {
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(action_for(&ctrl_c, Context::Screen), Some(Action::Quit));
        assert_eq!(action_for(&ctrl_c, Context::Filter), Some(Action::Quit));
        assert_eq!(action_for(&key(KeyCode::Char('c')), Context::Screen), None);
        let ctrl_q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::CONTROL);
        assert_eq!(action_for(&ctrl_q, Context::Screen), None);
    }

    #[test]
    fn zero_is_not_a_jump() {
        assert_eq!(action_for(&key(KeyCode::Char('0')), Context::Screen), None);
    }

    #[test]
    fn labels_follow_the_ascii_switch() {
        assert_eq!(KEYMAP[0].keys_label(false), "↑ k");
        assert_eq!(KEYMAP[0].keys_label(true), "Up k");
        assert_eq!(KEYMAP[0].hint_label(true), "Up/Down");
    }

    #[test]
    fn every_place_offers_a_way_out() {
        for place in [
            Main,
            AlertsPanel,
            Zoom,
            AlertsView,
            HelpPlace,
            Notes,
            FilterPlace,
        ] {
            let words: Vec<&str> = hints(place).map(|(_, w)| w).collect();
            assert!(
                words
                    .iter()
                    .any(|w| ["quit", "back", "close", "clear"].contains(w)),
                "{place:?}: {words:?}"
            );
        }
    }
}
