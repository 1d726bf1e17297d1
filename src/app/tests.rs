//! docs/EXPORT.md against the code: the example line has the fields the
//! export writes, in the order it writes them, and every field of the
//! export line and of `snapshot --json` is described; docs/CONFIG.md and
//! docs/EXPORT.md name every metric family the endpoint writes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use time::OffsetDateTime;
use tokio::time::Instant;

use crate::config::{Config, QueueConfig};
use crate::event::{
    AgentCounts, FeedEvent, MediaCounts, QueueEvent, QueueEventKind, QueueSummary, QueueTotals,
    ServiceTarget, SkillCount,
};
use crate::model::AppState;

const EXPORT_MD: &str = include_str!("../../docs/EXPORT.md");
const CONFIG_MD: &str = include_str!("../../docs/CONFIG.md");

/// Media types as the server spells them: map keys, not field names.
const MEDIA: [&str; 5] = ["voice", "chat", "email", "message", "callback"];

/// The text of the `## {title}` section, up to the next `## ` heading.
fn section<'a>(doc: &'a str, title: &str) -> &'a str {
    let start = doc
        .find(&format!("\n## {title}\n"))
        .unwrap_or_else(|| panic!("docs/EXPORT.md has no section \"{title}\""));
    let body = &doc[start + 1..];
    let end = body[3..].find("\n## ").map_or(body.len(), |i| i + 3);
    &body[..end]
}

/// The object keys of a JSON text in the order they appear, each once,
/// leaving out media types (they name map entries, not fields).
fn keys_in_order(json: &str) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    let mut chars = json.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut end = None;
        let mut escaped = false;
        for (j, d) in chars.by_ref() {
            match (escaped, d) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => {
                    end = Some(j);
                    break;
                }
                _ => {}
            }
        }
        let Some(end) = end else { break };
        let is_key = json[end + 1..].trim_start().starts_with(':');
        let key = &json[i + 1..end];
        if is_key && !MEDIA.contains(&key) && !keys.iter().any(|k| k == key) {
            keys.push(key.to_string());
        }
    }
    keys
}

/// A key is described when the text names it in backticks, alone
/// (`` `queueName` ``) or as the last part of a path (`` `figures.media` ``).
fn described(text: &str, key: &str) -> bool {
    text.contains(&format!("`{key}`")) || text.contains(&format!(".{key}`"))
}

/// One queue with every figure the export can write: agents by state,
/// media, interval totals with a goal, a skill short for waiting callers
/// (an alert with a detail).
fn state() -> (AppState, QueueEvent) {
    let mut cfg = Config::defaults(PathBuf::from("audit.log"));
    cfg.queues = vec![QueueConfig {
        id: Some("Q".into()),
        name: Some("Support".into()),
        events: Vec::new(),
        filter: None,
    }];
    cfg.alerts.raise_delay_s = 0;
    let mut st = crate::app::seed::initial_state(&cfg);
    let received = Instant::now();
    let received_wall = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
    let event = |kind| QueueEvent {
        kind,
        topic: "v2.analytics.queues.Q.observations".into(),
        server_time: Some(received_wall - time::Duration::milliseconds(40)),
        received_wall,
        received,
        correlation_id: Some("c-1".into()),
        snapshot: false,
    };
    let media = BTreeMap::from([(
        "voice".to_string(),
        MediaCounts {
            waiting: 3,
            interacting: Some(4),
        },
    )]);
    let summary = QueueSummary {
        queue_id: "Q".into(),
        queue_name: Some("Support".into()),
        agents_available: 0,
        agents_logged_in: 6,
        agents_interacting: 5,
        interactions_waiting: 3,
        skills: BTreeMap::from([(
            "Spanish".to_string(),
            SkillCount {
                available: 0,
                required: Some(2),
            },
        )]),
        oldest_waiting_since: Some(received_wall - time::Duration::seconds(62)),
        agents: AgentCounts {
            on_queue: Some(6),
            off_queue: Some(2),
            idle: Some(0),
            interacting: Some(4),
            communicating: Some(1),
            not_responding: Some(1),
        },
        media,
        service_target: ServiceTarget::new(80.0, 20_000),
        ..QueueSummary::default()
    };
    let totals = QueueTotals {
        queue_id: "Q".into(),
        interval: "2026-11-27T19:00:00Z/2026-11-27T19:30:00Z".into(),
        offered: Some(7),
        abandoned: Some(1),
        service_level_pct: Some(85.7),
        service_level_target_pct: Some(80.0),
        answered: Some(6),
        average_answer_ms: Some(12_400.0),
        handled: Some(6),
        average_handle_ms: Some(245_000.0),
    };
    st.apply(&FeedEvent::Queue(event(QueueEventKind::Totals(totals))));
    let last = event(QueueEventKind::Summary(summary));
    st.apply(&FeedEvent::Queue(last.clone()));
    st.tick(received, received_wall);
    (st, last)
}

