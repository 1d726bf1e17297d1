//! Drawing a state into a `TestBackend` the size of a terminal, and
//! reading the result back as text.

use std::ops::Range;

use queuetop::model::AppState;
use queuetop::ui::keys::Action;
use queuetop::ui::{self, Ui, ViewState};
use ratatui::backend::TestBackend;
use time::OffsetDateTime;
use tokio::time::Instant;

use super::{Fixture, terminal};

/// One frame of `state` as `view` shows it, at `now` (and `wall`).
pub fn draw(
    state: &AppState,
    view: &ViewState,
    ui: &Ui,
    (now, wall): (Instant, OffsetDateTime),
    (width, height): (u16, u16),
) -> TestBackend {
    let mut term = terminal(width, height);
    term.draw(|frame| {
        ui::draw(frame, state, view, ui, now, wall);
    })
    .expect("draw");
    term.backend().clone()
}

/// One frame of the fixture at its own time.
pub fn screen(f: &Fixture, view: &ViewState, ui: &Ui, width: u16, height: u16) -> TestBackend {
    draw(&f.state, view, ui, (f.now, f.wall), (width, height))
}

/// A fresh view after `actions`, in order.
pub fn view_with(f: &Fixture, actions: &[Action]) -> ViewState {
    let mut view = ViewState::new();
    for action in actions {
        view.apply(*action, &f.state, f.now);
    }
    view
}

/// The fixture after `actions`, in the default look.
pub fn drawn(f: &Fixture, actions: &[Action], width: u16, height: u16) -> TestBackend {
    screen(f, &view_with(f, actions), &super::ui(), width, height)
}

/// The symbols of `rows`, one line a row, without the `Debug` quoting.
pub fn rows_text(backend: &TestBackend, rows: Range<u16>) -> String {
    let buffer = backend.buffer();
    let width = buffer.area.width;
    rows.map(|y| {
        (0..width)
            .map(|x| buffer[(x, y)].symbol())
            .collect::<String>()
    })
    .collect::<Vec<_>>()
    .join("\n")
}
