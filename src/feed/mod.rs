//! The feed task: auth, connect, subscribe, read, reconnect. OWNER: feed helper.
//!
//! One task per connection. It owns the socket and the token; it talks to
//! the app only through two bounded channels: events (and its own status)
//! out, commands (reconnect now, quit) in. When the app falls behind, the
//! full event channel stops the task from reading the socket, so the server
//! is slowed by TCP flow control and nothing is dropped or buffered without
//! bound.
//!
//! This file is the lifecycle (retry, stop, wait for the user), shared by
//! both protocols through `Session`; `session.rs` is one connection on the
//! realtime v1 feed; `notifications/` the Notifications API feed; `connect.rs` the handshake and
//! the close-code table; `realtime.rs` the wire format.

pub mod backoff;
pub mod broker;
pub mod connect;
mod gauges;
pub mod notifications;
pub mod queue_list;
pub mod realtime;
pub mod replay;
mod session;
pub mod source;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use secrecy::SecretString;

use crate::auth::{AuthError, TokenSource};
use crate::config::{Config, Protocol, QueueConfig};
use crate::event::{ConnState, FeedCommand, FeedEvent, FeedStatus};
use crate::recording::Recorder;
use crate::subscription::SubscriptionSet;
use backoff::Backoff;
pub use gauges::FeedGauges;
use realtime::SubscriptionIndex;

/// Events in flight between the feed and the app, at most.
pub const CHANNEL_CAPACITY: usize = 1024;

/// When the event channel is full, the feed resumes once this many slots
/// are free.
const RESUME_ROOM: usize = CHANNEL_CAPACITY / 4;

/// Commands in flight from the app (a person pressing keys): plenty.
const COMMAND_CAPACITY: usize = 16;

pub(crate) const TARGET: &str = "queuetop::feed";

/// At most one at-once reconnect per this window; the rest back off.
const AT_ONCE_GAP: Duration = Duration::from_secs(30);

/// The longest wait before a retry, whatever a server's Retry-After or the
/// config says: a day, so no deadline can overflow the clock.
const MAX_WAIT: Duration = Duration::from_secs(86_400);

pub struct FeedHandle {
    pub events: mpsc::Receiver<FeedEvent>,
    pub commands: mpsc::Sender<FeedCommand>,
    pub task: JoinHandle<()>,
    /// What the feed holds in memory, readable while it runs.
    pub gauges: Arc<FeedGauges>,
}

/// Starts the configured source: the relay's broker when `[nats]` (or
/// `--nats`) is set, else Genesys Cloud. Must be called inside a tokio
/// runtime.
pub fn spawn(cfg: Arc<Config>) -> FeedHandle {
    match cfg.nats.clone() {
        Some(nats) => broker::spawn(cfg, nats),
        None => spawn_genesys(cfg),
    }
}

/// Starts the Genesys Cloud feed for `cfg.genesys.protocol`, whatever else
/// is configured (the relay runs this one).
pub fn spawn_genesys(cfg: Arc<Config>) -> FeedHandle {
    spawn_recorded(cfg, None)
}

/// `spawn_genesys`, with every REST answer and frame also sent to `recorder`.
pub fn spawn_recorded(cfg: Arc<Config>, recorder: Option<Recorder>) -> FeedHandle {
    let (ev_tx, events) = mpsc::channel(CHANNEL_CAPACITY);
    let (commands, cmd_rx) = mpsc::channel(COMMAND_CAPACITY);
    let mut feed = Feed::new(cfg, ev_tx, cmd_rx);
    feed.recorder = recorder;
    let gauges = feed.gauges.clone();
    let task = tokio::spawn(feed.run());
    FeedHandle {
        events,
        commands,
        task,
        gauges,
    }
}

/// The subscription message for one connection, built once and resent
/// unchanged on every reconnect.
pub(crate) struct Payload {
    pub json: String,
    pub count: usize,
    pub index: SubscriptionIndex,
}

impl Payload {
    /// Validates the configured queues with the seed's rules; a failure
    /// names every queue and rule that is wrong, and nothing is sent.
    fn from_queues(queues: &[QueueConfig], all_queues: bool) -> Result<Payload, String> {
        let set = SubscriptionSet::for_config(queues, all_queues).map_err(|errors| {
            let all: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            format!(
                "the [[queue]] config makes no valid subscriptions: {}; fix it and restart",
                all.join("; ")
            )
        })?;
        let index = set
            .iter()
            .filter_map(|s| Some((s.id().to_string(), s.queue_id()?.to_string())))
            .collect();
        Ok(Payload {
            json: set.to_json(),
            count: set.len(),
            index,
        })
    }
}

