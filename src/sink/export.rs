//! NDJSON export line (docs/EXPORT.md, "The export line").
//!
//! Written by hand into a reused String: no `serde_json::Value` tree and no
//! allocation per line once the buffer has grown. Field order is the
//! documented one. Every queue event is exported, `queue-totals` included
//! (its `event_type` says so; `routing_metrics` still describes the
//! queue's current counts), because the contract is one line per processed
//! queue event and totals count in `events_processed`.

use std::fs::OpenOptions;
use std::io::{self, BufWriter, Write};

use tokio::time::Instant;

use crate::event::{AgentCounts, QueueEvent};
use crate::model::queue::{round1, whole_ms};
use crate::model::{AppState, IntervalFigures, QueueView};
use crate::sink::text::{push_f64, push_i64, push_json_str, push_rfc3339, push_u64};

/// The export line for one queue event, already applied to `state`.
pub fn export_line(state: &AppState, ev: &QueueEvent, now: Instant) -> String {
    let mut line = String::with_capacity(512);
    write_line(&mut line, state, ev, now);
    line
}

/// Appends the export line for `ev` (with its trailing newline) to `out`.
pub fn write_line(out: &mut String, state: &AppState, ev: &QueueEvent, now: Instant) {
    let qid = ev.kind.queue_id();
    let view = state.queue(qid);
    out.push_str("{\"event_type\":");
    push_json_str(out, ev.kind.type_name());
    out.push_str(",\"topic\":");
    push_json_str(out, &ev.topic);
    write_routing_metrics(out, ev, qid, view);
    out.push_str(",\"delivery_rate\":");
    // Hundredths: one event a minute is 0.02, not 0.0.
    push_f64(
        out,
        (state.feed().delivery_rate(now) * 100.0).round() / 100.0,
    );
    out.push_str(",\"latency_ms\":");
    match ev.latency_ms().filter(|_| !ev.snapshot) {
        Some(ms) => push_i64(out, ms),
        None => out.push_str("null"),
    }
    out.push_str(",\"events_processed\":");
    push_u64(out, state.feed().events_processed);
    out.push_str(",\"correlation_id\":");
    match ev.correlation_id.as_deref().filter(|_| !ev.snapshot) {
        Some(correlation) => push_json_str(out, correlation),
        None => out.push_str("null"),
    }
    // After the original fields, which keep their order: a consumer that
    // reads them by position still finds them.
    out.push_str(",\"figures\":");
    match view {
        Some(queue) => write_figures(out, state, queue, now),
        None => out.push_str("null"),
    }
    out.push_str("}\n");
}

/// The original `routing_metrics` object, in the seed's field order.
fn write_routing_metrics(out: &mut String, ev: &QueueEvent, qid: &str, view: Option<&QueueView>) {
    let summary = view.and_then(|queue| queue.summary.as_ref());
    let count = |field: fn(&crate::event::QueueSummary) -> u32| summary.map_or(0, field);

    out.push_str(",\"routing_metrics\":{\"queueId\":");
    push_json_str(out, qid);
    out.push_str(",\"queueName\":");
    push_json_str(out, view.map_or(qid, |queue| queue.name.as_str()));
    out.push_str(",\"timestamp\":\"");
    push_rfc3339(out, ev.received_wall, 3);
    out.push_str("\",\"utilization\":");
    let metrics = view.map(|queue| &queue.metrics);
    push_f64(
        out,
        round1(metrics.map_or(0.0, |routing| routing.utilization)),
    );
    out.push_str(",\"availableRatio\":");
    push_f64(
        out,
        round1(metrics.map_or(0.0, |routing| routing.available_ratio)),
    );
    out.push_str(",\"skillCoverage\":");
    push_u64(
        out,
        metrics.map_or(0, |routing| routing.skill_coverage) as u64,
    );
    out.push_str(",\"agentsAvailable\":");
    push_u64(
        out,
        u64::from(count(|queue_summary| queue_summary.agents_available)),
    );
    out.push_str(",\"agentsLoggedIn\":");
    push_u64(
        out,
        u64::from(count(|queue_summary| queue_summary.agents_logged_in)),
    );
    out.push_str(",\"agentsInteracting\":");
    push_u64(
        out,
        u64::from(count(|queue_summary| queue_summary.agents_interacting)),
    );
    out.push_str(",\"interactionsWaiting\":");
    push_u64(
        out,
        u64::from(view.map_or(0, |queue| queue.waiting_count())),
    );
    out.push_str(",\"skillDeficits\":[");
    if let Some(routing) = metrics {
        for (index, deficit) in routing.skill_deficits.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            push_json_str(out, deficit);
        }
    }
    out.push_str("]}");
}

