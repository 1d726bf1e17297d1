//! The wallboard: every queue as a tile, sized to the terminal, the
//! totals large; `w` opens and closes it, Esc closes it.

use crate::common::drawing::screen;
use crate::common::{Fixture, ascii_ui, fixture, many, ui};
use queuetop::ui::keys::Action;
use queuetop::ui::{self, Effect, ViewState};

fn wallboard(f: &Fixture) -> ViewState {
    let mut v = ViewState::new();
    assert_eq!(v.apply(Action::Wallboard, &f.state, f.now), Effect::Redraw);
    v
}

#[test]
fn wallboard_80x20() {
    let f = fixture();
    insta::assert_snapshot!(screen(&f, &wallboard(&f), &ui(), 80, 20));
}

#[test]
fn wallboard_80x24() {
    let f = fixture();
    insta::assert_snapshot!(screen(&f, &wallboard(&f), &ui(), 80, 24));
}

#[test]
fn wallboard_120x40() {
    let f = many(24);
    insta::assert_snapshot!(screen(&f, &wallboard(&f), &ui(), 120, 40));
}

#[test]
fn wallboard_200x50_a_hundred_queues_on_one_screen() {
    let f = many(100);
    let backend = screen(&f, &wallboard(&f), &ui(), 200, 50);
    let text = backend.to_string();
    // Names may be cut, but never the number that tells them apart.
    for q in f.state.queues() {
        let number = q.name.rsplit(' ').next().unwrap_or_default();
        assert!(text.contains(number), "{} not on the wallboard", q.name);
    }
    assert!(!text.contains("more"), "{text}");
    insta::assert_snapshot!(backend);
}

#[test]
fn what_does_not_fit_is_counted() {
    let f = many(1000);
    let text = screen(&f, &wallboard(&f), &ui(), 200, 50).to_string();
    assert!(text.contains("+891 more"), "{text}");
}

#[test]
fn severity_is_shown_by_symbol_not_only_colour() {
    let f = fixture();
    let text = screen(&f, &wallboard(&f), &ascii_ui(), 80, 24).to_string();
    assert!(text.is_ascii(), "{text}");
    // Billing and Support EN have warnings; Sales DE none.
    assert!(text.contains("! Billing"), "{text}");
    assert!(text.contains("! Support EN"), "{text}");
    assert!(text.contains("o Sales DE"), "{text}");
}

#[test]
fn the_wallboard_flag_starts_the_app_on_it() {
    use queuetop::app::event_loop::AppLoop;
    let f = fixture();
    let on = ui::Ui {
        wallboard: true,
        ..ui()
    };
    assert!(AppLoop::new(f.state.clone(), on, 20).view.wallboard);
    assert!(!AppLoop::new(f.state, ui(), 20).view.wallboard);
}

#[test]
fn w_toggles_and_esc_closes_the_wallboard_without_quitting() {
    let f = fixture();
    let mut v = wallboard(&f);
    assert!(v.wallboard);
    assert_eq!(v.apply(Action::Zoom, &f.state, f.now), Effect::None);
    assert_eq!(v.apply(Action::Back, &f.state, f.now), Effect::Redraw);
    assert!(!v.wallboard);
    v.apply(Action::Wallboard, &f.state, f.now);
    v.apply(Action::Wallboard, &f.state, f.now);
    assert!(!v.wallboard);
    let main = screen(&f, &v, &ui(), 80, 24).to_string();
    assert!(main.contains("Queues (5)"), "{main}");
}
