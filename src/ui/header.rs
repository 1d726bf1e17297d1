//! The header line: connection state in words and symbol, feed rate and
//! latency, environment, protocol, clock, PAUSED. Segments that do not fit
//! are dropped by priority; the connection state never is.

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use tokio::time::Instant;

use crate::event::ConnState;
use crate::model::FeedStats;
use crate::ui::{Scene, Theme, figures};

/// One piece of the header; lower `prio` survives longer.
pub struct Segment {
    pub prio: u8,
    pub spans: Vec<Span<'static>>,
    /// A clock or countdown: when it next reads differently.
    pub changes_at: Option<Instant>,
    /// Pushed to the right edge (the clock), not in the row on the left.
    pub right: bool,
}

impl Segment {
    fn width(&self) -> usize {
        self.spans.iter().map(Span::width).sum()
    }
}

/// Draws the header; returns when a clock or countdown shown on it next
/// changes, if one is shown.
pub fn render(frame: &mut Frame, area: Rect, scene: &Scene) -> Option<Instant> {
    let theme = scene.theme();
    let segments = segments(scene);
    let (line, changes_at) = lay_out(segments, area.width, scene.glyphs().sep, theme);
    frame.render_widget(Paragraph::new(line).style(theme.header), area);
    changes_at
}

/// Every segment the header could show, the brand first.
fn segments(scene: &Scene) -> Vec<Segment> {
    let theme = scene.theme();
    let feed = &scene.live.feed();
    let mut all = vec![seg(7, "queuetop".to_string(), theme.title)];
    if scene.view.paused.is_some() {
        all.push(seg(0, " PAUSED ".to_string(), theme.paused));
    }
    all.push(connection(scene));
    if let ConnState::Stopped { reason } = &feed.status.state
        && !reason.is_empty()
    {
        all.push(seg(6, format!("({reason})"), theme.dim));
    }
    // "-" while not connected: no rate or latency describes a feed
    // that is not there. The rate goes first when space runs out (with the
    // clock), then the latency; the totals, which say whether callers are
    // let down, stay longest.
    match feed.live_rate(scene.now) {
        Some(rate) => all.push(seg(3, figures::rate(rate), Style::default())),
        None => all.push(seg(3, "- ev/s".to_string(), theme.dim)),
    }
    all.push(latency(feed, scene));
    all.push(totals(scene));
    all.push(seg(5, scene.ui.protocol.to_string(), theme.dim));
    all.push(seg(4, scene.ui.environment.clone(), theme.dim));
    if scene.ui.clock {
        // The displayed second changes at the next whole wall second; a
        // few ms late rather than early, which would draw the same second
        // twice.
        let to_next = 1_000_000_000 - scene.wall.nanosecond().min(999_999_999);
        all.push(Segment {
            prio: 3,
            spans: vec![Span::raw(clock_text(scene))],
            changes_at: Some(
                scene.now + Duration::from_nanos(u64::from(to_next)) + Duration::from_millis(5),
            ),
            right: true,
        });
    }
    all
}

/// The segments that fit in `width`, the least important (highest
/// `prio`) dropped first, priority 0 never; the left ones joined by
/// `separator`, the right ones at the edge. Also when the shown ones next
/// change.
pub fn lay_out(
    mut all: Vec<Segment>,
    width: u16,
    separator: &'static str,
    theme: &Theme,
) -> (Line<'static>, Option<Instant>) {
    let width = usize::from(width);
    let separator_width = Span::raw(separator).width();
    loop {
        // A space at each end.
        let used: usize = all.iter().map(Segment::width).sum::<usize>()
            + separator_width * all.len().saturating_sub(1)
            + 2;
        if used <= width {
            break;
        }
        let Some(worst) = all
            .iter()
            .enumerate()
            .filter(|(_, segment)| segment.prio > 0)
            .max_by_key(|(_, segment)| segment.prio)
            .map(|(index, _)| index)
        else {
            break;
        };
        all.remove(worst);
    }
    let changes_at = all.iter().filter_map(|segment| segment.changes_at).min();
    let mut spans = vec![Span::raw(" ")];
    let (right, left): (Vec<_>, Vec<_>) = all.into_iter().partition(|segment| segment.right);
    for (index, segment) in left.into_iter().enumerate() {
        if index > 0 {
            spans.push(Span::styled(separator, theme.dim));
        }
        spans.extend(segment.spans);
    }
    let mut line_width: usize = spans.iter().map(Span::width).sum();
    for segment in right {
        let segment_width = segment.width();
        let pad = width.saturating_sub(line_width + segment_width + 1);
        spans.push(Span::raw(" ".repeat(pad.max(1))));
        spans.extend(segment.spans);
        line_width += pad + segment_width;
    }
    (Line::from(spans), changes_at)
}

fn seg(prio: u8, text: String, style: Style) -> Segment {
    Segment {
        prio,
        spans: vec![Span::styled(text, style)],
        changes_at: None,
        right: false,
    }
}

