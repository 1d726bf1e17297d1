//! `queuetop --headless --export - | head -3`: the reader leaving is the
//! end of the run, not an error.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::common::{start_sim, wait_until, write_private};
use queuetop::sim::SimOptions;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_pipe_ends_quietly_with_0() {
    let sim = start_sim(SimOptions {
        queues: 3,
        ..SimOptions::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = format!(
        "{}\n[log]\naudit_file = {}\n",
        sim.config_toml("notifications"),
        toml::Value::String(d.join("audit.log").to_str().unwrap().into())
    );
    let cfg = write_private(d, "config.toml", &config);
    let mut child = Command::new(env!("CARGO_BIN_EXE_queuetop"))
        .args(["--headless", "--export", "-", "--config"])
        .arg(&cfg)
        .env_remove("GENESYS_CLIENT_ID")
        .env_remove("GENESYS_CLIENT_SECRET")
        .env_remove("QUEUETOP_CONFIG")
        .env("HOME", d)
        .env("XDG_DATA_HOME", d.join("data"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(d.join("stderr")).unwrap())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    // `head -3`: three lines, then the read end closes.
    let lines = tokio::task::spawn_blocking(move || {
        let mut lines = Vec::new();
        let mut reader = BufReader::new(stdout);
        for _ in 0..3 {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            lines.push(line);
        }
        lines
    })
    .await
    .unwrap();
    let stderr = || std::fs::read_to_string(d.join("stderr")).unwrap_or_default();
    assert_eq!(lines.len(), 3, "stderr:\n{}", stderr());
    let mut status = None;
    wait_until(|| {
        status = child.try_wait().unwrap();
        status.is_some()
    })
    .await;
    let Some(status) = status else {
        let _ = child.kill();
        panic!("still running after the pipe closed; stderr:\n{}", stderr());
    };
    assert_eq!(status.code(), Some(0), "stderr:\n{}", stderr());
    assert!(!stderr().contains("Broken pipe"), "{}", stderr());
    assert!(
        !stderr().lines().any(|l| l.starts_with("queuetop: ")),
        "{}",
        stderr()
    );
}
