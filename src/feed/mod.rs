//! The feed task: auth, connect, subscribe, read, reconnect.
//!
//! One task per feed. It talks to the app only through two bounded
//! channels: events (and its own status) out, commands (reconnect now,
//! quit) in. When the app falls behind, the full event channel stops the
//! task from reading its sockets, so the server is slowed by TCP flow
//! control and nothing is dropped or buffered without bound.
//!
//! `link` owns what both Genesys protocols share (token, retry and backoff
//! through `retry`, commands, backpressure, the state shown to the app);
//! each protocol is a session on it: `realtime/` (one socket, the v1 wire
//! format) and `notifications/` (REST start-up, channels). `connect` holds
//! the realtime handshake and the close-code table both use. `broker` and
//! `replay` are the other sources behind `source`; `close` is how every
//! consumer ends a feed.

pub mod backoff;
pub mod broker;
mod close;
pub mod connect;
mod gauges;
mod link;
pub mod notifications;
pub mod queue_list;
pub mod realtime;
pub mod replay;
mod retry;
pub mod source;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::auth::TokenSource;
use crate::config::{Config, Protocol};
use crate::event::{FeedCommand, FeedEvent};
use crate::recording::Recorder;
pub use close::{CLOSE_GRACE, Closing, close};
pub use gauges::FeedGauges;
use link::{Link, Next};
use retry::Retry;

/// Events in flight between the feed and the app, at most.
pub const CHANNEL_CAPACITY: usize = 1024;

/// Commands in flight from the app (a person pressing keys): plenty.
const COMMAND_CAPACITY: usize = 16;

pub(crate) const TARGET: &str = "queuetop::feed";

pub struct FeedHandle {
    pub events: mpsc::Receiver<FeedEvent>,
    pub commands: mpsc::Sender<FeedCommand>,
    pub task: JoinHandle<()>,
    /// What the feed holds in memory, readable while it runs.
    pub gauges: Arc<FeedGauges>,
}

impl FeedHandle {
    /// Closes the feed (`close`), handing what it still sends to `each`.
    /// True when it ended within `grace`.
    pub async fn close(&mut self, grace: Duration, each: impl FnMut(&FeedEvent)) -> bool {
        close(
            &mut self.events,
            &self.commands,
            Some(&mut self.task),
            grace,
            each,
        )
        .await
    }
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
    let link = Link::new(
        TokenSource::from_config(&cfg.genesys),
        Retry::from_config(&cfg.reconnect),
        ev_tx,
        cmd_rx,
    );
    let gauges = Arc::new(FeedGauges::default());
    let task = tokio::spawn(run(cfg, link, gauges.clone(), recorder));
    FeedHandle {
        events,
        commands,
        task,
        gauges,
    }
}

/// Each protocol's session: what it keeps between connection attempts.
enum Session {
    Realtime(realtime::Session),
    Notifications(Box<notifications::Session>),
}

/// The lifecycle: attempt, then quit, wait for the user, or retry.
async fn run(
    cfg: Arc<Config>,
    mut link: Link,
    gauges: Arc<FeedGauges>,
    recorder: Option<Recorder>,
) {
    let mut session = match cfg.genesys.protocol {
        Protocol::Realtime => match realtime::Session::new(cfg) {
            Ok(inner) => Session::Realtime(inner),
            Err(reason) => {
                // A config error: reconnecting cannot fix it, but the
                // user may still quit cleanly.
                while let Next::Go = link.stopped(reason.clone()).await {}
                return;
            }
        },
        Protocol::Notifications => {
            Session::Notifications(Box::new(notifications::Session::new(cfg, gauges, recorder)))
        }
    };
    loop {
        let outcome = match &mut session {
            Session::Realtime(inner) => inner.attempt(&mut link).await,
            Session::Notifications(inner) => inner.attempt(&mut link).await,
        };
        if let Next::End = link.after(outcome).await {
            return;
        }
    }
}
