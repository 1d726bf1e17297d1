//! The file being read and where its values were: shared by the reader
//! (`file`), the typed accessors (`table`), the value checks (`values`,
//! `check`) and the layering (`load`), so none of them imports another
//! for these.

use std::collections::HashMap;
use std::ops::Range;

use super::{ConfigProblem, Severity};

/// A source text and the problems found in it.
pub(super) struct Doc<'a> {
    pub text: &'a str,
    pub name: String,
    pub problems: Vec<ConfigProblem>,
}

impl Doc<'_> {
    /// 1-based line and column (in characters) of a byte offset.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, before[line_start..].chars().count() + 1)
    }

    pub fn report(&mut self, sev: Severity, at: usize, key: &str, message: String, rule: &str) {
        let (line, col) = self.position(at);
        self.problems.push(ConfigProblem {
            severity: sev,
            file: self.name.clone(),
            line,
            col,
            key: key.to_string(),
            message,
            rule: rule.to_string(),
        });
    }

    pub fn error(&mut self, span: &Range<usize>, key: &str, message: String, rule: &str) {
        self.report(Severity::Error, span.start, key, message, rule);
    }
}

/// Where things were in the file, for checks made after layering.
#[derive(Default)]
pub(super) struct FileSpans {
    /// Value spans by dotted key (`genesys.api_url`).
    pub values: HashMap<String, Range<usize>>,
    pub queues: Vec<QueueSpans>,
    /// `genesys.client_secret` was in the file.
    pub has_client_secret: bool,
    pub client_secret_file: Option<String>,
}

#[derive(Default, Clone)]
pub(super) struct QueueSpans {
    /// The `[[queue]]` table (its header line).
    pub table: Range<usize>,
    pub filter: Option<Range<usize>>,
}

/// `; did you mean `x`?` when a known word is close.
pub(super) fn suggest(word: &str, known: &[&str]) -> String {
    let best = known
        .iter()
        .map(|k| {
            (
                strsim::levenshtein(&word.to_lowercase(), &k.to_lowercase()),
                *k,
            )
        })
        .min_by_key(|(d, _)| *d);
    match best {
        Some((d, k)) if d <= 2.max(word.len() / 3) => format!("; did you mean `{k}`?"),
        _ => String::new(),
    }
}
