//! Cycles inside a folder: between the sibling modules of any module
//! (`model/alerts/*`, `sim/http/*`...), not only between the top-level
//! ones. Every `crate::`, `super::` and `self::` path is resolved to the
//! module it names; an arrow between two modules belongs to the folder
//! where their paths part, from one child of it to another. A child's
//! arrows to its own parent (`super::TARGET`) and a parent's to its
//! children are the folder's own layout, not arrows between siblings;
//! top-level cycles are `cycles`'s in main.rs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::Arrow;
use crate::cycles::cycles;
use crate::source::{collect, is_test_file, strip, without_test_items};

/// A module's path from the crate root: `["model", "alerts", "raise"]`.
type ModulePath = Vec<String>;

/// Each cycle between sibling modules below the top level, one per line:
/// `cycle inside src/model/alerts/: a -> b (src/..:n) -> a (src/..:m)`.
pub(crate) fn sibling_cycles(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    collect(src, &mut files);
    let moved = path_attributes(src, &files);
    let modules: Vec<(String, ModulePath)> = files
        .iter()
        .filter_map(|path| {
            let relative = path.strip_prefix(src).ok()?;
            let module = moved
                .get(relative)
                .cloned()
                .unwrap_or_else(|| module_of(relative));
            Some((relative.display().to_string(), module))
        })
        .collect();
    let known: BTreeSet<&ModulePath> = modules.iter().map(|(_, module)| module).collect();
    let mut folders: BTreeMap<ModulePath, Vec<Arrow>> = BTreeMap::new();
    for (path, (file, from)) in files.iter().zip(&modules) {
        if is_test_file(Path::new(file)) {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        let code = without_test_items(&strip(&text));
        for (line, named) in module_paths(&code, from) {
            let Some(to) = resolve(&named, &known) else {
                continue;
            };
            let parted = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
            // The top level is main.rs's; an ancestor or a descendant is
            // the folder's own layout.
            if parted == 0 || parted == from.len() || parted == to.len() {
                continue;
            }
            folders
                .entry(from[..parted].to_vec())
                .or_default()
                .push(Arrow {
                    from: from[parted].clone(),
                    to: to[parted].clone(),
                    file: file.clone(),
                    line,
                });
        }
    }
    let mut found = Vec::new();
    for (folder, mut arrows) in folders {
        arrows.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        for cycle in cycles(&arrows) {
            found.push(format!("cycle inside src/{}/: {cycle}", folder.join("/")));
        }
    }
    found
}

/// `model/alerts/raise.rs` is `model::alerts::raise`, `model/alerts/mod.rs`
/// is `model::alerts`, `lib.rs` and `main.rs` the root.
fn module_of(relative: &Path) -> ModulePath {
    let mut module: ModulePath = relative
        .components()
        .filter_map(|c| c.as_os_str().to_str())
        .map(|name| name.strip_suffix(".rs").unwrap_or(name).to_string())
        .collect();
    if module.last().is_some_and(|name| name == "mod") {
        module.pop();
    }
    if module.len() == 1 && (module[0] == "lib" || module[0] == "main") {
        module.clear();
    }
    module
}

/// The files that a `#[path = "state_alerts.rs"] mod alerting;` names,
/// with the module they are (`model::state::alerting`): the path is read
/// from the declaring file's folder.
fn path_attributes(src: &Path, files: &[PathBuf]) -> BTreeMap<PathBuf, ModulePath> {
    let mut moved = BTreeMap::new();
    for path in files {
        let Ok(relative) = path.strip_prefix(src) else {
            continue;
        };
        let text = std::fs::read_to_string(path).unwrap();
        for (offset, _) in text.match_indices("#[path = \"") {
            let rest = &text[offset + "#[path = \"".len()..];
            let Some((target, after)) = rest.split_once("\"]") else {
                continue;
            };
            let after = after.trim_start();
            let after = after.strip_prefix("pub ").unwrap_or(after);
            let Some(name) = after.strip_prefix("mod ") else {
                continue;
            };
            let name: String = name
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let folder = relative.parent().unwrap_or(Path::new(""));
            let mut module = module_of(relative);
            module.push(name);
            moved.insert(folder.join(target), module);
        }
    }
    moved
}

/// The longest start of `named` that is a module of the tree (the rest is
/// an item in it); `None` for the root.
fn resolve(named: &[String], known: &BTreeSet<&ModulePath>) -> Option<ModulePath> {
    (1..=named.len())
        .rev()
        .map(|len| named[..len].to_vec())
        .find(|candidate| known.contains(candidate))
}

/// Every path that starts `crate::`, `super::` or `self::` in `code` (each
/// leaf of a `{ ... }` group on its own), made absolute from the module
/// `from`, with the line of its last segment.
fn module_paths(code: &str, from: &ModulePath) -> Vec<(usize, ModulePath)> {
    let chars: Vec<char> = code.chars().collect();
    let heads: Vec<Vec<char>> = ["crate::", "super::", "self::"]
        .iter()
        .map(|head| head.chars().collect())
        .collect();
    let mut leaves = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts = heads.iter().any(|head| chars[i..].starts_with(head));
        let joined = i > 0 && {
            let before = chars[i - 1];
            before.is_alphanumeric() || matches!(before, '_' | ':' | '$')
        };
        if starts && !joined {
            i = path_tree(&chars, i, Vec::new(), &mut leaves);
        } else {
            i += 1;
        }
    }
    let line_of = |offset: usize| chars[..offset].iter().filter(|&&c| c == '\n').count() + 1;
    leaves
        .into_iter()
        .filter_map(|(offset, segments)| Some((line_of(offset), absolute(&segments, from)?)))
        .collect()
}

