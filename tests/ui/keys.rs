//! Keys as state transitions: no terminal, just `ViewState` and a model.

use crate::common::{Fixture, fixture, many};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use queuetop::ui::keys::{self, Action, KEYMAP, Mode};
use queuetop::ui::{Effect, Focus, Overlay, SortKey, ViewState};

fn press(v: &mut ViewState, f: &Fixture, code: KeyCode) -> Effect {
    v.handle_key(&KeyEvent::new(code, KeyModifiers::NONE), &f.state, f.now)
}

/// The name order these tests were written against (risk is the default).
fn by_name() -> ViewState {
    let mut v = ViewState::new();
    v.sort = SortKey::Name;
    v
}

fn selected_name(v: &ViewState, f: &Fixture) -> String {
    v.selected_queue(&f.state, f.now)
        .map(|q| q.name.clone())
        .unwrap_or_default()
}

#[test]
fn arrows_and_vi_keys_move_the_selection_within_bounds() {
    let f = fixture();
    let mut v = by_name();
    // Sorted by name: Billing, Sales DE, Support EN, Tech Support L2, VIP Callback.
    assert_eq!(selected_name(&v, &f), "Billing");
    assert_eq!(
        press(&mut v, &f, KeyCode::Up),
        Effect::None,
        "already at the top"
    );
    assert_eq!(press(&mut v, &f, KeyCode::Down), Effect::Redraw);
    press(&mut v, &f, KeyCode::Char('j'));
    assert_eq!(selected_name(&v, &f), "Support EN");
    press(&mut v, &f, KeyCode::Char('k'));
    assert_eq!(selected_name(&v, &f), "Sales DE");
    press(&mut v, &f, KeyCode::End);
    assert_eq!(selected_name(&v, &f), "VIP Callback");
    assert_eq!(
        press(&mut v, &f, KeyCode::Down),
        Effect::None,
        "already at the end"
    );
    press(&mut v, &f, KeyCode::Home);
    assert_eq!(selected_name(&v, &f), "Billing");
    press(&mut v, &f, KeyCode::Char('4'));
    assert_eq!(selected_name(&v, &f), "Tech Support L2");
    assert_eq!(
        press(&mut v, &f, KeyCode::Char('9')),
        Effect::None,
        "no 9th queue"
    );
    assert_eq!(selected_name(&v, &f), "Tech Support L2");
}

#[test]
fn page_keys_move_by_the_rows_that_fit() {
    let f = many(50);
    let mut v = by_name();
    v.page_rows = 10;
    press(&mut v, &f, KeyCode::PageDown);
    let rows = v.visible(&f.state, f.now);
    assert_eq!(v.selected_pos(&f.state, &rows), Some(10));
    press(&mut v, &f, KeyCode::PageDown);
    press(&mut v, &f, KeyCode::PageUp);
    assert_eq!(v.selected_pos(&f.state, &rows), Some(10));
    for _ in 0..10 {
        press(&mut v, &f, KeyCode::PageDown);
    }
    assert_eq!(v.selected_pos(&f.state, &rows), Some(49));
}

#[test]
fn selection_follows_the_queue_when_the_sort_changes() {
    let f = fixture();
    let mut v = by_name();
    press(&mut v, &f, KeyCode::Char('3'));
    assert_eq!(selected_name(&v, &f), "Support EN");
    press(&mut v, &f, KeyCode::Char('s'));
    assert_eq!(v.sort, SortKey::Utilization);
    assert_eq!(selected_name(&v, &f), "Support EN");
    let order: Vec<String> = v
        .visible(&f.state, f.now)
        .into_iter()
        .map(|i| f.state.queues()[i].name.clone())
        .collect();
    assert_eq!(order[0], "Billing", "95% first");
    press(&mut v, &f, KeyCode::Char('s'));
    assert_eq!(v.sort, SortKey::Waiting);
    press(&mut v, &f, KeyCode::Char('s'));
    assert_eq!(v.sort, SortKey::Alerts);
    let first = v.visible(&f.state, f.now)[0];
    assert_eq!(f.state.queues()[first].name, "Billing", "two alerts first");
    press(&mut v, &f, KeyCode::Char('s'));
    assert_eq!(v.sort, SortKey::Risk);
    assert_eq!(selected_name(&v, &f), "Support EN");
    press(&mut v, &f, KeyCode::Char('s'));
    assert_eq!(v.sort, SortKey::Name);
}

