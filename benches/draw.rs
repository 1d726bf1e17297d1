//! Draw time of a 100- and a 1000-queue screen at 200x50 into `TestBackend`
//! (the main screen, the wallboard, the zoomed detail): the cost of one
//! frame, which the loop pays at most `ui.fps` times a second.

// A benchmark's setup may unwrap: a failure there stops the run, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

// The UI tests' sample states; the bench draws a part of them.
#[allow(dead_code)]
#[path = "../tests/ui/common/mod.rs"]
mod ui_common;

use criterion::{Criterion, criterion_group, criterion_main};
use queuetop::ui::keys::Action;
use queuetop::ui::{self, Ui, ViewState};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::hint::black_box;
use ui_common::Fixture;

fn draw(c: &mut Criterion) {
    let f = ui_common::many(100);
    let ui_cfg = ui_common::ui();
    let mut term = ui_common::terminal(200, 50);
    let mut main_view = ViewState::new();
    main_view.apply(Action::End, &f.state, f.now);
    let mut measure = |name: &str, fixture: &Fixture, view: &ViewState| {
        bench_frame(c, name, &mut term, &ui_cfg, fixture, view);
    };
    measure("draw 100 queues 200x50", &f, &main_view);

    let f1000 = ui_common::many(1000);
    let mut deep = ViewState::new();
    for _ in 0..25 {
        deep.apply(Action::PageDown, &f1000.state, f1000.now);
    }
    measure("draw 1000 queues 200x50", &f1000, &deep);

    let mut board = ViewState::new();
    board.apply(Action::Wallboard, &f1000.state, f1000.now);
    measure("draw wallboard 1000 queues 200x50", &f1000, &board);

    let mut zoomed = ViewState::new();
    zoomed.apply(Action::Zoom, &f.state, f.now);
    measure("draw zoomed detail 200x50", &f, &zoomed);
}

/// The time to draw one frame of `fixture` as `view` shows it.
fn bench_frame(
    c: &mut Criterion,
    name: &str,
    term: &mut Terminal<TestBackend>,
    ui_cfg: &Ui,
    fixture: &Fixture,
    view: &ViewState,
) {
    c.bench_function(name, |b| {
        b.iter(|| {
            term.draw(|frame| {
                black_box(ui::draw(
                    frame,
                    &fixture.state,
                    view,
                    ui_cfg,
                    fixture.now,
                    fixture.wall,
                ));
            })
            .expect("draw");
        })
    });
}

criterion_group!(benches, draw);
criterion_main!(benches);
