//! `queuetop record` and `queuetop replay` as the real binary against an
//! in-test simulator (notifications feed, loopback).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::common::{queuetop_in, write_private};
use crate::fixtures::assert_no_secret;
use queuetop::recording::Line;
use queuetop::sim::{self, SimHandle, SimOptions};

fn write_config(sim: &SimHandle, dir: &Path, protocol: &str) -> PathBuf {
    let audit = dir.join("audit.log");
    let text = format!(
        "{}\n[log]\naudit_file = {}\n",
        sim.config_toml(protocol),
        toml::Value::String(audit.to_str().unwrap().into())
    );
    write_private(dir, &format!("{protocol}.toml"), &text)
}

fn queuetop(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = queuetop_in(dir);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

async fn run(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

/// The member names of a plain recording's member answers.
fn agent_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in text.lines() {
        if let Ok(Line::Rest(r)) = serde_json::from_str::<Line>(line)
            && r.path.contains("/members")
        {
            for e in r.body["entities"].as_array().into_iter().flatten() {
                if let Some(n) = e["user"]["name"].as_str().or(e["name"].as_str()) {
                    names.push(n.to_string());
                }
            }
        }
    }
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymized_recordings_name_no_agent_or_queue_and_still_replay() {
    let sim = sim::start("127.0.0.1:0".parse().unwrap(), SimOptions::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cfg = write_config(&sim, d, "notifications");
    let cfg = cfg.to_str().unwrap();
    let record = |out: &str, extra: &[&str]| {
        let mut args = vec!["--config", cfg, "record", "--minutes", "0.03", "--out", out];
        args.extend_from_slice(extra);
        queuetop(d, &args)
    };
    let (plain, anon) = tokio::join!(
        run(record("plain.ndjson", &[])),
        run(record("anon.ndjson", &["--anonymize"]))
    );
    for o in [&plain, &anon] {
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let plain = std::fs::read_to_string(d.join("plain.ndjson")).unwrap();
    let anon = std::fs::read_to_string(d.join("anon.ndjson")).unwrap();
    let agents = agent_names(&plain);
    assert!(agents.len() >= 10, "{agents:?}");
    for name in agents.iter().chain(sim.queues().iter().map(|(_, n)| n)) {
        assert!(plain.contains(name.as_str()));
        assert!(
            !anon.contains(name.as_str()),
            "{name} in the anonymized recording"
        );
    }
    assert_no_secret(&plain, &sim, "the recording");
    assert_no_secret(&anon, &sim, "the anonymized recording");
    assert!(anon.contains("\"Agent 1\"") && anon.contains("\"Queue 1\""));
    // Ids stay: the anonymized recording replays to the same queues.
    let out = run(queuetop(
        d,
        &[
            "replay",
            "anon.ndjson",
            "--speed",
            "0",
            "--headless",
            "--export",
            "anon-export.ndjson",
        ],
    ))
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let export = std::fs::read_to_string(d.join("anon-export.ndjson")).unwrap();
    for (id, _) in sim.queues() {
        assert!(export.contains(&id), "queue {id} missing from the replay");
    }
    assert!(export.contains("\"queueName\":\"Queue 1\""), "{export}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_arguments_name_the_cause_and_the_fix() {
    let sim = sim::start("127.0.0.1:0".parse().unwrap(), SimOptions::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let realtime = write_config(&sim, d, "realtime");
    let realtime = realtime.to_str().unwrap();
    let out = run(queuetop(
        d,
        &["--config", realtime, "record", "--minutes", "1"],
    ))
    .await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("protocol = \"notifications\""), "{err}");

    let out = run(queuetop(
        d,
        &["--config", realtime, "record", "--minutes", "0"],
    ))
    .await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--minutes 10"), "{err}");

    std::fs::write(d.join("taken.ndjson"), "x").unwrap();
    let notif = write_config(&sim, d, "notifications");
    let notif = notif.to_str().unwrap();
    let args = [
        "--config",
        notif,
        "record",
        "--minutes",
        "1",
        "--out",
        "taken.ndjson",
    ];
    let out = run(queuetop(d, &args)).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("taken.ndjson exists"), "{err}");
    assert_eq!(
        std::fs::read_to_string(d.join("taken.ndjson")).unwrap(),
        "x"
    );

    let out = run(queuetop(d, &["replay", "missing.ndjson", "--headless"])).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cannot open the recording missing.ndjson"),
        "{err}"
    );

    let out = run(queuetop(
        d,
        &[
            "replay",
            "taken.ndjson",
            "--headless",
            "--export",
            "x.ndjson",
        ],
    ))
    .await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("not a queuetop recording"), "{err}");
}
