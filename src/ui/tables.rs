//! The detail's tables: skills with deficits flagged, the agent roster,
//! and the waiting interactions, longest wait first.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use crate::event::AgentStatus;
use crate::model::QueueView;
use crate::ui::{Scene, figures, names};

pub fn skills(frame: &mut Frame, area: Rect, scene: &Scene, q: &QueueView) {
    let t = scene.theme();
    let Some(summary) = &q.summary else {
        frame.render_widget(Paragraph::new("Skills: no summary yet").style(t.dim), area);
        return;
    };
    let deficits = &q.metrics.skill_deficits;
    let title = if deficits.is_empty() {
        format!("Skills: {} known", summary.skills.len())
    } else {
        format!(
            "Skills: {} known, {} short",
            summary.skills.len(),
            deficits.len()
        )
    };
    if summary.skills.is_empty() {
        frame.render_widget(Paragraph::new("Skills: none reported").style(t.dim), area);
        return;
    }
    // Deficits first: they are the reason to look here.
    let mut names: Vec<(&String, bool)> = summary
        .skills
        .keys()
        .map(|k| (k, deficits.contains(k)))
        .collect();
    names.sort_by_key(|(k, short)| (!short, k.to_lowercase()));
    let [head, area] = split_title(area);
    frame.render_widget(Paragraph::new(Line::styled(title, t.title)), head);
    let room = area.height.saturating_sub(1) as usize;
    let hidden = names.len().saturating_sub(room);
    let shown = if hidden > 0 {
        room.saturating_sub(1)
    } else {
        room
    };
    let mut rows: Vec<Row> = names
        .iter()
        .take(shown)
        .map(|(name, short)| {
            let c = summary.skills[*name];
            // A truncated detail list: the server counted at least this many.
            let at_least = match (summary.demand_truncated, scene.glyphs().ascii) {
                (false, _) => "",
                (true, false) => "≥",
                (true, true) => ">=",
            };
            let req = c
                .required
                .map_or("-".to_string(), |r| format!("{at_least}{r}"));
            let (mark, style) = if *short {
                ("!", t.alert)
            } else {
                (" ", Style::default())
            };
            Row::new(vec![
                Cell::from(Span::styled(mark, t.alert)),
                Cell::from((*name).clone()),
                Cell::from(Line::from(c.available.to_string()).right_aligned()),
                Cell::from(Line::from(req).right_aligned()),
                Cell::from(if *short { "deficit" } else { "" }),
            ])
            .style(style)
        })
        .collect();
    if hidden > 0 {
        rows.push(Row::new(vec![
            Cell::from(""),
            Cell::from(Span::styled(
                format!("+{} more", hidden + room - shown),
                t.dim,
            )),
        ]));
    }
    let header = Row::new(vec![
        Cell::from(""),
        Cell::from("Skill"),
        Cell::from(Line::from("Avail").right_aligned()),
        Cell::from(Line::from("Req").right_aligned()),
        Cell::from(""),
    ])
    .style(t.dim.add_modifier(Modifier::BOLD));
    let table = Table::new(
        rows,
        [
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(5),
            Constraint::Length(4),
            Constraint::Length(7),
        ],
    )
    .header(header)
    .column_spacing(1);
    frame.render_widget(table, area);
}

/// The width the waiting list takes beside the roster (its title line:
/// "Waiting: 12 (8 listed), longest 2m21s").
const WAITING_WIDTH: u16 = 38;
/// The roster's status and "since" columns with their spacing.
const ROSTER_FIGURES: u16 = 14 + 6 + 2;

/// The roster and the waiting interactions under the gauges: side by
/// side when interactions are listed, else the waiting line on top and
/// the roster across the whole width (a column saying "nobody waiting"
/// would take half the room from the names).
pub fn people(frame: &mut Frame, area: Rect, scene: &Scene, q: &QueueView) {
    if q.waiting.is_empty() || area.width < 2 * WAITING_WIDTH {
        let listed = !q.waiting.is_empty();
        let waiting_h = if listed {
            (q.waiting.len() as u16 + 2).min(area.height / 2)
        } else {
            2
        };
        let [waiting_area, roster] =
            Layout::vertical([Constraint::Length(waiting_h), Constraint::Fill(1)]).areas(area);
        waiting(frame, waiting_area, scene, q);
        agents(frame, roster, scene, q);
        return;
    }
    // The roster as wide as its names need, the waiting list beside it.
    let roster_w = roster_names_width(q) + ROSTER_FIGURES;
    let [roster, waiting_area] = Layout::horizontal([
        Constraint::Max(roster_w.max(area.width.saturating_sub(WAITING_WIDTH + 2) / 2)),
        Constraint::Length(WAITING_WIDTH),
    ])
    .spacing(2)
    .flex(Flex::Start)
    .areas(area);
    agents(frame, roster, scene, q);
    waiting(frame, waiting_area, scene, q);
}

/// Cells the longest roster name takes (at least the "Name" header).
fn roster_names_width(q: &QueueView) -> u16 {
    let longest = q
        .agents
        .values()
        .map(|a| names::width(a.name.as_deref().unwrap_or(&a.user_id)))
        .max()
        .unwrap_or(0);
    u16::try_from(longest).unwrap_or(u16::MAX).max(4)
}

