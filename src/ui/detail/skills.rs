//! The skills table: each skill the queue's agents have, deficits first
//! and flagged.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use crate::event::SkillCount;
use crate::model::QueueView;
use crate::ui::Scene;

use super::split_title;

pub fn render(frame: &mut Frame, area: Rect, scene: &Scene, queue: &QueueView) {
    let theme = scene.theme();
    let Some(summary) = &queue.summary else {
        frame.render_widget(
            Paragraph::new("Skills: no summary yet").style(theme.dim),
            area,
        );
        return;
    };
    if summary.skills.is_empty() {
        frame.render_widget(
            Paragraph::new("Skills: none reported").style(theme.dim),
            area,
        );
        return;
    }
    let deficits = &queue.metrics.skill_deficits;
    let title = if deficits.is_empty() {
        format!("Skills: {} known", summary.skills.len())
    } else {
        format!(
            "Skills: {} known, {} short",
            summary.skills.len(),
            deficits.len()
        )
    };
    // Deficits first: they are the reason to look here.
    let mut skills: Vec<(&String, bool)> = summary
        .skills
        .keys()
        .map(|name| (name, deficits.contains(name)))
        .collect();
    skills.sort_by_key(|(name, short)| (!short, name.to_lowercase()));
    let [head, area] = split_title(area);
    frame.render_widget(Paragraph::new(Line::styled(title, theme.title)), head);
    let room = area.height.saturating_sub(1) as usize;
    let hidden = skills.len().saturating_sub(room);
    let shown = if hidden > 0 {
        room.saturating_sub(1)
    } else {
        room
    };
    let mut rows: Vec<Row> = skills
        .iter()
        .take(shown)
        .map(|&(name, short)| {
            let at_least = summary.demand_truncated;
            row(scene, name, summary.skills[name], short, at_least)
        })
        .collect();
    if hidden > 0 {
        rows.push(Row::new(vec![
            Cell::from(""),
            Cell::from(Span::styled(
                format!("+{} more", hidden + room - shown),
                theme.dim,
            )),
        ]));
    }
    frame.render_widget(table(scene, rows), area);
}

/// One skill: available agents, required (when known), the deficit mark.
/// `truncated`: the server's detail list was cut, so it counted at least
/// the required figure.
fn row<'a>(scene: &Scene, name: &str, counts: SkillCount, short: bool, truncated: bool) -> Row<'a> {
    let theme = scene.theme();
    let at_least = match (truncated, scene.glyphs().ascii) {
        (false, _) => "",
        (true, false) => "≥",
        (true, true) => ">=",
    };
    let required = counts
        .required
        .map_or("-".to_string(), |required| format!("{at_least}{required}"));
    let (mark, style) = if short {
        ("!", theme.alert)
    } else {
        (" ", Style::default())
    };
    Row::new(vec![
        Cell::from(Span::styled(mark, theme.alert)),
        Cell::from(name.to_string()),
        Cell::from(Line::from(counts.available.to_string()).right_aligned()),
        Cell::from(Line::from(required).right_aligned()),
        Cell::from(if short { "deficit" } else { "" }),
    ])
    .style(style)
}

fn table<'a>(scene: &Scene, rows: Vec<Row<'a>>) -> Table<'a> {
    let header = Row::new(vec![
        Cell::from(""),
        Cell::from("Skill"),
        Cell::from(Line::from("Avail").right_aligned()),
        Cell::from(Line::from("Req").right_aligned()),
        Cell::from(""),
    ])
    .style(scene.theme().dim.add_modifier(Modifier::BOLD));
    Table::new(
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
    .column_spacing(1)
}
