//! Timers stop on data that is not live: while the feed is not connected
//! (or the display is paused) no wait, longest wait or "since" grows on
//! data nobody is receiving; connected, they run.

use crate::common;
use std::time::Duration;

use crate::common::{Fixture, fixture};
use queuetop::event::ConnState;
use queuetop::ui::ViewState;
use queuetop::ui::keys::Action;
use tokio::time::Instant;

/// The panels below the header (whose clock and countdown run on
/// anyway), drawn at `now`, the wall clock moving with it.
fn screen(f: &Fixture, view: &ViewState, now: Instant) -> String {
    let wall = f.wall + now.saturating_duration_since(f.now);
    let frame = common::drawing::draw(&f.state, view, &common::ui(), (now, wall), (160, 48));
    common::drawing::rows_text(&frame, 1..48)
}

/// The zoomed detail of Billing: its roster "since" and waiting times.
fn zoomed(f: &Fixture) -> ViewState {
    let mut v = ViewState::new();
    v.selected = Some(f.state.queues()[1].id.clone());
    v.zoomed = true;
    v
}

#[test]
fn timers_stop_while_the_feed_is_not_connected() {
    let mut f = fixture();
    f.state.edit(|parts| {
        parts.feed.last_event = Some(f.now - Duration::from_secs(5));
    });
    let v = zoomed(&f);
    let later = f.now + Duration::from_secs(90);
    // Connected: the times move on.
    let live = screen(&f, &v, f.now);
    assert_ne!(live, screen(&f, &v, later), "timers stood still while live");
    assert!(live.contains("2m21s"), "{live}");

    for state in [
        ConnState::Reconnecting {
            attempt: 1,
            max_attempts: 0,
            next_try: later,
        },
        ConnState::Connecting,
        ConnState::Stopped {
            reason: "gave up".into(),
        },
    ] {
        f.state.edit(|parts| {
            parts.feed.status.state = state.clone();
        });
        let then = screen(&f, &v, f.now);
        let now = screen(&f, &v, later);
        assert_eq!(then, now, "timers ran on data that is not live ({state:?})");
        assert!(then.contains("NOT LIVE"), "{then}");
        // Frozen at the last data, not at the drawing's time.
        assert!(then.contains("2m16s"), "{then}");
    }
}

#[test]
fn timers_stop_while_paused() {
    let mut f = fixture();
    f.state.edit(|parts| {
        parts.feed.last_event = Some(f.now);
    });
    let mut v = zoomed(&f);
    v.apply(Action::Pause, &f.state, f.now);
    assert!(v.paused.is_some());
    let later = f.now + Duration::from_secs(90);
    assert_eq!(screen(&f, &v, f.now), screen(&f, &v, later));
}

#[test]
fn rate_and_latency_read_dash_while_not_connected() {
    let mut f = fixture();
    let header = |f: &Fixture| {
        let frame = common::drawing::screen(f, &ViewState::new(), &common::ui(), 160, 48);
        common::drawing::rows_text(&frame, 0..1)
    };
    let live = header(&f);
    assert!(live.contains("ev/s") && !live.contains("- ev/s"), "{live}");
    assert!(live.contains("lat 90 ms"), "{live}");
    f.state.edit(|parts| {
        parts.feed.status.state = ConnState::Connecting;
    });
    let down = header(&f);
    assert!(down.contains("- ev/s") && down.contains("lat -"), "{down}");
}
