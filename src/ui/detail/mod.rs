//! Detail of the selected queue: gauges, sparklines and the interval totals
//! on the left, skills on the right; agents and waiting interactions below
//! when there is room (always when zoomed).

mod agents;
mod meters;
mod skills;
mod waiting;

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::model::QueueView;
use crate::ui::keys::{self, Mode};
use crate::ui::{Focus, Scene, figures, trends};

/// Width of the gauges' and sparklines' label column.
const LABEL: usize = 12;
/// Below this inner width the skills table goes under the gauges.
const NARROW: u16 = 72;
/// Rows the zoomed roster and waiting list keep below the trends.
const TABLE_ROWS: u16 = 5;
/// Lines the agents-by-state line may take before its least important
/// items give way to "+N".
const STATE_LINES: usize = 2;

pub fn render(
    frame: &mut Frame,
    area: Rect,
    scene: &Scene,
    queue: Option<&QueueView>,
    zoomed: bool,
) {
    let theme = scene.theme();
    let focused = zoomed || scene.view.focus == Focus::Detail;
    let Some(queue) = queue else {
        let block = scene.block(Line::styled(" Detail ", theme.title), focused);
        frame.render_widget(
            Paragraph::new("Select a queue to see its detail.")
                .style(theme.dim)
                .block(block),
            area,
        );
        return;
    };
    let block = block(scene, queue, focused, zoomed);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width < 20 {
        return;
    }
    // Taller sparklines when there is room to spare; zoomed, the trends
    // below take their place.
    let spark_height: u16 = match inner.height {
        _ if zoomed => 0,
        20.. => 3,
        16.. => 2,
        _ => 1,
    };
    let rest = top(frame, inner, scene, queue, spark_height);
    let rest = agent_states(frame, rest, scene, queue);
    let rest = if zoomed {
        // The tallest bars that leave the tables a few rows.
        let bars = (1..=4)
            .rev()
            .find(|&bars| trends::height(rest.width, bars) + TABLE_ROWS <= rest.height)
            .unwrap_or(1);
        let height = trends::height(rest.width, bars).min(rest.height);
        let [chart, rest] =
            Layout::vertical([Constraint::Length(height), Constraint::Fill(1)]).areas(rest);
        trends::render(frame, chart, scene, queue);
        rest
    } else {
        rest
    };
    if rest.height >= 2 {
        people(frame, rest, scene, queue);
    } else if rest.height == 1 {
        let line = Line::styled(
            format!(
                "{} agents, {} waiting: Enter zooms for the roster",
                queue.agents.len(),
                queue.waiting_count()
            ),
            theme.dim,
        );
        frame.render_widget(Paragraph::new(line), rest);
    }
}

/// The panel's border: the queue's name, how to leave the zoom, and
/// whether what it shows is live.
fn block<'a>(scene: &Scene, queue: &QueueView, focused: bool, zoomed: bool) -> Block<'a> {
    let theme = scene.theme();
    let mut title = vec![Span::styled(format!(" {} ", queue.name), theme.title)];
    if zoomed {
        title.push(Span::styled(keys::leave_title(Mode::Zoom), theme.dim));
    }
    let block = scene.block(Line::from(title), focused);
    if queue.stale {
        block.title(Line::styled(" STALE ", theme.alert).right_aligned())
    } else if let Some(label) = scene.not_live() {
        block.title(Line::styled(format!(" {label} "), theme.alert).right_aligned())
    } else {
        block
    }
}

/// Gauges and sparklines with the skills beside them (under them when
/// narrow); returns what is left below.
fn top(
    frame: &mut Frame,
    inner: Rect,
    scene: &Scene,
    queue: &QueueView,
    spark_height: u16,
) -> Rect {
    let interval_height = if figures::has_interval(queue) { 3 } else { 0 };
    let metrics_height = 2 + 2 * spark_height + interval_height;
    if inner.width >= NARROW {
        let top_height = metrics_height.max(skills_height(queue)).min(inner.height);
        let [top, rest] =
            Layout::vertical([Constraint::Length(top_height), Constraint::Fill(1)]).areas(inner);
        let left_width = (inner.width / 2).clamp(30, 52);
        let [left, right] =
            Layout::horizontal([Constraint::Length(left_width), Constraint::Fill(1)])
                .spacing(2)
                .areas(top);
        meters::render(frame, left, scene, queue, spark_height);
        skills::render(frame, right, scene, queue);
        return rest;
    }
    // Too narrow for the skills beside the gauges (skill names would get
    // no room): stack them.
    let [top, skills_area, rest] = Layout::vertical([
        Constraint::Length(metrics_height.min(inner.height)),
        Constraint::Length(skills_height(queue)),
        Constraint::Fill(1),
    ])
    .areas(inner);
    meters::render(frame, top, scene, queue, spark_height);
    skills::render(frame, skills_area, scene, queue);
    rest
}

fn skills_height(queue: &QueueView) -> u16 {
    let count = queue.summary.as_ref().map_or(0, |s| s.skills.len()) as u16;
    (count + 2).clamp(3, 8)
}

/// Agents by state across the panel, broken between items, never inside
/// one ("not responding 1" stays whole); returns what is left below.
fn agent_states(frame: &mut Frame, rest: Rect, scene: &Scene, queue: &QueueView) -> Rect {
    let Some(items) = figures::agent_state_items(queue, scene.glyphs().ascii) else {
        return rest;
    };
    if rest.height < 4 {
        return rest;
    }
    let lines = figures::wrap_items(&items, usize::from(rest.width), STATE_LINES);
    let height = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let [line_area, rest] =
        Layout::vertical([Constraint::Length(height), Constraint::Fill(1)]).areas(rest);
    let lines: Vec<Line> = lines.into_iter().map(Line::raw).collect();
    frame.render_widget(Paragraph::new(lines), line_area);
    rest
}

/// The roster and the waiting interactions under the gauges: side by
/// side when interactions are listed, else the waiting line on top and
/// the roster across the whole width (a column saying "nobody waiting"
/// would take half the room from the names).
fn people(frame: &mut Frame, area: Rect, scene: &Scene, queue: &QueueView) {
    if queue.waiting.is_empty() || area.width < 2 * waiting::WAITING_WIDTH {
        let listed = !queue.waiting.is_empty();
        let waiting_height = if listed {
            (queue.waiting.len() as u16 + 2).min(area.height / 2)
        } else {
            2
        };
        let [waiting_area, roster] =
            Layout::vertical([Constraint::Length(waiting_height), Constraint::Fill(1)]).areas(area);
        waiting::render(frame, waiting_area, scene, queue);
        agents::render(frame, roster, scene, queue);
        return;
    }
    // The roster as wide as its names need, the waiting list beside it.
    let roster_width = agents::names_width(queue) + agents::ROSTER_FIGURES;
    let half = area.width.saturating_sub(waiting::WAITING_WIDTH + 2) / 2;
    let [roster, waiting_area] = Layout::horizontal([
        Constraint::Max(roster_width.max(half)),
        Constraint::Length(waiting::WAITING_WIDTH),
    ])
    .spacing(2)
    .flex(Flex::Start)
    .areas(area);
    agents::render(frame, roster, scene, queue);
    waiting::render(frame, waiting_area, scene, queue);
}

/// A table's title line and what is left under it.
fn split_title(area: Rect) -> [Rect; 2] {
    Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area)
}
