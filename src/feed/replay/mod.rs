//! A recording played back as a feed source: the same events, into the
//! same channel, as the live feed sent when it was recorded (see `play`),
//! paced by the recorded timestamps divided by `speed` (0: as fast as the
//! app takes them). Recorded times stay the events' wall-clock times, so
//! the export and the latency figures show the incident's own times.
//!
//! At the end it says so: in the TUI the last state stays on screen with
//! the feed "stopped" (r plays it again); headless it reports `Closed` and
//! ends, and the headless loop exits 0.

mod play;
mod read;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

use crate::event::{ConnState, FeedCommand, FeedEvent, FeedStatus};
use crate::feed::{CHANNEL_CAPACITY, FeedGauges, FeedHandle};
use crate::recording::{FORMAT, Line};
pub use play::Player;

const TARGET: &str = "queuetop::replay";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtEnd {
    /// Keep the last state and wait (the TUI): r plays it again.
    Stay,
    /// Say `Closed` and end (headless).
    Finish,
}

#[derive(Debug, Clone)]
pub struct ReplayOptions {
    pub path: PathBuf,
    /// 1 = as recorded, 10 = ten times faster, 0 = no waiting at all.
    pub speed: f64,
    pub at_end: AtEnd,
}

/// Starts playing; must be called inside a tokio runtime.
pub fn spawn(opts: ReplayOptions) -> FeedHandle {
    let (tx, events) = mpsc::channel(CHANNEL_CAPACITY);
    let (commands, rx) = mpsc::channel(16);
    let replay = Replay {
        opts,
        tx,
        rx,
        commands_open: true,
        status: FeedStatus::connecting(),
    };
    FeedHandle {
        events,
        commands,
        task: tokio::spawn(replay.run()),
        gauges: Arc::new(FeedGauges::default()),
    }
}

struct Replay {
    opts: ReplayOptions,
    tx: mpsc::Sender<FeedEvent>,
    rx: mpsc::Receiver<FeedCommand>,
    /// False once the app dropped its command sender.
    commands_open: bool,
    status: FeedStatus,
}

/// What to do after a play-through or a wait.
enum Then {
    Again,
    Quit,
    /// The app is gone.
    Gone,
}

impl Replay {
    async fn run(mut self) {
        loop {
            let ended = match self.play().await {
                Ok(Some(then)) => then,
                Ok(None) => self.at_end(None).await,
                Err(reason) => self.at_end(Some(reason)).await,
            };
            match ended {
                Then::Again => continue,
                Then::Quit => {
                    self.status.state = ConnState::Closed;
                    let _ = self.tx.try_send(FeedEvent::Status(self.status.clone()));
                    return;
                }
                Then::Gone => return,
            }
        }
    }

    /// One play-through. `Ok(None)` at the end of the file, `Err` when it
    /// cannot go on (the reason), `Ok(Some(_))` on quit.
    async fn play(&mut self) -> Result<Option<Then>, String> {
        let path = self.opts.path.display().to_string();
        let mut lines = read::lines(&self.opts.path)?;
        let header = match lines.recv().await {
            Some(Ok((_, text))) => match serde_json::from_str::<Line>(&text) {
                Ok(Line::Header(header)) => header,
                _ => {
                    return Err(format!(
                        "{path} is not a queuetop recording (its first line is no header); make one with `queuetop record`"
                    ));
                }
            },
            Some(Err(error)) => return Err(error),
            None => {
                return Err(format!(
                    "{path} is empty; make a recording with `queuetop record`"
                ));
            }
        };
        if header.format != FORMAT {
            return Err(format!(
                "{path} is a recording in format {} and this queuetop reads format {FORMAT}; replay it with the queuetop version that wrote it ({})",
                header.format, header.queuetop
            ));
        }
        tracing::info!(target: TARGET, file = %path, started = %header.started, environment = %header.environment, speed = self.opts.speed, "replay started");
        let mut player = Player::new(&header);
        let t0 = crate::event::parse_rfc3339(&header.started);
        let start = Instant::now();
        let mut out = Vec::new();
        while let Some(item) = lines.recv().await {
            let (number, text) = item?;
            let line = match serde_json::from_str::<Line>(&text) {
                Ok(line) => line,
                Err(error) => {
                    player.unreadable += 1;
                    tracing::warn!(target: TARGET, line = number, error = %error, "a recording line could not be read; skipped");
                    continue;
                }
            };
            if let Some(then) = self.pace(start, t0, line.time()).await {
                return Ok(Some(then));
            }
            player.line(line, Instant::now(), &mut out);
            if let Some(then) = self.deliver(&mut out).await {
                return Ok(Some(then));
            }
        }
        player.finish(Instant::now(), &mut out);
        if let Some(then) = self.deliver(&mut out).await {
            return Ok(Some(then));
        }
        tracing::info!(target: TARGET, file = %path, unreadable = player.unreadable, duplicates = player.duplicates, "replay reached the end of the recording");
        Ok(None)
    }

