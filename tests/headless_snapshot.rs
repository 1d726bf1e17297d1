//! `queuetop snapshot` as the real binary against an in-test simulator.

mod headless_common;

use headless_common::{spawn, start_sim};
use queuetop::sim::SimOptions;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_prints_every_queue_then_exits_0() {
    let sim = start_sim(SimOptions {
        queues: 3,
        ..SimOptions::default()
    })
    .await;
    let mut run = spawn(&sim, &["snapshot"]);
    assert_eq!(
        run.exit().await.code(),
        Some(0),
        "stderr:\n{}",
        run.read("stderr")
    );
    let out = run.read("stdout");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[0].starts_with("QUEUE"), "{out}");
    assert!(
        lines[0].contains("AVAIL/LOGGED") && lines[0].contains("DEFICITS"),
        "{out}"
    );
    for (_, name) in sim.queues() {
        assert!(out.contains(&name), "{name} in {out}");
    }

    let mut run = spawn(&sim, &["snapshot", "--json"]);
    assert_eq!(
        run.exit().await.code(),
        Some(0),
        "stderr:\n{}",
        run.read("stderr")
    );
    let v: serde_json::Value = serde_json::from_str(&run.read("stdout")).unwrap();
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), 3);
    for q in arr {
        let logged = q["agentsLoggedIn"].as_f64().unwrap();
        let inter = q["agentsInteracting"].as_f64().unwrap();
        let want = if logged == 0.0 {
            0.0
        } else {
            inter / logged * 100.0
        };
        // One decimal: a percentage means no more.
        assert_eq!(
            q["utilization"].as_f64().unwrap(),
            (want * 10.0).round() / 10.0
        );
        assert!(q["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')));
        assert!(q["skillDeficits"].is_array());
    }
    sim.shutdown().await;
}
