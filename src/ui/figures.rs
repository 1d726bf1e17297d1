//! Numbers derived from the model for display, and how they are written.

use std::time::Duration;

use time::UtcOffset;
use tokio::time::Instant;

use crate::model::queue::{round1, whole_ms};
use crate::model::{IntervalFigures, QueueView};
use crate::ui::names;

/// Interactions waiting: the model's one figure (see
/// `QueueView::waiting_count`).
pub fn waiting(q: &QueueView) -> u64 {
    u64::from(q.waiting_count())
}

/// The longest wait right now: the model's one figure.
pub fn longest_wait(q: &QueueView, now: Instant) -> Option<Duration> {
    q.longest_wait(now)
}

/// "idle/on queue" (the list's `Idle/OnQ`), or "-" before the first
/// summary. The feed's own counts by state when it gives them.
pub fn agents(q: &QueueView) -> String {
    match &q.summary {
        Some(s) => format!("{}/{}", s.idle(), s.on_queue()),
        None => "-".to_string(),
    }
}

/// Whether the detail shows interval figures: once there are totals or
/// a service-level goal to show.
pub fn has_interval(q: &QueueView) -> bool {
    q.totals.is_some() || q.service_goal() != (None, None)
}

/// A percentage as the screen shows it: whole, from the export's one
/// decimal (so both read alike); "-" when unknown.
pub fn percent(p: Option<f64>) -> String {
    p.map_or("-".to_string(), |p| format!("{:.0}%", round1(p)))
}

/// A duration in ms as the screen shows it, from the export's whole ms.
pub fn span_ms(ms: Option<f64>) -> String {
    ms.map_or("-".to_string(), |ms| {
        duration(Duration::from_millis(whole_ms(ms)))
    })
}

/// The interval figures in three lines of at most `width` cells: the
/// service level against its goal and the interval it covers, the
/// volumes, the speeds. Shorter forms where the full ones do not fit.
pub fn interval_lines(
    interval: &IntervalFigures<'_>,
    offset: UtcOffset,
    width: usize,
) -> [String; 3] {
    let service = service_line(interval, offset);
    let service = if service.chars().count() <= width {
        service
    } else {
        // The window goes first: the level against its goal matters most.
        service_line(
            &IntervalFigures {
                since: None,
                ..interval.clone()
            },
            offset,
        )
    };
    let volume = volume_line(interval);
    let volume = if volume.chars().count() <= width {
        volume
    } else {
        let count = |value: Option<u64>| value.map_or("-".to_string(), |number| number.to_string());
        format!(
            "{} ans {} abn {} ({})",
            count(interval.offered),
            count(interval.answered),
            count(interval.abandoned),
            percent(interval.abandoned_pct)
        )
    };
    [service, volume, speed_line(interval)].map(|line| fit(&line, width, "~"))
}

/// "83% (target 80% in 20s) since 10:00": the service level against the
/// goal and the interval it covers (its start in `offset`).
pub fn service_line(f: &IntervalFigures<'_>, offset: UtcOffset) -> String {
    let mut s = percent(f.service_level_pct);
    if f.target_pct.is_some() || f.target_ms.is_some() {
        let within = f
            .target_ms
            .map_or("-".to_string(), |ms| span_ms(Some(ms as f64)));
        s.push_str(&format!(" (target {} in {within})", percent(f.target_pct)));
    }
    if let Some(since) = f.since {
        let t = since.to_offset(offset);
        s.push_str(&format!(" since {:02}:{:02}", t.hour(), t.minute()));
    }
    s
}

/// "140, answered 131, abandoned 9 (6%)": offered first, as its label
/// says.
pub fn volume_line(f: &IntervalFigures<'_>) -> String {
    let n = |v: Option<u64>| v.map_or("-".to_string(), |n| n.to_string());
    format!(
        "{}, answered {}, abandoned {} ({})",
        n(f.offered),
        n(f.answered),
        n(f.abandoned),
        percent(f.abandoned_pct)
    )
}

/// "ASA 12s, AHT 4m05s": average speed of answer and handle time.
pub fn speed_line(f: &IntervalFigures<'_>) -> String {
    format!(
        "ASA {}, AHT {}",
        span_ms(f.average_answer_ms),
        span_ms(f.average_handle_ms)
    )
}

/// Agents by state as Genesys Cloud's Queues Activity names them, on
/// one line: "On queue 8: idle 2, interacting 5, communicating 1, not
/// responding 0; off queue 3", "–" for what the feed does not say (plain
/// ASCII when `ascii`). On queue and idle fall back to the summary's own
/// counts, as the list's `Idle/OnQ` does.
pub fn agent_states(queue: &QueueView, ascii: bool) -> Option<String> {
    agent_state_items(queue, ascii).map(|items| items.join(" "))
}

/// The same line as its items, each whole with its punctuation ("On
/// queue 8:", "idle 2,", …, "off queue 3"), so a narrow panel can break
/// between them, never inside a label.
pub fn agent_state_items(queue: &QueueView, ascii: bool) -> Option<Vec<String>> {
    let summary = queue.summary.as_ref()?;
    let agents = summary.agents;
    let none = if ascii { "-" } else { "–" };
    let count = |v: Option<u32>| v.map_or_else(|| none.to_string(), |v| v.to_string());
    Some(vec![
        format!("On queue {}:", summary.on_queue()),
        format!("idle {},", summary.idle()),
        format!("interacting {},", count(agents.interacting)),
        format!("communicating {},", count(agents.communicating)),
        format!("not responding {};", count(agents.not_responding)),
        format!("off queue {}", count(agents.off_queue)),
    ])
}