#[test]
fn the_example_line_has_the_exported_fields_in_their_order() {
    let (st, ev) = state();
    let line = crate::sink::export::export_line(&st, &ev, ev.received);
    let written = keys_in_order(&line);
    for key in ["detail", "longestWaitMs", "serviceLevelPct", "interacting"] {
        assert!(written.iter().any(|k| k == key), "{key} not in {line}");
    }
    let doc = section(EXPORT_MD, "The export line");
    let example = doc
        .split("```json\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .expect("an example line in docs/EXPORT.md, \"The export line\"");
    assert!(
        serde_json::from_str::<serde_json::Value>(example).is_ok(),
        "the example is not JSON: {example}"
    );
    assert_eq!(
        keys_in_order(example),
        written,
        "docs/EXPORT.md's example line against an export line written now:\n{line}"
    );
}

#[test]
fn every_exported_field_is_described() {
    let (st, ev) = state();
    let line = crate::sink::export::export_line(&st, &ev, ev.received);
    let doc = section(EXPORT_MD, "The export line");
    let table: String = doc.lines().filter(|l| l.starts_with("| `")).collect();
    let missing: Vec<String> = keys_in_order(&line)
        .into_iter()
        .filter(|k| !described(&table, k))
        .collect();
    assert!(
        missing.is_empty(),
        "export fields docs/EXPORT.md's table does not describe: {missing:?}"
    );
}

#[test]
fn every_snapshot_field_is_described() {
    let (st, _) = state();
    let mut out = Vec::new();
    super::snapshot::render_json(&mut out, &st).expect("render into a Vec");
    let json: serde_json::Value = serde_json::from_slice(&out).expect("snapshot --json is JSON");
    let queue = json[0].as_object().expect("one queue object");
    let listed = section(EXPORT_MD, "`snapshot --json`");
    let table: String = section(EXPORT_MD, "The export line")
        .lines()
        .filter(|l| l.starts_with("| `"))
        .collect();
    // Its own fields are listed in its section; what they hold (agents,
    // media, alerts) is described with the export line's `figures`.
    let mut missing: Vec<String> = queue
        .keys()
        .filter(|k| !described(listed, k))
        .cloned()
        .collect();
    let nested = serde_json::to_string(&queue.values().collect::<Vec<_>>()).expect("JSON");
    missing.extend(
        keys_in_order(&nested)
            .into_iter()
            .filter(|k| !described(&table, k)),
    );
    assert!(queue.len() > 20, "{json}");
    assert!(
        missing.is_empty(),
        "snapshot --json fields docs/EXPORT.md does not describe: {missing:?}"
    );
}

/// Every `queuetop_...` name a text gives, label selectors left off.
fn metric_names(text: &str) -> BTreeSet<String> {
    text.match_indices("queuetop_")
        .map(|(at, _)| {
            text[at..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect()
        })
        .collect()
}

/// Every family the endpoint writes for a queue with every figure is named
/// in docs/CONFIG.md's `[metrics]` section or docs/EXPORT.md's "Metrics
/// endpoint", and every name they give is written: a dashboard built from
/// the pages finds its figures.
#[test]
fn the_docs_name_every_metric_family_and_only_those() {
    let (st, ev) = state();
    let metrics = crate::sink::metrics::Metrics::new();
    metrics.publish(
        &st,
        crate::sink::metrics::FeedCounts::default(),
        ev.received,
    );
    // A counter's samples end in `_total`; its `# TYPE` line does not.
    let written: BTreeSet<String> = metrics
        .encode()
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| match l.split_once(' ') {
            Some((name, "counter")) => Some(format!("{name}_total")),
            Some((name, _)) => Some(name.to_string()),
            None => None,
        })
        .collect();
    let config = CONFIG_MD
        .split_once("\n### `[metrics]`\n")
        .and_then(|(_, rest)| rest.split("\n### ").next())
        .expect("docs/CONFIG.md has a [metrics] section");
    let mut documented = metric_names(config);
    documented.extend(metric_names(section(EXPORT_MD, "Metrics endpoint")));
    // The families published only when there is a figure are there too.
    for name in [
        "queuetop_queue_on_queue_utilization_percent",
        "queuetop_queue_alerts_by_severity",
        "queuetop_queue_interval_start_timestamp_seconds",
    ] {
        assert!(written.contains(name), "{name} not in {written:?}");
    }
    let undocumented: Vec<_> = written.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "families the docs do not name: {undocumented:?}"
    );
    let unknown: Vec<_> = documented.difference(&written).collect();
    assert!(unknown.is_empty(), "documented, never written: {unknown:?}");
}

