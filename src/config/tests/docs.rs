//! docs/CONFIG.md against the parser: every key a config file may hold is
//! in the table of its section, and every key a table lists is one the
//! parser knows, so the page can drift neither way.

use crate::config::file::{key_tables, top_tables};

const CONFIG_MD: &str = include_str!("../../../docs/CONFIG.md");

/// The text of the section headed `` ### `[table]` `` (or `[[table]]`), up
/// to the next heading.
fn section(table: &str) -> Option<&'static str> {
    let heading = CONFIG_MD.lines().find(|l| {
        l.starts_with("### `[") && {
            let name = l.trim_start_matches("### `").trim_start_matches('[');
            name.split(']').next() == Some(table)
        }
    })?;
    let start = CONFIG_MD.find(heading)? + heading.len();
    let body = &CONFIG_MD[start..];
    let end = body.find("\n#").unwrap_or(body.len());
    Some(&body[..end])
}

/// The keys a section's table lists in its first column
/// (`` | `login_url`, `api_url` | ``).
fn listed(section: &str) -> Vec<&str> {
    section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split(" |").next())
        .flat_map(|cell| cell.split(", "))
        .map(|k| k.trim_matches('`'))
        .collect()
}

#[test]
fn every_table_has_a_section() {
    let missing: Vec<&str> = top_tables()
        .into_iter()
        .filter(|t| section(t).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "docs/CONFIG.md has no section for {missing:?}"
    );
}

#[test]
fn every_key_is_listed_in_its_table() {
    let mut missing = Vec::new();
    for (table, keys) in key_tables() {
        // A queue's own thresholds are described in the row of its
        // `alerts` key.
        let (name, inline) = match table.split_once('.') {
            Some((name, _)) => (name, true),
            None => (table, false),
        };
        let Some(text) = section(name) else {
            missing.push(format!("[{table}]"));
            continue;
        };
        for key in keys.iter() {
            let found = if inline {
                text.contains(&format!("`{key}`"))
            } else {
                listed(text).contains(key)
            };
            if !found {
                missing.push(format!("{table}.{key}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "keys docs/CONFIG.md does not list: {missing:?}"
    );
}

#[test]
fn every_listed_key_exists() {
    let mut unknown = Vec::new();
    for (table, keys) in key_tables().into_iter().filter(|(t, _)| !t.contains('.')) {
        let text = section(table).unwrap_or_default();
        let documented = listed(text);
        assert!(!documented.is_empty(), "[{table}] lists no keys");
        for key in documented {
            if !keys.contains(&key) {
                unknown.push(format!("{table}.{key}"));
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "docs/CONFIG.md lists keys no config can hold: {unknown:?}"
    );
}
