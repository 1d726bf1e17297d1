//! The one owner of what every Genesys connection shares whatever the
//! protocol: the token (cached, forgotten and fetched again at once after a
//! refusal), retry and backoff, the commands from the app, backpressure
//! towards the app, and the state the app is told. A protocol's session
//! uses it through the methods below and keeps its own connection state.
//!
//! Backpressure: when the app falls behind, the full event channel stops
//! `send`, so the session stops reading its sockets, the server is slowed by
//! TCP flow control, and nothing is dropped or buffered without bound.

use std::future::Future;

use secrecy::SecretString;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;
use tokio::time::Instant;

use super::TARGET;
use super::retry::{Delay, Retry, Verdict};
use crate::auth::{AuthError, TokenSource};
use crate::event::{ConnState, FeedCommand, FeedEvent, FeedStatus};

/// When the event channel is full, the feed resumes once this many slots
/// are free.
const RESUME_ROOM: usize = super::CHANNEL_CAPACITY / 4;

/// How one connection attempt (or connection) ended.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// The user quit; the socket is closed.
    Quit,
    /// The app dropped the event receiver: nobody is listening.
    Gone,
    /// The user asked to reconnect: at once, and not a failure.
    Reconnect,
    /// Retrying cannot help; wait for the user.
    Stop(String),
    /// A failure: try again after `delay`.
    Retry { error: String, delay: Delay },
}

/// How a send to the app went, when it went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sent {
    Now,
    /// The channel was full; the app made room. Time spent waiting is not
    /// silence from the server.
    AfterWait,
}

/// What the lifecycle does after an outcome.
pub(crate) enum Next {
    Go,
    End,
}

pub(crate) struct Link {
    events: mpsc::Sender<FeedEvent>,
    commands: mpsc::Receiver<FeedCommand>,
    /// False once the app dropped its command sender.
    commands_open: bool,
    auth: TokenSource,
    retry: Retry,
    status: FeedStatus,
    /// The user asked to reconnect while the task was blocked on the app.
    pending_reconnect: bool,
    malformed: u64,
    unknown: u64,
}

impl Link {
    pub(crate) fn new(
        auth: TokenSource,
        retry: Retry,
        events: mpsc::Sender<FeedEvent>,
        commands: mpsc::Receiver<FeedCommand>,
    ) -> Link {
        Link {
            events,
            commands,
            commands_open: true,
            auth,
            retry,
            status: FeedStatus::connecting(),
            pending_reconnect: false,
            malformed: 0,
            unknown: 0,
        }
    }

    /// After an attempt ended: quit, wait for the user, or wait and retry.
    pub(crate) async fn after(&mut self, outcome: Outcome) -> Next {
        match outcome {
            Outcome::Gone => Next::End,
            Outcome::Quit => {
                self.say_closed();
                Next::End
            }
            Outcome::Reconnect => {
                self.retry.clear();
                Next::Go
            }
            Outcome::Stop(reason) => self.stopped(reason).await,
            Outcome::Retry { error, delay } => self.retry_later(error, delay).await,
        }
    }

    /// After a failure: count it, give up at `max_attempts`, else wait.
    async fn retry_later(&mut self, error: String, delay: Delay) -> Next {
        self.status.last_error = Some(error.clone());
        let (wait, attempt, max) = match self.retry.after_failure(delay) {
            Verdict::GiveUp { failures } => {
                let reason =
                    format!("gave up after {failures} failed attempts in a row (last: {error})");
                return self.stopped(reason).await;
            }
            Verdict::Wait {
                wait,
                attempt,
                max_attempts,
            } => (wait, attempt, max_attempts),
        };
        let next_try = Instant::now() + wait;
        tracing::info!(
            target: TARGET,
            attempt,
            max_attempts = max,
            delay_ms = wait.as_millis() as u64,
            error = %error,
            "reconnection scheduled"
        );
        let state = ConnState::Reconnecting {
            attempt,
            max_attempts: max,
            next_try,
        };
        if let Err(out) = self.set_state(state).await {
            return self.after_interrupt(out);
        }
        if self.take_reconnect() {
            return Next::Go;
        }
        match self
            .unless_command(tokio::time::sleep_until(next_try))
            .await
        {
            Ok(()) | Err(Outcome::Reconnect) => Next::Go,
            Err(out) => self.after_interrupt(out),
        }
    }