/// The figures past the original fields: longest wait, interval totals and the
/// queue's active alerts with their severity (docs/EXPORT.md).
fn write_figures(out: &mut String, state: &AppState, view: &QueueView, now: Instant) {
    out.push_str("{\"longestWaitMs\":");
    match view.longest_wait(now) {
        Some(duration) => push_u64(out, u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)),
        None => out.push_str("null"),
    }
    write_interval(out, &view.interval_figures());
    out.push_str(",\"alerts\":[");
    for (index, kind) in state.alerts().active_kinds(&view.id).enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str("{\"kind\":");
        push_json_str(out, kind.name());
        out.push_str(",\"severity\":");
        push_json_str(out, kind.severity().as_str());
        if let Some(detail) = kind.detail() {
            out.push_str(",\"detail\":");
            push_json_str(out, detail);
        }
        out.push('}');
    }
    out.push(']');
    write_agents(out, view);
    write_media(out, view);
    out.push('}');
}

/// A figure as the export writes it: a whole number, or one decimal.
enum Figure {
    Whole(Option<u64>),
    Tenths(Option<f64>),
}

/// The interval figures (docs/EXPORT.md): counts and durations (ms)
/// whole, percentages to one decimal; null where there is nothing to
/// compute from.
fn write_interval(out: &mut String, figures: &IntervalFigures<'_>) {
    let ms = |millis: Option<f64>| Figure::Whole(millis.map(whole_ms));
    let fields = [
        ("serviceLevelPct", Figure::Tenths(figures.service_level_pct)),
        ("serviceLevelTargetPct", Figure::Tenths(figures.target_pct)),
        ("serviceLevelTargetMs", Figure::Whole(figures.target_ms)),
        ("offered", Figure::Whole(figures.offered)),
        ("answered", Figure::Whole(figures.answered)),
        ("abandoned", Figure::Whole(figures.abandoned)),
        ("abandonedPct", Figure::Tenths(figures.abandoned_pct)),
        ("averageSpeedOfAnswerMs", ms(figures.average_answer_ms)),
        ("averageHandleTimeMs", ms(figures.average_handle_ms)),
    ];
    for (key, value) in fields {
        out.push_str(",\"");
        out.push_str(key);
        out.push_str("\":");
        match value {
            Figure::Whole(Some(whole)) => push_u64(out, whole),
            Figure::Tenths(Some(tenths)) => push_f64(out, round1(tenths)),
            Figure::Whole(None) | Figure::Tenths(None) => out.push_str("null"),
        }
    }
    out.push_str(",\"interval\":");
    match figures.interval {
        Some(interval) => push_json_str(out, interval),
        None => out.push_str("null"),
    }
}

/// Waiting and interacting per media type; `{}` when the feed does not
/// split by media, null for an interacting count it does not give.
fn write_media(out: &mut String, v: &QueueView) {
    out.push_str(",\"media\":{");
    let media = v.summary.iter().flat_map(|s| s.media.iter());
    for (i, (name, c)) in media.enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json_str(out, name);
        out.push_str(":{\"waiting\":");
        push_u64(out, u64::from(c.waiting));
        out.push_str(",\"interacting\":");
        match c.interacting {
            Some(n) => push_u64(out, u64::from(n)),
            None => out.push_str("null"),
        }
        out.push('}');
    }
    out.push('}');
}

/// Agents by state as Genesys Cloud names them, and queue utilization;
/// null where the feed does not say.
fn write_agents(out: &mut String, queue: &QueueView) {
    let agents = queue.summary.as_ref().map(|s| s.agents).unwrap_or_default();
    out.push_str(",\"agents\":{");
    for (index, (key, value)) in agent_fields(&agents).into_iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push('"');
        out.push_str(key);
        out.push_str("\":");
        match value {
            Some(n) => push_u64(out, u64::from(n)),
            None => out.push_str("null"),
        }
    }
    out.push_str("},\"queueUtilization\":");
    match queue.metrics.queue_utilization {
        Some(p) => push_f64(out, round1(p)),
        None => out.push_str("null"),
    }
}

/// The agent counts by their export names, in the documented order.
pub fn agent_fields(a: &AgentCounts) -> [(&'static str, Option<u32>); 6] {
    [
        ("onQueue", a.on_queue),
        ("offQueue", a.off_queue),
        ("idle", a.idle),
        ("interacting", a.interacting),
        ("communicating", a.communicating),
        ("notResponding", a.not_responding),
    ]
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
