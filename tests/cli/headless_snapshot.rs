//! `queuetop snapshot` as the real binary against an in-test simulator.

use crate::common;
use crate::common::{spawn, start_sim};
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

/// A config for a server that is not there: a loopback port nobody
/// listens on (bound, then released).
fn dead_server_config(dir: &std::path::Path) -> std::path::PathBuf {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let body = format!(
        "[genesys]\nclient_id = \"id\"\nclient_secret = \"secret\"\nlogin_url = \"http://127.0.0.1:{port}\"\napi_url = \"http://127.0.0.1:{port}\"\n\n[[queue]]\nid = \"8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c1e\"\n\n[log]\naudit_file = {}\n",
        toml::Value::String(dir.join("audit.log").to_str().unwrap().into())
    );
    common::write_private(dir, "dead.toml", &body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_server_is_named_at_once_and_nothing_to_show_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dead_server_config(dir.path());
    let started = std::time::Instant::now();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_queuetop"))
            .args(["snapshot", "--timeout", "60", "--config"])
            .arg(&cfg)
            .env_remove("GENESYS_CLIENT_ID")
            .env_remove("GENESYS_CLIENT_SECRET")
            .env_remove("QUEUETOP_CONFIG")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Far less than the 60 s timeout: the first refused connection ends it.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{stderr}"
    );
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("queuetop: nothing to show: cannot connect to 127.0.0.1:"),
        "{stderr}"
    );
    assert!(stderr.to_lowercase().contains("refused"), "{stderr}");
    assert!(out.stdout.is_empty(), "no empty table");
}
