//! The table itself: every key of every mode, what it does, where it
//! acts, what help says and what the hint bar shows.

use super::Mode::{AlertsPanel, AlertsView, Filter, Help, Main, Notes, Wallboard, Welcome, Zoom};
use super::{Action, Binding, Does, Key, Mode};

/// Every mode of the monitor but the filter prompt.
const SCREENS: &[Mode] = &[Main, AlertsPanel, Zoom, AlertsView, Help, Notes, Wallboard];
/// Where something scrolls or a selection moves (the wallboard has no
/// selection to show, the warnings nothing to scroll).
const MOVING: &[Mode] = &[Main, AlertsPanel, Zoom, AlertsView, Help];
/// The main screen, whatever has the focus.
const MAIN: &[Mode] = &[Main, AlertsPanel];
/// Where the queue list is what the keys sort or filter.
const LISTS: &[Mode] = &[Main, AlertsPanel, Wallboard];
/// Where alerts are on screen to act on.
const ALERTS: &[Mode] = &[Main, AlertsPanel, AlertsView];
const PROMPT: &[Mode] = &[Filter];

/// The hint of the Up row (it stands for both arrows) where it scrolls.
const SCROLLING: &[(Mode, &str)] = &[
    (Zoom, "scroll"),
    (AlertsView, "scroll"),
    (AlertsPanel, "scroll"),
    (Help, "scroll"),
];

const fn row(
    keys: &'static [Key],
    action: Action,
    modes: &'static [Mode],
    help: &'static str,
    hints: &'static [(Mode, &'static str)],
) -> Binding {
    Binding {
        keys,
        does: Does::Act(action),
        modes,
        help,
        hints,
    }
}

pub const KEYMAP: &[Binding] = &[
    row(
        &[Key::Up, Key::Char('k')],
        Action::Up,
        MOVING,
        "move up (scrolls the focused panel or the open view)",
        SCROLLING,
    ),
    row(
        &[Key::Down, Key::Char('j')],
        Action::Down,
        MOVING,
        "move down (scrolls the focused panel or the open view)",
        &[],
    ),
    row(&[Key::PageUp], Action::PageUp, MOVING, "one page up", &[]),
    row(
        &[Key::PageDown],
        Action::PageDown,
        MOVING,
        "one page down",
        &[],
    ),
    row(
        &[Key::Home],
        Action::Home,
        MOVING,
        "first queue (top of the focused panel or the open view)",
        &[],
    ),
    row(
        &[Key::End],
        Action::End,
        MOVING,
        "last queue (bottom of the focused panel or the open view)",
        &[],
    ),
    Binding {
        keys: &[Key::Digit],
        does: Does::JumpToDigit,
        modes: MOVING,
        help: "jump to queue 1-9 of the list (row 1-9 of the open view)",
        hints: &[],
    },
    row(
        &[Key::Tab],
        Action::FocusNext,
        MAIN,
        "move focus: queues, detail, alerts",
        &[(Main, "focus"), (AlertsPanel, "focus")],
    ),
    row(
        &[Key::Enter],
        Action::Zoom,
        &[Main, AlertsPanel, Zoom],
        "zoom the queue detail and its trends to full screen and back",
        &[(Main, "zoom"), (Zoom, "back")],
    ),
    row(
        &[Key::Char('w')],
        Action::Wallboard,
        &[Main, AlertsPanel, Zoom, Wallboard],
        "wallboard: every queue as a tile, for a wall screen, and back",
        &[(Wallboard, "queues")],
    ),
    row(
        &[Key::Char('/')],
        Action::Filter,
        LISTS,
        "filter queues by name (the prompt's keys are below)",
        &[(Main, "filter")],
    ),
    row(
        &[Key::Char('s')],
        Action::Sort,
        LISTS,
        "sort by risk, name, utilization, waiting, alerts",
        &[(Main, "sort")],
    ),
    row(
        &[Key::Char('p')],
        Action::Pause,
        SCREENS,
        "pause the display (the feed keeps counting)",
        &[(Main, "pause"), (AlertsPanel, "pause")],
    ),
    row(
        &[Key::Char('r')],
        Action::Reconnect,
        SCREENS,
        "reconnect now (restarts a stopped feed)",
        &[(Main, "reconnect")],
    ),
    row(
        &[Key::Char('a')],
        Action::Alerts,
        &[Main, AlertsPanel, Zoom, AlertsView, Help, Wallboard],
        "show or hide the alerts view, newest first",
        &[
            (Main, "alerts"),
            (AlertsPanel, "alerts"),
            (AlertsView, "back"),
        ],
    ),
    row(
        &[Key::Char('x')],
        Action::Acknowledge,
        ALERTS,
        "acknowledge the alert at the top of the alerts list",
        &[(AlertsPanel, "ack"), (AlertsView, "ack")],
    ),
    row(
        &[Key::Char('z')],
        Action::Snooze,
        ALERTS,
        "snooze the alert at the top of the alerts list for 15 min",
        &[(AlertsPanel, "snooze"), (AlertsView, "snooze")],
    ),
    row(
        &[Key::Char('?')],
        Action::Help,
        SCREENS,
        "show or hide the key help",
        &[
            (Main, "help"),
            (AlertsPanel, "help"),
            (Zoom, "help"),
            (AlertsView, "help"),
            (Wallboard, "help"),
            (Help, "close"),
        ],
    ),
    row(
        &[Key::Esc],
        Action::Back,
        SCREENS,
        "close the open view, prompt or filter (never quits)",
        &[
            (Zoom, "back"),
            (AlertsView, "back"),
            (Help, "close"),
            (Notes, "close"),
        ],
    ),
    row(
        &[Key::Char('q'), Key::Ctrl('c')],
        Action::Quit,
        SCREENS,
        "quit",
        &[
            (Main, "quit"),
            (AlertsPanel, "quit"),
            (Zoom, "quit"),
            (AlertsView, "quit"),
            (Help, "quit"),
            (Notes, "quit"),
            (Wallboard, "quit"),
        ],
    ),
    Binding {
        keys: &[Key::Text],
        does: Does::TypeChar,
        modes: PROMPT,
        help: "type the filter text (matches anywhere in the name, any case)",
        hints: &[],
    },
    row(
        &[Key::Backspace],
        Action::Erase,
        PROMPT,
        "delete the last character",
        &[],
    ),
    row(
        &[Key::Ctrl('u')],
        Action::EraseAll,
        PROMPT,
        "clear the text",
        &[],
    ),
    row(
        &[Key::Enter],
        Action::Keep,
        PROMPT,
        "keep the filter and close the prompt",
        &[(Filter, "keep")],
    ),
    row(
        &[Key::Esc],
        Action::Cancel,
        PROMPT,
        "clear the filter and close the prompt",
        &[(Filter, "clear")],
    ),
    row(
        &[Key::Up],
        Action::Up,
        PROMPT,
        "move the selection up while typing",
        &[(Filter, "move")],
    ),
    row(
        &[Key::Down],
        Action::Down,
        PROMPT,
        "move the selection down while typing",
        &[],
    ),
    row(&[Key::Ctrl('c')], Action::Quit, PROMPT, "quit", &[]),
    // Nothing to go back to: every way out of the welcome quits.
    row(
        &[Key::Char('q'), Key::Esc, Key::Ctrl('c')],
        Action::Quit,
        &[Welcome],
        "quit (with no config there is nothing to monitor yet)",
        &[(Welcome, "quit")],
    ),
];
