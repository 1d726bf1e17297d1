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
        for error in errors {
            let at = error.span().map_or(0, |span| span.start);
            let message = error.message().trim().to_string();
            doc.report(
                Severity::Error,
                at,
                "(toml)",
                message,
                "the file must be valid TOML",
            );
        }
        return None;
    }
    let root = root.get_ref();
    known_keys(doc, root, "", &top_tables());
    let mut reader = Table {
        doc,
        spans: &mut spans,
        prefix: "",
        key_prefix: None,
    };
    for (name, keys) in SECTIONS {
        let Some(section) = reader.table(root, name) else {
            continue;
        };
        reader.prefix = name;
        let known: Vec<&str> = keys.iter().map(|key| key.name).collect();
        known_keys(reader.doc, section, &format!("{name}."), &known);
        for key in *keys {
            (key.apply)(&mut reader, section, key.name, cfg);
        }
    }
    if let Some(nats) = reader.table(root, "nats") {
        reader.prefix = "nats";
        known_keys(reader.doc, nats, "nats.", super::nats::KEYS);
        super::nats::apply(&mut reader, nats, &mut cfg.nats);
    }
    if let Some((key, value)) = root.get_key_value("queue") {
        queues(&mut reader, (key, value), cfg);
    }
    Some(spans)
}

fn queues(reader: &mut Table<'_, '_>, (_, value): Entry<'_>, cfg: &mut Config) {
    let Some(items) = value.get_ref().as_array() else {
        reader.doc.error(
            &value.span(),
            "queue",
            "`queue` must be an array of tables: write each queue as `[[queue]]`".into(),
            "one [[queue]] table per monitored queue",
        );
        return;
    };
    for (position, item) in items.iter().enumerate() {
        let prefix = format!("queue[{}]", position + 1);
        let Some(fields) = item.get_ref().as_table() else {
            reader.doc.error(
                &item.span(),
                &prefix,
                "expected a table".into(),
                "one [[queue]] table per monitored queue",
            );
            continue;
        };
        known_keys(reader.doc, fields, &format!("{prefix}."), QUEUE);
        reader.prefix = "queue";
        reader.key_prefix = Some(prefix.clone());
        let mut queue = QueueConfig {
            id: reader.string(fields, "id"),
            name: reader.string(fields, "name"),
            events: vec![EventType::QueueSummary],
            filter: reader.string(fields, "filter"),
        };
        if let Some(written) = fields.get("events") {
            queue.events = events(reader.doc, written, &prefix);
        }
        let target = queue_target(reader, fields, &prefix);
        if let (true, Some(key)) = (
            target != super::QueueTarget::default(),
            queue.id.clone().or_else(|| queue.name.clone()),
        ) {
            cfg.queue_targets.insert(key, target);
        }
        if let Some(own) = queue_alerts(reader, fields, &prefix)
            && let Some(key) = queue.id.clone().or_else(|| queue.name.clone())
        {
            cfg.queue_alerts.insert(key, own);
        }
        reader.spans.queues.push(QueueSpans {
            table: item.span(),
            filter: fields.get("filter").map(|filter| filter.span()),
        });
        cfg.queues.push(queue);
    }
    reader.key_prefix = None;
}

/// A queue's own service-level goal; a fraction where a percent belongs
/// is an error that says what to write.
fn queue_target(
    reader: &mut Table<'_, '_>,
    fields: &DeTable<'_>,
    prefix: &str,
) -> super::QueueTarget {
    let target = super::QueueTarget {
        percent: reader.number(fields, "service_level_pct", 0.0, 100.0),
        within_s: reader.int(fields, "service_level_s", 1, 86_400),
    };
    if let (Some(percent), Some(value)) = (target.percent, fields.get("service_level_pct"))
        && percent <= 1.0
    {
        let message = format!(
            "{percent} is a percent, not a fraction: write {} for {}% answered in time",
            percent * 100.0,
            percent * 100.0
        );
        let rule = "service_level_pct is a percent, such as 80; see docs/CONFIG.md";
        reader.doc.error(
            &value.span(),
            &format!("{prefix}.service_level_pct"),
            message,
            rule,
        );
    }
    target
}

/// A queue's own `alerts = { ... }` thresholds, if it has any.
fn queue_alerts(
    reader: &mut Table<'_, '_>,
    fields: &DeTable<'_>,
    prefix: &str,
) -> Option<super::QueueAlerts> {
    let alerts = reader.table(fields, "alerts")?;
    known_keys(
        reader.doc,
        alerts,
        &format!("{prefix}.alerts."),
        QUEUE_ALERTS,
    );
    reader.key_prefix = Some(format!("{prefix}.alerts"));
    let own = super::QueueAlerts {
        utilization_pct: reader.number(alerts, "utilization_pct", 0.0, 100.0),
        waiting: reader.int(alerts, "waiting", 0, 1_000_000),
        longest_wait_s: reader.int(alerts, "longest_wait_s", 0, 86_400),
        service_level_pct: reader.number(alerts, "service_level_pct", 0.0, 100.0),
    };
    reader.key_prefix = Some(prefix.to_string());
    Some(own)
}

fn events(doc: &mut Doc<'_>, value: &Spanned<DeValue<'_>>, prefix: &str) -> Vec<EventType> {
    let key = format!("{prefix}.events");
    let rule = "events are queue-summary, queue-interaction, agent-state";
    let Some(items) = value.get_ref().as_array() else {
        doc.error(
            &value.span(),
            &key,
            "expected an array such as [\"queue-summary\", \"agent-state\"]".into(),
            rule,
        );
        return Vec::new();
    };
    let mut chosen = Vec::new();
    for item in items.iter() {
        match item
            .get_ref()
            .as_str()
            .map(|text| (text, EventType::parse(text)))
        {
            Some((_, Some(event))) if !chosen.contains(&event) => chosen.push(event),
            Some((_, Some(_))) => {}
            Some((text, None)) => {
                let all: Vec<&str> = EventType::ALL.iter().map(|event| event.as_str()).collect();
                let message = format!("unknown event type `{text}`{}", suggest(text, &all));
                doc.error(&item.span(), &key, message, rule);
            }
            None => doc.error(
                &item.span(),
                &key,
                "expected a string such as \"queue-summary\"".into(),
                rule,
            ),
        }
    }
    if items.is_empty() {
        doc.error(
            &value.span(),
            &key,
            "no event types: list at least one, or leave `events` out for [\"queue-summary\"]"
                .into(),
            rule,
        );
    }
    chosen
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
