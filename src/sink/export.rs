//! NDJSON export line (PROTOCOL.md section 4). OWNER: model helper.
//!
//! Written by hand into a reused String: no `serde_json::Value` tree and no
//! allocation per line once the buffer has grown. Field order is the
//! documented one. Every queue event is exported, `queue-totals` included
//! (its `event_type` says so; `routing_metrics` still describes the
//! queue's current counts), because the contract is one line per processed
//! queue event and totals count in `events_processed`.

use std::fmt::Write as _;
use std::fs::OpenOptions;
use std::io::{self, BufWriter, Write};

use time::OffsetDateTime;
use tokio::time::Instant;

use crate::event::QueueEvent;
use crate::model::AppState;

/// The export line for one queue event, already applied to `state`.
pub fn export_line(state: &AppState, ev: &QueueEvent, now: Instant) -> String {
    let mut s = String::with_capacity(512);
    write_line(&mut s, state, ev, now);
    s
}

/// Appends the export line for `ev` (with its trailing newline) to `out`.
pub fn write_line(out: &mut String, state: &AppState, ev: &QueueEvent, now: Instant) {
    let qid = ev.kind.queue_id();
    let view = state.queue(qid);
    let summary = view.and_then(|v| v.summary.as_ref());
    let count = |f: fn(&crate::event::QueueSummary) -> u32| summary.map_or(0, f);

    out.push_str("{\"event_type\":");
    json_str(out, ev.kind.type_name());
    out.push_str(",\"topic\":");
    json_str(out, &ev.topic);
    out.push_str(",\"routing_metrics\":{\"queueId\":");
    json_str(out, qid);
    out.push_str(",\"queueName\":");
    json_str(out, view.map_or(qid, |v| v.name.as_str()));
    out.push_str(",\"timestamp\":\"");
    timestamp(out, ev.received_wall);
    out.push_str("\",\"utilization\":");
    let metrics = view.map(|v| &v.metrics);
    float(out, metrics.map_or(0.0, |m| m.utilization));
    out.push_str(",\"availableRatio\":");
    float(out, metrics.map_or(0.0, |m| m.available_ratio));
    let _ = write!(
        out,
        ",\"skillCoverage\":{},\"agentsAvailable\":{},\"agentsLoggedIn\":{},\"agentsInteracting\":{},\"interactionsWaiting\":{}",
        metrics.map_or(0, |m| m.skill_coverage),
        count(|s| s.agents_available),
        count(|s| s.agents_logged_in),
        count(|s| s.agents_interacting),
        count(|s| s.interactions_waiting),
    ); // ok: writing to a String cannot fail
    out.push_str(",\"skillDeficits\":[");
    if let Some(m) = metrics {
        for (i, d) in m.skill_deficits.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json_str(out, d);
        }
    }
    out.push_str("]},\"delivery_rate\":");
    float(out, state.feed.delivery_rate(now));
    out.push_str(",\"latency_ms\":");
    match ev.latency_ms().filter(|_| !ev.snapshot) {
        Some(ms) => {
            let _ = write!(out, "{ms}"); // ok: writing to a String cannot fail
        }
        None => out.push_str("null"),
    }
    let _ = write!(out, ",\"events_processed\":{}", state.feed.events_processed); // ok: writing to a String cannot fail
    out.push_str(",\"correlation_id\":");
    match ev.correlation_id.as_deref().filter(|_| !ev.snapshot) {
        Some(c) => json_str(out, c),
        None => out.push_str("null"),
    }
    out.push_str("}\n");
}

/// A JSON number: shortest round-trip form with a fraction (`60.0`);
/// never NaN or infinity (those become 0.0).
fn float(out: &mut String, v: f64) {
    let v = if v.is_finite() { v } else { 0.0 };
    let _ = write!(out, "{v:?}"); // ok: writing to a String cannot fail
}

/// RFC 3339 UTC with milliseconds, without a format-description walk.
fn timestamp(out: &mut String, t: OffsetDateTime) {
    let t = t.to_offset(time::UtcOffset::UTC);
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    ); // ok: writing to a String cannot fail
}

/// A JSON string literal with the escapes RFC 8259 requires.
fn json_str(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            let _ = write!(out, "\\u{b:04x}"); // ok: writing to a String cannot fail
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Writes export lines to a file (appended, created when missing) or
/// stdout, buffered; the app flushes when no further event is waiting.
pub struct Exporter {
    out: BufWriter<Box<dyn Write + Send>>,
    line: String,
    lines: u64,
}

impl Exporter {
    /// `"-"` is stdout; anything else a file path, appended to.
    pub fn open(path: &str) -> io::Result<Exporter> {
        let w: Box<dyn Write + Send> = if path == "-" {
            Box::new(io::stdout())
        } else {
            Box::new(OpenOptions::new().append(true).create(true).open(path)?)
        };
        Ok(Exporter::from_writer(w))
    }

    pub fn from_writer(w: Box<dyn Write + Send>) -> Exporter {
        Exporter {
            out: BufWriter::with_capacity(64 * 1024, w),
            line: String::with_capacity(1024),
            lines: 0,
        }
    }

    /// Writes the line for one queue event already applied to `state`.
    pub fn write_event(
        &mut self,
        state: &AppState,
        ev: &QueueEvent,
        now: Instant,
    ) -> io::Result<()> {
        self.line.clear();
        write_line(&mut self.line, state, ev, now);
        self.lines += 1;
        self.out.write_all(self.line.as_bytes())
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Lines written since start.
    pub fn lines(&self) -> u64 {
        self.lines
    }
}