fn connection(scene: &Scene) -> Segment {
    let theme = scene.theme();
    let glyphs = scene.glyphs();
    let (text, style, changes_at) = match &scene.live.feed().status.state {
        ConnState::Connecting => (
            format!("{} connecting", glyphs.connecting),
            theme.warn,
            None,
        ),
        ConnState::Connected => (format!("{} connected", glyphs.connected), theme.ok, None),
        ConnState::Reconnecting {
            attempt,
            max_attempts,
            next_try,
        } => {
            let left = next_try.saturating_duration_since(scene.now);
            // Round up: "in 0 s" would read as "now" while still waiting.
            let secs = left.as_millis().div_ceil(1000);
            let of = if *max_attempts == 0 {
                String::new()
            } else {
                format!(" of {max_attempts}")
            };
            let text = if secs == 0 {
                format!(
                    "{} reconnecting, attempt {attempt}{of}",
                    glyphs.reconnecting
                )
            } else {
                format!(
                    "{} reconnecting in {secs} s, attempt {attempt}{of}",
                    glyphs.reconnecting
                )
            };
            // The shown number drops when the time left crosses a whole
            // second; the last one when it reaches zero.
            let frac = left.as_nanos() % 1_000_000_000;
            let frac = if frac == 0 { 1_000_000_000 } else { frac };
            let next = scene.now + Duration::from_nanos(frac as u64) + Duration::from_millis(1);
            (text, theme.warn, (secs > 0).then_some(next))
        }
        ConnState::Stopped { .. } => (
            format!("{} stopped: press r", glyphs.stopped),
            theme.alert,
            None,
        ),
        ConnState::Closed => (format!("{} closed", glyphs.stopped), theme.dim, None),
    };
    Segment {
        prio: 0,
        spans: vec![Span::styled(text, style)],
        changes_at,
        right: false,
    }
}

fn clock_text(scene: &Scene) -> String {
    let wall = scene.wall;
    let offset = scene.ui.utc_offset;
    let zone = if offset.is_utc() {
        "UTC".to_string()
    } else {
        let (h, m, _) = offset.as_hms();
        format!("{:+03}{:02}", h, m.abs())
    };
    format!(
        "{:02}:{:02}:{:02} {zone}",
        wall.hour(),
        wall.minute(),
        wall.second()
    )
}

/// Over every queue: waiting, the oldest wait, queues in alert, the worst
/// service level.
fn totals(scene: &Scene) -> Segment {
    let theme = scene.theme();
    let totals = scene.state.totals(scene.data_now());
    let mut spans = vec![Span::raw(format!("{} waiting", totals.waiting))];
    if let Some(oldest) = totals.oldest {
        spans.push(Span::styled(", oldest ", theme.dim));
        spans.push(Span::raw(figures::duration(oldest)));
    }
    if totals.in_alert > 0 {
        spans.push(Span::styled(
            format!(", {} in alert", totals.in_alert),
            theme.alert,
        ));
    }
    if let Some(sl) = totals.worst_sl {
        spans.push(Span::styled(", SL ", theme.dim));
        spans.push(Span::raw(format!("{sl:.0}%")));
    }
    Segment {
        prio: 1,
        spans,
        // The oldest wait grows by the second while the feed is live.
        changes_at: totals
            .oldest
            .filter(|_| scene.data_now() == scene.now)
            .map(|_| scene.now + Duration::from_secs(1)),
        right: false,
    }
}

fn latency(feed: &FeedStats, scene: &Scene) -> Segment {
    let theme = scene.theme();
    let spans = match latency_figures(feed) {
        Some((avg, p95)) => {
            let limit = scene.ui.alerts.latency_ms as f64;
            let style = if limit > 0.0 && p95 >= limit {
                theme.alert
            } else {
                Style::default()
            };
            vec![
                Span::styled("lat ", theme.dim),
                Span::styled(figures::millis(avg), style),
                Span::styled(" p95 ", theme.dim),
                Span::styled(figures::millis(p95), style),
            ]
        }
        None => vec![Span::styled("lat -", theme.dim)],
    };
    Segment {
        prio: 2,
        spans,
        changes_at: None,
        right: false,
    }
}

/// Average and p95 feed latency in ms, once there are samples.
fn latency_figures(feed: &FeedStats) -> Option<(f64, f64)> {
    if !feed.is_live() {
        return None;
    }
    let latency = &feed.latency;
    Some((latency.avg()?, latency.p95()? as f64))
}

/// Why the feed is not live, in a sentence, when it is not: shown on its
/// own line because the header may not have room for the reason.
pub fn feed_problem(scene: &Scene) -> Option<Line<'static>> {
    let theme = scene.theme();
    let glyphs = scene.glyphs();
    let status = &scene.live.feed().status;
    let (text, style) = match &status.state {
        ConnState::Stopped { reason } => {
            let why = if reason.is_empty() {
                status.last_error.clone().unwrap_or_default()
            } else {
                reason.clone()
            };
            (
                format!("{} Feed stopped, r reconnects: {why}", glyphs.stopped),
                theme.alert,
            )
        }
        ConnState::Reconnecting { .. } | ConnState::Connecting => {
            let err = status.last_error.as_ref()?;
            (
                format!("{} Last error: {err}", glyphs.reconnecting),
                theme.warn,
            )
        }
        ConnState::Connected | ConnState::Closed => return None,
    };
    Some(Line::styled(text, style))
}

#[cfg(test)]
#[path = "header_tests.rs"]
mod tests;
