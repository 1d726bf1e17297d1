//! The arrows of docs/ARCHITECTURE.md, checked: every `crate::` path in
//! src/ (outside test code) is an arrow from the file's top-level module to
//! another; a forbidden arrow or a cycle between top-level modules fails,
//! naming the file and line. Reads the source only: no build of the crate.
//!
//! Test code is left out: files named by the test-file convention
//! (`*_tests.rs`, `tests.rs`, anything under a `tests/` folder) and items
//! under `#[cfg(test)]`.

// Fixtures and helpers outside #[test] functions unwrap too: a failure
// there is a failing test, which clippy.toml's test exemption does not see.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What a top-level module may never import. `main.rs` and `lib.rs` are
/// the crate's roots and may use anything.
///
/// - The ground floor imports only what is listed (`Only`): `event` is the
///   vocabulary everything else speaks; `model` (the reducer) knows only
///   events, so it can be tested and run without a feed, a screen or a
///   config; `filter`, `subscription` and `redact` are rules with no
///   state of the program.
/// - The rest name what they must not reach (`Never`): the feed produces
///   events and never sees the model, the screen or the sinks; the screen
///   draws the model and never touches the network; the simulator is a
///   separate contact center, sharing only the vocabulary; sinks read the
///   model and never the feed; config is read by everyone and so imports
///   none of them. Only main imports `app`.
const RULES: &[(&str, Rule)] = &[
    ("event", Rule::Only(&[])),
    ("redact", Rule::Only(&[])),
    ("filter", Rule::Only(&["event"])),
    ("subscription", Rule::Only(&["event", "filter"])),
    ("model", Rule::Only(&["event"])),
    (
        "feed",
        Rule::Never(&["app", "model", "ui", "sink", "sim", "relay"]),
    ),
    ("ui", Rule::Never(&["app", "feed", "sim", "sink", "relay"])),
    (
        "sim",
        Rule::Never(&["app", "ui", "model", "feed", "sink", "relay"]),
    ),
    ("sink", Rule::Never(&["app", "feed", "ui", "sim"])),
    (
        "config",
        Rule::Never(&["app", "model", "ui", "feed", "sink", "sim", "relay"]),
    ),
    ("*", Rule::Never(&["app"])),
];

#[derive(Clone, Copy)]
enum Rule {
    Only(&'static [&'static str]),
    Never(&'static [&'static str]),
}

/// One `crate::` path: from the file's top-level module to another.
#[derive(Debug, Clone)]
struct Arrow {
    from: String,
    to: String,
    file: String,
    line: usize,
}

impl Arrow {
    fn at(&self) -> String {
        format!("src/{}:{}", self.file, self.line)
    }
}

fn allowed(from: &str, to: &str) -> Result<(), &'static str> {
    for (module, rule) in RULES {
        if *module != from && *module != "*" {
            continue;
        }
        match rule {
            Rule::Only(list) if !list.contains(&to) => return Err("outside its Only list"),
            Rule::Never(list) if list.contains(&to) => return Err("in its Never list"),
            _ => {}
        }
    }
    Ok(())
}

/// Every problem in the tree at `src`, one per line; empty when the arrows hold.
fn check(src: &Path) -> String {
    let arrows = arrows(src);
    let mut report = String::new();
    for arrow in &arrows {
        if let Err(why) = allowed(&arrow.from, &arrow.to) {
            let _ = writeln!(
                report,
                "{}: {} -> {} is forbidden ({} -> {} is {why}, tests/architecture.rs RULES)",
                arrow.at(),
                arrow.from,
                arrow.to,
                arrow.from,
                arrow.to
            );
        }
    }
    for cycle in cycles(&arrows) {
        let _ = writeln!(report, "cycle between top-level modules: {cycle}");
    }
    report
}

/// The arrows of every non-test file under `src`, sorted by file and line.
fn arrows(src: &Path) -> Vec<Arrow> {
    let mut files = Vec::new();
    collect(src, &mut files);
    let tops: BTreeSet<String> = files.iter().filter_map(|f| top_of(src, f)).collect();
    let mut arrows = Vec::new();
    for path in files {
        let Some(from) = top_of(src, &path) else {
            continue;
        };
        let relative = path.strip_prefix(src).unwrap_or(&path);
        if is_test_file(relative) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let code = without_test_items(&strip(&text));
        for (line, to) in crate_paths(&code) {
            if to != from && tops.contains(&to) {
                arrows.push(Arrow {
                    from: from.clone(),
                    to,
                    file: relative.display().to_string(),
                    line,
                });
            }
        }
    }
    arrows.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    arrows
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// `src/feed/link.rs` and `src/feed/mod.rs` belong to `feed`, `src/auth.rs`
/// to `auth`; the crate roots to none.
fn top_of(src: &Path, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(src).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "main" && name != "lib").then(|| name.to_string())
}