/// `items` joined by spaces on lines of at most `width` cells, broken
/// only between items. When they need more than `max_lines`, the last
/// items give way to "+N" (N items not shown); an item wider than a line
/// is cut at the edge, as anything else would be.
pub fn wrap_items(items: &[String], width: usize, max_lines: usize) -> Vec<String> {
    let max_lines = max_lines.max(1);
    for kept in (1..=items.len()).rev() {
        let dropped = items.len() - kept;
        let mut shown: Vec<String> = items[..kept].to_vec();
        if dropped > 0 {
            shown.push(format!("+{dropped}"));
        }
        let lines = break_between(&shown, width);
        if lines.len() <= max_lines {
            return lines;
        }
    }
    break_between(&items[..items.len().min(1)], width)
}

/// Greedy: each item on the current line when it fits, else on the next.
fn break_between(items: &[String], width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for item in items {
        match lines.last_mut() {
            Some(line) if names::width(line) + 1 + names::width(item) <= width => {
                line.push(' ');
                line.push_str(item);
            }
            _ => lines.push(item.clone()),
        }
    }
    lines
}

/// "4s", "12m03s", "2h05m": short and fixed-ish width.
pub fn duration(span: Duration) -> String {
    let seconds = span.as_secs();
    if seconds < 60 {
        format!("{seconds}s")
    } else if seconds < 3600 {
        format!("{}m{:02}s", seconds / 60, seconds % 60)
    } else if seconds < 86_400 {
        format!("{}h{:02}m", seconds / 3600, (seconds % 3600) / 60)
    } else {
        format!("{}d{:02}h", seconds / 86_400, (seconds % 86_400) / 3600)
    }
}

/// Milliseconds as "45 ms" or "2.3 s".
pub fn millis(ms: f64) -> String {
    if !ms.is_finite() {
        "-".to_string()
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}

/// Events per second, with a decimal only when it helps.
pub fn rate(per_s: f64) -> String {
    if per_s < 10.0 {
        format!("{per_s:.1} ev/s")
    } else {
        format!("{per_s:.0} ev/s")
    }
}

/// A text bar `width` cells wide for a percentage, e.g. "█████░░░░░".
pub fn bar(pct: f64, width: usize, full: &str, empty: &str) -> (String, String) {
    let pct = if pct.is_finite() {
        pct.clamp(0.0, 100.0)
    } else {
        0.0
    };
    let filled = ((pct / 100.0) * width as f64).round() as usize;
    let filled = filled.min(width);
    (full.repeat(filled), empty.repeat(width - filled))
}

/// Cuts `s` to `width` display cells, ending with the ellipsis when cut.
pub fn fit(s: &str, width: usize, ellipsis: &str) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(width - 1).collect();
    out.push_str(ellipsis);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_stay_short() {
        assert_eq!(duration(Duration::from_secs(4)), "4s");
        assert_eq!(duration(Duration::from_secs(723)), "12m03s");
        assert_eq!(duration(Duration::from_secs(7500)), "2h05m");
        assert_eq!(duration(Duration::from_secs(90_000)), "1d01h");
    }

    #[test]
    fn bars_are_clamped() {
        assert_eq!(bar(50.0, 4, "#", "."), ("##".into(), "..".into()));
        assert_eq!(bar(250.0, 4, "#", "."), ("####".into(), "".into()));
        assert_eq!(bar(f64::NAN, 2, "#", "."), ("".into(), "..".into()));
    }

    #[test]
    fn fit_marks_the_cut() {
        assert_eq!(fit("Support EN", 20, "~"), "Support EN");
        assert_eq!(fit("Support Spanish", 8, "~"), "Support~");
    }

    #[test]
    fn millis_switches_to_seconds() {
        assert_eq!(millis(45.2), "45 ms");
        assert_eq!(millis(2300.0), "2.3 s");
    }

    fn items() -> Vec<String> {
        [
            "On queue 8:",
            "idle 2,",
            "interacting 5,",
            "communicating 1,",
            "not responding 10;",
            "off queue 3",
        ]
        .map(String::from)
        .to_vec()
    }

    #[test]
    fn items_wrap_between_labels_never_inside_one() {
        let line = items().join(" ");
        assert_eq!(wrap_items(&items(), 100, 2), std::slice::from_ref(&line));
        // 78 columns: the zoomed detail at 80.
        let lines = wrap_items(&items(), 60, 2);
        assert_eq!(
            lines,
            [
                "On queue 8: idle 2, interacting 5, communicating 1,",
                "not responding 10; off queue 3"
            ]
        );
        assert_eq!(lines.join(" "), line, "nothing lost, nothing split");
    }

    #[test]
    fn items_that_do_not_fit_give_way_to_a_count() {
        assert_eq!(
            wrap_items(&items(), 30, 2),
            ["On queue 8: idle 2,", "interacting 5, +3"]
        );
        assert_eq!(wrap_items(&items(), 12, 1), ["On queue 8:"]);
    }
}
