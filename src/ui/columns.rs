//! The queue list's columns as data: the essentials at 80 columns, and
//! each extra column added, in the order below, only when the list is
//! wide enough for it and a readable name beside it.

use ratatui::text::{Line, Span};

use crate::model::QueueView;
use crate::model::queue::round1;
use crate::ui::{Scene, figures};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Index,
    Name,
    Agents,
    Utilization,
    Waiting,
    Longest,
    Alerts,
    /// Interval service level against the queue's target.
    ServiceLevel,
    /// Abandoned over offered, percent.
    Abandoned,
    Offered,
    Answered,
    /// Average speed of answer.
    Asa,
    /// Agents on queue / logged in but off queue.
    OnOffQueue,
    /// Waiting per media type.
    Media,
    /// Waiting over the last minutes, one cell per 30 s bucket.
    Trend,
}

/// One column of the table.
pub struct Spec {
    pub column: Column,
    pub header: &'static str,
    pub width: u16,
    pub right: bool,
}

const fn spec(column: Column, header: &'static str, width: u16, right: bool) -> Spec {
    Spec {
        column,
        header,
        width,
        right,
    }
}

/// The utilization bar's cells (plus "100%" beside it).
pub const BAR: usize = 10;
/// The name column never gets less than this, so cut names stay readable.
pub const NAME_MIN: u16 = 14;
/// Nor more than this: a wide list puts figures in the room instead.
pub const NAME_MAX: u16 = 32;
/// Buckets in the per-row trend (30 s each: eight minutes).
pub const TREND: u16 = 16;

/// Always shown, left to right (the name's place is fixed, its width not).
pub const ESSENTIAL: &[Spec] = &[
    spec(Column::Index, "#", 2, false),
    spec(Column::Name, "Queue", NAME_MIN, false),
    spec(Column::Agents, "Idle/OnQ", 8, true),
    spec(Column::Utilization, "Utilization", BAR as u16 + 5, false),
    spec(Column::Waiting, "Wait", 4, true),
    spec(Column::Longest, "Longest", 7, true),
];

/// Added while they fit, in this order; drawn after the essentials. The
/// interval's headline figures (service level, speed of answer, abandon
/// rate) come first: together they cost less than the trend. Per-media
/// waiting goes last, as most centres take one medium per queue.
pub const EXTRA: &[Spec] = &[
    spec(Column::ServiceLevel, "SL/target", 9, true),
    spec(Column::Asa, "ASA", 6, true),
    spec(Column::Abandoned, "Aband", 6, true),
    spec(Column::Trend, "Waiting, 8 min", TREND, false),
    spec(Column::OnOffQueue, "On/Off", 7, true),
    spec(Column::Offered, "Offered", 7, true),
    spec(Column::Answered, "Answered", 8, true),
    spec(Column::Media, "Waiting by media", 16, false),
];

/// The alerts column closes the row and takes what is left.
pub const LAST: Spec = spec(Column::Alerts, "Alerts", 8, false);

/// The columns for a table `width` cells wide (inside the border and the
/// selection marker), and the name column's width. `longest_name` is the
/// widest name on screen: the name column is no wider than it needs, and
/// an extra column is added only when the names still fit whole (up to
/// `NAME_MAX`): a figure is worth less than telling queues apart.
pub fn choose(width: u16, longest_name: u16) -> (Vec<&'static Spec>, u16) {
    let need = longest_name.clamp(NAME_MIN, NAME_MAX);
    let used =
        |cols: &[&Spec]| -> u16 { cols.iter().map(|c| c.width + 1).sum::<u16>() + LAST.width };
    let mut cols: Vec<&Spec> = ESSENTIAL.iter().collect();
    for extra in EXTRA {
        cols.push(extra);
        if used(&cols) + (need - NAME_MIN) > width {
            cols.pop();
            break;
        }
    }
    let spare = width.saturating_sub(used(&cols));
    let name = (NAME_MIN + spare).min(need);
    cols.push(&LAST);
    (cols, name)
}

