//! Recordings of the notifications feed: every REST answer and every
//! channel frame, with timestamps, one JSON object per line (the format is
//! docs/RECORDING.md).
//!
//! A top-level module so that the feed may use it (the feed never imports
//! `sink/`): the feed's REST client and channel readers hold a `Recorder`
//! (cheap to clone) and hand it what they saw; a writer thread redacts,
//! optionally anonymizes, and writes. The replay source (`feed::replay`)
//! reads the same lines back with `Line`.

pub mod anonymize;
mod thread;
pub mod writer;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

pub use thread::Summary;
pub use writer::{ChannelTap, Recorder, RecorderOptions, Recording};

/// The format version written in the header; a reader refuses others.
pub const FORMAT: u32 = 1;

/// One line of a recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Line {
    /// Always the first line.
    Header(Header),
    Rest(RestAnswer),
    Frame(FrameLine),
    /// A binary socket frame (the feed speaks text: its bytes are not kept).
    Binary(ChannelEvent),
    /// A channel's socket ended.
    Close(CloseLine),
    /// Always the last line of a recording that was finished cleanly.
    End(EndLine),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub format: u32,
    /// The queuetop version that wrote it.
    pub queuetop: String,
    /// RFC 3339, UTC.
    pub started: String,
    pub environment: String,
    /// The REST host the feed used (no path, no credentials).
    pub api_host: String,
    pub protocol: String,
    pub anonymized: bool,
    /// The configured queues (ids and names as the config gave them).
    #[serde(default)]
    pub queues: Vec<QueueRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueRef {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

/// One REST answer. Request headers are never recorded (they carry the
/// token); of the answer's headers only those in `KEPT_HEADERS`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestAnswer {
    pub t: String,
    pub method: String,
    /// Path and query, as sent.
    pub path: String,
    pub status: u16,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The request body (POST, PUT), when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Value>,
    /// The answer's body: its JSON, or its text as a string when it is not
    /// JSON, or null when empty.
    #[serde(default)]
    pub body: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameLine {
    pub t: String,
    /// The channel id.
    pub channel: String,
    /// The frame's text as it arrived (re-serialized when anonymized).
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelEvent {
    pub t: String,
    pub channel: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloseLine {
    pub t: String,
    pub channel: String,
    /// The close frame's code; none when the socket ended without one.
    #[serde(default)]
    pub code: Option<u16>,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndLine {
    pub t: String,
    pub reason: String,
    pub rest: u64,
    pub frames: u64,
    /// Lines that could not be written (the file is then incomplete).
    pub write_errors: u64,
}

/// Answer headers worth keeping: rate limits, Retry-After, the server's
/// correlation id, the date and the content type. Nothing else, so no
/// cookie or credential can slip in.
pub const KEPT_HEADERS: [&str; 4] = ["retry-after", "inin-correlation-id", "date", "content-type"];

/// True for an answer header a recording keeps.
pub fn kept_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("inin-ratelimit-") || KEPT_HEADERS.contains(&n.as_str())
}

impl Line {
    /// When it happened, for the timed kinds.
    pub fn time(&self) -> Option<OffsetDateTime> {
        let t = match self {
            Line::Header(h) => &h.started,
            Line::Rest(r) => &r.t,
            Line::Frame(f) => &f.t,
            Line::Binary(b) => &b.t,
            Line::Close(c) => &c.t,
            Line::End(e) => &e.t,
        };
        crate::event::parse_rfc3339(t)
    }
}

/// RFC 3339, UTC.
pub fn timestamp(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod format_tests {
    use super::*;

    #[test]
    fn lines_round_trip_and_carry_their_kind() {
        let l = Line::Close(CloseLine {
            t: "2026-11-30T03:50:08.123456Z".into(),
            channel: "c1".into(),
            code: Some(4001),
            reason: "token expired".into(),
            error: None,
        });
        let text = serde_json::to_string(&l).unwrap();
        assert!(text.starts_with(r#"{"kind":"close","#), "{text}");
        let back: Line = serde_json::from_str(&text).unwrap();
        assert_eq!(back, l);
        assert_eq!(back.time().unwrap().microsecond(), 123_456);
    }

    #[test]
    fn only_rate_limit_and_harmless_headers_are_kept() {
        assert!(kept_header("inin-ratelimit-count"));
        assert!(kept_header("Retry-After"));
        assert!(!kept_header("authorization"));
        assert!(!kept_header("set-cookie"));
    }
}
