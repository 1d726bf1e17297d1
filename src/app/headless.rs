//! Headless mode: export lines and the audit log, no terminal. OWNER: model helper.
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
use tokio::time::{Instant, MissedTickBehavior};

use crate::config::Config;
use crate::event::{ConnState, FeedCommand, FeedEvent};
use crate::feed::source::Source;
use crate::model::{AlertKind, AppState};
use crate::sink::export::Exporter;

const TARGET: &str = "queuetop::headless";
/// The latency figures go to the audit log every this many events.
const LATENCY_LOG_EVERY: u64 = 50;
/// Most events handled between two flushes (the feed channel's size).
const DRAIN_MAX: usize = crate::feed::CHANNEL_CAPACITY;
/// How long the feed gets to close cleanly (and deliver what it still has).
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// `queuetop --headless`: runs until a signal (exit 0) or until the feed
/// stops for good (exit 1).
pub async fn run(cfg: Arc<Config>) -> color_eyre::Result<i32> {
    run_from(cfg, Source::Genesys).await
}

/// `run` with the events from `source`. A source that says `Closed` and
/// ends by itself (a replay at the end of its file) has finished: exit 0.
pub async fn run_from(cfg: Arc<Config>, source: Source) -> color_eyre::Result<i32> {
    let path = cfg.export_path.as_deref().unwrap_or("-");
    let exporter = Exporter::open(path).map_err(|e| {
        eyre!("cannot open the export file {path}: {e}; point --export (or export.path) at a writable file, or `-` for stdout")
    })?;
    // Handlers first, so a signal during start-up is not lost.
    let shutdown = shutdown_signal().wrap_err("cannot install the SIGINT/SIGTERM handlers")?;
    tracing::info!(target: TARGET, export = %path, queues = cfg.queues.len(), "headless run started");
    let feed = source.spawn(cfg.clone());
    let commands = feed.commands.clone();
    let metrics = super::metrics::Publisher::start(&cfg, feed.gauges.clone()).await?;
    let result = drive_with(
        &cfg,
        feed.events,
        &feed.commands,
        exporter,
        shutdown,
        metrics,
    )
    .await;
    // Normally the feed has closed already; after an error it still runs.
    let _ = commands.try_send(FeedCommand::Quit);
    let _ = tokio::time::timeout(CLOSE_GRACE, feed.task).await;
    result
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
    cfg: &Config,
    events: mpsc::Receiver<FeedEvent>,
    commands: &mpsc::Sender<FeedCommand>,
    exporter: Exporter,
    shutdown: impl Future<Output = ()>,
) -> color_eyre::Result<i32> {
    drive_with(cfg, events, commands, exporter, shutdown, None).await
}

/// `drive`, publishing to a metrics endpoint once a second.
pub async fn drive_with(
    cfg: &Config,
    mut events: mpsc::Receiver<FeedEvent>,
    commands: &mpsc::Sender<FeedCommand>,
    exporter: Exporter,
    shutdown: impl Future<Output = ()>,
    metrics: Option<super::metrics::Publisher>,
) -> color_eyre::Result<i32> {
    let mut h = Headless {
        st: super::seed::initial_state(cfg),
        exporter,
        stopped: None,
        reader_gone: false,
        closed: false,
    };
    tokio::pin!(shutdown);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => {
                close(&mut h, &mut events, commands).await?;
                return Ok(0);
            }
            // Before events: ready once a second, so it cannot starve them,
            // and a flood on one queue cannot hide another going stale.
            _ = tick.tick() => {
                h.st.tick(Instant::now(), OffsetDateTime::now_utc());
                h.log_alerts();
                if let Some(m) = &metrics {
                    m.publish(&h.st, Instant::now());
                }
            }
            ev = events.recv() => {
                let Some(ev) = ev else {
                    h.flush()?;
                    if h.closed {
                        tracing::info!(target: TARGET, "the feed finished");
                        return Ok(0);
                    }
                    eprintln!("queuetop: the feed ended unexpectedly; see the audit log");
                    return Ok(1);
                };
                h.handle(&ev)?;
                // Bounded, so a flood still flushes, ticks and hears signals.
                for _ in 0..DRAIN_MAX {
                    let Ok(ev) = events.try_recv() else { break };
                    h.handle(&ev)?;
                }
                h.flush()?;
                if h.reader_gone {
                    // `| head -3`: the reader had what it wanted.
                    tracing::info!(target: TARGET, "the export's reader closed the pipe; exiting");
                    let _ = commands.try_send(FeedCommand::Quit);
                    return Ok(0);
                }
                if let Some(reason) = h.stopped.take() {
                    tracing::error!(target: TARGET, reason = %reason, "feed stopped for good; exiting");
                    eprintln!("queuetop: the feed stopped: {reason}");
                    let _ = commands.try_send(FeedCommand::Quit);
                    return Ok(1);
                }
            }
        }
    }
}

