//! Reads the TOML file onto a `Config`, keeping the position of every value
//! so each problem names file, line, column and key.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::doc::{Doc, FileSpans, QueueSpans, suggest};
use super::paths::expand_home;
use super::table::Table;
use super::{Config, EventType, Protocol, QueueConfig, Severity, Theme};

const TOP: &[&str] = &[
    "genesys",
    "queue",
    "reconnect",
    "alerts",
    "ui",
    "log",
    "export",
    "metrics",
    "nats",
];
const GENESYS: &[&str] = &[
    "environment",
    "protocol",
    "client_id",
    "client_secret",
    "client_secret_file",
    "login_url",
    "api_url",
    "realtime_url",
    "all_queues",
    "observations_interval_s",
];
const QUEUE: &[&str] = &[
    "id",
    "name",
    "events",
    "filter",
    "alerts",
    "service_level_pct",
    "service_level_s",
];
/// The `[alerts]` keys a queue may set for itself.
const QUEUE_ALERTS: &[&str] = &[
    "utilization_pct",
    "waiting",
    "longest_wait_s",
    "service_level_pct",
];
const RECONNECT: &[&str] = &[
    "base_delay_ms",
    "max_delay_ms",
    "max_attempts",
    "heartbeat_timeout_s",
];
const ALERTS: &[&str] = &[
    "utilization_pct",
    "waiting",
    "latency_ms",
    "stale_after_s",
    "raise_delay_s",
    "clear_delay_s",
    "longest_wait_s",
    "service_level_pct",
];
const UI: &[&str] = &["fps", "ascii", "theme", "mouse"];
const LOG: &[&str] = &[
    "audit_file",
    "level",
    "max_size_mb",
    "keep",
    "alert_history",
];
const EXPORT: &[&str] = &["path"];
const METRICS: &[&str] = &["listen"];

/// Every table of a config file with its keys, as docs/CONFIG.md lists
/// them (`queue.alerts` is the inline table of a `[[queue]]`).
#[cfg(test)]
pub(super) fn key_tables() -> Vec<(&'static str, &'static [&'static str])> {
    vec![
        ("genesys", GENESYS),
        ("queue", QUEUE),
        ("queue.alerts", QUEUE_ALERTS),
        ("reconnect", RECONNECT),
        ("alerts", ALERTS),
        ("ui", UI),
        ("log", LOG),
        ("export", EXPORT),
        ("metrics", METRICS),
        ("nats", super::nats::KEYS),
    ]
}

/// The top-level tables a config file may have.
#[cfg(test)]
pub(super) const TABLES: &[&str] = TOP;

type Entry<'i> = (
    &'i Spanned<std::borrow::Cow<'i, str>>,
    &'i Spanned<DeValue<'i>>,
);

