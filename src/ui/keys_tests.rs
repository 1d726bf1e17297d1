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
        WallboardPlace,
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