#[test]
fn the_risk_order_is_the_default_and_holds_still() {
    let mut f = fixture();
    let v = ViewState::new();
    assert_eq!(v.sort, SortKey::Risk);
    let names = |v: &ViewState, f: &Fixture, now| -> Vec<String> {
        v.visible(&f.state, now)
            .into_iter()
            .map(|i| f.state.queues()[i].name.clone())
            .collect()
    };
    let before = names(&v, &f, f.now);
    // Stale outranks warnings; then callers waiting × longest wait.
    assert_eq!(before[0], "VIP Callback", "{before:?}");
    assert_eq!(before[1], "Billing", "{before:?}");
    // A new caller piles up on the last queue: within the hold time the
    // rows stay where they are.
    let last = f
        .state
        .queues()
        .iter()
        .position(|q| q.name == before[before.len() - 1])
        .unwrap();
    for n in 0..40 {
        let id = format!("c-{n}");
        let row = queuetop::model::WaitingRow {
            conversation_id: id.clone(),
            media_type: queuetop::event::MediaType::Voice,
            wait_ms: 600_000,
            seen: f.now,
        };
        f.state.edit(|parts| {
            parts.queues[last].waiting.insert(id, row);
        });
    }
    let soon = f.now + std::time::Duration::from_secs(5);
    assert_eq!(names(&v, &f, soon), before, "moved within the hold time");
    let later = f.now + queuetop::ui::RISK_HOLD;
    let after = names(&v, &f, later);
    let at = |n: &[String], name: &str| n.iter().position(|x| x == name);
    assert!(
        at(&after, &before[before.len() - 1]) < at(&after, &before[before.len() - 2]),
        "not re-sorted after the hold: {after:?}"
    );
}

#[test]
fn an_order_sorted_before_the_first_figures_gives_way_to_them() {
    let mut f = fixture();
    let names = |v: &ViewState, f: &Fixture| -> Vec<String> {
        v.visible(&f.state, f.now)
            .into_iter()
            .map(|i| f.state.queues()[i].name.clone())
            .collect()
    };
    let figures: Vec<_> = f
        .state
        .queues()
        .iter()
        .map(|q| (q.summary.clone(), q.waiting.clone()))
        .collect();
    // The first frame, drawn before the snapshot: no queue has figures.
    f.state.edit(|parts| {
        for queue in &mut parts.queues {
            queue.summary = None;
            queue.waiting.clear();
        }
    });
    let v = ViewState::new();
    let blank = names(&v, &f);
    // The snapshot comes a moment later, well within the hold time.
    f.state.edit(|parts| {
        for (queue, (summary, waiting)) in parts.queues.iter_mut().zip(figures) {
            queue.summary = summary;
            queue.waiting = waiting;
        }
    });
    let fresh = names(&ViewState::new(), &f);
    assert_ne!(
        blank, fresh,
        "the fixture must sort differently with figures"
    );
    assert_eq!(
        names(&v, &f),
        fresh,
        "the names' order was held over the figures"
    );
}

