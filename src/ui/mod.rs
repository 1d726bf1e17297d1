//! Drawing: a pure function of state, one file per panel.
//!
//! `draw` reads the model and the view state and never changes either; it
//! reports back what the loop needs to know (is a clock or countdown on
//! screen, how many list rows fit).

pub mod alert_list;
pub mod columns;
pub mod detail;
pub mod figures;
pub mod header;
pub mod hints;
pub mod key_help;
pub mod keys;
pub mod mouse;
pub mod names;
pub mod queue_table;
mod scroll;
mod sort;
pub mod theme;
pub mod trends;
pub mod view;
pub mod wallboard;
pub mod welcome;

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};
use time::{OffsetDateTime, UtcOffset};
use tokio::time::Instant;

use crate::config::{AlertConfig, Config};
use crate::event::ConnState;
use crate::model::AppState;

pub use sort::{RISK_HOLD, SortKey};
pub use theme::{Glyphs, Theme};
pub use view::{Effect, Focus, Overlay, ViewState};

/// The smallest screen the layout is designed for: 80x20 leaves room for
/// an 80x24 window inside tmux or screen with a status line or two.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 20;
/// From this width on, alerts get their own panel beside the queues.
const WIDE: u16 = 120;
/// From this width on, the queue list runs the full height on the left
/// (more queues, more columns) and the detail keeps a fixed width.
const WIDEST: u16 = 180;
/// The detail panel's width on the widest screens: gauges and skills side
/// by side, labels near their values.
const DETAIL_WIDTH: u16 = 84;

/// Drawing settings fixed at start.
#[derive(Debug, Clone)]
pub struct Ui {
    pub theme: &'static Theme,
    pub glyphs: &'static Glyphs,
    pub environment: String,
    pub protocol: &'static str,
    pub alerts: AlertConfig,
    /// Offset of the header clock and alert times (UTC in tests).
    pub utc_offset: UtcOffset,
    /// Show the header clock (it costs one redraw a second).
    pub clock: bool,
    /// Start on the wallboard.
    pub wallboard: bool,
}

/// A `width` × `height` rectangle in the middle of `area` (an overlay),
/// cut to `area` when it does not fit.
pub(crate) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let (width, height) = (width.min(area.width), height.min(area.height));
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}

impl Ui {
    /// From the config; `no_color` is `theme::no_color_env()` in the app.
    pub fn new(cfg: &Config, no_color: bool) -> Self {
        Ui {
            theme: theme::select(cfg.ui.theme, no_color),
            glyphs: theme::glyphs(cfg.ui.ascii),
            environment: cfg.genesys.server_label(),
            protocol: cfg.genesys.protocol.as_str(),
            alerts: cfg.alerts,
            utc_offset: UtcOffset::UTC,
            clock: true,
            wallboard: cfg.ui.wallboard,
        }
    }
}

/// Everything one frame reads.
pub struct Scene<'a> {
    /// The live state: the header always shows it.
    pub live: &'a AppState,
    /// What the panels show: the live state, or the frozen copy when paused.
    pub state: &'a AppState,
    pub view: &'a ViewState,
    pub ui: &'a Ui,
    pub now: Instant,
    /// Wall-clock time, already in the display offset.
    pub wall: OffsetDateTime,
    /// The visible queues (indices into `state.queues`), filtered and
    /// sorted once per frame.
    pub rows: Vec<usize>,
}

impl<'a> Scene<'a> {
    /// The time the panels' timers read: now while the feed is live; the
    /// time of the last data when it is not (paused, or not connected), so
    /// no wait or "since" grows on data nobody is receiving.
    pub fn data_now(&self) -> Instant {
        let live =
            self.view.paused.is_none() && self.live.feed().status.state == ConnState::Connected;
        match self.state.feed().last_event {
            Some(at) if !live => at.min(self.now),
            _ => self.now,
        }
    }
    /// Position of the selected queue in `rows`.
    pub fn selected_pos(&self) -> Option<usize> {
        self.view.selected_pos(self.state, &self.rows)
    }
    pub fn selected_queue(&self) -> Option<&'a crate::model::QueueView> {
        let state: &'a AppState = self.state;
        self.selected_pos().map(|p| &state.queues()[self.rows[p]])
    }
}

