use super::*;

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

/// A press of `key` (a digit, a character for the multi-key rows).
fn event_for(key_in_table: Key) -> KeyEvent {
    match key_in_table {
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

fn expected(does: Does) -> Action {
    match does {
        Does::Act(action) => action,
        Does::JumpToDigit => Action::Jump(3),
        Does::TypeChar => Action::Type('é'),
    }
}

#[test]
fn every_key_of_every_mode_dispatches_to_its_action() {
    for mode in Mode::ALL {
        for binding in KEYMAP.iter().filter(|b| b.acts_in(mode)) {
            for k in binding.keys {
                assert_eq!(
                    action_for(&event_for(*k), mode),
                    Some(expected(binding.does)),
                    "{k:?} in {mode:?}"
                );
            }
        }
    }
}

#[test]
fn a_key_acts_only_in_its_modes() {
    // Tab moves the focus on the main screen; in the zoom the focus is
    // hidden, so it does nothing there.
    assert_eq!(
        action_for(&key(KeyCode::Tab), Mode::Main),
        Some(Action::FocusNext)
    );
    assert_eq!(action_for(&key(KeyCode::Tab), Mode::Zoom), None);
    // Over the config warnings only leaving, help and quitting act.
    assert_eq!(action_for(&key(KeyCode::Char('s')), Mode::Notes), None);
    assert_eq!(action_for(&key(KeyCode::Down), Mode::Notes), None);
    // The prompt's Enter keeps the filter; the screens' Enter zooms.
    assert_eq!(
        action_for(&key(KeyCode::Enter), Mode::Filter),
        Some(Action::Keep)
    );
    assert_eq!(
        action_for(&key(KeyCode::Enter), Mode::Main),
        Some(Action::Zoom)
    );
}

#[test]
fn every_hinted_mode_is_one_the_key_acts_in() {
    for binding in KEYMAP {
        for (mode, word) in binding.hints {
            assert!(binding.acts_in(*mode), "{word} in {mode:?}");
        }
    }
}

#[test]
fn rows_that_take_from_the_key_have_keys_that_give_it() {
    for binding in KEYMAP {
        let fits = |k: &Key| match binding.does {
            Does::JumpToDigit => *k == Key::Digit,
            Does::TypeChar => *k == Key::Text,
            Does::Act(_) => !matches!(k, Key::Digit | Key::Text),
        };
        assert!(binding.keys.iter().all(fits), "{}", binding.help);
    }
}

#[test]
fn ctrl_c_quits_and_plain_c_does_nothing() {
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    for mode in Mode::ALL {
        assert_eq!(action_for(&ctrl_c, mode), Some(Action::Quit), "{mode:?}");
    }
    assert_eq!(action_for(&key(KeyCode::Char('c')), Mode::Main), None);
    let ctrl_q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::CONTROL);
    assert_eq!(action_for(&ctrl_q, Mode::Main), None);
}

#[test]
fn zero_is_not_a_jump() {
    assert_eq!(action_for(&key(KeyCode::Char('0')), Mode::Main), None);
}

#[test]
fn releases_are_ignored_and_repeats_act() {
    let mut held = key(KeyCode::Down);
    held.kind = KeyEventKind::Repeat;
    assert_eq!(action_for(&held, Mode::Main), Some(Action::Down));
    held.kind = KeyEventKind::Release;
    assert_eq!(action_for(&held, Mode::Main), None);
}

#[test]
fn labels_follow_the_ascii_switch() {
    assert_eq!(KEYMAP[0].keys_label(false), "↑ k");
    assert_eq!(KEYMAP[0].keys_label(true), "Up k");
    assert_eq!(KEYMAP[0].hint_label(true), "Up/Down");
}

#[test]
fn every_mode_offers_a_way_out() {
    for mode in Mode::ALL {
        let words: Vec<&str> = hints(mode).map(|(_, w)| w).collect();
        assert!(
            words
                .iter()
                .any(|w| ["quit", "back", "close", "clear"].contains(w)),
            "{mode:?}: {words:?}"
        );
    }
}

#[test]
fn titles_and_hints_name_the_keys_that_leave() {
    assert_eq!(leave_title(Mode::AlertsView), "(a or Esc: back) ");
    assert_eq!(leave_title(Mode::Zoom), "(Enter or Esc: back) ");
    assert_eq!(leave_title(Mode::Help), "(? or Esc: close) ");
    assert_eq!(leave_title(Mode::Notes), "(Esc: close) ");
    assert_eq!(leave_title(Mode::Main), "");
    let items = hint_items(Mode::AlertsView, false);
    assert!(items.contains(&("a/Esc".to_string(), "back")), "{items:?}");
}

/// A keymap where `b`, not Esc, leaves the alerts view.
static OTHER_MAP: &[Binding] = &[
    Binding {
        keys: &[Key::Char('b')],
        does: Does::Act(Action::Back),
        modes: &[Mode::AlertsView],
        help: "back",
        hints: &[(Mode::AlertsView, "back")],
    },
    Binding {
        keys: &[Key::Char('q')],
        does: Does::Act(Action::Quit),
        modes: &[Mode::AlertsView],
        help: "quit",
        hints: &[(Mode::AlertsView, "quit")],
    },
];

#[test]
fn another_table_gives_other_hints_titles_and_dispatch() {
    assert_eq!(leave_title_in(OTHER_MAP, Mode::AlertsView), "(b: back) ");
    assert_eq!(
        hint_items_in(OTHER_MAP, Mode::AlertsView, false),
        [("b".to_string(), "back"), ("q".to_string(), "quit")]
    );
    let b = key(KeyCode::Char('b'));
    assert_eq!(
        action_in(OTHER_MAP, &b, Mode::AlertsView),
        Some(Action::Back)
    );
    assert_eq!(
        action_in(OTHER_MAP, &key(KeyCode::Esc), Mode::AlertsView),
        None
    );
    assert_eq!(action_in(OTHER_MAP, &b, Mode::Main), None);
}

#[test]
fn on_the_welcome_only_its_three_keys_act_and_each_quits() {
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    for event in [key(KeyCode::Char('q')), key(KeyCode::Esc), ctrl_c] {
        assert_eq!(
            action_for(&event, Mode::Welcome),
            Some(Action::Quit),
            "{event:?}"
        );
    }
    // The monitor's keys mean nothing without a monitor.
    for code in [
        KeyCode::Char('?'),
        KeyCode::Char('r'),
        KeyCode::Enter,
        KeyCode::Down,
    ] {
        assert_eq!(action_for(&key(code), Mode::Welcome), None, "{code:?}");
    }
    // And the welcome's Esc does not quit the monitor.
    assert_eq!(
        action_for(&key(KeyCode::Esc), Mode::Main),
        Some(Action::Back)
    );
    let words: Vec<(String, &str)> = hint_items(Mode::Welcome, false);
    assert_eq!(words, [("q".to_string(), "quit")]);
}
