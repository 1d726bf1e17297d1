//! The writer thread: entries in, redacted (and, when asked, anonymized)
//! lines out, one flush per burst.

use std::io::{BufWriter, Write};
use std::sync::{Arc, Mutex};

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TryRecvError;

use super::anonymize::Anonymizer;
use super::{ChannelEvent, CloseLine, EndLine, FrameLine, Line, RestAnswer, timestamp};
use crate::redact::{redact_line, redact_text};

/// Tokens remembered for redaction (a long recording sees a few a day).
const TOKENS_KEPT: usize = 32;
const TARGET: &str = "queuetop::recording";

/// What the recording holds once finished.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub rest: u64,
    pub frames: u64,
    /// Lines written, header and end line included.
    pub lines: u64,
    pub write_errors: u64,
}

/// What the feed saw, on its way to the writer.
pub(super) enum Entry {
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

pub(super) struct Writer {
    pub(super) reason: Arc<Mutex<String>>,
    pub(super) out: BufWriter<Box<dyn Write + Send>>,
    pub(super) anonymizer: Option<Anonymizer>,
    pub(super) secrets: Vec<SecretString>,
    pub(super) tokens: Vec<SecretString>,
    pub(super) summary: Summary,
}

impl Writer {
    pub(super) fn run(mut self, mut rx: mpsc::Receiver<Entry>) -> Summary {
        let mut ended = false;
        while let Some(entry) = rx.blocking_recv() {
            ended = self.entry(entry);
            // Then whatever else is waiting, and one flush for the lot.
            while !ended {
                match rx.try_recv() {
                    Ok(entry) => ended = self.entry(entry),
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
                .map(|shared| shared.clone())
                .unwrap_or_else(|poisoned| poisoned.into_inner().clone());
            self.end(reason);
            self.flush();
        }
        self.summary
    }

    /// Writes one entry; true for the end.
    fn entry(&mut self, item: Entry) -> bool {
        let line = match item {
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
                    trimmed => serde_json::from_str(trimmed).unwrap_or(Value::String(body)),
                };
                let mut request = request;
                if let Some(anonymizer) = &mut self.anonymizer {
                    anonymizer.rest_body(&path, &mut body);
                    if let Some(pending) = &mut request {
                        anonymizer.value(pending);
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
                    Some(anonymizer) => anonymizer.frame(text),
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
    pub(super) fn write(&mut self, line: &Line) {
        let text = match serde_json::to_string(line) {
            Ok(token) => token,
            Err(error) => {
                self.failed(&format!("cannot serialize a line: {error}"));
                return;
            }
        };
        let secrets: Vec<&str> = self
            .secrets
            .iter()
            .chain(&self.tokens)
            .map(|secret| secret.expose_secret())
            .collect();
        let text = redact_text(&text, &secrets);
        let text = redact_line(&text);
        match self
            .out
            .write_all(text.as_bytes())
            .and_then(|()| self.out.write_all(b"\n"))
        {
            Ok(()) => self.summary.lines += 1,
            Err(error) => self.failed(&error.to_string()),
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