/// The `docs/<NAME>.md` citations in a text, each with the section it names
/// when one follows in quotes (`docs/PROTOCOL.md, "Close codes"`), the
/// quoted words joined across comment lines.
fn citations(text: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices("docs/") {
        let rest = &text[at..];
        let Some(end) = rest.find(".md") else {
            continue;
        };
        let doc = &rest[..end + 3];
        if !doc[5..end].chars().all(|c| c.is_ascii_uppercase()) || end == 5 {
            continue;
        }
        // A section is named after a comma, in quotes (escaped in a
        // string literal), possibly on the next comment line.
        let title = rest[end + 3..]
            .strip_prefix(',')
            .map(|t| t.trim_start_matches(|c: char| c.is_whitespace() || c == '/' || c == '!'))
            .and_then(|t| t.strip_prefix("\\\"").or_else(|| t.strip_prefix('"')))
            .and_then(|t| t.split_once('"'))
            .map(|(t, _)| {
                t.trim_end_matches('\\')
                    .lines()
                    .map(|l| l.trim().trim_start_matches(['/', '!']).trim())
                    .collect::<Vec<_>>()
                    .join(" ")
            });
        out.push((doc.to_string(), title));
    }
    out
}

/// Every document a comment, message or test cites is in docs/, and has
/// the section it names: a clone can follow every reference. No process
/// notes (owner tags, issue numbers, the design notes outside the
/// repository) are left in the code.
#[test]
fn every_cited_document_and_section_exists() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    // A packaged crate has src/ only: what is absent has nothing to cite.
    let mut dirs: Vec<PathBuf> = ["src", "tests", "benches"]
        .map(|d| root.join(d))
        .into_iter()
        .filter(|d| d.is_dir())
        .collect();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read a source folder") {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    // Built here so this file does not match itself.
    let leftovers = [["OWN", "ER:"].concat(), ["../", "shared"].concat()];
    let mut broken = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read a source file");
        broken.extend(leftovers_in(&text, &leftovers).map(|l| format!("{}: {l}", file.display())));
        for (doc, title) in citations(&text) {
            let Ok(page) = std::fs::read_to_string(root.join(&doc)) else {
                broken.push(format!("{}: {doc}", file.display()));
                continue;
            };
            let Some(title) = title else { continue };
            let found = page
                .lines()
                .filter(|l| l.starts_with('#'))
                .any(|l| l.trim_start_matches('#').trim().starts_with(&title));
            if !found {
                broken.push(format!("{}: {doc}, \"{title}\"", file.display()));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "citations of nothing in docs/: {broken:#?}"
    );
}

/// What a clone cannot follow: a document cited without `docs/` (the
/// design notes it came from are not in the repository), an owner tag,
/// an issue number.
fn leftovers_in<'a>(text: &'a str, fixed: &'a [String]) -> impl Iterator<Item = String> + 'a {
    let bare = text.match_indices(".md").filter_map(move |(at, _)| {
        let name_start = text[..at]
            .rfind(|c: char| !c.is_ascii_uppercase())
            .map_or(0, |i| i + 1);
        let name = &text[name_start..at];
        let root_file = ["", "README", "BENCHMARKS", "LICENSE"].contains(&name);
        (!root_file && !text[..name_start].ends_with("docs/")).then(|| format!("{name}.md"))
    });
    let lower = text.to_ascii_lowercase();
    let issues: Vec<String> = lower
        .match_indices("issue ")
        .filter(|(at, _)| {
            lower[at + 6..].starts_with(|c: char| c.is_ascii_digit() || c == '#')
                && !lower[..*at].ends_with(|c: char| c.is_ascii_alphabetic())
        })
        .map(|(at, _)| text[at..].chars().take(8).collect())
        .collect();
    let tags = fixed
        .iter()
        .filter(|f| text.contains(f.as_str()))
        .map(|f| f.to_string());
    bare.chain(issues).chain(tags)
}
