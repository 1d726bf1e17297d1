//! Snapshots of the zoom with its trends, the alerts view and the
//! first-run screen, at 80×24 and 120×40.

use crate::common::drawing::{drawn, screen, view_with};
use crate::common::{self, Fixture, fixture, terminal};
use queuetop::model::{Combine, History};
use queuetop::ui::keys::Action;
use queuetop::ui::{self, ViewState};

/// An hour of Billing: a morning wave, a ten-minute outage (gaps), then
/// a rising queue; utilization and SL moving against it.
fn with_trends() -> Fixture {
    let mut f = fixture();
    let series = |combine, value: &dyn Fn(u64) -> u64| {
        let values: Vec<Option<u64>> = (0..120u64)
            .map(|b| (!(70..90).contains(&b)).then(|| value(b)))
            .collect();
        History::from_values(combine, &values)
    };
    // The queue the zoom shows: the first in the risk order.
    let id = ViewState::new()
        .selected_queue(&f.state, f.now)
        .map(|q| q.id.clone())
        .expect("a queue");
    f.state.edit(|parts| {
        let q = parts
            .queues
            .iter_mut()
            .find(|q| q.id == id)
            .expect("selected");
        q.waiting_history = series(Combine::Max, &|b| (b * 7 % 13 + b / 10) % 15);
        q.longest_history = series(Combine::Max, &|b| if b < 40 { 0 } else { b * 3 % 200 });
        q.utilization_history = series(Combine::Last, &|b| 60 + b * 5 % 39);
        q.service_level_history = series(Combine::Last, &|b| 100 - b / 4);
    });
    f
}

#[test]
fn zoom_with_trends_80x24() {
    let f = with_trends();
    insta::assert_snapshot!(drawn(&f, &[Action::Zoom], 80, 24));
}

#[test]
fn zoom_with_trends_120x40() {
    let f = with_trends();
    insta::assert_snapshot!(drawn(&f, &[Action::Zoom], 120, 40));
}

#[test]
fn zoom_with_trends_ascii() {
    let f = with_trends();
    let v = view_with(&f, &[Action::Zoom]);
    let text = format!("{:?}", screen(&f, &v, &common::ascii_ui(), 120, 40));
    assert!(text.is_ascii(), "--ascii draws only ASCII:\n{text}");
    assert!(text.contains("-60m") && text.contains("now"), "{text}");
    insta::assert_snapshot!(text);
}

/// A trend's "now" is the figure the list shows, not its bucket's most:
/// the last bucket holds a longest wait of 2m37s (a caller answered a
/// moment ago) while the callers waiting now have waited less.
#[test]
fn a_trend_says_now_what_the_list_says() {
    let f = with_trends();
    let v = view_with(&f, &[Action::Zoom]);
    let queue = v.selected_queue(&f.state, f.now).expect("a queue");
    let text = format!("{:?}", screen(&f, &v, &common::ui(), 120, 40));
    let waiting = format!("Waiting  now {}  max", queue.waiting_count());
    assert!(text.contains(&waiting), "{waiting:?} not in\n{text}");
    let longest = queue
        .longest_wait(f.now)
        .map_or("-".to_string(), ui::figures::duration);
    let line = format!("Longest wait  now {longest}  max");
    assert!(text.contains(&line), "{line:?} not in\n{text}");
    assert_ne!(longest, "2m37s", "the fixture must tell the two apart");
}

/// The sample alerts with a grouped repeat, an acknowledged and a snoozed
/// one, and every severity.
fn with_alerts() -> Fixture {
    let mut f = fixture();
    let wall = f.wall;
    f.state.edit(|parts| {
        let list = &mut parts.alerts.list;
        let newest = list.len() - 1;
        list[newest].raises = 14;
        list[newest].severity = queuetop::model::Severity::Critical;
        list[newest].first_raised = list[newest].raised_at - time::Duration::minutes(10);
        list[newest - 1].acknowledged = true;
        let mut info = list[newest - 2].clone();
        info.severity = queuetop::model::Severity::Info;
        info.message = "Support EN: 2 agents not responding".into();
        info.snoozed_until = Some(wall + time::Duration::minutes(15));
        list.insert(0, info);
    });
    f
}

#[test]
fn alerts_view_80x24() {
    let f = with_alerts();
    insta::assert_snapshot!(drawn(&f, &[Action::Alerts], 80, 24));
}

#[test]
fn alerts_view_120x40() {
    let f = with_alerts();
    insta::assert_snapshot!(drawn(&f, &[Action::Alerts], 120, 40));
}

#[test]
fn alerts_read_without_colour() {
    let f = with_alerts();
    let v = view_with(&f, &[Action::Alerts]);
    let text = format!("{:?}", screen(&f, &v, &common::ascii_ui(), 120, 40));
    for mark in ["X CRIT", "! WARN", "i INFO", "raised 14x in 10 min"] {
        assert!(text.contains(mark), "{mark} missing:\n{text}");
    }
}

fn first_run_screen(w: u16, h: u16) -> ratatui::backend::TestBackend {
    let welcome = queuetop::ui::welcome::Welcome {
        looked_in: vec![
            ("--config".into(), "not given".into()),
            ("$QUEUETOP_CONFIG".into(), "not set".into()),
            (
                "/home/ana/.config/queuetop/config.toml".into(),
                "not found".into(),
            ),
        ],
    };
    let mut term = terminal(w, h);
    term.draw(|frame| queuetop::ui::welcome::render(frame, &welcome, &queuetop::ui::theme::DARK))
        .expect("draw");
    term.backend().clone()
}

#[test]
fn first_run_80x24() {
    insta::assert_snapshot!(first_run_screen(80, 24));
}

#[test]
fn first_run_120x40() {
    insta::assert_snapshot!(first_run_screen(120, 40));
}

#[test]
fn start_up_warnings_show_over_the_screen_until_esc() {
    let f = fixture();
    let mut v = ViewState::new().with_notes(vec![
        "config.toml:3:1: ui.fps: 200 is above 60; using 60".into(),
    ]);
    let text = format!("{:?}", screen(&f, &v, &common::ui(), 80, 24));
    assert!(
        text.contains("Config warnings") && text.contains("ui.fps"),
        "{text}"
    );
    v.apply(Action::Back, &f.state, f.now);
    let text = format!("{:?}", screen(&f, &v, &common::ui(), 80, 24));
    assert!(!text.contains("Config warnings"), "{text}");
}