/// `crate::a::b` → `a::b`; `super::super::c` and `self::d` from `from`.
fn absolute(segments: &[String], from: &ModulePath) -> Option<ModulePath> {
    let mut path = match segments.first().map(String::as_str) {
        Some("crate") => Vec::new(),
        Some("super" | "self") => from.clone(),
        _ => return None,
    };
    let mut rest = &segments[1..];
    if segments[0] == "super" {
        path.pop()?;
    }
    while rest.first().is_some_and(|segment| segment == "super") {
        path.pop()?;
        rest = &rest[1..];
    }
    path.extend(rest.iter().filter(|segment| *segment != "self").cloned());
    Some(path)
}

/// Reads one path from `i`, a `{ ... }` group as a branch per item, and
/// pushes each leaf with the offset of its last segment. Returns where it
/// stopped.
fn path_tree(
    chars: &[char],
    mut i: usize,
    mut path: Vec<String>,
    leaves: &mut Vec<(usize, Vec<String>)>,
) -> usize {
    let mut last = i;
    loop {
        i = skip_space(chars, i);
        if chars.get(i) == Some(&'{') {
            i += 1;
            loop {
                i = skip_space(chars, i);
                match chars.get(i) {
                    None => return i,
                    Some('}') => return i + 1,
                    Some(',') => i += 1,
                    Some(_) => {
                        let before = i;
                        i = path_tree(chars, i, path.clone(), leaves);
                        // Not a path (a stray character): step over it.
                        i = i.max(before + 1);
                    }
                }
            }
        }
        let start = i;
        while chars
            .get(i)
            .is_some_and(|c| c.is_alphanumeric() || *c == '_')
        {
            i += 1;
        }
        if i > start {
            last = start;
            path.push(chars[start..i].iter().collect());
        }
        let after = skip_space(chars, i);
        if i > start && chars[after..].starts_with(&[':', ':']) {
            i = after + 2;
            continue;
        }
        if !path.is_empty() {
            leaves.push((last, path));
        }
        return i;
    }
}

fn skip_space(chars: &[char], mut i: usize) -> usize {
    while chars.get(i).is_some_and(|c| c.is_whitespace()) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod test_of_the_test {
    use super::*;
    use crate::tree;

    #[test]
    fn a_cycle_between_siblings_fails_naming_each_arrow() {
        let dir = tree(&[
            ("lib.rs", "pub mod model;\n"),
            ("model/mod.rs", "mod alerts;\npub use alerts::Rule;\n"),
            ("model/alerts/mod.rs", "mod raise;\nmod rules;\n"),
            (
                "model/alerts/raise.rs",
                "use super::TARGET;\n\nuse super::rules::{Rule, self};\n",
            ),
            (
                "model/alerts/rules.rs",
                "fn f() {\n    crate::model::alerts::raise::go();\n}\n",
            ),
        ]);
        assert_eq!(
            sibling_cycles(dir.path()),
            [
                "cycle inside src/model/alerts/: raise -> rules (src/model/alerts/raise.rs:3) -> raise (src/model/alerts/rules.rs:2)"
            ]
        );
    }

    #[test]
    fn groups_super_super_and_self_resolve_and_parents_and_tests_do_not_count() {
        let dir = tree(&[
            (
                "sim/mod.rs",
                "mod http;\nmod shared;\nuse self::http::serve;\n",
            ),
            ("sim/http/mod.rs", "mod respond;\nuse respond::Body;\n"),
            (
                "sim/http/respond.rs",
                "use crate::sim::{\n    http::Thing,\n    shared::{Shared, State},\n};\n",
            ),
            (
                "sim/shared.rs",
                "#[cfg(test)]\nuse super::http::respond::Body;\n\
                 fn f() { let _ = super::http::respond::json(); }\n",
            ),
            ("sim/shared_tests.rs", "use super::http::Body;\n"),
        ]);
        // respond -> shared is at sim's level (http -> shared: line 3);
        // shared -> http comes back at line 3 of shared.rs; the test item
        // and the test file do not count.
        assert_eq!(
            sibling_cycles(dir.path()),
            [
                "cycle inside src/sim/: http -> shared (src/sim/http/respond.rs:3) -> http (src/sim/shared.rs:3)"
            ]
        );
    }

    #[test]
    fn a_file_named_by_a_path_attribute_is_the_module_it_declares() {
        // state_parts.rs is `state::parts`: its `super::` is `state`, and
        // its arrow to `queue` belongs to the model's folder.
        let dir = tree(&[
            ("model/mod.rs", "mod queue;\nmod state;\n"),
            (
                "model/state.rs",
                "#[path = \"state_parts.rs\"]\nmod parts;\nuse super::queue::Queue;\n",
            ),
            (
                "model/state_parts.rs",
                "use super::AppState;\nuse crate::model::queue::Queue;\n",
            ),
            ("model/queue.rs", "use super::state::parts::Parts;\n"),
        ]);
        assert_eq!(
            sibling_cycles(dir.path()),
            [
                "cycle inside src/model/: queue -> state (src/model/queue.rs:1) -> queue (src/model/state.rs:3)"
            ]
        );
    }

    #[test]
    fn arrows_one_way_are_no_cycle() {
        let dir = tree(&[
            ("recording/mod.rs", "mod thread;\nmod writer;\n"),
            ("recording/thread.rs", "use super::writer::Writer;\n"),
            ("recording/writer.rs", "use super::{TARGET, Summary};\n"),
        ]);
        assert_eq!(sibling_cycles(dir.path()), Vec::<String>::new());
    }
}

#[test]
fn no_cycle_between_sibling_modules_in_src() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = sibling_cycles(&src);
    assert!(found.is_empty(), "\n{}", found.join("\n"));
}
