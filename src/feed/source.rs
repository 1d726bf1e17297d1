//! Where the app's events come from. The interface every source keeps is
//! `FeedHandle`: a bounded channel of `FeedEvent`s out, `FeedCommand`s
//! (quit, reconnect now) in, the task, and its gauges. The app, model and
//! ui see only that, so they do not know which source runs. The relay's
//! broker reader is chosen inside `feed::spawn` from the config (`[nats]`);
//! a source picked on the command line is one more variant here.

use std::sync::Arc;

use super::FeedHandle;
use super::replay::{self, ReplayOptions};
use crate::config::Config;
use crate::recording::Recorder;

pub enum Source {
    /// As configured: Genesys Cloud (notifications or realtime feed), or
    /// the relay's broker when `[nats]` is set.
    Genesys,
    /// The same, with every REST answer and frame also recorded.
    Recorded(Recorder),
    /// A recording played back.
    Replay(ReplayOptions),
}

impl Source {
    /// Starts the source; must be called inside a tokio runtime.
    pub fn spawn(self, cfg: Arc<Config>) -> FeedHandle {
        match self {
            Source::Genesys => super::spawn(cfg),
            Source::Recorded(r) => super::spawn_recorded(cfg, Some(r)),
            Source::Replay(opts) => replay::spawn(opts),
        }
    }
}