    /// Stopped for good until the user says otherwise.
    pub(crate) async fn stopped(&mut self, reason: String) -> Next {
        tracing::warn!(target: TARGET, reason = %reason, "feed stopped; waiting for a reconnect command");
        self.status.last_error = Some(reason.clone());
        if let Err(out) = self.set_state(ConnState::Stopped { reason }).await {
            return self.after_interrupt(out);
        }
        if self.take_reconnect() {
            self.retry.clear();
            return Next::Go;
        }
        match self.commands.recv().await {
            Some(FeedCommand::ReconnectNow) => {
                tracing::info!(target: TARGET, "reconnect requested");
                self.retry.clear();
                Next::Go
            }
            Some(FeedCommand::Quit) => {
                self.say_closed();
                Next::End
            }
            // Nobody can ever restart us.
            None => Next::End,
        }
    }

    /// A quit or a vanished app while the lifecycle itself waited.
    fn after_interrupt(&mut self, out: Outcome) -> Next {
        if let Outcome::Quit = out {
            self.say_closed();
        }
        Next::End
    }

    /// The current token (cached until it nears expiry), or how the
    /// attempt ends when there is none.
    pub(crate) async fn token(&mut self) -> Result<SecretString, Outcome> {
        match self.token_or_error().await? {
            Ok(token) => Ok(token),
            Err(AuthError::CredentialsRefused(msg)) => Err(Outcome::Stop(msg)),
            Err(e @ AuthError::RateLimited { retry_after }) => Err(Outcome::Retry {
                error: e.to_string(),
                delay: retry_after.map_or(Delay::Backoff, Delay::AtLeast),
            }),
            Err(e) => Err(Outcome::Retry {
                error: e.to_string(),
                delay: Delay::Backoff,
            }),
        }
    }

    /// The current token, or why there is none, for callers that carry on
    /// without one; Err only when a command ends the attempt.
    pub(crate) async fn token_or_error(
        &mut self,
    ) -> Result<Result<SecretString, AuthError>, Outcome> {
        let (auth, commands, open) = (&mut self.auth, &mut self.commands, &mut self.commands_open);
        or_command(commands, open, auth.token())
            .await
            .map_err(idle_command)
    }

    /// The server refused the token: the next `token` fetches a new one.
    pub(crate) fn token_refused(&mut self) {
        self.auth.invalidate();
    }

    /// When the current token expires, when known.
    pub(crate) fn token_expires(&self) -> Option<Instant> {
        self.auth.expires_at()
    }

    /// Runs `fut` unless a command arrives first: then how it ends the
    /// attempt.
    pub(crate) async fn unless_command<T>(
        &mut self,
        fut: impl Future<Output = T>,
    ) -> Result<T, Outcome> {
        or_command(&mut self.commands, &mut self.commands_open, fut)
            .await
            .map_err(idle_command)
    }

    /// The next command, as the outcome it asks for; never ends once the
    /// app dropped its sender (for a `select!` beside the sockets).
    pub(crate) async fn command(&mut self) -> Outcome {
        loop {
            if !self.commands_open {
                return std::future::pending().await;
            }
            match self.commands.recv().await {
                Some(cmd) => return idle_command(cmd),
                None => self.commands_open = false,
            }
        }
    }

    /// True once: the user asked to reconnect while a send waited.
    pub(crate) fn take_reconnect(&mut self) -> bool {
        std::mem::take(&mut self.pending_reconnect)
    }