/// What one protocol keeps between connection attempts; the lifecycle
/// around it (retry, backoff, stop, commands) is shared.
enum Session {
    Realtime(Payload),
    Notifications(Box<notifications::session::State>),
}

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delay {
    Backoff,
    /// At once, unless an at-once reconnect already happened within
    /// `AT_ONCE_GAP`: then it backs off, so a server that keeps saying "come
    /// back now" (even right after an ack) cannot make us spin.
    AtOnce,
    /// Backoff, but never shorter than this.
    AtLeast(Duration),
    /// The token was refused (401, close 4001) and has been forgotten:
    /// fetch a new one and try again at once, whatever the at-once budget
    /// says. Only when a token fetched for this very retry is refused too
    /// does it back off: then the token is not what is wrong.
    NewToken,
}

/// What the lifecycle does after handling an outcome.
enum Next {
    Go,
    End,
}

pub(crate) struct Feed {
    cfg: Arc<Config>,
    events: mpsc::Sender<FeedEvent>,
    commands: mpsc::Receiver<FeedCommand>,
    /// False once the app dropped its command sender.
    commands_open: bool,
    auth: TokenSource,
    backoff: Backoff,
    rng: fastrand::Rng,
    status: FeedStatus,
    /// Failed attempts since the last ack.
    failures: u32,
    /// When the last at-once reconnect happened.
    last_at_once: Option<Instant>,
    /// The last retry was a `NewToken` one and nothing has succeeded since.
    token_just_renewed: bool,
    /// The user asked to reconnect while the task was blocked on the app.
    pending_reconnect: bool,
    malformed: u64,
    unknown: u64,
    gauges: Arc<FeedGauges>,
    recorder: Option<Recorder>,
}

impl Feed {
    fn new(
        cfg: Arc<Config>,
        events: mpsc::Sender<FeedEvent>,
        commands: mpsc::Receiver<FeedCommand>,
    ) -> Feed {
        Feed {
            auth: TokenSource::from_config(&cfg.genesys),
            backoff: Backoff::from_config(&cfg.reconnect),
            cfg,
            events,
            commands,
            commands_open: true,
            rng: fastrand::Rng::new(),
            status: FeedStatus::connecting(),
            failures: 0,
            last_at_once: None,
            token_just_renewed: false,
            pending_reconnect: false,
            malformed: 0,
            unknown: 0,
            gauges: Arc::new(FeedGauges::default()),
            recorder: None,
        }
    }

    async fn run(mut self) {
        let mut session = match self.cfg.genesys.protocol {
            Protocol::Realtime => {
                match Payload::from_queues(&self.cfg.queues, self.cfg.genesys.all_queues) {
                    Ok(p) => Session::Realtime(p),
                    Err(reason) => {
                        // A config error: reconnecting cannot fix it, but the
                        // user may still quit cleanly.
                        while let Next::Go = self.stopped(reason.clone()).await {}
                        return;
                    }
                }
            }
            Protocol::Notifications => {
                Session::Notifications(Box::new(notifications::session::State::new(
                    &self.cfg.genesys.api_url,
                    self.gauges.clone(),
                    self.recorder.clone(),
                )))
            }
        };
        loop {
            let outcome = match &mut session {
                Session::Realtime(payload) => self.connect_once(payload).await,
                Session::Notifications(state) => self.notifications_once(state).await,
            };
            let next = match outcome {
                Outcome::Gone => Next::End,
                Outcome::Quit => {
                    self.say_closed();
                    Next::End
                }
                Outcome::Reconnect => {
                    self.clear_failures();
                    Next::Go
                }
                Outcome::Stop(reason) => self.stopped(reason).await,
                Outcome::Retry { error, delay } => self.retry_later(error, delay).await,
            };
            if let Next::End = next {
                return;
            }
        }
    }

    /// After a failure: count it, give up at `max_attempts`, else wait.
    async fn retry_later(&mut self, error: String, delay: Delay) -> Next {
        self.failures = self.failures.saturating_add(1);
        self.status.last_error = Some(error.clone());
        let max = self.cfg.reconnect.max_attempts;
        if max > 0 && self.failures >= max {
            let reason = format!(
                "gave up after {} failed attempts in a row (last: {error}); press r to reconnect",
                self.failures
            );
            return self.stopped(reason).await;
        }
        let at_once_allowed = self.last_at_once.is_none_or(|t| t.elapsed() >= AT_ONCE_GAP);
        let renewed_before =
            std::mem::replace(&mut self.token_just_renewed, delay == Delay::NewToken);
        let wait = match delay {
            Delay::NewToken if !renewed_before => Duration::ZERO,
            Delay::AtOnce if at_once_allowed => {
                self.last_at_once = Some(Instant::now());
                Duration::ZERO
            }
            Delay::AtOnce | Delay::Backoff | Delay::NewToken => {
                self.backoff.next_delay(&mut self.rng)
            }
            Delay::AtLeast(min) => self.backoff.next_delay(&mut self.rng).max(min),
        }
        .min(MAX_WAIT);
        let next_try = Instant::now() + wait;
        tracing::info!(
            target: TARGET,
            attempt = self.failures,
            max_attempts = max,
            delay_ms = wait.as_millis() as u64,
            error = %error,
            "reconnection scheduled"
        );
        let state = ConnState::Reconnecting {
            attempt: self.failures,
            max_attempts: max,
            next_try,
        };
        match self.set_state(state).await {
            Sent::Quit => {
                self.say_closed();
                return Next::End;
            }
            Sent::Gone => return Next::End,
            Sent::Now | Sent::AfterWait => {}
        }
        if std::mem::take(&mut self.pending_reconnect) {
            return Next::Go;
        }
        match or_command(
            &mut self.commands,
            &mut self.commands_open,
            tokio::time::sleep_until(next_try),
        )
        .await
        {
            Ok(()) | Err(FeedCommand::ReconnectNow) => Next::Go,
            Err(FeedCommand::Quit) => {
                self.say_closed();
                Next::End
            }
        }
    }

