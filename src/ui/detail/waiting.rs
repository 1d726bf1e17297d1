//! The waiting interactions, longest wait first.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Rect};
use ratatui::style::Modifier;
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use crate::model::QueueView;
use crate::ui::{Scene, figures, names};

use super::split_title;

/// The width the waiting list takes beside the roster (its title line:
/// "Waiting: 12 (8 listed), longest 2m21s").
pub const WAITING_WIDTH: u16 = 38;

pub fn render(frame: &mut Frame, area: Rect, scene: &Scene, queue: &QueueView) {
    let theme = scene.theme();
    let count = queue.waiting_count();
    let title = title(scene, queue);
    if queue.waiting.is_empty() {
        let why = if count == 0 {
            "nobody waiting".to_string()
        } else {
            format!("{count} waiting, no detail on this feed")
        };
        frame.render_widget(
            Paragraph::new(vec![
                Line::styled(title, theme.title),
                Line::styled(why, theme.dim),
            ]),
            area,
        );
        return;
    }
    let mut list: Vec<_> = queue
        .waiting
        .values()
        .map(|interaction| {
            let waited = std::time::Duration::from_millis(interaction.wait_ms)
                + scene.data_now().saturating_duration_since(interaction.seen);
            (waited, interaction)
        })
        .collect();
    list.sort_by(|left, right| {
        right
            .0
            .cmp(&left.0)
            .then_with(|| left.1.conversation_id.cmp(&right.1.conversation_id))
    });
    let [head, area] = split_title(area);
    frame.render_widget(Paragraph::new(Line::styled(title, theme.title)), head);
    let scroll = scene.view.detail_scroll.min(list.len().saturating_sub(1));
    let id_width = usize::from(area.width.saturating_sub(6 + 7 + 2).min(16));
    let ellipsis = scene.glyphs().ellipsis;
    let rows = list.into_iter().skip(scroll).map(|(waited, interaction)| {
        Row::new(vec![
            Cell::from(interaction.media_type.to_string()),
            Cell::from(names::cut_middle(
                &interaction.conversation_id,
                id_width,
                id_width / 2,
                ellipsis,
            )),
            Cell::from(Line::from(figures::duration(waited)).right_aligned()),
        ])
    });
    let header = Row::new(vec![
        Cell::from("Media"),
        Cell::from("Conversation"),
        Cell::from(Line::from("Wait").right_aligned()),
    ])
    .style(theme.dim.add_modifier(Modifier::BOLD));
    let widths = [
        Constraint::Length(6),
        Constraint::Length(id_width as u16),
        Constraint::Length(7),
    ];
    let table = Table::new(rows, widths)
        .flex(Flex::Start)
        .header(header)
        .column_spacing(1);
    frame.render_widget(table, area);
}

/// "Waiting: 12 (8 listed), longest 2m21s": the count is the one the list
/// and the export show; the rows are what the feed told of each
/// interaction, which may be fewer.
fn title(scene: &Scene, queue: &QueueView) -> String {
    let mut title = format!("Waiting: {}", queue.waiting_count());
    if queue.waiting_unlisted() > 0 && !queue.waiting.is_empty() {
        title.push_str(&format!(" ({} listed)", queue.waiting.len()));
    }
    if let Some(longest) = queue.longest_wait(scene.data_now()) {
        title.push_str(&format!(", longest {}", figures::duration(longest)));
    }
    title
}