#[test]
fn filter_prompt_types_keeps_and_clears() {
    let f = fixture();
    let mut v = by_name();
    press(&mut v, &f, KeyCode::Char('/'));
    assert!(v.filter_editing);
    for c in "SUPx".chars() {
        press(&mut v, &f, KeyCode::Char(c));
    }
    assert!(
        v.visible(&f.state, f.now).is_empty(),
        "nothing matches supx"
    );
    // 'q' typed into the prompt is text, not quit.
    press(&mut v, &f, KeyCode::Backspace);
    assert_eq!(v.filter, "SUP");
    assert_eq!(v.visible(&f.state, f.now).len(), 2, "case-insensitive");
    assert_eq!(press(&mut v, &f, KeyCode::Enter), Effect::Redraw);
    assert!(!v.filter_editing);
    assert_eq!(v.filter, "SUP", "Enter keeps the filter");
    press(&mut v, &f, KeyCode::Char('/'));
    assert_eq!(press(&mut v, &f, KeyCode::Char('q')), Effect::Redraw);
    assert_eq!(v.filter, "SUPq");
    press(&mut v, &f, KeyCode::Esc);
    assert!(!v.filter_editing);
    assert!(v.filter.is_empty(), "Esc clears");
    assert_eq!(v.visible(&f.state, f.now).len(), 5);
}

#[test]
fn esc_then_a_key_typed_fast_is_esc_then_the_key() {
    let f = fixture();
    let mut v = by_name();
    press(&mut v, &f, KeyCode::Char('/'));
    press(&mut v, &f, KeyCode::Char('S'));
    // The terminal sends ESC j close together: crossterm reads Alt+j.
    let alt = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT);
    assert_eq!(v.handle_key(&alt('j'), &f.state, f.now), Effect::Redraw);
    assert!(!v.filter_editing);
    assert!(v.filter.is_empty(), "the Esc cleared the filter");
    assert_eq!(selected_name(&v, &f), "Sales DE", "and j moved down");
    press(&mut v, &f, KeyCode::Char('/'));
    assert_eq!(v.handle_key(&alt('q'), &f.state, f.now), Effect::Quit);
}

#[test]
fn ctrl_c_quits_even_from_the_prompt() {
    let f = fixture();
    let mut v = by_name();
    press(&mut v, &f, KeyCode::Char('/'));
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(v.handle_key(&ctrl_c, &f.state, f.now), Effect::Quit);
}

#[test]
fn esc_closes_the_innermost_view_and_never_quits() {
    let f = fixture();
    let mut v = by_name();
    press(&mut v, &f, KeyCode::Char('/'));
    press(&mut v, &f, KeyCode::Char('b'));
    press(&mut v, &f, KeyCode::Enter);
    press(&mut v, &f, KeyCode::Enter); // zoom
    press(&mut v, &f, KeyCode::Char('?'));
    assert_eq!(v.overlay, Overlay::Help);
    assert_eq!(press(&mut v, &f, KeyCode::Esc), Effect::Redraw);
    assert_eq!(v.overlay, Overlay::None);
    assert!(v.zoomed);
    press(&mut v, &f, KeyCode::Esc);
    assert!(!v.zoomed);
    assert_eq!(v.filter, "b");
    press(&mut v, &f, KeyCode::Esc);
    assert!(v.filter.is_empty());
    // The main screen: Esc never quits, however often it is pressed.
    for _ in 0..3 {
        assert_eq!(press(&mut v, &f, KeyCode::Esc), Effect::None);
    }
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(v.handle_key(&ctrl_c, &f.state, f.now), Effect::Quit);
}

#[test]
fn q_quits_and_r_asks_for_a_reconnect() {
    let f = fixture();
    let mut v = by_name();
    assert_eq!(press(&mut v, &f, KeyCode::Char('r')), Effect::Reconnect);
    assert_eq!(press(&mut v, &f, KeyCode::Char('q')), Effect::Quit);
}

#[test]
fn help_and_alerts_toggle_and_replace_each_other() {
    let f = fixture();
    let mut v = by_name();
    press(&mut v, &f, KeyCode::Char('?'));
    assert_eq!(v.overlay, Overlay::Help);
    press(&mut v, &f, KeyCode::Char('?'));
    assert_eq!(v.overlay, Overlay::None);
    press(&mut v, &f, KeyCode::Char('a'));
    assert_eq!(v.overlay, Overlay::Alerts);
    press(&mut v, &f, KeyCode::Down);
    assert_eq!(v.alerts_scroll, 1, "arrows scroll the alerts view");
    press(&mut v, &f, KeyCode::Char('?'));
    assert_eq!(v.overlay, Overlay::Help);
}

