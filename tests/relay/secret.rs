//! The relay holds the Genesys secret; a viewer never does: not in its
//! config, memory, log or output.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::process::{Command, Stdio};
use std::sync::Arc;

use crate::common::*;
use crate::headless_common::{wait_until, write_private};
use queuetop::config::Config;
use queuetop::sim::{self, SimOptions};
use tokio::sync::oneshot;

/// Whether `needle` is anywhere in the readable memory of process `pid`.
fn in_memory(pid: u32, needles: &[String]) -> Vec<String> {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    let mut mem = std::fs::File::open(format!("/proc/{pid}/mem")).unwrap();
    let mut found = Vec::new();
    for line in maps.lines() {
        let mut parts = line.split_whitespace();
        let (Some(range), Some(perms)) = (parts.next(), parts.next()) else {
            continue;
        };
        let Some((a, b)) = range.split_once('-') else {
            continue;
        };
        let (a, b) = (
            u64::from_str_radix(a, 16).unwrap(),
            u64::from_str_radix(b, 16).unwrap(),
        );
        // Mapped but never written arenas are skipped: nothing is in them.
        if !perms.starts_with("rw") || b - a > 1 << 28 {
            continue;
        }
        let mut buf = vec![0u8; (b - a) as usize];
        if mem.seek(SeekFrom::Start(a)).is_err() || mem.read_exact(&mut buf).is_err() {
            continue;
        }
        for n in needles {
            let (first, rest) = n.as_bytes().split_first().unwrap();
            let hit = buf
                .iter()
                .enumerate()
                .filter(|(_, c)| *c == first)
                .any(|(i, _)| buf[i + 1..].starts_with(rest));
            if hit && !found.contains(n) {
                found.push(n.clone());
            }
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secret_is_in_no_viewer() {
    let b = broker();
    let url = b.server.url();
    // A secret made now, so it cannot be in the binary's own text.
    let secret = format!("relay-secret-{:016x}", fastrand::u64(..));
    let sim = sim::start(
        "127.0.0.1:0".parse().unwrap(),
        SimOptions {
            client_secret: secret.clone(),
            queues: 3,
            event_interval: std::time::Duration::from_millis(50),
            ..SimOptions::default()
        },
    )
    .await
    .unwrap();
    let text = sim.config_toml("notifications");
    let mut cfg = Config::from_toml_str(&text, "sim", &HashMap::new())
        .unwrap()
        .config;
    cfg.nats = Some(nats(&url, "queuetop.secret"));
    let (stop, stopped) = oneshot::channel::<()>();
    let relay = tokio::spawn(queuetop::relay::run(Arc::new(cfg), async move {
        let _ = stopped.await;
    }));

    // The viewer: the broker's address and nothing else.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let audit = d.join("audit.log");
    let config = format!(
        "[nats]\nurl = \"{url}\"\nprefix = \"queuetop.secret\"\nheartbeat_s = 1\nheartbeat_timeout_s = 3\n\n[log]\naudit_file = {}\nlevel = \"trace\"\n",
        toml::Value::String(audit.to_str().unwrap().into())
    );
    let config_path = write_private(d, "config.toml", &config);
    let export = d.join("export.ndjson");
    let mut child = Command::new(env!("CARGO_BIN_EXE_queuetop"))
        .args(["--headless", "--config"])
        .arg(&config_path)
        .arg("--export")
        .arg(&export)
        .current_dir(d)
        .env_remove("GENESYS_CLIENT_ID")
        .env_remove("GENESYS_CLIENT_SECRET")
        .env_remove("QUEUETOP_CONFIG")
        .env("HOME", d)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(d.join("stdout")).unwrap())
        .stderr(std::fs::File::create(d.join("stderr")).unwrap())
        .spawn()
        .unwrap();
    let read = |name: &str| std::fs::read_to_string(d.join(name)).unwrap_or_default();
    let enough = wait_until(|| read("export.ndjson").lines().count() >= 20).await;
    assert!(
        enough,
        "the viewer exported too little; stderr:\n{}",
        read("stderr")
    );

    // The secret and the tokens in use (older ones were as unreachable).
    let tokens = sim.issued_tokens();
    assert!(!tokens.is_empty(), "the relay got no token");
    let mut needles = vec![secret.clone()];
    needles.extend(tokens.iter().rev().take(2).cloned());
    let leaked = in_memory(child.id(), &needles);
    // The scan finds what is there: this process (the relay's) holds it.
    let here = in_memory(std::process::id(), &needles[..1]);
    assert_eq!(here, needles[..1], "the memory scan cannot find the secret");
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "viewer exit {status}; stderr:\n{}",
        read("stderr")
    );
    assert!(leaked.is_empty(), "in the viewer's memory: {leaked:?}");
    for name in [
        "config.toml",
        "export.ndjson",
        "audit.log",
        "stdout",
        "stderr",
    ] {
        let text = read(name);
        for n in &needles {
            assert!(!text.contains(n.as_str()), "{name} holds a secret");
        }
    }
    assert!(
        read("audit.log").contains("queuetop::feed::broker"),
        "the audit log is not the viewer's"
    );

    let _ = stop.send(());
    let _ = relay.await;
    sim.shutdown().await;
}
