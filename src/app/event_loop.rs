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
use time::{OffsetDateTime, UtcOffset};
use tokio::sync::{Notify, mpsc};
use tokio::time::{Instant, sleep_until};

use crate::app::redraw::RedrawPolicy;
use crate::app::sinks::Sinks;
use crate::app::terminal::Stop;
use crate::event::{ConnState, FeedCommand, FeedEvent};
use crate::model::AppState;
use crate::ui::{self, Effect, Ui, ViewState};

/// Feed events applied per wake before keys and drawing get a turn.
const DRAIN_BUDGET: usize = 2048;
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

/// State the loop owns: the model, the view, when to draw.
pub struct AppLoop {
    pub state: AppState,
    pub view: ViewState,
    pub ui: Ui,
    policy: RedrawPolicy,
    next_tick: Instant,
    input_errors: u32,
    feed_open: bool,
    events_applied: u64,
    /// Set in tests: wall time follows the (paused) tokio clock.
    wall_anchor: Option<(Instant, OffsetDateTime)>,
    /// The metrics endpoint, published to once a model tick.
    metrics: Option<super::metrics::Publisher>,
    sinks: Sinks,
    /// Follow the local UTC offset (it changes with daylight saving time).
    local_time: bool,
}

impl AppLoop {
    pub fn new(state: AppState, ui: Ui, fps: u32) -> Self {
        AppLoop {
            state,
            view: ViewState::new().with_wallboard(ui.wallboard),
            ui,
            policy: RedrawPolicy::new(fps),
            next_tick: Instant::now() + MODEL_TICK,
            input_errors: 0,
            feed_open: true,
            events_applied: 0,
            wall_anchor: None,
            metrics: None,
            sinks: Sinks::default(),
            local_time: false,
        }
    }

    /// Shows local time instead of UTC, rechecking the offset every tick.
    pub fn with_local_time(mut self) -> Self {
        self.local_time = true;
        self.ui.utc_offset = local_offset();
        self
    }

    /// Writes an export line for every queue event, as headless mode does.
    pub fn with_metrics(mut self, metrics: super::metrics::Publisher) -> Self {
        self.metrics = Some(metrics);
        self
    }

    pub fn with_exporter(mut self, exporter: crate::sink::export::Exporter) -> Self {
        self.sinks.exporter = Some(exporter);
        self
    }

    /// The export and the alert history, already opened.
    pub fn with_sinks(mut self, sinks: Sinks) -> Self {
        self.sinks = sinks;
        self
    }

    /// Derives wall time from the tokio clock, starting at `wall` now, so
    /// tests under paused time see one consistent clock.
    pub fn with_wall_from_tokio_clock(mut self, wall: OffsetDateTime) -> Self {
        self.wall_anchor = Some((Instant::now(), wall));
        self
    }

