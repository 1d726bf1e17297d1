//! The app loop: one `select!` over outside stops, terminal events, feed
//! events and the next deadline. It drains what is pending, applies it,
//! and draws once when the redraw policy says so. Generic over the backend
//! and the input stream so tests drive it with `TestBackend` and a channel
//! under paused time.

use std::future::Future;
use std::io;
use std::time::Duration;

use crossterm::event::Event;
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use time::OffsetDateTime;
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep_until};

use crate::app::clock::{Clock, local_offset};
use crate::app::core::Core;
use crate::app::redraw::RedrawPolicy;
use crate::app::sinks::Sinks;
use crate::app::terminal::Stop;
use crate::event::{FeedCommand, FeedEvent};
use crate::model::AppState;
use crate::ui::{self, Effect, Ui, ViewState};

/// How often the model's clock runs (staleness, rates). Not a render tick:
/// it draws only when the model says something changed.
const MODEL_TICK: Duration = Duration::from_secs(1);
/// How long "reconnecting" stays on the key bar when the feed never
/// reports (a replay, or a feed that has ended).
const RECONNECT_NOTICE: Duration = Duration::from_secs(10);
/// Consecutive input errors after which the terminal counts as gone.
const MAX_INPUT_ERRORS: u32 = 3;

/// Set by the panic hook: a panic anywhere (a task included) ends the app,
/// because the hook has already given the terminal back.
pub static PANICKED: Notify = Notify::const_new();

/// How the loop ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    /// The user quit (q, Ctrl-C).
    Quit,
    /// A signal or a hang-up.
    Stopped(Stop),
    /// The terminal stopped delivering input (closed or failing).
    InputGone(String),
    /// A panic somewhere else; its message is already printed.
    Panicked,
}

/// The channels the loop talks through.
pub struct LoopIo<S> {
    /// Terminal events (crossterm's `EventStream` in the app).
    pub input: S,
    pub feed: mpsc::Receiver<FeedEvent>,
    pub commands: mpsc::Sender<FeedCommand>,
}

/// State the loop owns: the model and its outputs, the view, when to draw.
pub struct AppLoop {
    core: Core,
    pub view: ViewState,
    pub ui: Ui,
    policy: RedrawPolicy,
    next_tick: Instant,
    input_errors: u32,
    feed_open: bool,
    events_applied: u64,
    clock: Clock,
}

impl AppLoop {
    pub fn new(state: AppState, ui: Ui, fps: u32) -> Self {
        AppLoop {
            core: Core::new(state, Sinks::default()),
            view: ViewState::new().with_wallboard(ui.wallboard),
            ui,
            policy: RedrawPolicy::new(fps),
            next_tick: Instant::now() + MODEL_TICK,
            input_errors: 0,
            feed_open: true,
            events_applied: 0,
            clock: Clock::default(),
        }
    }

    /// Shows local time instead of UTC, rechecking the offset every tick.
    pub fn with_local_time(mut self) -> Self {
        self.clock.follow_local();
        self.ui.utc_offset = local_offset();
        self
    }

    /// Publishes to the metrics endpoint (when there is one) every tick.
    pub fn with_metrics(mut self, metrics: Option<super::metrics::Publisher>) -> Self {
        self.core = self.core.with_metrics(metrics);
        self
    }

    /// Writes an export line for every queue event, as headless mode does.
    pub fn with_exporter(mut self, exporter: crate::sink::export::Exporter) -> Self {
        self.core.sinks_mut().exporter = Some(exporter);
        self
    }

    /// The export and the alert history, already opened.
    pub fn with_sinks(mut self, sinks: Sinks) -> Self {
        *self.core.sinks_mut() = sinks;
        self
    }

    /// Derives wall time from the tokio clock, starting at `wall` now, so
    /// tests under paused time see one consistent clock.
    pub fn with_wall_from_tokio_clock(mut self, wall: OffsetDateTime) -> Self {
        self.clock.anchor_to_tokio(wall);
        self
    }

    /// The model as the screen shows it.
    pub fn state(&self) -> &AppState {
        &self.core.state
    }

    /// Quits the feed and exports what it still delivers (see
    /// `feed::close`).
    pub async fn close_feed(
        &mut self,
        events: &mut mpsc::Receiver<FeedEvent>,
        commands: &mpsc::Sender<FeedCommand>,
        task: Option<&mut JoinHandle<()>>,
    ) -> io::Result<()> {
        self.core.close(events, commands, task).await
    }

    /// Frames drawn so far.
    pub fn draws(&self) -> u64 {
        self.policy.draws()
    }

    /// Feed events applied so far.
    pub fn events_applied(&self) -> u64 {
        self.events_applied
    }