/// Quit: the feed closes with 1000; what it still sends is exported.
async fn close(
    h: &mut Headless,
    events: &mut mpsc::Receiver<FeedEvent>,
    commands: &mpsc::Sender<FeedCommand>,
) -> color_eyre::Result<()> {
    let deadline = Instant::now() + CLOSE_GRACE;
    // The command channel is bounded: never wait on it past the grace.
    let _ = tokio::time::timeout_at(deadline, commands.send(FeedCommand::Quit)).await;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(ev)) => {
                h.handle(&ev)?;
                if matches!(&ev, FeedEvent::Status(s) if s.state == ConnState::Closed) {
                    break;
                }
            }
            Ok(None) => break,
            Err(_) => {
                tracing::warn!(target: TARGET, "the feed did not close within {} s", CLOSE_GRACE.as_secs());
                break;
            }
        }
    }
    h.flush()
}

struct Headless {
    st: AppState,
    exporter: Exporter,
    /// Set when the feed reports it stopped for good.
    stopped: Option<String>,
    /// The export's pipe was closed by its reader: nothing more to write.
    reader_gone: bool,
    /// The feed said `Closed`: its end is no surprise.
    closed: bool,
}

impl Headless {
    fn handle(&mut self, ev: &FeedEvent) -> color_eyre::Result<()> {
        self.st.apply(ev);
        match ev {
            FeedEvent::Queue(q) if !self.reader_gone => {
                let written = self.exporter.write_event(&self.st, q, q.received);
                self.check(written, "cannot write the export line")?;
                let n = self.st.feed.events_processed;
                if !q.snapshot && n.is_multiple_of(LATENCY_LOG_EVERY) {
                    self.log_latency(q.received);
                }
            }
            FeedEvent::Status(s) => {
                self.closed = s.state == ConnState::Closed;
                self.stopped = match &s.state {
                    ConnState::Stopped { reason } => Some(reason.clone()),
                    _ => None,
                };
            }
            _ => {}
        }
        self.log_alerts();
        Ok(())
    }

    fn flush(&mut self) -> color_eyre::Result<()> {
        if self.reader_gone {
            return Ok(());
        }
        let flushed = self.exporter.flush();
        self.check(flushed, "cannot write the export")
    }

    /// A closed pipe ends the run quietly (the caller exits 0); any other
    /// write error is one.
    fn check(&mut self, r: std::io::Result<()>, what: &str) -> color_eyre::Result<()> {
        match r {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.reader_gone = true;
                Ok(())
            }
            r => r.wrap_err_with(|| format!("{what}; check the export file or pipe")),
        }
    }

    fn log_latency(&self, now: Instant) {
        let f = &self.st.feed;
        let l = &f.latency;
        tracing::info!(
            target: TARGET,
            events = f.events_processed,
            latency_samples = l.count(),
            latency_avg_ms = l.avg().unwrap_or(0.0),
            latency_max_ms = l.max().unwrap_or(0),
            latency_p95_ms = l.p95().unwrap_or(0),
            delivery_rate = f.delivery_rate(now),
            "latency and delivery figures"
        );
    }

    /// Skill deficits raised and cleared (and the other alerts) to the log.
    fn log_alerts(&mut self) {
        for t in self.st.alerts.take_transitions() {
            let a = &t.alert;
            let queue_id = a.queue_id.as_deref().unwrap_or("");
            let queue_name = a
                .queue_id
                .as_deref()
                .and_then(|id| self.st.queue(id))
                .map_or("", |q| q.name.as_str());
            match (&a.kind, t.raised) {
                (AlertKind::SkillDeficit { skill }, true) => {
                    tracing::warn!(target: TARGET, queue_id, queue_name, skill = %skill, "skill deficit raised")
                }
                (AlertKind::SkillDeficit { skill }, false) => {
                    tracing::info!(target: TARGET, queue_id, queue_name, skill = %skill, "skill deficit cleared")
                }
                (_, true) => {
                    tracing::warn!(target: TARGET, queue_id, queue_name, alert = %a.message, "alert raised")
                }
                (_, false) => {
                    tracing::info!(target: TARGET, queue_id, queue_name, alert = %a.message, "alert cleared")
                }
            }
        }
    }
}