    fn wall(&self, now: Instant) -> OffsetDateTime {
        match self.wall_anchor {
            Some((at, wall)) => wall + now.saturating_duration_since(at),
            None => OffsetDateTime::now_utc(),
        }
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
                let wall = self.wall(now);
                if self.state.tick(now, wall) {
                    self.policy.mark_dirty();
                }
                // Raise delays end on ticks too: those alerts are recorded now.
                self.sinks.after_tick(&mut self.state);
                if self.view.follow_alerts(&self.state) {
                    self.policy.mark_dirty();
                }
                if let Some(m) = &self.metrics {
                    m.publish(&self.state, now);
                }
                if self.local_time {
                    let off = local_offset();
                    if off != self.ui.utc_offset {
                        self.ui.utc_offset = off;
                        self.policy.mark_dirty();
                    }
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
                Some(t) => t.min(self.next_tick),
                None => self.next_tick,
            };
            tokio::select! {
                biased;
                why = &mut stop => return Ok(Exit::Stopped(why)),
                _ = PANICKED.notified() => return Ok(Exit::Panicked),
                ev = io.input.next() => {
                    if let Some(exit) = self.on_input(ev, &io.commands) {
                        return Ok(exit);
                    }
                }
                msg = io.feed.recv(), if self.feed_open => match msg {
                    Some(ev) => {
                        self.apply(&ev)?;
                        self.drain(&mut io.feed)?;
                        self.sinks.flush().map_err(export_error)?;
                        if self.view.follow_alerts(&self.state) {
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

    fn apply(&mut self, ev: &FeedEvent) -> io::Result<()> {
        self.events_applied += 1;
        // The feed has answered `r` (a Connected already on its way does
        // not count): the header says what it is doing now.
        if let FeedEvent::Status(s) = ev
            && s.state != ConnState::Connected
            && self.view.reconnect_asked.take().is_some()
        {
            self.policy.mark_dirty();
        }
        if self.state.apply(ev) {
            self.policy.mark_dirty();
        }
        self.sinks
            .after_apply(&mut self.state, ev)
            .map_err(export_error)
    }

    /// Everything already queued, up to the budget.
    fn drain(&mut self, feed: &mut mpsc::Receiver<FeedEvent>) -> io::Result<()> {
        for _ in 0..DRAIN_BUDGET {
            match feed.try_recv() {
                Ok(ev) => self.apply(&ev)?,
                Err(_) => break,
            }
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
            Some(Err(e)) => {
                self.input_errors += 1;
                if self.input_errors >= MAX_INPUT_ERRORS {
                    return Some(Exit::InputGone(format!("the terminal fails: {e}")));
                }
                return None;
            }
            Some(Ok(ev)) => ev,
        };
        self.input_errors = 0;
        match ev {
            Event::Key(key) => {
                let now = Instant::now();
                match self.view.handle_key(&key, &self.state, now) {
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
                    effect @ (Effect::Acknowledge(i) | Effect::Snooze(i)) => {
                        let ack = matches!(effect, Effect::Acknowledge(_));
                        if self.state.alert_action(self.view.paused.as_deref(), i, ack) {
                            self.policy.mark_dirty();
                        }
                    }
                }
            }
            Event::Mouse(mouse)
                if self.view.handle_mouse(&mouse, &self.state, Instant::now())
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
        let wall = self.wall(now);
        let mut info = ui::DrawInfo::default();
        let frame = terminal
            .draw(|frame| {
                info = ui::draw(frame, &self.state, &self.view, &self.ui, now, wall);
            })
            .map_err(|e| io::Error::other(e.to_string()))?;
        // The list's header as drawn: a click on it sorts by the word
        // under the pointer, whatever columns this width shows.
        self.view.list_header.clear();
        if let Some(list) = info.list_area {
            for x in list.left()..list.right() {
                let cell = frame.buffer.cell((x, list.y + 1));
                self.view
                    .list_header
                    .push_str(cell.map_or(" ", |c| c.symbol()));
            }
        }
        self.view.page_rows = info.list_rows;
        self.view.list_offset = info.list_offset;
        self.view.list_area = info.list_area;
        self.policy.drawn(now, info.redraw_at);
        Ok(())
    }
}

fn export_error(e: io::Error) -> io::Error {
    io::Error::new(
        e.kind(),
        format!("cannot write the export file: {e}; check export.path (or --export)"),
    )
}

/// The local UTC offset for the clock. `time` refuses to read it once
/// threads exist, so ask libc directly; UTC when that fails.
fn local_offset() -> UtcOffset {
    // SAFETY: time(NULL) and localtime_r with a zeroed, owned tm. The only
    // hazard is a concurrent setenv("TZ"), which queuetop never does.
    let gmtoff = unsafe {
        let now = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&now, &mut tm).is_null() {
            return UtcOffset::UTC;
        }
        tm.tm_gmtoff
    };
    UtcOffset::from_whole_seconds(gmtoff as i32).unwrap_or(UtcOffset::UTC)
}