pub fn agents(frame: &mut Frame, area: Rect, scene: &Scene, q: &QueueView) {
    let t = scene.theme();
    let idle = q
        .agents
        .values()
        .filter(|a| a.status == AgentStatus::Idle)
        .count();
    // A feed that sends agent events only as they change (realtime) knows
    // fewer agents than its summary counts: say so, not a smaller truth.
    let on_queue = q.summary.as_ref().map_or(0, |s| s.on_queue() as usize);
    let title = if on_queue > q.agents.len() {
        format!(
            "Agents: {} seen of {on_queue} on queue, {idle} idle",
            q.agents.len()
        )
    } else {
        format!("Agents: {}, {} idle", q.agents.len(), idle)
    };
    if q.agents.is_empty() {
        frame.render_widget(
            Paragraph::new(vec![
                Line::styled(title, t.title),
                Line::styled("no agent events yet", t.dim),
            ]),
            area,
        );
        return;
    }
    let mut list: Vec<_> = q.agents.values().collect();
    list.sort_by(|a, b| {
        let an = a.name.as_deref().unwrap_or(&a.user_id);
        let bn = b.name.as_deref().unwrap_or(&b.user_id);
        an.to_lowercase().cmp(&bn.to_lowercase())
    });
    let [head, area] = split_title(area);
    frame.render_widget(Paragraph::new(Line::styled(title, t.title)), head);
    let scroll = scene.view.detail_scroll.min(list.len().saturating_sub(1));
    // As wide as the longest name (the status then sits beside it), as
    // long as the status and time still fit.
    let name_w = area
        .width
        .saturating_sub(ROSTER_FIGURES)
        .min(roster_names_width(q));
    let ellipsis = scene.glyphs().ellipsis;
    let rows = list.into_iter().skip(scroll).map(|a| {
        let name = names::cut_end(
            a.name.as_deref().unwrap_or(&a.user_id),
            usize::from(name_w),
            ellipsis,
        );
        let style = match a.status {
            AgentStatus::Idle => t.ok,
            AgentStatus::NotResponding => t.alert,
            AgentStatus::OffQueue => t.dim,
            _ => Style::default(),
        };
        let since = figures::duration(scene.data_now().saturating_duration_since(a.since));
        Row::new(vec![
            Cell::from(name),
            Cell::from(Span::styled(a.status.to_string(), style)),
            Cell::from(Line::from(since).right_aligned()),
        ])
    });
    let header = Row::new(vec![
        Cell::from("Name"),
        Cell::from("Status"),
        Cell::from(Line::from("Since").right_aligned()),
    ])
    .style(t.dim.add_modifier(Modifier::BOLD));
    let table = Table::new(
        rows,
        [
            Constraint::Length(name_w),
            Constraint::Length(14),
            Constraint::Length(6),
        ],
    )
    .flex(Flex::Start)
    .header(header)
    .column_spacing(1);
    frame.render_widget(table, area);
}

pub fn waiting(frame: &mut Frame, area: Rect, scene: &Scene, q: &QueueView) {
    let t = scene.theme();
    let g = scene.glyphs();
    // The count is the one the list and the export show; the rows are
    // what the feed told of each interaction, which may be fewer.
    let count = q.waiting_count();
    let unlisted = q.waiting_unlisted();
    let mut title = format!("Waiting: {count}");
    if unlisted > 0 && !q.waiting.is_empty() {
        title.push_str(&format!(" ({} listed)", q.waiting.len()));
    }
    if let Some(longest) = q.longest_wait(scene.data_now()) {
        title.push_str(&format!(", longest {}", figures::duration(longest)));
    }
    if q.waiting.is_empty() {
        let why = if count == 0 {
            "nobody waiting".to_string()
        } else {
            format!("{count} waiting, no detail on this feed")
        };
        frame.render_widget(
            Paragraph::new(vec![Line::styled(title, t.title), Line::styled(why, t.dim)]),
            area,
        );
        return;
    }
    let mut list: Vec<_> = q
        .waiting
        .values()
        .map(|w| {
            let waited = std::time::Duration::from_millis(w.wait_ms)
                + scene.data_now().saturating_duration_since(w.seen);
            (waited, w)
        })
        .collect();
    list.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| a.1.conversation_id.cmp(&b.1.conversation_id))
    });
    let [head, area] = split_title(area);
    frame.render_widget(Paragraph::new(Line::styled(title, t.title)), head);
    let scroll = scene.view.detail_scroll.min(list.len().saturating_sub(1));
    let conv_w = usize::from(area.width.saturating_sub(6 + 7 + 2).min(16));
    let rows = list.into_iter().skip(scroll).map(|(waited, w)| {
        Row::new(vec![
            Cell::from(w.media_type.to_string()),
            Cell::from(names::cut_middle(
                &w.conversation_id,
                conv_w,
                conv_w / 2,
                g.ellipsis,
            )),
            Cell::from(Line::from(figures::duration(waited)).right_aligned()),
        ])
    });
    let header = Row::new(vec![
        Cell::from("Media"),
        Cell::from("Conversation"),
        Cell::from(Line::from("Wait").right_aligned()),
    ])
    .style(t.dim.add_modifier(Modifier::BOLD));
    let table = Table::new(
        rows,
        [
            Constraint::Length(6),
            Constraint::Length(conv_w as u16),
            Constraint::Length(7),
        ],
    )
    .flex(Flex::Start)
    .header(header)
    .column_spacing(1);
    frame.render_widget(table, area);
}

/// The panel's title line and what is left under it.
fn split_title(area: Rect) -> [Rect; 2] {
    Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area)
}
