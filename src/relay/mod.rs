//! `queuetop relay`: the one process that talks to Genesys Cloud. It runs
//! the feed as the monitor does and publishes what it produces to NATS
//! JetStream for any number of viewers (`queuetop --nats`), which then
//! need no Genesys credentials. A sink: it reads `FeedEvent`s and never
//! touches the model or the UI.

mod publisher;

use std::future::Future;
use std::sync::Arc;

use color_eyre::eyre::{WrapErr, eyre};

use crate::config::Config;
use crate::event::ConnState;

pub use publisher::{Publisher, RelayStats};

const TARGET: &str = "queuetop::relay";

/// Runs the Genesys feed and publishes until `shutdown` (exit 0). Unlike a
/// monitor, a relay whose feed stops for good keeps running and says so in
/// its heartbeat: viewers name the link that is down, and a service
/// manager sees the reason in the log.
pub async fn run(cfg: Arc<Config>, shutdown: impl Future<Output = ()>) -> color_eyre::Result<i32> {
    let Some(nats) = cfg.nats.clone() else {
        return Err(eyre!(
            "the relay needs a broker: set [nats] url in the config or pass --nats nats://host:4222"
        ));
    };
    if let Some(msg) = cfg.credentials_problem() {
        return Err(eyre!(
            "the relay is the process that logs in to Genesys Cloud: {msg}"
        ));
    }
    let client = crate::nats::connect(&nats, "queuetop relay", None)
        .await
        .map_err(|error| eyre!(error))?;
    let publisher = Publisher::new(client, &nats)
        .await
        .wrap_err("setting up the JetStream stream and bucket")?;
    tracing::info!(target: TARGET, url = %crate::redact::redact_url(&nats.url), prefix = %nats.prefix, "relay started");
    let mut feed = crate::feed::spawn_genesys(cfg.clone());
    publisher
        .run(
            &mut feed.events,
            &feed.commands,
            Some(&mut feed.task),
            shutdown,
            crate::feed::CLOSE_GRACE,
        )
        .await?;
    Ok(0)
}

/// Whether a status means the Genesys feed delivers.
fn live(state: &ConnState) -> bool {
    matches!(state, ConnState::Connected)
}

/// The feed's state in the header's words.
fn state_word(state: &ConnState) -> &'static str {
    match state {
        ConnState::Connecting => "connecting",
        ConnState::Connected => "connected",
        ConnState::Reconnecting { .. } => "reconnecting",
        ConnState::Stopped { .. } => "stopped",
        ConnState::Closed => "closed",
    }
}
