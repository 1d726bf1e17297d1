//! Cycles in the graph of arrows, each reported once with the arrow
//! (file and line) behind every step.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::Arrow;

/// Each cycle between top-level modules, written `a -> b (src/..:n) -> a (..)`.
pub(crate) fn cycles(arrows: &[Arrow]) -> Vec<String> {
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
