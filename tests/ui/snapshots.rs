//! Snapshots of whole screens drawn into `TestBackend`. Review changes with
//! `cargo insta review` (or compare the `.snap.new` files by hand).

use std::time::Duration;

use crate::common::drawing::{drawn, screen, view_with};
use crate::common::{self, ascii_ui, fixture, terminal};
use queuetop::event::ConnState;
use queuetop::ui::keys::Action;
use queuetop::ui::{self, Ui, ViewState};

#[test]
fn main_80x24() {
    insta::assert_snapshot!(drawn(&fixture(), &[], 80, 24));
}

#[test]
fn main_80x20() {
    insta::assert_snapshot!(drawn(&fixture(), &[], 80, 20));
}

#[test]
fn main_120x40() {
    insta::assert_snapshot!(drawn(&fixture(), &[Action::Down], 120, 40));
}

#[test]
fn main_200x50_forty_queues() {
    let f = common::many(40);
    let v = view_with(&f, &[Action::Down]);
    let backend = screen(&f, &v, &common::ui(), 200, 50);
    let text = backend.to_string();
    for q in f.state.queues() {
        assert!(text.contains(&q.name), "{} not on screen:\n{text}", q.name);
    }
    insta::assert_snapshot!(backend);
}

#[test]
fn main_160x48() {
    insta::assert_snapshot!(drawn(&fixture(), &[Action::Down], 160, 48));
}

#[test]
fn zoomed_detail() {
    insta::assert_snapshot!(drawn(
        &fixture(),
        &[Action::Down, Action::Down, Action::Zoom],
        80,
        24
    ));
}

#[test]
fn zoomed_detail_large() {
    insta::assert_snapshot!(drawn(&fixture(), &[Action::Down, Action::Zoom], 120, 40));
}

#[test]
fn help_overlay() {
    insta::assert_snapshot!(drawn(&fixture(), &[Action::Help], 80, 24));
}

#[test]
fn alerts_view() {
    insta::assert_snapshot!(drawn(&fixture(), &[Action::Alerts], 80, 24));
}

#[test]
fn reconnecting() {
    let mut f = fixture();
    f.state.edit(|parts| {
        parts.feed = common::feed_stats(ConnState::Reconnecting {
            attempt: 3,
            max_attempts: 10,
            next_try: f.now + Duration::from_millis(3_200),
        });
    });
    f.state.edit(|parts| {
        parts.feed.status.last_error = Some("connection refused by 127.0.0.1:443".into());
    });
    f.state.edit(|parts| {
        parts.feed.last_event = Some(f.now - Duration::from_secs(95));
    });
    insta::assert_snapshot!(drawn(&f, &[], 80, 24));
}

#[test]
fn stopped() {
    let mut f = fixture();
    f.state.edit(|parts| {
        parts.feed = common::feed_stats(ConnState::Stopped {
            reason: "gave up after 10 attempts".into(),
        });
    });
    insta::assert_snapshot!(drawn(&f, &[], 100, 24));
}

#[test]
fn filter_prompt() {
    let f = fixture();
    let mut v = view_with(&f, &[Action::Filter]);
    for c in "sup".chars() {
        let ev = crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char(c));
        v.handle_key(&ev, &f.state, f.now);
    }
    insta::assert_snapshot!(screen(&f, &v, &common::ui(), 80, 24));
}

#[test]
fn paused() {
    insta::assert_snapshot!(drawn(&fixture(), &[Action::Pause, Action::Sort], 80, 24));
}

#[test]
fn ascii_mode() {
    let f = fixture();
    let v = view_with(&f, &[]);
    let backend = screen(&f, &v, &ascii_ui(), 80, 24);
    let text = backend.to_string();
    assert!(text.is_ascii(), "non-ASCII cell in ASCII mode:\n{text}");
    insta::assert_snapshot!(backend);
}

#[test]
fn ascii_everywhere() {
    let mut f = fixture();
    f.state.edit(|parts| {
        parts.feed = common::feed_stats(queuetop::event::ConnState::Reconnecting {
            attempt: 2,
            max_attempts: 0,
            next_try: f.now + Duration::from_secs(3),
        });
    });
    let views: [&[Action]; 6] = [
        &[],
        &[Action::Help],
        &[Action::Alerts],
        &[Action::Zoom],
        &[Action::Pause, Action::Filter],
        &[Action::FocusNext, Action::FocusNext],
    ];
    for actions in views {
        let v = view_with(&f, actions);
        for (w, h) in [(80, 24), (160, 48), (40, 10)] {
            let text = screen(&f, &v, &ascii_ui(), w, h).to_string();
            assert!(text.is_ascii(), "{actions:?} at {w}x{h}:\n{text}");
        }
    }
}

