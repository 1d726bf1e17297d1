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

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TryRecvError;

use super::anonymize::Anonymizer;
use super::{ChannelEvent, CloseLine, EndLine, FrameLine, Header, Line, RestAnswer};
use super::{kept_header, timestamp};
use crate::redact::{redact_line, redact_text};

/// Entries in flight to the writer thread, at most.
const CAPACITY: usize = 1024;
/// Tokens remembered for redaction (a long recording sees a few a day).
const TOKENS_KEPT: usize = 32;
const TARGET: &str = "queuetop::recording";

/// What the feed saw, on its way to the writer.
enum Entry {
    Rest {
        at: OffsetDateTime,
        method: String,
        path: String,
        status: u16,
        headers: Vec<(String, String)>,
        request: Option<Value>,
        body: String,
        token: SecretString,
    },
    Frame {
        at: OffsetDateTime,
        channel: Arc<str>,
        text: String,
    },
    Binary {
        at: OffsetDateTime,
        channel: Arc<str>,
    },
    Close {
        at: OffsetDateTime,
        channel: Arc<str>,
        code: Option<u16>,
        reason: String,
        error: Option<String>,
    },
    End {
        reason: String,
    },
}

/// What the recording holds once finished.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub rest: u64,
    pub frames: u64,
    /// Lines written, header and end line included.
    pub lines: u64,
    pub write_errors: u64,
}

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
        let mut w = Writer {
            reason: reason.clone(),
            out: BufWriter::with_capacity(64 * 1024, out),
            anonymizer: opts.anonymize.then(Anonymizer::default),
            secrets: opts.secrets,
            tokens: Vec::new(),
            summary: Summary::default(),
        };
        let mut header = header.clone();
        if let Some(a) = &mut w.anonymizer {
            a.header(&mut header);
        }
        w.write(&Line::Header(header));
        w.out.flush()?;
        let (tx, rx) = mpsc::channel(CAPACITY);
        let thread = std::thread::Builder::new()
            .name("recording".into())
            .spawn(move || w.run(rx))?;
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
            .filter(|(k, _)| kept_header(k.as_str()))
            .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect();
        let e = Entry::Rest {
            at: OffsetDateTime::now_utc(),
            method: method.to_string(),
            path: path.to_string(),
            status,
            headers,
            request: request.cloned(),
            body: body.to_string(),
            token: token.clone(),
        };
        self.send(e).await;
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

struct Writer {
    reason: Arc<Mutex<String>>,
    out: BufWriter<Box<dyn Write + Send>>,
    anonymizer: Option<Anonymizer>,
    secrets: Vec<SecretString>,
    tokens: Vec<SecretString>,
    summary: Summary,
}

impl Writer {
    fn run(mut self, mut rx: mpsc::Receiver<Entry>) -> Summary {
        let mut ended = false;
        while let Some(e) = rx.blocking_recv() {
            ended = self.entry(e);
            // Then whatever else is waiting, and one flush for the lot.
            while !ended {
                match rx.try_recv() {
                    Ok(e) => ended = self.entry(e),
                    Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
                }
            }
            self.flush();
            if ended {
                break;
            }
        }
        if !ended {
            let reason = self
                .reason
                .lock()
                .map(|r| r.clone())
                .unwrap_or_else(|p| p.into_inner().clone());
            self.end(reason);
            self.flush();
        }
        self.summary
    }

    /// Writes one entry; true for the end.
    fn entry(&mut self, e: Entry) -> bool {
        let line = match e {
            Entry::Rest {
                at,
                method,
                path,
                status,
                headers,
                request,
                body,
                token,
            } => {
                self.remember(token);
                self.summary.rest += 1;
                let mut body = match body.trim() {
                    "" => Value::Null,
                    t => serde_json::from_str(t).unwrap_or(Value::String(body)),
                };
                let mut request = request;
                if let Some(a) = &mut self.anonymizer {
                    a.rest_body(&path, &mut body);
                    if let Some(r) = &mut request {
                        a.value(r);
                    }
                }
                Line::Rest(RestAnswer {
                    t: timestamp(at),
                    method,
                    path,
                    status,
                    headers: headers.into_iter().collect(),
                    request,
                    body,
                })
            }
            Entry::Frame { at, channel, text } => {
                self.summary.frames += 1;
                let text = match &mut self.anonymizer {
                    Some(a) => a.frame(text),
                    None => text,
                };
                Line::Frame(FrameLine {
                    t: timestamp(at),
                    channel: channel.to_string(),
                    text,
                })
            }
            Entry::Binary { at, channel } => Line::Binary(ChannelEvent {
                t: timestamp(at),
                channel: channel.to_string(),
            }),
            Entry::Close {
                at,
                channel,
                code,
                reason,
                error,
            } => Line::Close(CloseLine {
                t: timestamp(at),
                channel: channel.to_string(),
                code,
                reason,
                error,
            }),
            Entry::End { reason } => {
                self.end(reason);
                return true;
            }
        };
        self.write(&line);
        false
    }

    fn end(&mut self, reason: String) {
        let s = self.summary;
        self.write(&Line::End(EndLine {
            t: timestamp(OffsetDateTime::now_utc()),
            reason,
            rest: s.rest,
            frames: s.frames,
            write_errors: s.write_errors,
        }));
    }

    fn remember(&mut self, token: SecretString) {
        let t = token.expose_secret();
        if t.is_empty() || self.tokens.iter().any(|k| k.expose_secret() == t) {
            return;
        }
        if self.tokens.len() == TOKENS_KEPT {
            self.tokens.remove(0);
        }
        self.tokens.push(token);
    }

    /// Serializes, redacts and writes one line. The known secrets go first
    /// (exact text), then the audit log's own last line of defence.
    fn write(&mut self, line: &Line) {
        let text = match serde_json::to_string(line) {
            Ok(t) => t,
            Err(e) => {
                self.failed(&format!("cannot serialize a line: {e}"));
                return;
            }
        };
        let secrets: Vec<&str> = self
            .secrets
            .iter()
            .chain(&self.tokens)
            .map(|s| s.expose_secret())
            .collect();
        let text = redact_text(&text, &secrets);
        let text = redact_line(&text);
        match self
            .out
            .write_all(text.as_bytes())
            .and_then(|()| self.out.write_all(b"\n"))
        {
            Ok(()) => self.summary.lines += 1,
            Err(e) => self.failed(&e.to_string()),
        }
    }

    fn flush(&mut self) {
        if let Err(e) = self.out.flush() {
            self.failed(&e.to_string());
        }
    }

    fn failed(&mut self, error: &str) {
        self.summary.write_errors += 1;
        if self.summary.write_errors == 1 {
            tracing::error!(target: TARGET, error, "the recording could not be written; it is incomplete");
        }
    }
}
