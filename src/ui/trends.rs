//! Trends over the last hour, from the model's 30 s buckets: waiting,
//! longest wait, utilization and service level, each with its peak
//! labelled and time ticks under it. The x axis is time, not events: a
//! column is a fixed stretch of the hour, "now" is the right edge, and a
//! bucket the feed was down for stays blank (the zeros above it keep a
//! baseline, so a gap never reads as "nothing waiting").
//!
//! ```text
//! Waiting              now 3  max 14
//! ▁▂▃▅▇█▆▅▃▂▁▁      ▁▂▃▄▅▆▅▄▃▂▁▁▁▁▁▁
//! -60m     -45m     -30m     -15m    now
//! ```

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline, SparklineBar};

use crate::model::history::{BUCKET, BUCKETS};
use crate::model::{History, QueueView};
use crate::ui::{Scene, figures};

/// Below this width a chart is stacked under the other, not beside it.
const SIDE_BY_SIDE: u16 = 72;
/// Rows a chart takes besides its bars: its title and its time ticks.
const FRAME_ROWS: u16 = 2;

/// How a series is written.
#[derive(Debug, Clone, Copy)]
enum Unit {
    Count,
    Seconds,
    Percent,
}

impl Unit {
    fn format(self, v: u64) -> String {
        match self {
            Unit::Count => v.to_string(),
            Unit::Seconds => figures::duration(Duration::from_secs(v)),
            Unit::Percent => format!("{v}%"),
        }
    }
}

struct Trend<'a> {
    label: &'static str,
    history: &'a History,
    unit: Unit,
    /// A fixed top of the scale (percentages); else the hour's peak.
    top: Option<u64>,
    /// The value now, where a bucket holds the most of its 30 s (a caller
    /// answered a moment ago is still the bucket's longest wait): the same
    /// figure the list and the header show. None: the last bucket's.
    live: Option<Option<u64>>,
}

/// The rows the trends need to show `bars` rows of bars per chart at
/// `width`.
pub fn height(width: u16, bars: u16) -> u16 {
    let per_chart = bars + FRAME_ROWS;
    if width >= SIDE_BY_SIDE {
        2 * per_chart
    } else {
        4 * per_chart
    }
}

/// Four charts, two by two when wide enough; the bar height follows the
/// area.
pub fn render(frame: &mut Frame, area: Rect, scene: &Scene, queue: &QueueView) {
    let trends = [
        Trend {
            label: "Waiting",
            history: &queue.waiting_history,
            unit: Unit::Count,
            top: None,
            live: Some(Some(queue.waiting_count() as u64)),
        },
        Trend {
            label: "Longest wait",
            history: &queue.longest_history,
            unit: Unit::Seconds,
            top: None,
            live: Some(figures::longest_wait(queue, scene.data_now()).map(|wait| wait.as_secs())),
        },
        Trend {
            label: "Utilization",
            history: &queue.utilization_history,
            unit: Unit::Percent,
            top: Some(100),
            live: None,
        },
        Trend {
            label: "Service level",
            history: &queue.service_level_history,
            unit: Unit::Percent,
            top: Some(100),
            live: None,
        },
    ];
    let cells: Vec<Rect> = if area.width >= SIDE_BY_SIDE {
        let rows = Layout::vertical([Constraint::Fill(1); 2]).split(area);
        rows.iter()
            .flat_map(|row| {
                Layout::horizontal([Constraint::Fill(1); 2])
                    .spacing(2)
                    .split(*row)
                    .to_vec()
            })
            .collect()
    } else {
        Layout::vertical([Constraint::Fill(1); 4])
            .split(area)
            .to_vec()
    };
    for (trend, cell) in trends.iter().zip(cells) {
        chart(frame, cell, scene, trend);
    }
}

