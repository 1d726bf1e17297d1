//! The arrows of docs/ARCHITECTURE.md, checked: every `crate::` path in
//! src/ (outside test code) is an arrow from the file's top-level module to
//! another; a forbidden arrow or a cycle between top-level modules fails,
//! naming the file and line. Reads the source only: no build of the crate.
//! Beside it, names.rs checks the naming convention the same way.
//!
//! Test code is left out: files named by the test-file convention
//! (`*_tests.rs`, `tests.rs`, anything under a `tests/` folder) and items
//! under `#[cfg(test)]`.

// Fixtures and helpers outside #[test] functions unwrap too: a failure
// there is a failing test, which clippy.toml's test exemption does not see.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

mod cycles;
mod names;
mod siblings;
mod sizes;
mod source;

use cycles::cycles;
use source::{collect, crate_paths, is_test_file, strip, without_test_items};

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
                "{}: {} -> {} is forbidden ({} -> {} is {why}, tests/architecture/main.rs RULES)",
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

/// `src/feed/link.rs` and `src/feed/mod.rs` belong to `feed`, `src/auth.rs`
/// to `auth`; the crate roots to none.
fn top_of(src: &Path, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(src).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "main" && name != "lib").then(|| name.to_string())
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
            "src/model/mod.rs:1: model -> feed is forbidden (model -> feed is outside its Only list, tests/architecture/main.rs RULES)",
            "src/model/mod.rs:6: model -> ui is forbidden (model -> ui is outside its Only list, tests/architecture/main.rs RULES)",
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
