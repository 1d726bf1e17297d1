//! Reads the TOML file onto a `Config`, keeping the position of every value
//! so each problem names file, line, column and key.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::doc::{Doc, FileSpans, QueueSpans, suggest};
use super::sections::SECTIONS;
use super::table::Table;
use super::{Config, EventType, QueueConfig, Severity};

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
/// The top-level tables a config file may have.
pub(super) fn top_tables() -> Vec<&'static str> {
    let mut top: Vec<&str> = SECTIONS.iter().map(|(name, _)| *name).collect();
    top.extend(["queue", "nats"]);
    top
}

/// Every table of a config file with its keys, as docs/CONFIG.md lists
/// them (`queue.alerts` is the inline table of a `[[queue]]`).
#[cfg(test)]
pub(super) fn key_tables() -> Vec<(&'static str, Vec<&'static str>)> {
    let mut tables: Vec<(&'static str, Vec<&'static str>)> = SECTIONS
        .iter()
        .map(|(name, keys)| (*name, keys.iter().map(|key| key.name).collect()))
        .collect();
    tables.push(("queue", QUEUE.to_vec()));
    tables.push(("queue.alerts", QUEUE_ALERTS.to_vec()));
    tables.push(("nats", super::nats::KEYS.to_vec()));
    tables
}

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
    known_keys(doc, root, "", &top_tables());
    let mut t = Table {
        doc,
        spans: &mut spans,
        prefix: "",
        key_prefix: None,
    };
    for (name, keys) in SECTIONS {
        let Some(section) = t.table(root, name) else {
            continue;
        };
        t.prefix = name;
        let known: Vec<&str> = keys.iter().map(|key| key.name).collect();
        known_keys(t.doc, section, &format!("{name}."), &known);
        for key in *keys {
            (key.apply)(&mut t, section, key.name, cfg);
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