#[test]
fn tab_cycles_focus_and_arrows_follow_it() {
    let f = fixture();
    let mut v = by_name();
    assert_eq!(v.focus, Focus::Queues);
    press(&mut v, &f, KeyCode::Tab);
    assert_eq!(v.focus, Focus::Detail);
    press(&mut v, &f, KeyCode::Down);
    assert_eq!(v.detail_scroll, 1);
    assert_eq!(selected_name(&v, &f), "Billing", "list did not move");
    for _ in 0..50 {
        press(&mut v, &f, KeyCode::Down);
    }
    assert_eq!(
        v.detail_scroll, 9,
        "Billing shows 10 agents: stops at the last"
    );
    assert_eq!(press(&mut v, &f, KeyCode::Down), Effect::None);
    assert_eq!(
        press(&mut v, &f, KeyCode::Up),
        Effect::Redraw,
        "scrolls back at once"
    );
    // Home and End scroll the focused panel, not the hidden selection.
    press(&mut v, &f, KeyCode::Home);
    assert_eq!(v.detail_scroll, 0);
    press(&mut v, &f, KeyCode::End);
    assert_eq!(v.detail_scroll, 9);
    assert_eq!(selected_name(&v, &f), "Billing", "list did not move");
    press(&mut v, &f, KeyCode::Tab);
    assert_eq!(v.focus, Focus::Alerts);
    press(&mut v, &f, KeyCode::Tab);
    assert_eq!(v.focus, Focus::Queues);
}

#[test]
fn pause_freezes_a_copy_and_the_live_state_moves_on() {
    let mut f = fixture();
    let mut v = by_name();
    press(&mut v, &f, KeyCode::Char('p'));
    f.state.edit(|parts| {
        parts.queues[0].name = "Renamed live".into();
    });
    f.state.edit(|parts| {
        parts.feed.events_processed += 100;
    });
    let shown = v.shown(&f.state);
    assert_eq!(shown.queues()[0].name, "Support EN");
    assert_eq!(shown.feed().events_processed, 12_345);
    press(&mut v, &f, KeyCode::Char('p'));
    assert_eq!(v.shown(&f.state).queues()[0].name, "Renamed live");
}

#[test]
fn key_releases_are_ignored() {
    let f = fixture();
    let mut v = by_name();
    let mut ev = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
    ev.kind = KeyEventKind::Release;
    assert_eq!(v.handle_key(&ev, &f.state, f.now), Effect::None);
}

#[test]
fn the_help_table_lists_every_binding_once() {
    let md = queuetop::ui::key_help::markdown_table();
    for b in KEYMAP {
        assert!(md.contains(b.help), "{}", b.help);
    }
    let rows = md.lines().filter(|l| l.starts_with("| `")).count();
    assert_eq!(rows, KEYMAP.len());
    let hinted: Vec<&str> = keys::hints(Mode::Main).map(|(_, h)| h).collect();
    assert!(hinted.contains(&"help") && hinted.contains(&"quit"));
    assert_eq!(
        keys::action_for(&KeyEvent::from(KeyCode::Char('?')), Mode::Main),
        Some(Action::Help)
    );
}