fn is_test_file(relative: &Path) -> bool {
    let name = relative.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name == "tests.rs"
        || name.ends_with("_tests.rs")
        || relative.components().any(|c| c.as_os_str() == "tests")
}

/// The text with comments, strings and character literals blanked (newlines
/// kept, so line numbers stay).
fn strip(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < chars.len() {
        let rest = &chars[i..];
        let end = if rest.starts_with(&['/', '/']) {
            rest.iter().position(|&c| c == '\n').unwrap_or(rest.len())
        } else if rest.starts_with(&['/', '*']) {
            block_comment_end(rest)
        } else if rest[0] == '"' || (rest.starts_with(&['b', '"']) && !in_word(&chars, i)) {
            let open = usize::from(rest[0] == 'b');
            string_end(rest, open)
        } else if let Some(hashes) = raw_string_hashes(rest).filter(|_| !in_word(&chars, i)) {
            raw_string_end(rest, hashes)
        } else if rest[0] == '\'' {
            char_literal_end(rest)
        } else {
            0
        };
        if end == 0 {
            out.push(rest[0]);
            i += 1;
        } else {
            out.extend(rest[..end].iter().map(|&c| blank(c)));
            i += end;
        }
    }
    out
}

/// True when `chars[i]` continues an identifier (the `r` of `for`).
fn in_word(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

fn block_comment_end(rest: &[char]) -> usize {
    let (mut depth, mut i) = (0usize, 0usize);
    while i < rest.len() {
        if rest[i..].starts_with(&['/', '*']) {
            depth += 1;
            i += 2;
        } else if rest[i..].starts_with(&['*', '/']) {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    rest.len()
}

fn string_end(rest: &[char], open: usize) -> usize {
    let mut i = open + 1;
    while i < rest.len() {
        match rest[i] {
            '\\' => i += 2,
            '"' => return i + 1,
            _ => i += 1,
        }
    }
    rest.len()
}

/// `r"`, `r#"`, `br##"`...: the number of hashes.
fn raw_string_hashes(rest: &[char]) -> Option<usize> {
    let start = match rest {
        ['r', ..] => 1,
        ['b', 'r', ..] => 2,
        _ => return None,
    };
    let hashes = rest[start..].iter().take_while(|&&c| c == '#').count();
    (rest.get(start + hashes) == Some(&'"')).then_some(hashes)
}

fn raw_string_end(rest: &[char], hashes: usize) -> usize {
    let open = rest.iter().position(|&c| c == '"').unwrap_or(0) + 1;
    let mut close = vec!['"'];
    close.extend(std::iter::repeat_n('#', hashes));
    (open..rest.len())
        .find(|&i| rest[i..].starts_with(&close))
        .map_or(rest.len(), |i| i + close.len())
}

/// `'a'`, `'\n'`, `'\u{1F600}'`; 0 for a lifetime (`'a`).
fn char_literal_end(rest: &[char]) -> usize {
    match rest {
        ['\'', '\\', ..] => rest[2..]
            .iter()
            .position(|&c| c == '\'')
            .map_or(0, |p| p + 3),
        ['\'', _, '\'', ..] => 3,
        _ => 0,
    }
}

/// Blanks every item under `#[cfg(test)]`: up to its `;` or the end of
/// its first `{ ... }` block.
fn without_test_items(code: &str) -> String {
    let mut chars: Vec<char> = code.chars().collect();
    let marker: Vec<char> = "#[cfg(test)]".chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i..].starts_with(&marker) {
            i += 1;
            continue;
        }
        let mut j = i + marker.len();
        let mut depth = 0usize;
        while j < chars.len() {
            match chars[j] {
                ';' if depth == 0 => break,
                '{' => depth += 1,
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            j += 1;
        }
        let end = (j + 1).min(chars.len());
        for c in &mut chars[i..end] {
            if *c != '\n' {
                *c = ' ';
            }
        }
        i = j + 1;
    }
    chars.into_iter().collect()
}

/// The first segment after each `crate::` (each item of a
/// `crate::{a::X, b}` group), with its line.
fn crate_paths(code: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (offset, _) in code.match_indices("crate::") {
        let before = code[..offset].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let line = code[..offset].matches('\n').count() + 1;
        let rest = &code[offset + "crate::".len()..];
        match rest.strip_prefix('{') {
            Some(group) => {
                for item in group_items(group) {
                    found.push((line, item));
                }
            }
            None => found.push((line, identifier(rest))),
        }
    }
    found.retain(|(_, name)| !name.is_empty() && name != "self");
    found
}

/// The first identifier of each top-level item of a `{ ... }` group.
fn group_items(group: &str) -> Vec<String> {
    let mut items = vec![identifier(group.trim_start())];
    let mut depth = 0usize;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => items.push(identifier(group[i + 1..].trim_start())),
            _ => {}
        }
    }
    items
}

