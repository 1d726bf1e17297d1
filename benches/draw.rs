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
use queuetop::ui::{self, ViewState};
use std::hint::black_box;

fn draw(c: &mut Criterion) {
    let f = ui_common::many(100);
    let ui_cfg = ui_common::ui();
    let mut term = ui_common::terminal(200, 50);
    let mut main_view = ViewState::new();
    main_view.apply(Action::End, &f.state, f.now);
    c.bench_function("draw 100 queues 200x50", |b| {
        b.iter(|| {
            term.draw(|frame| {
                black_box(ui::draw(
                    frame, &f.state, &main_view, &ui_cfg, f.now, f.wall,
                ));
            })
            .expect("draw");
        })
    });

    let f1000 = ui_common::many(1000);
    let mut deep = ViewState::new();
    for _ in 0..25 {
        deep.apply(Action::PageDown, &f1000.state, f1000.now);
    }
    c.bench_function("draw 1000 queues 200x50", |b| {
        b.iter(|| {
            term.draw(|frame| {
                black_box(ui::draw(
                    frame,
                    &f1000.state,
                    &deep,
                    &ui_cfg,
                    f1000.now,
                    f1000.wall,
                ));
            })
            .expect("draw");
        })
    });

    let mut board = ViewState::new();
    board.apply(Action::Wallboard, &f1000.state, f1000.now);
    c.bench_function("draw wallboard 1000 queues 200x50", |b| {
        b.iter(|| {
            term.draw(|frame| {
                black_box(ui::draw(
                    frame,
                    &f1000.state,
                    &board,
                    &ui_cfg,
                    f1000.now,
                    f1000.wall,
                ));
            })
            .expect("draw");
        })
    });

    let mut zoomed = ViewState::new();
    zoomed.apply(Action::Zoom, &f.state, f.now);
    c.bench_function("draw zoomed detail 200x50", |b| {
        b.iter(|| {
            term.draw(|frame| {
                black_box(ui::draw(frame, &f.state, &zoomed, &ui_cfg, f.now, f.wall));
            })
            .expect("draw");
        })
    });
}

criterion_group!(benches, draw);
criterion_main!(benches);