impl Scene<'_> {
    pub fn theme(&self) -> &Theme {
        self.ui.theme
    }
    pub fn glyphs(&self) -> &Glyphs {
        self.ui.glyphs
    }
    /// The panels show data that is not live: paused, or the feed is not
    /// connected (what is shown is the last thing known, and when).
    pub fn not_live(&self) -> Option<String> {
        if self.view.paused.is_some() {
            return Some("PAUSED".into());
        }
        if self.live.feed().status.state == ConnState::Connected {
            return None;
        }
        // A wall time, not "n s ago": it stays true without redrawing.
        Some(match self.live.feed().last_event {
            Some(at) => {
                let last = self.wall - self.now.saturating_duration_since(at);
                format!(
                    "NOT LIVE, last data {:02}:{:02}:{:02}",
                    last.hour(),
                    last.minute(),
                    last.second()
                )
            }
            None => "NOT LIVE".into(),
        })
    }
    /// A bordered panel; the focused one gets a heavier border and a marker,
    /// not just a colour.
    pub fn block<'b>(&self, title: Line<'b>, focused: bool) -> Block<'b> {
        let theme = self.theme();
        let mut set = self.glyphs().border;
        if focused {
            if self.glyphs().ascii {
                set.horizontal_top = "=";
                set.horizontal_bottom = "=";
            } else {
                set = ratatui::symbols::border::THICK;
            }
        }
        Block::bordered()
            .border_set(set)
            .border_style(if focused {
                theme.border_focus
            } else {
                theme.border
            })
            .title(title)
    }
}

/// What the loop needs to know after a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DrawInfo {
    /// When a clock or countdown on screen next reads differently.
    pub redraw_at: Option<Instant>,
    /// Queue rows that fit (the PgUp/PgDn step).
    pub list_rows: usize,
    /// First queue row shown, to start from next frame so the list does
    /// not jump while the selection moves inside it.
    pub list_offset: usize,
    /// Where the queue list was drawn (for mouse clicks); None when hidden.
    pub list_area: Option<Rect>,
}

/// Draws one frame. Pure: reads the states, changes nothing.
pub fn draw(
    frame: &mut Frame,
    live: &AppState,
    view: &ViewState,
    ui: &Ui,
    now: Instant,
    wall: OffsetDateTime,
) -> DrawInfo {
    let area = frame.area();
    let state = view.shown(live);
    let scene = Scene {
        live,
        state,
        view,
        ui,
        now,
        wall: wall.to_offset(ui.utc_offset),
        rows: view.visible(state, now),
    };
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area, &scene);
        return DrawInfo::default();
    }
    let [top, body, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let redraw_at = header::render(frame, top, &scene);
    hints::render(frame, bottom, &scene);
    let mut info = DrawInfo {
        redraw_at,
        list_rows: view.page_rows,
        list_offset: view.list_offset,
        list_area: None,
    };
    match view.overlay {
        Overlay::Help => key_help::render(frame, body, &scene),
        Overlay::Alerts => alert_list::render_view(frame, body, &scene),
        Overlay::Notes => {
            (info.list_rows, info.list_offset, _) = main_screen(frame, body, &scene);
            welcome::render_notes(frame, body, &scene);
        }
        Overlay::None if view.wallboard => wallboard::render(frame, body, &scene),
        Overlay::None if view.zoomed => {
            let queue = scene.selected_queue();
            detail::render(frame, body, &scene, queue, true);
        }
        Overlay::None => {
            let (rows, offset, list) = main_screen(frame, body, &scene);
            (info.list_rows, info.list_offset, info.list_area) = (rows, offset, Some(list));
        }
    }
    info
}