#[test]
fn the_keys_doc_is_the_keymap() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/KEYS.md");
    let table = queuetop::ui::key_help::markdown_table();
    // QUEUETOP_WRITE_DOCS=1 rewrites the generated part after a keymap change.
    if std::env::var_os("QUEUETOP_WRITE_DOCS").is_some() {
        let doc = std::fs::read_to_string(path).unwrap_or_default();
        let head = doc.split(KEYS_BEGIN).next().unwrap_or_default();
        let tail = doc.split(KEYS_END).nth(1).unwrap_or("\n");
        let text = format!("{head}{KEYS_BEGIN}\n\n{table}{KEYS_END}{tail}");
        std::fs::write(path, text).expect("write docs/KEYS.md");
    }
    let doc = std::fs::read_to_string(path).expect("docs/KEYS.md");
    assert!(
        doc.contains(&format!("{KEYS_BEGIN}\n\n{table}{KEYS_END}")),
        "docs/KEYS.md is out of date; run QUEUETOP_WRITE_DOCS=1 cargo test --test ui keys_doc"
    );
}

const KEYS_BEGIN: &str = "<!-- generated from src/ui/keys/map.rs: begin -->";
const KEYS_END: &str = "<!-- generated from src/ui/keys/map.rs: end -->";

#[test]
fn x_acknowledges_and_z_snoozes_the_alert_at_the_top_of_the_list() {
    let mut f = fixture();
    let mut v = by_name();
    let newest = f.state.alerts().list.len() - 1;
    assert_eq!(
        press(&mut v, &f, KeyCode::Char('x')),
        Effect::Acknowledge(newest)
    );
    assert!(f.state.alert_action(None, newest, true));
    assert!(f.state.alerts().list[newest].acknowledged);
    // The next one down, once the list is scrolled to it.
    v.alerts_scroll = 1;
    assert_eq!(
        press(&mut v, &f, KeyCode::Char('z')),
        Effect::Snooze(newest - 1)
    );
    assert!(f.state.alert_action(None, newest - 1, false));
    let wall = f.state.wall();
    assert!(f.state.alerts().list[newest - 1].is_snoozed(wall));
    assert!(!f.state.alerts().list[newest - 1].is_pressing(wall));
}

#[test]
fn keys_in_the_alerts_view_scroll_it_not_the_hidden_selection() {
    let f = fixture();
    let mut v = by_name();
    press(&mut v, &f, KeyCode::Char('3'));
    let before = selected_name(&v, &f);
    press(&mut v, &f, KeyCode::Char('a'));
    press(&mut v, &f, KeyCode::End);
    assert_eq!(v.alerts_scroll, f.state.alerts().list.len() - 1);
    press(&mut v, &f, KeyCode::Home);
    assert_eq!(v.alerts_scroll, 0);
    press(&mut v, &f, KeyCode::Char('2'));
    assert_eq!(v.alerts_scroll, 1, "2 is the second row of the view");
    press(&mut v, &f, KeyCode::Char('9'));
    assert_eq!(v.alerts_scroll, f.state.alerts().list.len() - 1, "clamped");
    assert_eq!(selected_name(&v, &f), before, "the list did not move");
}

#[test]
fn keys_in_the_zoom_scroll_it_and_leaving_resets_the_scroll() {
    let f = fixture();
    let mut v = by_name();
    press(&mut v, &f, KeyCode::Enter);
    press(&mut v, &f, KeyCode::End);
    assert_eq!(v.detail_scroll, 9, "Billing shows 10 agents");
    press(&mut v, &f, KeyCode::Char('4'));
    assert_eq!(v.detail_scroll, 3);
    press(&mut v, &f, KeyCode::Home);
    assert_eq!(v.detail_scroll, 0);
    press(&mut v, &f, KeyCode::Char('5'));
    assert_eq!(selected_name(&v, &f), "Billing", "the list did not move");
    // Leaving by Esc or by Enter: the main screen's detail starts at the top.
    assert_eq!(press(&mut v, &f, KeyCode::Esc), Effect::Redraw);
    assert!(!v.zoomed);
    assert_eq!(v.detail_scroll, 0);
    press(&mut v, &f, KeyCode::Enter);
    press(&mut v, &f, KeyCode::Down);
    press(&mut v, &f, KeyCode::Enter);
    assert_eq!(v.detail_scroll, 0);
}