/// The cell of `column` for `queue` (the index, name and alerts are
/// the list's own).
pub fn cell(scene: &Scene, column: Column, queue: &QueueView) -> Line<'static> {
    let theme = scene.theme();
    let dash = || Line::styled("-", theme.dim);
    let summary = queue.summary.as_ref();
    // The interval's figures as the detail, the export and the metrics
    // compute them: one truth, written alike.
    let interval = || queue.interval_figures();
    let count = |value: Option<u64>| value.map_or_else(dash, |value| Line::raw(value.to_string()));
    match column {
        Column::ServiceLevel => {
            let interval_figures = interval();
            match interval_figures.service_level_pct {
                Some(sl) => {
                    // The goal the service-level alert measures against.
                    let target = queue.service_level_target();
                    // Under target: a marker as well as the colour.
                    let (mark, style) = if sl < target {
                        ("!", theme.alert)
                    } else {
                        ("", theme.text)
                    };
                    Line::from(vec![
                        Span::styled(format!("{mark}{:.0}", round1(sl)), style),
                        Span::styled(format!("/{:.0}%", round1(target)), theme.dim),
                    ])
                }
                None => dash(),
            }
        }
        Column::Asa => match interval().average_answer_ms {
            Some(ms) => Line::raw(figures::span_ms(Some(ms))),
            None => dash(),
        },
        Column::Abandoned => match interval().abandoned_pct {
            Some(percent) => Line::raw(figures::percent(Some(percent))),
            None => dash(),
        },
        Column::Offered => count(interval().offered),
        Column::Answered => count(interval().answered),
        Column::OnOffQueue => match summary.map(|queue_summary| {
            (
                queue_summary.agents.on_queue,
                queue_summary.agents.off_queue,
            )
        }) {
            Some((Some(on), off)) => Line::raw(format!(
                "{on}/{}",
                off.map_or_else(|| "-".to_string(), |value| value.to_string())
            )),
            _ => dash(),
        },
        Column::Media => media(scene, queue),
        Column::Trend => trend(scene, queue),
        _ => dash(),
    }
}

/// "voice 3 chat 1": media with someone waiting, most first.
fn media(scene: &Scene, queue: &QueueView) -> Line<'static> {
    let theme = scene.theme();
    let Some(summary) = &queue.summary else {
        return Line::styled("-", theme.dim);
    };
    if summary.media.is_empty() {
        return Line::styled("-", theme.dim);
    }
    let mut waiting: Vec<(&str, u32)> = summary
        .media
        .iter()
        .filter(|(_, m)| m.waiting > 0)
        .map(|(name, m)| (name.as_str(), m.waiting))
        .collect();
    waiting.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let text: Vec<String> = waiting.iter().map(|(n, w)| format!("{n} {w}")).collect();
    Line::raw(text.join(" "))
}