/// Applies the file's values onto `cfg`; None when it is not valid TOML.
pub(super) fn apply(doc: &mut Doc<'_>, cfg: &mut Config) -> Option<FileSpans> {
    let mut spans = FileSpans::default();
    let (root, errors) = DeTable::parse_recoverable(doc.text);
    if !errors.is_empty() {
        // What the parser recovered would only add noise: report the syntax alone.
        for e in errors {
            let at = e.span().map_or(0, |s| s.start);
            let msg = e.message().trim().to_string();
            doc.report(
                Severity::Error,
                at,
                "(toml)",
                msg,
                "the file must be valid TOML",
            );
        }
        return None;
    }
    let root = root.get_ref();
    known_keys(doc, root, "", TOP);
    let mut t = Table {
        doc,
        spans: &mut spans,
        prefix: "",
        key_prefix: None,
    };
    if let Some(g) = t.table(root, "genesys") {
        t.prefix = "genesys";
        known_keys(t.doc, g, "genesys.", GENESYS);
        let c = &mut cfg.genesys;
        set(&mut c.environment, t.string(g, "environment"));
        if let Some(p) = t.parse(
            g,
            "protocol",
            Protocol::parse,
            "\"notifications\" or \"realtime\"",
        ) {
            c.protocol = p;
        }
        set(&mut c.client_id, t.string(g, "client_id"));
        set(&mut c.all_queues, t.boolean(g, "all_queues"));
        set(
            &mut c.observations_interval_s,
            t.int(g, "observations_interval_s", 1, 3600),
        );
        if let Some(s) = t.string(g, "client_secret") {
            t.spans.has_client_secret = true;
            c.client_secret = Some(s.into());
        }
        t.spans.client_secret_file = t.string(g, "client_secret_file");
        // URLs are applied after layering (they depend on `environment`);
        // keep them in the spans map with their text.
        for k in ["login_url", "api_url", "realtime_url"] {
            if let Some(v) = t.string(g, k) {
                let url = match k {
                    "login_url" => &mut c.login_url,
                    "api_url" => &mut c.api_url,
                    _ => &mut c.realtime_url,
                };
                *url = v;
            }
        }
    }
    if let Some(r) = t.table(root, "reconnect") {
        t.prefix = "reconnect";
        known_keys(t.doc, r, "reconnect.", RECONNECT);
        let c = &mut cfg.reconnect;
        set(
            &mut c.base_delay_ms,
            t.int(r, "base_delay_ms", 1, 3_600_000),
        );
        set(&mut c.max_delay_ms, t.int(r, "max_delay_ms", 1, 86_400_000));
        set(&mut c.max_attempts, t.int(r, "max_attempts", 0, 1_000_000));
        set(
            &mut c.heartbeat_timeout_s,
            t.int(r, "heartbeat_timeout_s", 1, 86_400),
        );
    }
    if let Some(a) = t.table(root, "alerts") {
        t.prefix = "alerts";
        known_keys(t.doc, a, "alerts.", ALERTS);
        let c = &mut cfg.alerts;
        set(
            &mut c.utilization_pct,
            t.number(a, "utilization_pct", 0.0, 100.0),
        );
        set(&mut c.waiting, t.int(a, "waiting", 0, 1_000_000));
        set(&mut c.latency_ms, t.int(a, "latency_ms", 0, 3_600_000));
        set(&mut c.stale_after_s, t.int(a, "stale_after_s", 0, 86_400));
        set(&mut c.raise_delay_s, t.int(a, "raise_delay_s", 0, 3600));
        set(&mut c.clear_delay_s, t.int(a, "clear_delay_s", 0, 3600));
        set(&mut c.longest_wait_s, t.int(a, "longest_wait_s", 0, 86_400));
        set(
            &mut c.service_level_pct,
            t.number(a, "service_level_pct", 0.0, 100.0),
        );
    }
    if let Some(u) = t.table(root, "ui") {
        t.prefix = "ui";
        known_keys(t.doc, u, "ui.", UI);
        set(&mut cfg.ui.fps, t.int(u, "fps", 1, 60));
        set(&mut cfg.ui.ascii, t.boolean(u, "ascii"));
        set(&mut cfg.ui.mouse, t.boolean(u, "mouse"));
        if let Some(th) = t.parse(u, "theme", Theme::parse, "\"dark\", \"light\" or \"mono\"") {
            cfg.ui.theme = th;
        }
    }
    if let Some(l) = t.table(root, "log") {
        t.prefix = "log";
        known_keys(t.doc, l, "log.", LOG);
        if let Some(p) = t.string(l, "audit_file") {
            cfg.log.audit_file = expand_home(&p);
        }
        set(&mut cfg.log.level, t.string(l, "level"));
        set(
            &mut cfg.log.max_size_mb,
            t.int(l, "max_size_mb", 0, 1_000_000),
        );
        set(&mut cfg.log.keep, t.int(l, "keep", 1, 100));
        if let Some(p) = t.string(l, "alert_history") {
            // "" turns the history off; expanding it would not keep it empty.
            cfg.log.alert_history = Some(if p.is_empty() {
                std::path::PathBuf::new()
            } else {
                expand_home(&p)
            });
        }
    }
    if let Some(e) = t.table(root, "export") {
        t.prefix = "export";
        known_keys(t.doc, e, "export.", EXPORT);
        if let Some(p) = t.string(e, "path") {
            cfg.export_path = Some(p);
        }
    }
    if let Some(m) = t.table(root, "metrics") {
        t.prefix = "metrics";
        known_keys(t.doc, m, "metrics.", METRICS);
        if let Some(a) = t.parse(
            m,
            "listen",
            |s| s.parse().ok(),
            "an address such as \"127.0.0.1:9464\"",
        ) {
            cfg.metrics_listen = Some(a);
        }
    }
    if let Some(n) = t.table(root, "nats") {
        t.prefix = "nats";
        known_keys(t.doc, n, "nats.", super::nats::KEYS);
        super::nats::apply(&mut t, n, &mut cfg.nats);
    }
    if let Some((k, v)) = root.get_key_value("queue") {
        queues(&mut t, (k, v), cfg);
    }
    Some(spans)
}

fn set<T>(slot: &mut T, v: Option<T>) {
    if let Some(v) = v {
        *slot = v;
    }
}

