//! `queuetop record`: the notifications feed runs headless for a while and
//! everything it receives goes to a recording (see `crate::recording`).
//! Events are taken from the feed as they come (so it never waits on us)
//! and only counted.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::eyre;
use time::OffsetDateTime;

use crate::config::{Config, Protocol};
use crate::event::{ConnState, FeedCommand, FeedEvent};
use crate::feed::source::Source;
use crate::recording::{FORMAT, Header, QueueRef, RecorderOptions, Recording};

const TARGET: &str = "queuetop::record";
/// How long the feed gets to close its channels (their last frames are
/// still recorded).
const CLOSE_GRACE: Duration = Duration::from_secs(5);

pub struct RecordOptions {
    pub duration: Duration,
    pub out: PathBuf,
    pub anonymize: bool,
}

/// The default file name: `queuetop-recording-<UTC time>.ndjson`.
pub fn default_file(now: OffsetDateTime) -> PathBuf {
    let t = now.to_offset(time::UtcOffset::UTC);
    PathBuf::from(format!(
        "queuetop-recording-{:04}{:02}{:02}T{:02}{:02}{:02}Z.ndjson",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    ))
}

/// The header: what was recorded, where from, by which version.
pub fn header(cfg: &Config, anonymized: bool) -> Header {
    let api_host = url::Url::parse(&cfg.genesys.api_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    Header {
        format: FORMAT,
        queuetop: env!("CARGO_PKG_VERSION").to_string(),
        started: crate::recording::timestamp(OffsetDateTime::now_utc()),
        environment: cfg.genesys.environment.clone(),
        api_host,
        protocol: cfg.genesys.protocol.as_str().to_string(),
        anonymized,
        queues: cfg
            .queues
            .iter()
            .map(|q| QueueRef {
                id: q.id.clone(),
                name: q.name.clone(),
            })
            .collect(),
    }
}

/// Records for `opts.duration` or until SIGINT/SIGTERM. Exit 0 when the
/// recording is complete; 1 when the feed stopped for good or a line could
/// not be written (the file is kept either way).
pub async fn run(cfg: Arc<Config>, opts: RecordOptions) -> color_eyre::Result<i32> {
    if cfg.genesys.protocol != Protocol::Notifications {
        return Err(eyre!(
            "record covers the notifications feed, and the config says protocol = \"{}\"; \
             set genesys.protocol = \"notifications\" (or pass --protocol notifications)",
            cfg.genesys.protocol.as_str()
        ));
    }
    let out = opts.out.display().to_string();
    let secrets = cfg.genesys.client_secret.iter().cloned().collect();
    let ropts = RecorderOptions {
        anonymize: opts.anonymize,
        secrets,
    };
    let (recording, recorder) = Recording::create(&opts.out, &header(&cfg, opts.anonymize), ropts)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => {
                eyre!(
                    "{out} exists; pick another --out or remove it (a recording never overwrites)"
                )
            }
            _ => eyre!("cannot create the recording {out}: {e}; pick a writable --out"),
        })?;
    let shutdown = super::headless::shutdown_signal()
        .map_err(|e| eyre!("cannot install the SIGINT/SIGTERM handlers: {e}"))?;
    eprintln!(
        "queuetop: recording to {out} for {} s; Ctrl-C stops early",
        opts.duration.as_secs_f64()
    );
    tracing::info!(target: TARGET, file = %out, seconds = opts.duration.as_secs_f64(), anonymize = opts.anonymize, "recording started");
    let mut feed = Source::Recorded(recorder).spawn(cfg.clone());
    let mut stopped = None;
    let mut queue_events = 0u64;
    let deadline = tokio::time::sleep(opts.duration);
    tokio::pin!(deadline, shutdown);
    loop {
        tokio::select! {
            () = &mut deadline => break,
            () = &mut shutdown => break,
            ev = feed.events.recv() => match ev {
                Some(FeedEvent::Queue(_)) => queue_events += 1,
                Some(FeedEvent::Status(s)) => {
                    if let ConnState::Stopped { reason } = s.state {
                        stopped = Some(reason);
                        break;
                    }
                }
                Some(_) => {}
                None => break,
            },
        }
    }
    // Quit, and keep taking events so the feed can close its channels.
    let _ = feed.commands.try_send(FeedCommand::Quit);
    let drain = async { while feed.events.recv().await.is_some() {} };
    let _ = tokio::time::timeout(CLOSE_GRACE, drain).await;
    let _ = tokio::time::timeout(CLOSE_GRACE, &mut feed.task).await;
    feed.task.abort();
    let reason = match &stopped {
        Some(r) => format!("the feed stopped: {r}"),
        None => "finished".to_string(),
    };
    let summary = recording.finish(&reason, CLOSE_GRACE).await;
    tracing::info!(target: TARGET, file = %out, rest = summary.rest, frames = summary.frames, lines = summary.lines, write_errors = summary.write_errors, queue_events, "recording finished");
    eprintln!(
        "queuetop: recorded {} REST answers and {} frames ({} lines) to {out}",
        summary.rest, summary.frames, summary.lines
    );
    if summary.write_errors > 0 {
        eprintln!(
            "queuetop: {} lines could not be written: the recording is incomplete; check the disk",
            summary.write_errors
        );
        return Ok(1);
    }
    if let Some(r) = stopped {
        eprintln!("queuetop: the feed stopped: {r}");
        return Ok(1);
    }
    Ok(0)
}