#[test]
fn r_marks_the_screen_reconnecting_at_once() {
    let f = fixture();
    let mut v = by_name();
    assert!(v.reconnect_asked.is_none());
    assert_eq!(press(&mut v, &f, KeyCode::Char('r')), Effect::Reconnect);
    assert_eq!(v.reconnect_asked, Some(f.now));
}

#[test]
fn the_hint_bar_follows_focus_and_mode() {
    let f = fixture();
    let words =
        |v: &ViewState| -> Vec<&'static str> { keys::hints(v.mode()).map(|(_, w)| w).collect() };
    let mut v = by_name();
    assert!(words(&v).contains(&"zoom"));
    press(&mut v, &f, KeyCode::Tab);
    press(&mut v, &f, KeyCode::Tab);
    assert_eq!(v.mode(), Mode::AlertsPanel);
    let w = words(&v);
    assert!(
        !w.contains(&"zoom"),
        "no zoom with focus on the alerts: {w:?}"
    );
    assert!(w.contains(&"ack") && w.contains(&"snooze"), "{w:?}");
    press(&mut v, &f, KeyCode::Tab);
    press(&mut v, &f, KeyCode::Enter);
    assert_eq!(v.mode(), Mode::Zoom);
    assert!(words(&v).contains(&"back"));
    press(&mut v, &f, KeyCode::Char('a'));
    assert_eq!(v.mode(), Mode::AlertsView);
    assert!(words(&v).contains(&"ack"));
    press(&mut v, &f, KeyCode::Esc);
    press(&mut v, &f, KeyCode::Esc);
    press(&mut v, &f, KeyCode::Char('/'));
    assert_eq!(v.mode(), Mode::Filter);
    assert_eq!(words(&v), ["keep", "clear", "move"]);
}

#[test]
fn the_help_scrolls_when_it_does_not_fit() {
    let f = fixture();
    let mut v = by_name();
    press(&mut v, &f, KeyCode::Char('?'));
    press(&mut v, &f, KeyCode::End);
    assert_eq!(v.help_scroll, queuetop::ui::key_help::LINES - 1);
    let before = selected_name(&v, &f);
    press(&mut v, &f, KeyCode::Home);
    assert_eq!(v.help_scroll, 0);
    assert_eq!(selected_name(&v, &f), before);
}

#[test]
fn the_alerts_view_keeps_its_place_as_alerts_arrive() {
    let mut f = fixture();
    let mut v = by_name();
    press(&mut v, &f, KeyCode::Char('a'));
    // At the top the view follows the newest: nothing to keep.
    f.state.edit(|parts| {
        let first = parts.alerts.list[0].clone();
        parts.alerts.list.push(first);
    });
    assert!(!v.follow_alerts(&f.state));
    assert_eq!(v.alerts_scroll, 0);
    f.state.edit(|parts| {
        parts.alerts.list.pop();
    });
    press(&mut v, &f, KeyCode::Down);
    press(&mut v, &f, KeyCode::Down);
    let top = |v: &ViewState, f: &Fixture| {
        let list = &f.state.alerts().list;
        list[list.len() - 1 - v.alerts_scroll].message.clone()
    };
    let before = top(&v, &f);
    for k in 0..2 {
        let mut newer = f.state.alerts().list[0].clone();
        newer.message = format!("newer {k}");
        newer.first_raised += time::Duration::seconds(1000 + k);
        f.state.edit(|parts| parts.alerts.list.push(newer));
    }
    assert!(v.follow_alerts(&f.state), "the offset moved with the list");
    assert_eq!(v.alerts_scroll, 4);
    assert_eq!(top(&v, &f), before, "the same alert stays at the top");
    // The oldest drops off the bounded history: still the same alert.
    f.state.edit(|parts| {
        parts.alerts.list.remove(0);
    });
    assert!(!v.follow_alerts(&f.state));
    assert_eq!(top(&v, &f), before);
}
