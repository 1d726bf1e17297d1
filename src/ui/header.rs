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
use crate::ui::{Scene, figures};

/// One piece of the header; lower `prio` survives longer.
struct Segment {
    prio: u8,
    spans: Vec<Span<'static>>,
    /// A clock or countdown: when it next reads differently.
    changes_at: Option<Instant>,
}

impl Segment {
    fn width(&self) -> usize {
        self.spans.iter().map(|s| s.width()).sum()
    }
}

/// Draws the header; returns when a clock or countdown shown on it next
/// changes, if one is shown.
pub fn render(frame: &mut Frame, area: Rect, scene: &Scene) -> Option<Instant> {
    let t = scene.theme();
    let g = scene.glyphs();
    let feed = &scene.live.feed();
    let mut left = Vec::new();
    if scene.view.paused.is_some() {
        left.push(Segment {
            prio: 0,
            spans: vec![Span::styled(" PAUSED ", t.paused)],
            changes_at: None,
        });
    }
    left.push(connection(scene));
    if let ConnState::Stopped { reason } = &feed.status.state
        && !reason.is_empty()
    {
        left.push(seg(6, format!("({reason})"), t.dim));
    }
    // "-" while not connected: no rate or latency describes a feed
    // that is not there.
    match feed.live_rate(scene.now) {
        Some(rate) => left.push(seg(2, figures::rate(rate), Style::default())),
        None => left.push(seg(2, "- ev/s".to_string(), t.dim)),
    }
    left.push(latency(feed, scene));
    left.push(totals(scene));
    left.push(seg(5, scene.ui.protocol.to_string(), t.dim));
    left.push(seg(4, scene.ui.environment.clone(), t.dim));
    // The displayed second changes at the next whole wall second; a few
    // ms late rather than early, which would draw the same second twice.
    let to_next = 1_000_000_000 - scene.wall.nanosecond().min(999_999_999);
    let clock = Segment {
        prio: 3,
        spans: vec![Span::raw(clock_text(scene))],
        changes_at: Some(
            scene.now + Duration::from_nanos(u64::from(to_next)) + Duration::from_millis(5),
        ),
    };
    let brand = seg(7, "queuetop".to_string(), t.title);

    let sep = g.sep;
    let width = area.width as usize;
    let mut all: Vec<(bool, Segment)> = vec![(false, brand)];
    all.extend(left.into_iter().map(|s| (false, s)));
    if scene.ui.clock {
        all.push((true, clock));
    }
    // Drop the least important segment until everything fits.
    loop {
        let used: usize = all.iter().map(|(_, s)| s.width()).sum::<usize>()
            + sep.chars().count() * all.len().saturating_sub(1)
            + 2;
        if used <= width {
            break;
        }
        let Some(worst) = all
            .iter()
            .enumerate()
            .filter(|(_, (_, s))| s.prio > 0)
            .max_by_key(|(_, (_, s))| s.prio)
            .map(|(i, _)| i)
        else {
            break;
        };
        all.remove(worst);
    }
    let changes_at = all.iter().filter_map(|(_, s)| s.changes_at).min();
    let mut spans = vec![Span::raw(" ")];
    let (right, lefts): (Vec<_>, Vec<_>) = all.into_iter().partition(|(r, _)| *r);
    for (i, (_, s)) in lefts.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(sep, t.dim));
        }
        spans.extend(s.spans);
    }
    let mut line_w: usize = spans.iter().map(|s| s.width()).sum();
    for (_, s) in right {
        let w = s.width();
        let pad = width.saturating_sub(line_w + w + 1);
        spans.push(Span::raw(" ".repeat(pad.max(1))));
        spans.extend(s.spans);
        line_w += pad + w;
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(t.header), area);
    changes_at
}

fn seg(prio: u8, text: String, style: Style) -> Segment {
    Segment {
        prio,
        spans: vec![Span::styled(text, style)],
        changes_at: None,
    }
}