fn queues(t: &mut Table<'_, '_>, (_, v): Entry<'_>, cfg: &mut Config) {
    let Some(items) = v.get_ref().as_array() else {
        t.doc.error(
            &v.span(),
            "queue",
            "`queue` must be an array of tables: write each queue as `[[queue]]`".into(),
            "one [[queue]] table per monitored queue",
        );
        return;
    };
    for (i, item) in items.iter().enumerate() {
        let prefix = format!("queue[{}]", i + 1);
        let Some(q) = item.get_ref().as_table() else {
            t.doc.error(
                &item.span(),
                &prefix,
                "expected a table".into(),
                "one [[queue]] table per monitored queue",
            );
            continue;
        };
        known_keys(t.doc, q, &format!("{prefix}."), QUEUE);
        t.prefix = "queue";
        t.key_prefix = Some(prefix.clone());
        let mut qc = QueueConfig {
            id: t.string(q, "id"),
            name: t.string(q, "name"),
            events: vec![EventType::QueueSummary],
            filter: t.string(q, "filter"),
        };
        if let Some(ev) = q.get("events") {
            qc.events = events(t.doc, ev, &prefix);
        }
        let target = super::QueueTarget {
            percent: t.number(q, "service_level_pct", 0.0, 100.0),
            within_s: t.int(q, "service_level_s", 1, 86_400),
        };
        if let (Some(pct), Some(v)) = (target.percent, q.get("service_level_pct"))
            && pct <= 1.0
        {
            let msg = format!(
                "{pct} is a percent, not a fraction: write {} for {}% answered in time",
                pct * 100.0,
                pct * 100.0
            );
            let rule = "service_level_pct is a percent, such as 80; see docs/CONFIG.md";
            t.doc
                .error(&v.span(), &format!("{prefix}.service_level_pct"), msg, rule);
        }
        if let (true, Some(key)) = (
            target != super::QueueTarget::default(),
            qc.id.clone().or_else(|| qc.name.clone()),
        ) {
            cfg.queue_targets.insert(key, target);
        }
        if let Some(a) = t.table(q, "alerts") {
            known_keys(t.doc, a, &format!("{prefix}.alerts."), QUEUE_ALERTS);
            t.key_prefix = Some(format!("{prefix}.alerts"));
            let own = super::QueueAlerts {
                utilization_pct: t.number(a, "utilization_pct", 0.0, 100.0),
                waiting: t.int(a, "waiting", 0, 1_000_000),
                longest_wait_s: t.int(a, "longest_wait_s", 0, 86_400),
                service_level_pct: t.number(a, "service_level_pct", 0.0, 100.0),
            };
            if let Some(key) = qc.id.clone().or_else(|| qc.name.clone()) {
                cfg.queue_alerts.insert(key, own);
            }
            t.key_prefix = Some(prefix.clone());
        }
        t.spans.queues.push(QueueSpans {
            table: item.span(),
            filter: q.get("filter").map(|f| f.span()),
        });
        cfg.queues.push(qc);
    }
    t.key_prefix = None;
}

fn events(doc: &mut Doc<'_>, v: &Spanned<DeValue<'_>>, prefix: &str) -> Vec<EventType> {
    let key = format!("{prefix}.events");
    let rule = "events are queue-summary, queue-interaction, agent-state";
    let Some(arr) = v.get_ref().as_array() else {
        doc.error(
            &v.span(),
            &key,
            "expected an array such as [\"queue-summary\", \"agent-state\"]".into(),
            rule,
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in arr.iter() {
        match item.get_ref().as_str().map(|s| (s, EventType::parse(s))) {
            Some((_, Some(e))) if !out.contains(&e) => out.push(e),
            Some((_, Some(_))) => {}
            Some((s, None)) => {
                let all: Vec<&str> = EventType::ALL.iter().map(|e| e.as_str()).collect();
                let msg = format!("unknown event type `{s}`{}", suggest(s, &all));
                doc.error(&item.span(), &key, msg, rule);
            }
            None => doc.error(
                &item.span(),
                &key,
                "expected a string such as \"queue-summary\"".into(),
                rule,
            ),
        }
    }
    if arr.is_empty() {
        doc.error(
            &v.span(),
            &key,
            "no event types: list at least one, or leave `events` out for [\"queue-summary\"]"
                .into(),
            rule,
        );
    }
    out
}

/// Reports keys not in `known`, suggesting the nearest one.
fn known_keys(doc: &mut Doc<'_>, table: &DeTable<'_>, prefix: &str, known: &[&str]) {
    for (k, _) in table.iter() {
        let name = k.get_ref().as_ref();
        if !known.contains(&name) {
            let msg = format!("unknown key `{name}`{}", suggest(name, known));
            doc.error(
                &k.span(),
                &format!("{prefix}{name}"),
                msg,
                "only the keys of docs/CONFIG.md",
            );
        }
    }
}
