//! The agent roster: name, status and how long in it, by name.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use crate::event::AgentStatus;
use crate::model::QueueView;
use crate::ui::{Scene, figures, names};

use super::split_title;

/// The roster's status and "since" columns with their spacing.
pub const ROSTER_FIGURES: u16 = 14 + 6 + 2;

/// Cells the longest roster name takes (at least the "Name" header).
pub fn names_width(queue: &QueueView) -> u16 {
    let longest = queue
        .agents
        .values()
        .map(|agent| names::width(agent.name.as_deref().unwrap_or(&agent.user_id)))
        .max()
        .unwrap_or(0);
    u16::try_from(longest).unwrap_or(u16::MAX).max(4)
}

pub fn render(frame: &mut Frame, area: Rect, scene: &Scene, queue: &QueueView) {
    let theme = scene.theme();
    let title = title(queue);
    if queue.agents.is_empty() {
        frame.render_widget(
            Paragraph::new(vec![
                Line::styled(title, theme.title),
                Line::styled("no agent events yet", theme.dim),
            ]),
            area,
        );
        return;
    }
    let mut roster: Vec<_> = queue.agents.values().collect();
    roster.sort_by_cached_key(|agent| {
        agent
            .name
            .as_deref()
            .unwrap_or(&agent.user_id)
            .to_lowercase()
    });
    let [head, area] = split_title(area);
    frame.render_widget(Paragraph::new(Line::styled(title, theme.title)), head);
    let scroll = scene.view.detail_scroll.min(roster.len().saturating_sub(1));
    // As wide as the longest name (the status then sits beside it), as
    // long as the status and time still fit.
    let name_width = area
        .width
        .saturating_sub(ROSTER_FIGURES)
        .min(names_width(queue));
    let ellipsis = scene.glyphs().ellipsis;
    let rows = roster.into_iter().skip(scroll).map(|agent| {
        let name = names::cut_end(
            agent.name.as_deref().unwrap_or(&agent.user_id),
            usize::from(name_width),
            ellipsis,
        );
        let style = match agent.status {
            AgentStatus::Idle => theme.ok,
            AgentStatus::NotResponding => theme.alert,
            AgentStatus::OffQueue => theme.dim,
            _ => Style::default(),
        };
        let since = figures::duration(scene.data_now().saturating_duration_since(agent.since));
        Row::new(vec![
            Cell::from(name),
            Cell::from(Span::styled(agent.status.to_string(), style)),
            Cell::from(Line::from(since).right_aligned()),
        ])
    });
    let header = Row::new(vec![
        Cell::from("Name"),
        Cell::from("Status"),
        Cell::from(Line::from("Since").right_aligned()),
    ])
    .style(theme.dim.add_modifier(Modifier::BOLD));
    let widths = [
        Constraint::Length(name_width),
        Constraint::Length(14),
        Constraint::Length(6),
    ];
    let table = Table::new(rows, widths)
        .flex(Flex::Start)
        .header(header)
        .column_spacing(1);
    frame.render_widget(table, area);
}

/// "Agents: 10, 3 idle", or, from a feed that sends agent events only as
/// they change (realtime) and so knows fewer agents than its summary
/// counts, how many were seen: not a smaller truth.
fn title(queue: &QueueView) -> String {
    let idle = queue
        .agents
        .values()
        .filter(|agent| agent.status == AgentStatus::Idle)
        .count();
    let on_queue = queue.summary.as_ref().map_or(0, |s| s.on_queue() as usize);
    if on_queue > queue.agents.len() {
        format!(
            "Agents: {} seen of {on_queue} on queue, {idle} idle",
            queue.agents.len()
        )
    } else {
        format!("Agents: {}, {} idle", queue.agents.len(), idle)
    }
}
