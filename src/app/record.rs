//! `queuetop record`: the notifications feed runs headless for a while and
//! everything it receives goes to a recording (see `crate::recording`).
//! Events are taken from the feed as they come (so it never waits on us)
//! and only counted.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::eyre;
use time::OffsetDateTime;
use tokio::sync::mpsc;

use crate::config::{Config, Protocol};
use crate::event::{ConnState, FeedEvent};
use crate::feed::CLOSE_GRACE;
use crate::feed::source::Source;
use crate::recording::{FORMAT, Header, QueueRef, Recorder, RecorderOptions, Recording};

const TARGET: &str = "queuetop::record";

pub struct RecordOptions {
    pub duration: Duration,
    pub out: PathBuf,
    pub anonymize: bool,
}

/// The default file name: `queuetop-recording-<UTC time>.ndjson`.
pub fn default_file(now: OffsetDateTime) -> PathBuf {
    let utc = now.to_offset(time::UtcOffset::UTC);
    PathBuf::from(format!(
        "queuetop-recording-{:04}{:02}{:02}T{:02}{:02}{:02}Z.ndjson",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second()
    ))
}

/// The header: what was recorded, where from, by which version.
pub fn header(config: &Config, anonymized: bool) -> Header {
    let api_host = url::Url::parse(&config.genesys.api_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    Header {
        format: FORMAT,
        queuetop: env!("CARGO_PKG_VERSION").to_string(),
        started: crate::recording::timestamp(OffsetDateTime::now_utc()),
        environment: config.genesys.environment.clone(),
        api_host,
        protocol: config.genesys.protocol.as_str().to_string(),
        anonymized,
        queues: config
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
pub async fn run(config: Arc<Config>, opts: RecordOptions) -> color_eyre::Result<i32> {
    if config.genesys.protocol != Protocol::Notifications {
        return Err(eyre!(
            "record covers the notifications feed, and the config says protocol = \"{}\"; \
             set genesys.protocol = \"notifications\" (or pass --protocol notifications)",
            config.genesys.protocol.as_str()
        ));
    }
    let out = opts.out.display().to_string();
    let (recording, recorder) = create(&config, &opts)?;
    let shutdown = super::headless::shutdown_signal()
        .map_err(|error| eyre!("cannot install the SIGINT/SIGTERM handlers: {error}"))?;
    eprintln!(
        "queuetop: recording to {out} for {} s; Ctrl-C stops early",
        opts.duration.as_secs_f64()
    );
    tracing::info!(target: TARGET, file = %out, seconds = opts.duration.as_secs_f64(), anonymize = opts.anonymize, "recording started");
    let mut feed = Source::Recorded(recorder).spawn(config.clone());
    let mut queue_events = 0u64;
    let stopped = take_events(&mut feed.events, &mut queue_events, opts.duration, shutdown).await;
    // Keep taking events so the feed can close its channels (their last
    // frames are still recorded).
    feed.close(CLOSE_GRACE, |_| {}).await;
    let reason = match &stopped {
        Some(reason) => format!("the feed stopped: {reason}"),
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
    if let Some(reason) = stopped {
        eprintln!("queuetop: the feed stopped: {reason}");
        return Ok(1);
    }
    Ok(0)
}

/// The recording file, with its header, and the recorder the feed writes to.
fn create(config: &Config, opts: &RecordOptions) -> color_eyre::Result<(Recording, Recorder)> {
    let out = opts.out.display().to_string();
    let secrets = config.genesys.client_secret.iter().cloned().collect();
    let recorder_options = RecorderOptions {
        anonymize: opts.anonymize,
        secrets,
    };
    Recording::create(&opts.out, &header(config, opts.anonymize), recorder_options).map_err(|e| {
        match e.kind() {
            std::io::ErrorKind::AlreadyExists => {
                eyre!(
                    "{out} exists; pick another --out or remove it (a recording never overwrites)"
                )
            }
            _ => eyre!("cannot create the recording {out}: {e}; pick a writable --out"),
        }
    })
}

/// Takes the feed's events (they are recorded by the feed itself; here
/// only counted) until the time is up, a signal, or the feed stops for
/// good: then its reason.
async fn take_events(
    events: &mut mpsc::Receiver<FeedEvent>,
    queue_events: &mut u64,
    duration: Duration,
    shutdown: impl Future<Output = ()>,
) -> Option<String> {
    let deadline = tokio::time::sleep(duration);
    tokio::pin!(deadline, shutdown);
    loop {
        tokio::select! {
            () = &mut deadline => return None,
            () = &mut shutdown => return None,
            event = events.recv() => match event {
                Some(FeedEvent::Queue(_)) => *queue_events += 1,
                Some(FeedEvent::Status(status)) => {
                    if let ConnState::Stopped { reason } = status.state {
                        return Some(reason);
                    }
                }
                Some(_) => {}
                None => return None,
            },
        }
    }
}