    pub async fn run<B, S, F>(
        &mut self,
        terminal: &mut Terminal<B>,
        io: &mut LoopIo<S>,
        stop: F,
    ) -> io::Result<Exit>
    where
        B: Backend,
        S: Stream<Item = io::Result<Event>> + Unpin,
        F: Future<Output = Stop>,
    {
        let mut stop = std::pin::pin!(stop);
        loop {
            let now = Instant::now();
            if now >= self.next_tick {
                let wall = self.clock.wall(now);
                if self.core.tick(now, wall) {
                    self.policy.mark_dirty();
                }
                if self.view.follow_alerts(&self.core.state) {
                    self.policy.mark_dirty();
                }
                if let Some(offset) = self.clock.offset()
                    && offset != self.ui.utc_offset
                {
                    self.ui.utc_offset = offset;
                    self.policy.mark_dirty();
                }
                if self
                    .view
                    .reconnect_asked
                    .is_some_and(|at| now.saturating_duration_since(at) >= RECONNECT_NOTICE)
                {
                    self.view.reconnect_asked = None;
                    self.policy.mark_dirty();
                }
                self.next_tick = now + MODEL_TICK;
            }
            if self.policy.due(now) {
                self.draw(terminal)?;
            }
            let wake = match self.policy.next_draw(now) {
                Some(draw_at) => draw_at.min(self.next_tick),
                None => self.next_tick,
            };
            tokio::select! {
                biased;
                why = &mut stop => return Ok(Exit::Stopped(why)),
                _ = PANICKED.notified() => return Ok(Exit::Panicked),
                input = io.input.next() => {
                    if let Some(exit) = self.on_input(input, &io.commands) {
                        return Ok(exit);
                    }
                }
                message = io.feed.recv(), if self.feed_open => match message {
                    Some(event) => {
                        self.apply_batch(event, &mut io.feed)?;
                        if self.view.follow_alerts(&self.core.state) {
                            self.policy.mark_dirty();
                        }
                    }
                    None => {
                        self.feed_open = false;
                        self.policy.mark_dirty();
                    }
                },
                _ = sleep_until(wake) => {}
            }
        }
    }

    /// `event` and what else is queued, through the core.
    fn apply_batch(
        &mut self,
        event: FeedEvent,
        feed: &mut mpsc::Receiver<FeedEvent>,
    ) -> io::Result<()> {
        let applied = self.core.apply_batch(event, feed)?;
        self.events_applied += applied.events as u64;
        if applied.changed {
            self.policy.mark_dirty();
        }
        // The feed has answered `r`: the header says what it is doing now.
        if applied.not_connected && self.view.reconnect_asked.take().is_some() {
            self.policy.mark_dirty();
        }
        Ok(())
    }

    fn on_input(
        &mut self,
        ev: Option<io::Result<Event>>,
        commands: &mpsc::Sender<FeedCommand>,
    ) -> Option<Exit> {
        let ev = match ev {
            None => return Some(Exit::InputGone("the terminal closed".into())),
            Some(Err(error)) => {
                self.input_errors += 1;
                if self.input_errors >= MAX_INPUT_ERRORS {
                    return Some(Exit::InputGone(format!("the terminal fails: {error}")));
                }
                return None;
            }
            Some(Ok(ev)) => ev,
        };
        self.input_errors = 0;
        match ev {
            Event::Key(key) => {
                let now = Instant::now();
                match self.view.handle_key(&key, &self.core.state, now) {
                    Effect::None => {}
                    Effect::Redraw => self.policy.mark_dirty(),
                    Effect::Reconnect => {
                        self.policy.mark_dirty();
                        // A full channel already holds a command the feed
                        // will act on; dropping this one loses nothing.
                        let _ = commands.try_send(FeedCommand::ReconnectNow);
                    }
                    Effect::Quit => {
                        let _ = commands.try_send(FeedCommand::Quit);
                        return Some(Exit::Quit);
                    }
                    effect @ (Effect::Acknowledge(index) | Effect::Snooze(index)) => {
                        let ack = matches!(effect, Effect::Acknowledge(_));
                        if self
                            .core
                            .state
                            .alert_action(self.view.paused.as_deref(), index, ack)
                        {
                            self.policy.mark_dirty();
                        }
                    }
                }
            }
            Event::Mouse(mouse)
                if self
                    .view
                    .handle_mouse(&mouse, &self.core.state, Instant::now())
                    == Effect::Redraw =>
            {
                self.policy.mark_dirty();
            }
            Event::Resize(..) => self.policy.mark_dirty(),
            _ => {}
        }
        None
    }

    fn draw<B: Backend>(&mut self, terminal: &mut Terminal<B>) -> io::Result<()> {
        let now = Instant::now();
        let wall = self.clock.wall(now);
        let mut info = ui::DrawInfo::default();
        let frame = terminal
            .draw(|frame| {
                info = ui::draw(frame, &self.core.state, &self.view, &self.ui, now, wall);
            })
            .map_err(|error| io::Error::other(error.to_string()))?;
        // The list's header as drawn: a click on it sorts by the word
        // under the pointer, whatever columns this width shows.
        self.view.list_header.clear();
        if let Some(list) = info.list_area {
            for column in list.left()..list.right() {
                let cell = frame.buffer.cell((column, list.y + 1));
                self.view
                    .list_header
                    .push_str(cell.map_or(" ", |content| content.symbol()));
            }
        }
        self.view.page_rows = info.list_rows;
        self.view.list_offset = info.list_offset;
        self.view.list_area = info.list_area;
        self.policy.drawn(now, info.redraw_at);
        Ok(())
    }
}
