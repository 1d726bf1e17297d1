//! Names cut to a width so that the names on screen stay told apart:
//! "Support Spanish Tier 1" and "Support Spanish Tier 2" cut at the end
//! both read "Support Spani…", so those are cut in the middle instead,
//! keeping the part where they differ ("Suppo…h Tier 1").

use std::collections::HashMap;

use unicode_width::UnicodeWidthChar;

/// Display cells of `s` (a CJK character takes two).
pub fn width(s: &str) -> usize {
    s.chars().map(cell_width).sum()
}

fn cell_width(c: char) -> usize {
    c.width().unwrap_or(0)
}

/// `name` in at most `cells` display cells, cut at the end with the
/// ellipsis when it does not fit.
pub fn cut_end(name: &str, cells: usize, ellipsis: &str) -> String {
    if width(name) <= cells {
        return name.to_string();
    }
    let room = cells.saturating_sub(width(ellipsis));
    if room == 0 {
        return head(name, cells);
    }
    let mut out = head(name, room);
    out.push_str(ellipsis);
    out
}

/// `name` in at most `cells` display cells, the ellipsis in the middle:
/// about `keep` cells of the end are kept (from a word's start where
/// that is near), the rest of the room goes to the start.
pub fn cut_middle(name: &str, cells: usize, keep: usize, ellipsis: &str) -> String {
    if width(name) <= cells {
        return name.to_string();
    }
    let room = cells.saturating_sub(width(ellipsis));
    if room < 2 {
        return cut_end(name, cells, ellipsis);
    }
    let tail = whole_words(name, end(name, keep.clamp(1, room - 1)), room);
    // A space beside the ellipsis would only waste a cell.
    let tail = tail.trim_start();
    let mut out = head(name, room - width(tail)).trim_end().to_string();
    out.push_str(ellipsis);
    out.push_str(tail);
    out
}

/// The names, each cut to `cells`: at the end, or in the middle where
/// cutting at the end would make two of them read the same. Names that
/// fit are left alone. O(n) in the names given: pass what is on screen.
pub fn fit_all(names: &[&str], cells: usize, ellipsis: &str) -> Vec<String> {
    let ends: Vec<String> = names
        .iter()
        .map(|name| cut_end(name, cells, ellipsis))
        .collect();
    let mut seen: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, cut) in ends.iter().enumerate() {
        if cut.as_str() != names[index] {
            seen.entry(cut.as_str()).or_default().push(index);
        }
    }
    let mut out = ends.clone();
    for group in seen.values().filter(|group| group.len() > 1) {
        for &index in group {
            // Keep everything from where this name parts from the others.
            let shared = group
                .iter()
                .filter(|&&other| other != index && names[other] != names[index])
                .map(|&other| common_prefix(names[index], names[other]))
                .max()
                .unwrap_or(0);
            let differing = width(names[index]) - shared;
            out[index] = cut_middle(names[index], cells, differing.max(cells / 2), ellipsis);
        }
    }
    out
}

/// The tail moved to a word's start, a word cut on both sides reading
/// worst: back to the start of the word it cuts ("lback 00" becomes
/// "Callback 00") while that leaves a quarter of the room (4 cells at
/// least) to the head, else
/// on to the next word ("t L2 039" becomes "L2 039") while that keeps
/// half of it.
fn whole_words(name: &str, tail: String, room: usize) -> String {
    let start = name.len() - tail.len();
    if tail.starts_with(' ') || name[..start].ends_with(' ') {
        return tail;
    }
    let word = name[..start].rfind(' ').map_or(0, |i| i + 1);
    if room.saturating_sub(width(&name[word..])) >= (room / 4).max(4) {
        return name[word..].to_string();
    }
    match tail.find(' ') {
        Some(i) if width(&tail[i + 1..]) * 2 >= width(&tail) => tail[i + 1..].to_string(),
        _ => tail,
    }
}

/// Cells the two names share at the start.
fn common_prefix(a: &str, b: &str) -> usize {
    a.chars()
        .zip(b.chars())
        .take_while(|(x, y)| x == y)
        .map(|(c, _)| cell_width(c))
        .sum()
}

/// The longest start of `s` in at most `cells` cells.
fn head(s: &str, cells: usize) -> String {
    let mut used = 0;
    s.chars()
        .take_while(|&c| {
            used += cell_width(c);
            used <= cells
        })
        .collect()
}

/// The longest end of `s` in at most `cells` cells.
fn end(s: &str, cells: usize) -> String {
    let mut used = 0;
    let mut tail: Vec<char> = s
        .chars()
        .rev()
        .take_while(|&c| {
            used += cell_width(c);
            used <= cells
        })
        .collect();
    tail.reverse();
    tail.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_that_fits_is_untouched() {
        assert_eq!(cut_end("Billing", 7, "…"), "Billing");
        assert_eq!(
            fit_all(&["Billing", "Sales"], 10, "…"),
            ["Billing", "Sales"]
        );
    }

    #[test]
    fn the_end_cut_is_marked() {
        assert_eq!(cut_end("Support Spanish", 8, "…"), "Support…");
        assert_eq!(cut_end("Support Spanish", 8, "~"), "Support~");
        assert_eq!(cut_end("Support Spanish", 0, "…"), "");
    }

    #[test]
    fn wide_characters_count_two_cells() {
        assert_eq!(width("日本語"), 6);
        assert_eq!(cut_end("日本語サポート", 7, "…"), "日本語…");
        assert!(width(&cut_end("日本語サポート", 6, "…")) <= 6);
    }

    #[test]
    fn names_sharing_a_prefix_stay_distinct() {
        let names = [
            "Support Spanish Tier 1",
            "Support Spanish Tier 2",
            "Support Spanish Callback",
            "Billing",
        ];
        let cut = fit_all(&names, 14, "…");
        assert_eq!(cut[0], "Support…Tier 1");
        assert_eq!(cut[1], "Support…Tier 2");
        assert_eq!(cut[3], "Billing");
        let mut unique = cut.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{cut:?}");
        assert!(cut.iter().all(|c| width(c) <= 14), "{cut:?}");
    }

    #[test]
    fn a_lone_long_name_is_cut_at_the_end() {
        let cut = fit_all(&["Support Spanish Tier 1", "Billing"], 14, "…");
        assert_eq!(cut[0], "Support Spani…");
    }

    #[test]
    fn numbered_names_keep_their_numbers() {
        let names: Vec<String> = (0..40)
            .map(|i| format!("Customer Service Premium {i:03}"))
            .collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let cut = fit_all(&refs, 12, "~");
        for (i, c) in cut.iter().enumerate() {
            assert!(c.ends_with(&format!("{i:03}")), "{c}");
            assert!(c.contains('~'));
        }
        assert_eq!(cut[7], "Customer~007");
    }
}