    /// Stopped for good until the user says otherwise.
    async fn stopped(&mut self, reason: String) -> Next {
        tracing::warn!(target: TARGET, reason = %reason, "feed stopped; waiting for a reconnect command");
        self.status.last_error = Some(reason.clone());
        match self.set_state(ConnState::Stopped { reason }).await {
            Sent::Quit => {
                self.say_closed();
                return Next::End;
            }
            Sent::Gone => return Next::End,
            Sent::Now | Sent::AfterWait => {}
        }
        if std::mem::take(&mut self.pending_reconnect) {
            self.clear_failures();
            return Next::Go;
        }
        match self.commands.recv().await {
            Some(FeedCommand::ReconnectNow) => {
                tracing::info!(target: TARGET, "reconnect requested");
                self.clear_failures();
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

    /// The current token, or how the attempt ends when there is none.
    async fn token_or_outcome(&mut self) -> Result<SecretString, Outcome> {
        match or_command(
            &mut self.commands,
            &mut self.commands_open,
            self.auth.token(),
        )
        .await
        {
            Err(cmd) => Err(idle_command(cmd)),
            Ok(Ok(token)) => Ok(token),
            Ok(Err(AuthError::CredentialsRefused(msg))) => Err(Outcome::Stop(msg)),
            Ok(Err(e @ AuthError::RateLimited { retry_after })) => Err(Outcome::Retry {
                error: e.to_string(),
                delay: retry_after.map_or(Delay::Backoff, Delay::AtLeast),
            }),
            Ok(Err(e)) => Err(Outcome::Retry {
                error: e.to_string(),
                delay: Delay::Backoff,
            }),
        }
    }

    /// A fresh start: the server accepted us, or the user asked.
    fn clear_failures(&mut self) {
        self.failures = 0;
        self.token_just_renewed = false;
        self.backoff.reset();
    }

    /// Sets and sends the state.
    async fn set_state(&mut self, state: ConnState) -> Sent {
        self.status.state = state;
        self.send(FeedEvent::Status(self.status.clone())).await
    }

    /// The last word on quit: best effort, never blocks, since the app may
    /// have stopped reading while it waits for this task to end.
    fn say_closed(&mut self) {
        self.status.state = ConnState::Closed;
        let _ = self.events.try_send(FeedEvent::Status(self.status.clone()));
    }

    /// Sends to the app. When its channel is full this waits, and so does
    /// the socket: that is the backpressure. A Quit while waiting wins (the
    /// event is dropped: nobody will read it); a ReconnectNow is kept in
    /// `pending_reconnect` for the caller.
    async fn send(&mut self, ev: FeedEvent) -> Sent {
        match self.events.try_reserve() {
            Ok(permit) => {
                permit.send(ev);
                return Sent::Now;
            }
            Err(TrySendError::Closed(())) => return Sent::Gone,
            Err(TrySendError::Full(())) => {}
        }
        // Wait for room for a run of events, not one: resuming per free slot
        // would wake this task (and its thread) once per event the app takes.
        let permits = loop {
            tokio::select! {
                biased;
                permits = self.events.reserve_many(RESUME_ROOM) => break permits,
                cmd = self.commands.recv(), if self.commands_open => match cmd {
                    Some(FeedCommand::Quit) => return Sent::Quit,
                    Some(FeedCommand::ReconnectNow) => self.pending_reconnect = true,
                    None => self.commands_open = false,
                },
            }
        };
        // The unused permits go back: the next sends find room at once.
        match permits.ok().and_then(|mut p| p.next()) {
            Some(permit) => {
                permit.send(ev);
                Sent::AfterWait
            }
            None => Sent::Gone,
        }
    }
}

/// How a send to the app went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sent {
    Now,
    /// The channel was full; the app made room.
    AfterWait,
    /// The user quit while we waited.
    Quit,
    /// The app dropped its receiver.
    Gone,
}

/// A command that arrived while no frames were flowing.
pub(crate) fn idle_command(cmd: FeedCommand) -> Outcome {
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