fn connection(scene: &Scene) -> Segment {
    let t = scene.theme();
    let g = scene.glyphs();
    let (text, style, changes_at) = match &scene.live.feed().status.state {
        ConnState::Connecting => (format!("{} connecting", g.connecting), t.warn, None),
        ConnState::Connected => (format!("{} connected", g.connected), t.ok, None),
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
                format!("{} reconnecting, attempt {attempt}{of}", g.reconnecting)
            } else {
                format!(
                    "{} reconnecting in {secs} s, attempt {attempt}{of}",
                    g.reconnecting
                )
            };
            // The shown number drops when the time left crosses a whole
            // second; the last one when it reaches zero.
            let frac = left.as_nanos() % 1_000_000_000;
            let frac = if frac == 0 { 1_000_000_000 } else { frac };
            let next = scene.now + Duration::from_nanos(frac as u64) + Duration::from_millis(1);
            (text, t.warn, (secs > 0).then_some(next))
        }
        ConnState::Stopped { .. } => (format!("{} stopped: press r", g.stopped), t.alert, None),
        ConnState::Closed => (format!("{} closed", g.stopped), t.dim, None),
    };
    Segment {
        prio: 0,
        spans: vec![Span::styled(text, style)],
        changes_at,
    }
}

fn clock_text(scene: &Scene) -> String {
    let w = scene.wall;
    let off = scene.ui.utc_offset;
    let zone = if off.is_utc() {
        "UTC".to_string()
    } else {
        let (h, m, _) = off.as_hms();
        format!("{:+03}{:02}", h, m.abs())
    };
    format!("{:02}:{:02}:{:02} {zone}", w.hour(), w.minute(), w.second())
}

/// Over every queue: waiting, the oldest wait, queues in alert, the worst
/// service level.
fn totals(scene: &Scene) -> Segment {
    let t = scene.theme();
    let tot = scene.state.totals(scene.data_now());
    let mut spans = vec![Span::raw(format!("{} waiting", tot.waiting))];
    if let Some(oldest) = tot.oldest {
        spans.push(Span::styled(", oldest ", t.dim));
        spans.push(Span::raw(figures::duration(oldest)));
    }
    if tot.in_alert > 0 {
        spans.push(Span::styled(
            format!(", {} in alert", tot.in_alert),
            t.alert,
        ));
    }
    if let Some(sl) = tot.worst_sl {
        spans.push(Span::styled(", SL ", t.dim));
        spans.push(Span::raw(format!("{sl:.0}%")));
    }
    Segment {
        prio: 2,
        spans,
        // The oldest wait grows by the second while the feed is live.
        changes_at: tot
            .oldest
            .filter(|_| scene.data_now() == scene.now)
            .map(|_| scene.now + Duration::from_secs(1)),
    }
}

fn latency(feed: &FeedStats, scene: &Scene) -> Segment {
    let t = scene.theme();
    let spans = match latency_figures(feed) {
        Some((avg, p95)) => {
            let limit = scene.ui.alerts.latency_ms as f64;
            let style = if limit > 0.0 && p95 >= limit {
                t.alert
            } else {
                Style::default()
            };
            vec![
                Span::styled("lat ", t.dim),
                Span::styled(figures::millis(avg), style),
                Span::styled(" p95 ", t.dim),
                Span::styled(figures::millis(p95), style),
            ]
        }
        None => vec![Span::styled("lat -", t.dim)],
    };
    Segment {
        prio: 1,
        spans,
        changes_at: None,
    }
}

/// Average and p95 feed latency in ms, once there are samples.
fn latency_figures(feed: &FeedStats) -> Option<(f64, f64)> {
    if !feed.is_live() {
        return None;
    }
    let l = &feed.latency;
    Some((l.avg()?, l.p95()? as f64))
}

/// Why the feed is not live, in a sentence, when it is not: shown on its
/// own line because the header may not have room for the reason.
pub fn feed_problem(scene: &Scene) -> Option<Line<'static>> {
    let t = scene.theme();
    let g = scene.glyphs();
    let status = &scene.live.feed().status;
    let (text, style) = match &status.state {
        ConnState::Stopped { reason } => {
            let why = if reason.is_empty() {
                status.last_error.clone().unwrap_or_default()
            } else {
                reason.clone()
            };
            (
                format!("{} Feed stopped, r reconnects: {why}", g.stopped),
                t.alert,
            )
        }
        ConnState::Reconnecting { .. } | ConnState::Connecting => {
            let err = status.last_error.as_ref()?;
            (format!("{} Last error: {err}", g.reconnecting), t.warn)
        }
        ConnState::Connected | ConnState::Closed => return None,
    };
    Some(Line::styled(text, style))
}
