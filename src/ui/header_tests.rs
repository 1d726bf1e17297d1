//! The header's segment dropping, exact to the cell at a few widths.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Paragraph, Widget};

use super::{Segment, lay_out};
use crate::ui::theme::DARK;

fn segment(prio: u8, text: &'static str) -> Segment {
    Segment {
        prio,
        spans: vec![Span::raw(text)],
        changes_at: None,
        right: false,
    }
}

/// What the header shows of these segments at `width`, text only.
fn drawn(width: u16) -> Buffer {
    let clock = Segment {
        right: true,
        ..segment(3, "07:02:13 UTC")
    };
    let all = vec![
        segment(7, "queuetop"),
        segment(0, "● connected"),
        segment(2, "9.5 ev/s"),
        segment(1, "lat 90 ms"),
        segment(5, "notifications"),
        segment(4, "mypurecloud.ie"),
        clock,
    ];
    let (line, _) = lay_out(all, width, " │ ", &DARK);
    let area = Rect::new(0, 0, width, 1);
    let mut buffer = Buffer::empty(area);
    Paragraph::new(line).render(area, &mut buffer);
    buffer.set_style(area, Style::reset());
    buffer
}

#[test]
fn everything_fits_on_a_wide_line() {
    assert_eq!(
        drawn(100),
        Buffer::with_lines([
            " queuetop │ ● connected │ 9.5 ev/s │ lat 90 ms │ notifications │ mypurecloud.ie        07:02:13 UTC "
        ])
    );
}

#[test]
fn the_least_important_segments_go_first() {
    // The brand (7), then the protocol (5), then the environment (4).
    assert_eq!(
        drawn(90),
        Buffer::with_lines([
            " ● connected │ 9.5 ev/s │ lat 90 ms │ notifications │ mypurecloud.ie         07:02:13 UTC "
        ])
    );
    assert_eq!(
        drawn(80),
        Buffer::with_lines([
            " ● connected │ 9.5 ev/s │ lat 90 ms │ mypurecloud.ie               07:02:13 UTC "
        ])
    );
    assert_eq!(
        drawn(60),
        Buffer::with_lines([" ● connected │ 9.5 ev/s │ lat 90 ms            07:02:13 UTC "])
    );
    // Then the clock (3), the rate (2) and the latency (1).
    assert_eq!(
        drawn(45),
        Buffer::with_lines([" ● connected │ 9.5 ev/s │ lat 90 ms          "])
    );
    assert_eq!(
        drawn(30),
        Buffer::with_lines([" ● connected │ lat 90 ms      "])
    );
    assert_eq!(drawn(20), Buffer::with_lines([" ● connected        "]));
}

#[test]
fn the_connection_state_stays_when_nothing_fits() {
    assert_eq!(drawn(8), Buffer::with_lines([" ● conne"]));
}

#[test]
fn the_next_change_is_of_a_segment_still_shown() {
    let now = tokio::time::Instant::now();
    let clock = Segment {
        right: true,
        changes_at: Some(now),
        ..segment(3, "07:02:13 UTC")
    };
    let (_, changes_at) = lay_out(vec![segment(0, "connected"), clock], 40, "│", &DARK);
    assert_eq!(changes_at, Some(now));
    let clock = Segment {
        right: true,
        changes_at: Some(now),
        ..segment(3, "07:02:13 UTC")
    };
    let (_, changes_at) = lay_out(vec![segment(0, "connected"), clock], 15, "│", &DARK);
    assert_eq!(changes_at, None, "the clock was dropped: no redraw for it");
}