    /// Sends to the app. When its channel is full this waits, and so does
    /// the socket: that is the backpressure. A Quit while waiting wins (the
    /// event is dropped: nobody will read it); a ReconnectNow is kept for
    /// `take_reconnect`.
    pub(crate) async fn send(&mut self, ev: FeedEvent) -> Result<Sent, Outcome> {
        match self.events.try_reserve() {
            Ok(permit) => {
                permit.send(ev);
                return Ok(Sent::Now);
            }
            Err(TrySendError::Closed(())) => return Err(Outcome::Gone),
            Err(TrySendError::Full(())) => {}
        }
        // Wait for room for a run of events, not one: resuming per free slot
        // would wake this task (and its thread) once per event the app takes.
        let permits = loop {
            tokio::select! {
                biased;
                permits = self.events.reserve_many(RESUME_ROOM) => break permits,
                cmd = self.commands.recv(), if self.commands_open => match cmd {
                    Some(FeedCommand::Quit) => return Err(Outcome::Quit),
                    Some(FeedCommand::ReconnectNow) => self.pending_reconnect = true,
                    None => self.commands_open = false,
                },
            }
        };
        // The unused permits go back: the next sends find room at once.
        match permits.ok().and_then(|mut reserved| reserved.next()) {
            Some(permit) => {
                permit.send(ev);
                Ok(Sent::AfterWait)
            }
            None => Err(Outcome::Gone),
        }
    }

    /// Sets the state and tells the app.
    pub(crate) async fn set_state(&mut self, state: ConnState) -> Result<Sent, Outcome> {
        self.status.state = state;
        self.send(FeedEvent::Status(self.status.clone())).await
    }

    /// Whether the app was last told the feed is connected.
    pub(crate) fn is_connected(&self) -> bool {
        self.status.state == ConnState::Connected
    }

    /// A new connection is open; returns how many since start.
    pub(crate) fn count_connect(&mut self) -> u32 {
        self.status.connects = self.status.connects.saturating_add(1);
        self.status.connects
    }

    /// The server accepted us: failures and backoff start over.
    pub(crate) fn accepted(&mut self) {
        self.retry.clear();
    }

    /// A problem the app shows with the status (the connection goes on).
    pub(crate) async fn report_error(&mut self, error: String) -> Result<Sent, Outcome> {
        self.status.last_error = Some(error);
        self.send(FeedEvent::Status(self.status.clone())).await
    }

    /// Counts a frame that could not be decoded; returns the total.
    pub(crate) fn count_malformed(&mut self) -> u64 {
        self.malformed += 1;
        self.malformed
    }

    /// Counts a message of a type we do not know; returns the total.
    pub(crate) fn count_unknown(&mut self) -> u64 {
        self.unknown += 1;
        self.unknown
    }

    /// The last word on quit: best effort, never blocks, since the app may
    /// have stopped reading while it waits for this task to end.
    fn say_closed(&mut self) {
        self.status.state = ConnState::Closed;
        let _ = self.events.try_send(FeedEvent::Status(self.status.clone()));
    }
}

/// A command that arrived while no frames were flowing.
fn idle_command(cmd: FeedCommand) -> Outcome {
    match cmd {
        FeedCommand::Quit => Outcome::Quit,
        FeedCommand::ReconnectNow => Outcome::Reconnect,
    }
}

/// Runs `fut` unless a command arrives first (then returns the command).
async fn or_command<T>(
    commands: &mut mpsc::Receiver<FeedCommand>,
    open: &mut bool,
    fut: impl Future<Output = T>,
) -> Result<T, FeedCommand> {
    tokio::pin!(fut);
    loop {
        tokio::select! {
            biased;
            cmd = commands.recv(), if *open => match cmd {
                Some(cmd) => return Err(cmd),
                None => *open = false,
            },
            v = &mut fut => return Ok(v),
        }
    }
}
