//! Reading Rust source as text: the files of a tree, the text with
//! comments, strings and test items blanked, and the `crate::` paths in it.

use std::path::{Path, PathBuf};

pub(crate) fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
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

pub(crate) fn is_test_file(relative: &Path) -> bool {
    let name = relative.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name == "tests.rs"
        || name.ends_with("_tests.rs")
        || relative.components().any(|c| c.as_os_str() == "tests")
}

/// The text with comments, strings and character literals blanked (newlines
/// kept, so line numbers stay).
pub(crate) fn strip(text: &str) -> String {
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
pub(crate) fn without_test_items(code: &str) -> String {
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
pub(crate) fn crate_paths(code: &str) -> Vec<(usize, String)> {
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
