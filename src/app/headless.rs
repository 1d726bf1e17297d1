//! Headless mode: export lines, the audit log and the alert history, no
//! terminal.
//!
//! Every event reaches the model and the export; the export is flushed
//! whenever no further event is waiting (a burst is one write, an idle feed
//! leaves nothing in the buffer). SIGINT and SIGTERM close the feed with
//! 1000, export what it still delivers, flush and exit 0. With no one to
//! press `r`, a feed that stops for good ends the run with exit 1 and the
//! reason on stderr, so a service manager can restart it.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::{WrapErr, eyre};
use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

use crate::app::core::Core;
use crate::app::sinks::Sinks;
use crate::config::Config;
use crate::event::{ConnState, FeedCommand, FeedEvent};
use crate::feed::source::Source;
use crate::sink::export::Exporter;

const TARGET: &str = "queuetop::headless";

/// `queuetop --headless`: runs until a signal (exit 0) or until the feed
/// stops for good (exit 1).
pub async fn run(config: Arc<Config>) -> color_eyre::Result<i32> {
    run_from(config, Source::Genesys).await
}

/// `run` with the events from `source`. A source that says `Closed` and
/// ends by itself (a replay at the end of its file) has finished: exit 0.
pub async fn run_from(config: Arc<Config>, source: Source) -> color_eyre::Result<i32> {
    let path = config.export_path.as_deref().unwrap_or("-");
    let exporter = Exporter::open(path).map_err(|error| {
        eyre!("cannot open the export file {path}: {error}; point --export (or export.path) at a writable file, or `-` for stdout")
    })?;
    let replaying = matches!(source, Source::Replay(_));
    let mut state = super::seed::initial_state(&config);
    let mut sinks = Sinks {
        exporter: Some(exporter),
        ..Sinks::default()
    };
    super::open_history(&config, replaying, &mut sinks, &mut state)?;
    // Handlers first, so a signal during start-up is not lost.
    let shutdown = shutdown_signal().wrap_err("cannot install the SIGINT/SIGTERM handlers")?;
    tracing::info!(target: TARGET, export = %path, queues = config.queues.len(), "headless run started");
    let mut feed = source.spawn(config.clone());
    let metrics = super::metrics::Publisher::start(&config, feed.gauges.clone()).await?;
    let core = Core::new(state, sinks).with_metrics(metrics);
    let channels = Channels {
        events: &mut feed.events,
        commands: &feed.commands,
        task: Some(&mut feed.task),
    };
    drive_core(core, channels, shutdown).await
}

/// Resolves on the first SIGINT or SIGTERM.
pub fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => tracing::info!(target: TARGET, "SIGTERM received; closing"),
            _ = int.recv() => tracing::info!(target: TARGET, "SIGINT received; closing"),
        }
    })
}

/// The loop, given the feed's channels: apply, export, log; flush when the
/// channel is empty. Returns the exit code.
pub async fn drive(
    config: &Config,
    mut events: mpsc::Receiver<FeedEvent>,
    commands: &mpsc::Sender<FeedCommand>,
    exporter: Exporter,
    shutdown: impl Future<Output = ()>,
) -> color_eyre::Result<i32> {
    let sinks = Sinks {
        exporter: Some(exporter),
        ..Sinks::default()
    };
    let core = Core::new(super::seed::initial_state(config), sinks);
    let channels = Channels {
        events: &mut events,
        commands,
        task: None,
    };
    drive_core(core, channels, shutdown).await
}

/// The feed as headless mode holds it; no task in tests that feed the
/// channel themselves.
struct Channels<'a> {
    events: &'a mut mpsc::Receiver<FeedEvent>,
    commands: &'a mpsc::Sender<FeedCommand>,
    task: Option<&'a mut JoinHandle<()>>,
}

/// Why the loop ended.
enum End {
    /// SIGINT or SIGTERM.
    Signal,
    /// The feed said `Closed`, then ended.
    Finished,
    /// The feed's channel ended without a `Closed`.
    Vanished,
    /// `| head -3`: the reader had what it wanted.
    ReaderGone,
    /// The feed stopped for good, for this reason.
    Stopped(String),
}

/// Runs the loop, then closes the feed (it exports what the feed still
/// delivers), whatever ended the loop.
async fn drive_core(
    mut core: Core,
    channels: Channels<'_>,
    shutdown: impl Future<Output = ()>,
) -> color_eyre::Result<i32> {
    let Channels {
        events,
        commands,
        task,
    } = channels;
    let ended = run_loop(&mut core, events, shutdown).await;
    let closed = core.close(events, commands, task).await;
    let code = match ended? {
        End::Signal | End::ReaderGone => 0,
        End::Finished => {
            tracing::info!(target: TARGET, "the feed finished");
            0
        }
        End::Vanished => {
            eprintln!("queuetop: the feed ended unexpectedly; see the audit log");
            1
        }
        End::Stopped(reason) => {
            tracing::error!(target: TARGET, reason = %reason, "feed stopped for good; exiting");
            eprintln!("queuetop: the feed stopped: {reason}");
            1
        }
    };
    closed.wrap_err("closing the feed")?;
    Ok(code)
}

async fn run_loop(
    core: &mut Core,
    events: &mut mpsc::Receiver<FeedEvent>,
    shutdown: impl Future<Output = ()>,
) -> color_eyre::Result<End> {
    tokio::pin!(shutdown);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut closed = false;
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => return Ok(End::Signal),
            // Before events: ready once a second, so it cannot starve them,
            // and a flood on one queue cannot hide another going stale.
            _ = tick.tick() => {
                core.tick(Instant::now(), OffsetDateTime::now_utc());
            }
            event = events.recv() => {
                let Some(event) = event else {
                    return Ok(if closed { End::Finished } else { End::Vanished });
                };
                let applied = core.apply_batch(event, events).wrap_err("the export")?;
                if applied.reader_gone {
                    tracing::info!(target: TARGET, "the export's reader closed the pipe; exiting");
                    return Ok(End::ReaderGone);
                }
                if let Some(reason) = applied.stopped() {
                    return Ok(End::Stopped(reason.to_string()));
                }
                if let Some(status) = &applied.status {
                    closed = *status == ConnState::Closed;
                }
            }
        }
    }
}