fn identifier(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// Each cycle between top-level modules, written `a -> b (src/..:n) -> a (..)`.
fn cycles(arrows: &[Arrow]) -> Vec<String> {
    let mut graph: BTreeMap<&str, BTreeMap<&str, &Arrow>> = BTreeMap::new();
    for arrow in arrows {
        graph
            .entry(&arrow.from)
            .or_default()
            .entry(&arrow.to)
            .or_insert(arrow);
    }
    let mut reported = BTreeSet::new();
    let mut found = Vec::new();
    for &start in graph.keys() {
        let mut path = vec![start];
        if let Some(cycle) = find_cycle(&graph, start, &mut path, &mut BTreeSet::new()) {
            let members: BTreeSet<&str> = cycle.iter().copied().collect();
            if !reported.insert(members) {
                continue;
            }
            let mut text = String::from(cycle[0]);
            for pair in cycle.windows(2) {
                let arrow = graph[pair[0]][pair[1]];
                let _ = write!(text, " -> {} ({})", pair[1], arrow.at());
            }
            found.push(text);
        }
    }
    found
}

/// A path from `path`'s last module back to `start`, depth first.
fn find_cycle<'a>(
    graph: &BTreeMap<&'a str, BTreeMap<&'a str, &Arrow>>,
    start: &'a str,
    path: &mut Vec<&'a str>,
    seen: &mut BTreeSet<&'a str>,
) -> Option<Vec<&'a str>> {
    let last = *path.last()?;
    for &next in graph.get(last)?.keys() {
        if next == start {
            let mut cycle = path.clone();
            cycle.push(start);
            return Some(cycle);
        }
        if seen.insert(next) {
            path.push(next);
            if let Some(cycle) = find_cycle(graph, start, path, seen) {
                return Some(cycle);
            }
            path.pop();
        }
    }
    None
}

#[test]
fn the_arrows_of_src_hold() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let arrows = arrows(&src);
    assert!(
        arrows.len() > 100,
        "the scan found only {} arrows: is it reading src/?",
        arrows.len()
    );
    let report = check(&src);
    assert!(report.is_empty(), "\n{report}");
}

/// A small tree in a temporary directory: (path under src/, text).
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

#[test]
fn a_forbidden_use_fails_naming_file_line_and_arrow() {
    let dir = tree(&[
        ("lib.rs", "pub mod model;\npub mod ui;\npub mod event;\n"),
        ("event.rs", "pub struct Event;\n"),
        ("ui/mod.rs", "pub struct Theme;\n"),
        (
            "model/state.rs",
            "use crate::event::Event;\n\nuse crate::ui::Theme;\n",
        ),
    ]);
    let report = check(dir.path());
    assert!(
        report.contains("src/model/state.rs:3: model -> ui is forbidden"),
        "{report}"
    );
    assert_eq!(report.lines().count(), 1, "{report}");
}

#[test]
fn grouped_and_inline_paths_count_and_comments_strings_and_tests_do_not() {
    let dir = tree(&[
        ("event.rs", ""),
        ("feed/mod.rs", ""),
        ("ui/mod.rs", ""),
        (
            "model/mod.rs",
            "use crate::{event::E, feed::F};\n\
             // use crate::ui::X;\n\
             const S: &str = \"crate::ui::X\";\n\
             #[cfg(test)]\nmod tests { use crate::ui::X; }\n\
             fn f() { let _ = crate::ui::draw(); }\n",
        ),
        ("model/tests.rs", "use crate::ui::X;\n"),
        ("model/apply_tests.rs", "use crate::ui::X;\n"),
    ]);
    let report = check(dir.path());
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(
        lines,
        [
            "src/model/mod.rs:1: model -> feed is forbidden (model -> feed is outside its Only list, tests/architecture.rs RULES)",
            "src/model/mod.rs:6: model -> ui is forbidden (model -> ui is outside its Only list, tests/architecture.rs RULES)",
        ],
        "{report}"
    );
}

#[test]
fn a_cycle_between_allowed_arrows_fails_naming_each_arrow() {
    let dir = tree(&[
        ("auth.rs", "use crate::config::Genesys;\n"),
        ("config/mod.rs", "pub struct Genesys;\n"),
        ("config/check.rs", "\nuse crate::auth::Token;\n"),
    ]);
    let report = check(dir.path());
    assert_eq!(
        report.trim(),
        "cycle between top-level modules: auth -> config (src/auth.rs:1) -> auth (src/config/check.rs:2)"
    );
}
