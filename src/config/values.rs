//! Values that parse but cannot work as meant: log levels that are not
//! levels, thresholds that would alert for ever, backoff steps upside down.

use super::doc::{Doc, FileSpans, suggest};
use super::{Config, Severity};

const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];
const LEVEL_RULE: &str =
    "log.level is error, warn, info, debug, trace, or target=level pairs; see docs/CONFIG.md";

/// `log.level` is a level or comma-separated `target=level` directives.
/// A bare word other than a level parses as a target (at level trace), so
/// `verbose` would silently log everything of a crate that does not exist.
pub(super) fn log_level(doc: &mut Doc<'_>, spans: &FileSpans, level: &str) {
    let span = spans.values.get("log.level").cloned().unwrap_or(0..0);
    let bad = level.split(',').map(str::trim).find_map(|directive| {
        let wanted = directive.rsplit_once('=').map_or(directive, |(_, l)| l);
        let known = LEVELS.iter().any(|l| l.eq_ignore_ascii_case(wanted));
        (!known).then(|| wanted.to_string())
    });
    if let Some(word) = bad {
        let hint = suggest(&word, &LEVELS);
        let msg = format!("`{word}` is not a log level{hint}");
        doc.error(&span, "log.level", msg, LEVEL_RULE);
        return;
    }
    if let Err(e) = tracing_subscriber::EnvFilter::try_new(level) {
        let msg = format!("`{level}` is not a log level or filter: {e}");
        doc.error(&span, "log.level", msg, LEVEL_RULE);
    }
}

/// 0 switches an alert off; other values must mean what they say.
pub(super) fn thresholds(doc: &mut Doc<'_>, spans: &FileSpans, cfg: &Config) {
    let pct = cfg.alerts.utilization_pct;
    if pct > 0.0 && pct <= 1.0 {
        let span = spans
            .values
            .get("alerts.utilization_pct")
            .cloned()
            .unwrap_or(0..0);
        doc.error(
            &span,
            "alerts.utilization_pct",
            format!(
                "{pct} is a percent, not a fraction: it would alert at {pct}% utilization; write {} for {}%, or 0 to switch the alert off",
                pct * 100.0,
                pct * 100.0
            ),
            "thresholds are percent; 0 = off; see docs/CONFIG.md",
        );
    }
    let reconnect = &cfg.reconnect;
    if reconnect.base_delay_ms > reconnect.max_delay_ms {
        let span = spans
            .values
            .get("reconnect.base_delay_ms")
            .cloned()
            .unwrap_or(0..0);
        doc.report(
            Severity::Error,
            span.start,
            "reconnect.base_delay_ms",
            format!(
                "the first step ({} ms) is longer than the cap max_delay_ms ({} ms); raise max_delay_ms or lower base_delay_ms",
                reconnect.base_delay_ms, reconnect.max_delay_ms
            ),
            "base_delay_ms <= max_delay_ms; see docs/CONFIG.md",
        );
    }
}

/// A threshold as the summary shows it: `off` for 0.
pub(super) fn threshold(value: f64, unit: &str) -> String {
    if value == 0.0 {
        "off".to_string()
    } else {
        format!("{value}{unit}")
    }
}