/// Queues, detail and alerts side by side (wide) or stacked (narrow), and
/// one line for what needs attention most: a feed problem, else (narrow)
/// the newest alert.
fn main_screen(frame: &mut Frame, area: Rect, scene: &Scene) -> (usize, usize, Rect) {
    let shown = u16::try_from(scene.rows.len()).unwrap_or(u16::MAX);
    let queue = scene.selected_queue();
    let focus = scene.view.focus;
    let wide = area.width >= WIDE;
    let feed_line = header::feed_problem(scene);
    let strip = feed_line.is_some() || (!wide && alert_list::has_active(scene.state));
    let [body, strip_area] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(strip as u16)]).areas(area);
    match feed_line {
        Some(line) => frame.render_widget(Paragraph::new(line), strip_area),
        None => alert_list::render_strip(frame, strip_area, scene),
    }
    if area.width >= WIDEST {
        let [left, right] =
            Layout::horizontal([Constraint::Fill(1), Constraint::Length(DETAIL_WIDTH)]).areas(body);
        // The detail as tall as it is useful, the alerts under it.
        let detail_height = (right.height * 3 / 5).max(right.height.min(20));
        let [detail_area, alert_area] =
            Layout::vertical([Constraint::Length(detail_height), Constraint::Fill(1)]).areas(right);
        let rows = queue_table::render(frame, left, scene);
        detail::render(frame, detail_area, scene, queue, false);
        alert_list::render_panel(frame, alert_area, scene, focus == Focus::Alerts);
        (rows.0, rows.1, left)
    } else if wide {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                .areas(body);
        let list_height = (shown + 3).clamp(6, left.height.saturating_sub(8).max(6));
        let [list, alert_area] =
            Layout::vertical([Constraint::Length(list_height), Constraint::Fill(1)]).areas(left);
        let rows = queue_table::render(frame, list, scene);
        alert_list::render_panel(frame, alert_area, scene, focus == Focus::Alerts);
        detail::render(frame, right, scene, queue, false);
        (rows.0, rows.1, list)
    } else {
        let list_height = (shown + 3).clamp(5, (body.height / 2).max(5));
        let [list, rest] =
            Layout::vertical([Constraint::Length(list_height), Constraint::Fill(1)]).areas(body);
        let rows = queue_table::render(frame, list, scene);
        // No room for a third panel: focusing alerts shows them here.
        if focus == Focus::Alerts {
            alert_list::render_panel(frame, rest, scene, true);
        } else {
            detail::render(frame, rest, scene, queue, false);
        }
        (rows.0, rows.1, list)
    }
}

/// The size, what is needed, and how to quit, in as many words as fit:
/// the way out is the last thing to go.
fn too_small(frame: &mut Frame, area: Rect, scene: &Scene) {
    let theme = scene.theme();
    let size = format!("{}x{}", area.width, area.height);
    let candidates = [
        vec![
            Line::styled("Terminal too small", theme.alert),
            Line::raw(format!(
                "{size} now; queuetop needs at least {MIN_WIDTH}x{MIN_HEIGHT}."
            )),
            Line::raw("Enlarge the window, or press q to quit."),
        ],
        vec![
            Line::styled(
                format!("Too small: {size}, needs {MIN_WIDTH}x{MIN_HEIGHT}"),
                theme.alert,
            ),
            Line::raw("q: quit"),
        ],
        vec![Line::styled("q: quit", theme.alert)],
        vec![Line::styled("q", theme.alert)],
    ];
    let width = usize::from(area.width.max(1));
    let rows = |text: &[Line]| -> usize {
        text.iter()
            .map(|line| line.width().div_ceil(width).max(1))
            .sum()
    };
    let fits = |text: &&Vec<Line>| {
        rows(text) <= usize::from(area.height) && text.iter().all(|line| line.width() <= width)
    };
    let Some(text) = candidates.iter().find(fits).or(candidates.last()) else {
        return;
    };
    let height = u16::try_from(rows(text))
        .unwrap_or(u16::MAX)
        .min(area.height);
    let top = area.y + area.height.saturating_sub(height) / 2;
    let message = Rect::new(area.x, top, area.width, height);
    frame.render_widget(
        Paragraph::new(text.clone())
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true })
            .style(Style::default()),
        message,
    );
}