fn chart(frame: &mut Frame, area: Rect, scene: &Scene, trend: &Trend) {
    if area.height < FRAME_ROWS + 1 || area.width < 20 {
        return;
    }
    let theme = scene.theme();
    let [title, bars, ticks] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let columns = columns(trend.history, bars.width as usize);
    let peak = trend.history.iter().flatten().max();
    let now_value = trend.live.unwrap_or_else(|| trend.history.last());
    let now = now_value.map_or("-".into(), |value| trend.unit.format(value));
    // The hour's most includes now, which its bucket may not hold yet.
    let hour_peak = peak.max(now_value);
    let peak_text = hour_peak.map_or("-".into(), |value| trend.unit.format(value));
    let head = Line::from(vec![
        Span::styled(trend.label, theme.dim),
        Span::raw(format!("  now {now}")),
        Span::styled(format!("  max {peak_text}"), theme.dim),
    ]);
    frame.render_widget(Paragraph::new(head), title);
    if peak.is_none() {
        let text = if trend.history.is_empty() {
            "no history yet"
        } else {
            "no data this hour (the feed was down)"
        };
        frame.render_widget(Paragraph::new(Span::styled(text, theme.dim)), bars);
    } else {
        let top = trend.top.or(peak).unwrap_or(1).max(1);
        let set = scene.glyphs().spark.clone();
        let baseline = set.one_eighth;
        let data: Vec<SparklineBar> = columns
            .iter()
            .map(|&value| SparklineBar::from(value))
            .collect();
        frame.render_widget(
            Sparkline::default()
                .data(data)
                .max(top)
                .bar_set(set)
                .style(theme.spark),
            bars,
        );
        draw_baseline(frame, bars, &columns, baseline);
    }
    frame.render_widget(
        Paragraph::new(tick_line(ticks.width)).style(theme.dim),
        ticks,
    );
}

/// Zero draws as nothing in a sparkline: a baseline on the bottom row of
/// `bars` shows that the value was known. A gap (None: the feed was down)
/// stays blank.
pub fn draw_baseline(frame: &mut Frame, bars: Rect, data: &[Option<u64>], symbol: &str) {
    let y = bars.bottom().saturating_sub(1);
    let buffer = frame.buffer_mut();
    for (x, value) in (bars.left()..bars.right()).zip(data) {
        if value.is_some()
            && let Some(cell) = buffer.cell_mut((x, y))
            && cell.symbol() == " "
        {
            cell.set_symbol(symbol);
        }
    }
}

/// The hour in `width` columns, oldest left, now at the right edge; each
/// column is the peak (or the one value) of the buckets it covers, None
/// when all of them were gaps or before the history began.
fn columns(history: &History, width: usize) -> Vec<Option<u64>> {
    let width = width.clamp(1, BUCKETS);
    // Buckets before the history began are unknown, like gaps.
    let missing = BUCKETS - history.len().min(BUCKETS);
    let buckets: Vec<Option<u64>> = std::iter::repeat_n(None, missing)
        .chain(history.iter())
        .collect();
    (0..width)
        .map(|column| {
            let from = column * BUCKETS / width;
            let to = ((column + 1) * BUCKETS / width).max(from + 1);
            buckets[from..to].iter().flatten().copied().max()
        })
        .collect()
}

/// `-60m  -45m  -30m  -15m  now`, each mark under the column it names.
fn tick_line(width: u16) -> String {
    let width = usize::from(width);
    let hour_min = (BUCKETS as u64 * BUCKET.as_secs() / 60) as usize;
    let mut line = vec![' '; width];
    let mut put = |at: usize, text: &str| {
        let start = at.min(width.saturating_sub(text.len()));
        for (offset, ch) in text.chars().enumerate() {
            if let Some(cell) = line.get_mut(start + offset) {
                *cell = ch;
            }
        }
    };
    let marks = if width >= 40 { 4 } else { 2 };
    for mark in 0..marks {
        let minutes = hour_min - mark * hour_min / marks;
        let at = mark * width / marks;
        put(at, &format!("-{minutes}m"));
    }
    put(width.saturating_sub(3), "now");
    line.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Combine;

    #[test]
    fn columns_put_now_at_the_right_and_keep_gaps() {
        let h = History::from_values(Combine::Max, &[Some(1), None, Some(5)]);
        let c = columns(&h, BUCKETS);
        assert_eq!(c.len(), BUCKETS);
        assert_eq!(&c[BUCKETS - 3..], &[Some(1), None, Some(5)]);
        assert!(c[..BUCKETS - 3].iter().all(Option::is_none));
        // Two buckets a column: the peak of the pair; a gap beside a value
        // is the value.
        let c = columns(&h, BUCKETS / 2);
        assert_eq!(&c[BUCKETS / 2 - 2..], &[Some(1), Some(5)]);
    }

    #[test]
    fn ticks_span_the_hour() {
        let line = tick_line(60);
        assert!(line.starts_with("-60m"), "{line}");
        assert!(line.ends_with("now"), "{line}");
        assert!(line.contains("-30m") && line.contains("-15m"), "{line}");
        assert_eq!(tick_line(20).trim_end(), "-60m      -30m   now");
    }
}
