//! The writing side: `Recorder` handles (held by the feed) send what they
//! saw through one bounded channel to a writer thread, which redacts,
//! anonymizes when asked, and writes one line each.
//!
//! Nothing is dropped: when the channel is full a hook waits (the feed
//! then reads more slowly, as when the app falls behind), like the audit
//! writer. Work on the feed's side is a few small copies per frame; the
//! JSON, redaction and anonymization happen on the writer thread.

use std::fs::OpenOptions;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use secrecy::SecretString;
use serde_json::Value;
use time::OffsetDateTime;
use tokio::sync::mpsc;

use super::anonymize::Anonymizer;
use super::thread::{Entry, Summary, Writer};
use super::{Header, Line, kept_header};

/// Entries in flight to the writer thread, at most.
const CAPACITY: usize = 1024;
const TARGET: &str = "queuetop::recording";

#[derive(Default)]
pub struct RecorderOptions {
    /// Replace agent, queue and customer names with pseudonyms.
    pub anonymize: bool,
    /// Removed wherever they appear (the client secret).
    pub secrets: Vec<SecretString>,
}

/// A handle the feed holds; cheap to clone.
#[derive(Clone)]
pub struct Recorder {
    tx: mpsc::Sender<Entry>,
}

/// The recording's file and thread; `finish` ends it.
pub struct Recording {
    tx: mpsc::Sender<Entry>,
    thread: JoinHandle<Summary>,
    /// Why it ended, for the end line written when the last handle goes.
    reason: Arc<Mutex<String>>,
}

/// One channel's frames go to the recorder under its id.
#[derive(Clone)]
pub struct ChannelTap {
    recorder: Recorder,
    channel: Arc<str>,
}

impl Recording {
    /// Creates `path` (never overwrites a file), writes the header and
    /// starts the writer thread.
    pub fn create(
        path: &Path,
        header: &Header,
        opts: RecorderOptions,
    ) -> io::Result<(Recording, Recorder)> {
        let file = OpenOptions::new().write(true).create_new(true).open(path)?;
        Self::to_writer(Box::new(file), header, opts)
    }

    /// As `create`, to any writer (tests).
    pub fn to_writer(
        out: Box<dyn Write + Send>,
        header: &Header,
        opts: RecorderOptions,
    ) -> io::Result<(Recording, Recorder)> {
        let reason = Arc::new(Mutex::new(String::from("the feed stopped recording")));
        let mut writer = Writer {
            reason: reason.clone(),
            out: BufWriter::with_capacity(64 * 1024, out),
            anonymizer: opts.anonymize.then(Anonymizer::default),
            secrets: opts.secrets,
            tokens: Vec::new(),
            summary: Summary::default(),
        };
        let mut header = header.clone();
        if let Some(anonymizer) = &mut writer.anonymizer {
            anonymizer.header(&mut header);
        }
        writer.write(&Line::Header(header));
        writer.out.flush()?;
        let (tx, rx) = mpsc::channel(CAPACITY);
        let thread = std::thread::Builder::new()
            .name("recording".into())
            .spawn(move || writer.run(rx))?;
        let recording = Recording {
            tx: tx.clone(),
            thread,
            reason,
        };
        Ok((recording, Recorder { tx }))
    }

    /// Ends the recording once every `Recorder` is dropped (the channel
    /// readers still record the close of their sockets), or after `grace`:
    /// then what arrives later is not written. Writes the end line,
    /// flushes, and returns what was written.
    pub async fn finish(self, reason: &str, grace: Duration) -> Summary {
        if let Ok(mut r) = self.reason.lock() {
            *r = reason.to_string();
        }
        let weak = self.tx.downgrade();
        drop(self.tx);
        let thread = self.thread;
        let join = tokio::task::spawn_blocking(move || thread.join().unwrap_or_default());
        tokio::pin!(join);
        if let Ok(done) = tokio::time::timeout(grace, &mut join).await {
            return done.unwrap_or_default();
        }
        if let Some(tx) = weak.upgrade() {
            let end = Entry::End {
                reason: format!("{reason} (handles still open after {} s)", grace.as_secs()),
            };
            let _ = tx.send(end).await;
        }
        join.await.unwrap_or_default()
    }
}

impl Recorder {
    /// One REST answer: `headers` are the answer's (filtered here), the
    /// token only tells the writer what to redact.
    #[allow(clippy::too_many_arguments)]
    pub async fn rest(
        &self,
        method: &str,
        path: &str,
        status: u16,
        headers: &reqwest::header::HeaderMap,
        request: Option<&Value>,
        body: &str,
        token: &SecretString,
    ) {
        let headers = headers
            .iter()
            .filter(|(name, _)| kept_header(name.as_str()))
            .filter_map(|(name, value)| {
                Some((name.as_str().to_string(), value.to_str().ok()?.to_string()))
            })
            .collect();
        let entry = Entry::Rest {
            at: OffsetDateTime::now_utc(),
            method: method.to_string(),
            path: path.to_string(),
            status,
            headers,
            request: request.cloned(),
            body: body.to_string(),
            token: token.clone(),
        };
        self.send(entry).await;
    }

    /// A tap for one channel's socket.
    pub fn channel(&self, id: &str) -> ChannelTap {
        ChannelTap {
            recorder: self.clone(),
            channel: Arc::from(id),
        }
    }

    async fn send(&self, e: Entry) {
        // Fails only once the recording was finished: later frames are
        // outside it by definition.
        if self.tx.send(e).await.is_err() {
            tracing::trace!(target: TARGET, "recording finished; entry not written");
        }
    }
}

impl ChannelTap {
    pub async fn text(&self, text: &str) {
        let e = Entry::Frame {
            at: OffsetDateTime::now_utc(),
            channel: self.channel.clone(),
            text: text.to_string(),
        };
        self.recorder.send(e).await;
    }

    pub async fn binary(&self) {
        let e = Entry::Binary {
            at: OffsetDateTime::now_utc(),
            channel: self.channel.clone(),
        };
        self.recorder.send(e).await;
    }

    pub async fn ended(&self, code: Option<u16>, reason: &str, error: Option<&str>) {
        let e = Entry::Close {
            at: OffsetDateTime::now_utc(),
            channel: self.channel.clone(),
            code,
            reason: reason.to_string(),
            error: error.map(str::to_string),
        };
        self.recorder.send(e).await;
    }
}
