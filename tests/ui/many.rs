//! The queue list at 1000 queues: moving, sorting and filtering
//! keep the selected queue on screen, marked.

use crate::common::*;
use queuetop::ui::ViewState;
use queuetop::ui::keys::Action;

/// The screen's rows as text.
fn rows(f: &Fixture, view: &ViewState, w: u16, h: u16) -> Vec<String> {
    drawing::rows_text(&drawing::screen(f, view, &ui(), w, h), 0..h)
        .split('\n')
        .map(str::to_string)
        .collect()
}

fn selected_name(f: &Fixture, view: &ViewState) -> String {
    let id = view.selected.clone().expect("a selection");
    f.state
        .queues()
        .iter()
        .find(|q| q.id == id)
        .map(|q| q.name.clone())
        .expect("selected queue exists")
}

fn assert_selected_on_screen(f: &Fixture, view: &ViewState, when: &str) {
    let name = selected_name(f, view);
    let screen = rows(f, view, 120, 40);
    // The list row, not the detail panel's title: the one with the marker.
    let marked = screen
        .iter()
        .any(|r| r.contains(&format!("{name} ")) && r.contains('>'));
    assert!(
        marked,
        "{when}: {name} not on screen with its > marker:\n{}",
        screen.join("\n")
    );
}

#[test]
fn a_deep_selection_stays_in_view_through_sort_and_filter() {
    let f = many(1000);
    let mut view = ViewState::new();
    for _ in 0..25 {
        view.apply(Action::PageDown, &f.state, f.now);
    }
    for _ in 0..3 {
        view.apply(Action::Down, &f.state, f.now);
    }
    let chosen = view.selected.clone();
    assert_selected_on_screen(&f, &view, "after paging down");

    for n in 1..=3 {
        view.apply(Action::Sort, &f.state, f.now);
        assert_eq!(view.selected, chosen, "sort {n} kept the selection");
        assert_selected_on_screen(&f, &view, &format!("after sort {n}"));
    }

    // A filter that still matches the selected queue (its number).
    let name = selected_name(&f, &view);
    let number = name.rsplit(' ').next().expect("numbered name").to_string();
    view.filter = number.clone();
    assert_eq!(view.selected, chosen);
    assert_selected_on_screen(&f, &view, &format!("filtered by {number}"));

    view.apply(Action::End, &f.state, f.now);
    view.apply(Action::Home, &f.state, f.now);
    assert_selected_on_screen(&f, &view, "after End and Home");
}

#[test]
fn long_names_sharing_a_prefix_stay_distinct_in_the_list() {
    let mut f = many(12);
    f.state.edit(|parts| {
        for (i, q) in parts.queues.iter_mut().enumerate() {
            q.name = format!("Customer Service Premium Spanish Callback {i:02}");
        }
    });
    let view = ViewState::new();
    let screen = rows(&f, &view, 80, 24);
    // The list rows: in the focused (heavy) border, with a utilization bar.
    let listed: Vec<&String> = screen
        .iter()
        .filter(|r| r.starts_with('┃') && r.contains('%'))
        .collect();
    assert!(listed.len() >= 5, "{}", screen.join("\n"));
    let mut numbers: Vec<&str> = listed
        .iter()
        .map(|r| {
            // Cut in the middle, so the ends that tell them apart stay.
            let cut = r.find('…').unwrap_or_else(|| panic!("not cut: {r}"));
            let at = r[cut..]
                .find("Callback ")
                .map(|at| cut + at)
                .unwrap_or_else(|| panic!("not cut in the middle: {r}"));
            &r[at + "Callback ".len()..][..2]
        })
        .collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), listed.len(), "{}", screen.join("\n"));
}