#[test]
fn too_small() {
    insta::assert_snapshot!(drawn(&fixture(), &[], 60, 20));
}

#[test]
fn eighty_by_twenty_three_is_drawn_and_any_smaller_says_how_to_quit() {
    let f = fixture();
    let v = view_with(&f, &[]);
    let fits = screen(&f, &v, &common::ui(), 80, 23).to_string();
    assert!(fits.contains("Queues (5)"), "{fits}");
    assert!(!fits.contains("too small"), "{fits}");
    for (w, h) in [(79, 23), (80, 19), (30, 5), (12, 2), (7, 1)] {
        let text = screen(&f, &v, &common::ui(), w, h).to_string();
        assert!(text.contains('q'), "{w}x{h}:\n{text}");
        assert!(!text.contains("Queues"), "{w}x{h}:\n{text}");
    }
}

#[test]
fn tiny_sizes_do_not_panic() {
    let f = fixture();
    let v = view_with(&f, &[Action::Zoom]);
    for (w, h) in [
        (0, 0),
        (1, 1),
        (10, 3),
        (79, 24),
        (80, 23),
        (80, 24),
        (81, 25),
        (300, 100),
    ] {
        screen(&f, &v, &common::ui(), w, h);
    }
}

#[test]
fn mono_and_no_color_use_no_colour_at_all() {
    use ratatui::style::Color;
    let f = fixture();
    let v = view_with(&f, &[Action::Alerts]);
    let mono = Ui {
        theme: queuetop::ui::theme::select(queuetop::config::Theme::Dark, true),
        ..common::ui()
    };
    for view in [view_with(&f, &[]), v] {
        let backend = screen(&f, &view, &mono, 120, 40);
        for cell in backend.buffer().content() {
            assert_eq!(cell.fg, Color::Reset, "{cell:?}");
            assert_eq!(cell.bg, Color::Reset, "{cell:?}");
        }
    }
}

#[test]
fn every_theme_marks_the_selection_with_more_than_colour() {
    use ratatui::style::Modifier;
    let f = fixture();
    let v = view_with(&f, &[]);
    for theme in [
        &queuetop::ui::theme::DARK,
        &queuetop::ui::theme::LIGHT,
        &queuetop::ui::theme::MONO,
    ] {
        let ui = Ui {
            theme,
            ..common::ui()
        };
        let backend = screen(&f, &v, &ui, 80, 24);
        let buf = backend.buffer();
        // Row 3 is the first queue row: ">" and reversed.
        assert_eq!(buf[(1, 3)].symbol(), ">");
        assert!(
            buf[(5, 3)].modifier.contains(Modifier::REVERSED),
            "{}",
            theme.name
        );
    }
}

#[test]
fn alerts_focused_on_a_narrow_screen() {
    insta::assert_snapshot!(drawn(
        &fixture(),
        &[Action::FocusNext, Action::FocusNext],
        80,
        24
    ));
}

#[test]
fn connecting_with_a_queue_that_has_no_data_yet() {
    let mut f = fixture();
    f.state.edit(|parts| {
        parts.feed = common::feed_stats(ConnState::Connecting);
    });
    insta::assert_snapshot!(drawn(&f, &[Action::Jump(4)], 80, 24));
}

#[test]
fn the_list_window_stays_put_while_the_selection_moves_inside_it() {
    let f = common::many(30);
    let ui = common::ui();
    let mut v = ViewState::new();
    let mut term = terminal(80, 24);
    let mut draw = |v: &mut ViewState| {
        let mut info = ui::DrawInfo::default();
        term.draw(|frame| info = ui::draw(frame, &f.state, v, &ui, f.now, f.wall))
            .expect("draw");
        v.page_rows = info.list_rows;
        v.list_offset = info.list_offset;
        info
    };
    let first = draw(&mut v);
    assert_eq!(first.list_offset, 0);
    v.apply(Action::End, &f.state, f.now);
    let end = draw(&mut v);
    assert_eq!(
        end.list_offset,
        30 - end.list_rows,
        "scrolled to show the last"
    );
    for _ in 0..3 {
        v.apply(Action::Up, &f.state, f.now);
    }
    assert_eq!(
        draw(&mut v).list_offset,
        end.list_offset,
        "no jump moving up inside"
    );
    for _ in 0..end.list_rows {
        v.apply(Action::Up, &f.state, f.now);
    }
    assert!(
        draw(&mut v).list_offset < end.list_offset,
        "scrolls once it leaves"
    );
}