    /// Waits until the line is due; a command may cut the wait short.
    async fn pace(
        &mut self,
        start: Instant,
        t0: Option<OffsetDateTime>,
        at: Option<OffsetDateTime>,
    ) -> Option<Then> {
        let speed = self.opts.speed;
        let (Some(t0), Some(at)) = (t0, at) else {
            return None;
        };
        if speed <= 0.0 || !speed.is_finite() {
            return None;
        }
        let offset = Duration::try_from(at - t0).unwrap_or(Duration::ZERO);
        let due = start + offset.div_f64(speed).min(Duration::from_secs(86_400));
        loop {
            tokio::select! {
                biased;
                cmd = self.rx.recv(), if self.commands_open => {
                    if let Some(then) = command(&mut self.commands_open, cmd) {
                        return Some(then);
                    }
                }
                () = sleep_until(due) => return None,
            }
        }
    }

    /// Sends every event in `out` (waiting when the app is behind).
    async fn deliver(&mut self, out: &mut Vec<FeedEvent>) -> Option<Then> {
        for ev in out.drain(..) {
            if let FeedEvent::Status(s) = &ev {
                self.status = s.clone();
            }
            let permit = loop {
                tokio::select! {
                    biased;
                    cmd = self.rx.recv(), if self.commands_open => {
                        if let Some(then) = command(&mut self.commands_open, cmd) {
                            return Some(then);
                        }
                    }
                    permit = self.tx.reserve() => break permit,
                }
            };
            match permit {
                Ok(p) => p.send(ev),
                Err(_) => return Some(Then::Gone),
            }
        }
        None
    }

    /// The end of the file (or of what could be read).
    async fn at_end(&mut self, problem: Option<String>) -> Then {
        let path = self.opts.path.display();
        if self.opts.at_end == AtEnd::Finish {
            if let Some(text) = &problem {
                self.status.state = ConnState::Stopped {
                    reason: text.clone(),
                };
                let _ = self.tx.send(FeedEvent::Status(self.status.clone())).await;
                return Then::Gone;
            }
            return Then::Quit;
        }
        let reason = match problem {
            Some(text) => text,
            None => format!("end of the recording {path}: the last state stays; r plays it again"),
        };
        self.status.state = ConnState::Stopped { reason };
        if self
            .tx
            .send(FeedEvent::Status(self.status.clone()))
            .await
            .is_err()
        {
            return Then::Gone;
        }
        match self.rx.recv().await {
            Some(FeedCommand::ReconnectNow) => Then::Again,
            Some(FeedCommand::Quit) => Then::Quit,
            // Nobody can ask for more: keep the last state until the app ends.
            None => {
                self.tx.closed().await;
                Then::Gone
            }
        }
    }
}

/// A command while playing: quit ends it; a recording has nothing to
/// reconnect to.
fn command(open: &mut bool, cmd: Option<FeedCommand>) -> Option<Then> {
    match cmd {
        Some(FeedCommand::Quit) => Some(Then::Quit),
        Some(FeedCommand::ReconnectNow) => None,
        None => {
            *open = false;
            None
        }
    }
}
