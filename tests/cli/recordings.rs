//! Regression tests from recordings of the simulator's scenarios
//! (tests/recordings/*.ndjson, made by scripts/make-recordings.sh): the
//! real binary replays each with `--speed 0 --headless --export`, and the
//! last export line of every queue must equal the stored snapshot. A
//! change to the mapping shows up here as a snapshot diff to review.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;

use crate::common::queuetop_in;

/// Replays `name` and returns the last export line of each queue, in the
/// order the queues first appeared, with the delivery rate (the only
/// figure that depends on the replay's own clock) blanked.
fn last_line_per_queue(name: &str) -> String {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/recordings")
        .join(format!("{name}.ndjson"));
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export.ndjson");
    let out = queuetop_in(dir.path())
        .arg("replay")
        .arg(&file)
        .args(["--speed", "0", "--headless", "--export"])
        .arg(&export)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{stderr}");
    let text = std::fs::read_to_string(&export).unwrap();
    let mut order = Vec::new();
    let mut last = BTreeMap::new();
    for line in text.lines() {
        let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
        let q = v["routing_metrics"]["queueId"]
            .as_str()
            .unwrap()
            .to_string();
        v["delivery_rate"] = "R".into();
        if !last.contains_key(&q) {
            order.push(q.clone());
        }
        last.insert(q, v);
    }
    assert!(order.len() >= 2, "too few queues in:\n{text}");
    order
        .iter()
        .map(|q| serde_json::to_string_pretty(&last[q]).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn steady_replays_to_its_recorded_end_state() {
    insta::assert_snapshot!("steady", last_line_per_queue("steady"));
}

#[test]
fn busy_replays_to_its_recorded_end_state() {
    insta::assert_snapshot!("busy", last_line_per_queue("busy"));
}