/// The newest buckets of the waiting history as bar characters, scaled
/// to the window's peak (or the waiting limit, so a calm queue draws
/// low); a gap where the feed was down stays blank.
fn trend(scene: &Scene, queue: &QueueView) -> Line<'static> {
    let theme = scene.theme();
    let set = &scene.glyphs().spark;
    let width = TREND as usize;
    let data: Vec<Option<u64>> = queue
        .waiting_history
        .iter()
        .rev()
        .take(width)
        .rev()
        .collect();
    if data.is_empty() {
        return Line::styled("no history", theme.dim);
    }
    let top = data
        .iter()
        .flatten()
        .copied()
        .max()
        .unwrap_or(0)
        .max(u64::from(scene.ui.alerts.waiting))
        .max(1);
    let levels = [
        set.one_eighth,
        set.one_quarter,
        set.three_eighths,
        set.half,
        set.five_eighths,
        set.three_quarters,
        set.seven_eighths,
        set.full,
    ];
    let mut text = " ".repeat(width - data.len());
    for value in &data {
        match value {
            None => text.push(' '),
            Some(value) => {
                let level = (value * 7).div_ceil(top).min(7) as usize;
                text.push_str(levels[level]);
            }
        }
    }
    Line::styled(text, theme.spark)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(cols: &[&Spec]) -> Vec<Column> {
        cols.iter().map(|c| c.column).collect()
    }

    #[test]
    fn eighty_columns_get_the_essentials_and_a_readable_name() {
        // 80 columns: 78 inside the border, 1 for the marker.
        let (cols, name) = choose(77, 40);
        let chosen = names(&cols);
        assert!(ESSENTIAL.iter().all(|e| chosen.contains(&e.column)));
        assert!(!chosen.contains(&Column::Trend), "{chosen:?}");
        assert!(name >= NAME_MIN, "{name}");
    }

    #[test]
    fn wider_lists_earn_extra_columns_in_order() {
        let (narrow, _) = choose(90, 20);
        let (wide, name) = choose(200, 20);
        assert!(narrow.len() < wide.len());
        assert!(names(&wide).contains(&Column::Trend));
        assert!(names(&wide).contains(&Column::ServiceLevel));
        assert!(names(&wide).contains(&Column::Asa));
        assert_eq!(name, 20, "the name column is no wider than its names");
        assert_eq!(
            *names(&wide).last().unwrap_or(&Column::Index),
            Column::Alerts
        );
    }

    #[test]
    fn the_interval_figures_come_at_the_widths_docs_screen_names() {
        use Column::*;
        // Names no longer than the name column's minimum.
        let extras = |room: u16| -> Vec<Column> {
            let (cols, _) = choose(room, NAME_MIN);
            let all = names(&cols);
            all[ESSENTIAL.len()..all.len() - 1].to_vec()
        };
        // Below 120 columns the list is the terminal less 3 cells; from
        // 180 it is that less the detail's 84.
        let narrow = |width: u16| extras(width - 3);
        let widest = |width: u16| extras(width - 87);
        assert_eq!(narrow(80), [ServiceLevel]);
        assert_eq!(narrow(83), [ServiceLevel]);
        assert_eq!(narrow(84), [ServiceLevel, Asa]);
        assert_eq!(narrow(91), [ServiceLevel, Asa, Abandoned]);
        assert_eq!(narrow(107), [ServiceLevel, Asa, Abandoned]);
        assert_eq!(narrow(108), [ServiceLevel, Asa, Abandoned, Trend]);
        assert_eq!(narrow(116).last(), Some(&OnOffQueue));
        assert_eq!(widest(180), [ServiceLevel, Asa, Abandoned]);
        assert_eq!(widest(192).last(), Some(&Trend));
        assert_eq!(widest(200).last(), Some(&OnOffQueue));
        assert_eq!(widest(208).last(), Some(&Offered));
        assert_eq!(widest(217).last(), Some(&Answered));
        assert_eq!(widest(233).last(), Some(&Answered));
        assert_eq!(widest(234).last(), Some(&Media));
    }

    #[test]
    fn names_are_not_cut_to_make_room_for_an_extra_column() {
        // 77: room for the service level beside 14-cell names, not
        // beside 20-cell ones.
        assert_eq!(choose(77, 14).0.len(), ESSENTIAL.len() + 2);
        let (cols, name) = choose(77, 20);
        assert_eq!(cols.len(), ESSENTIAL.len() + 1, "no extra column");
        assert_eq!(name, 20, "the name whole");
        // With no room even for the essentials and the whole name, the
        // name gives way, down to its minimum.
        assert_eq!(choose(70, 40).1, NAME_MIN + 6);
    }

    #[test]
    fn the_name_never_goes_under_its_minimum() {
        for width in 60..260 {
            let (cols, name) = choose(width, 40);
            let used: u16 = cols.iter().map(|c| c.width + 1).sum::<u16>() - NAME_MIN + name;
            assert!(name >= NAME_MIN);
            if width >= 70 {
                assert!(used <= width + 1, "{width}: {used}");
            }
        }
    }
}
