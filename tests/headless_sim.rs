//! `queuetop --headless` and `queuetop snapshot` as the real binary against
//! an in-test simulator on loopback (realtime feed, real sockets).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use queuetop::event::{AgentState, AgentStatus, QueueEventKind, QueueSummary, SkillCount};
use queuetop::sim::{self, SimHandle, SimOptions};

/// Bound for anything that should happen "now" on loopback.
const SOON: Duration = Duration::from_secs(20);

struct Run {
    dir: tempfile::TempDir,
    child: Child,
}

impl Run {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_default()
    }

    /// Waits (bounded) until the export holds `n` lines.
    async fn export_lines(&self, n: usize) -> Vec<String> {
        let ok = wait_until(|| self.read("export.ndjson").lines().count() >= n).await;
        let text = self.read("export.ndjson");
        assert!(
            ok,
            "expected {n} export lines, got:\n{text}\nstderr:\n{}",
            self.read("stderr")
        );
        text.lines().map(str::to_string).collect()
    }

    fn signal(&self, sig: i32) {
        let pid = i32::try_from(self.child.id()).unwrap();
        // SAFETY: kill(2) on our own child's pid; no memory is involved.
        let rc = unsafe { libc::kill(pid, sig) };
        assert_eq!(rc, 0);
    }

    async fn exit(&mut self) -> ExitStatus {
        let mut status = None;
        wait_until(|| {
            status = self.child.try_wait().unwrap();
            status.is_some()
        })
        .await;
        match status {
            Some(s) => s,
            None => {
                let _ = self.child.kill();
                panic!("queuetop did not exit; stderr:\n{}", self.read("stderr"));
            }
        }
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls a condition every 20 ms for at most `SOON`.
async fn wait_until(mut cond: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + SOON;
    while tokio::time::Instant::now() < deadline {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cond()
}

async fn start_sim(opts: SimOptions) -> SimHandle {
    sim::start("127.0.0.1:0".parse().unwrap(), opts)
        .await
        .unwrap()
}

fn scripted() -> SimOptions {
    SimOptions {
        generate: false,
        queues: 2,
        ..SimOptions::default()
    }
}

/// Starts the binary with `args` and a config pointing at `sim`; stdout,
/// stderr, the export and the audit log all land in one temp dir.
fn spawn(sim: &SimHandle, args: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let audit = d.join("audit.log");
    let config = format!(
        "{}\n[log]\naudit_file = {}\nlevel = \"trace\"\n",
        sim.config_toml("realtime"),
        toml::Value::String(audit.to_str().unwrap().into())
    );
    let cfg = write_private(d, "config.toml", &config);
    let export = d.join("export.ndjson");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_queuetop"));
    cmd.args(args).arg("--config").arg(&cfg);
    if !args.contains(&"--export") {
        cmd.arg("--export").arg(&export);
    }
    let child = cmd
        .current_dir(d)
        .env_remove("GENESYS_CLIENT_ID")
        .env_remove("GENESYS_CLIENT_SECRET")
        .env_remove("GENESYS_ENVIRONMENT")
        .env_remove("QUEUETOP_CONFIG")
        .env_remove("RUST_LOG")
        .env("HOME", d)
        .env("XDG_CONFIG_HOME", d.join("config"))
        .env("XDG_DATA_HOME", d.join("data"))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(d.join("stdout")).unwrap())
        .stderr(std::fs::File::create(d.join("stderr")).unwrap())
        .spawn()
        .unwrap();
    Run { dir, child }
}

fn write_private(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    p
}

fn summary(q: &str, counts: [u32; 4], skills: &[(&str, u32)]) -> QueueEventKind {
    QueueEventKind::Summary(QueueSummary {
        queue_id: q.into(),
        queue_name: Some("from the server".into()),
        agents_available: counts[0],
        agents_logged_in: counts[1],
        agents_interacting: counts[2],
        interactions_waiting: counts[3],
        skills: skills
            .iter()
            .map(|(n, a)| {
                (
                    n.to_string(),
                    SkillCount {
                        available: *a,
                        required: Some(1),
                    },
                )
            })
            .collect::<BTreeMap<_, _>>(),
    })
}

/// Replaces the values that depend on the clock: receipt timestamp,
/// delivery rate and latency (checked to be an integer first).
fn normalize(line: &str) -> String {
    let mut s = line.to_string();
    for (key, stop, placeholder) in [
        ("\"timestamp\":\"", '"', "T\""),
        ("\"delivery_rate\":", ',', "R,"),
        ("\"latency_ms\":", ',', "L,"),
    ] {
        let start = s.find(key).unwrap_or_else(|| panic!("{key} in {line}")) + key.len();
        let len = s[start..]
            .find(stop)
            .unwrap_or_else(|| panic!("{key} value in {line}"));
        if stop == ',' {
            let v = &s[start..start + len];
            assert!(v.parse::<f64>().is_ok(), "{key} {v} in {line}");
            if key.contains("latency") {
                assert!(v.parse::<i64>().is_ok(), "latency_ms {v} in {line}");
            }
        }
        s.replace_range(start..start + len + 1, placeholder);
    }
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn known_summaries_in_exact_export_lines_out_and_sigterm_exits_0() {
    let sim = start_sim(scripted()).await;
    let queues = sim.queues();
    let (q1, n1) = queues[0].clone();
    let (q2, n2) = queues[1].clone();
    let mut run = spawn(&sim, &["--headless"]);
    assert!(
        sim.wait_for(|s| s.acks_sent >= 1, SOON).await,
        "no subscription; stderr:\n{}",
        run.read("stderr")
    );

    let ctl = sim.control();
    ctl.push(summary(
        &q1,
        [3, 10, 6, 4],
        &[("Spanish", 0), ("Billing", 2), ("Arabic", 0)],
    ));
    ctl.push(summary(&q2, [0, 0, 0, 0], &[]));
    ctl.push(QueueEventKind::Agent(AgentState {
        queue_id: q1.clone(),
        user_id: "u-1".into(),
        user_name: Some("Ana Ruiz".into()),
        status: AgentStatus::Idle,
        skills: vec!["Spanish".into()],
    }));
    let lines = run.export_lines(3).await;
    let got: Vec<String> = lines.iter().map(|l| normalize(l)).collect();
    let topic = |q: &str| format!("/routing/queues/{q}/events");
    let expected = vec![
        format!(
            r#"{{"event_type":"queue-summary","topic":"{}","routing_metrics":{{"queueId":"{q1}","queueName":"{n1}","timestamp":"T","utilization":60.0,"availableRatio":30.0,"skillCoverage":3,"agentsAvailable":3,"agentsLoggedIn":10,"agentsInteracting":6,"interactionsWaiting":4,"skillDeficits":["Arabic","Spanish"]}},"delivery_rate":R,"latency_ms":L,"events_processed":1,"correlation_id":null}}"#,
            topic(&q1)
        ),
        format!(
            r#"{{"event_type":"queue-summary","topic":"{}","routing_metrics":{{"queueId":"{q2}","queueName":"{n2}","timestamp":"T","utilization":0.0,"availableRatio":0.0,"skillCoverage":0,"agentsAvailable":0,"agentsLoggedIn":0,"agentsInteracting":0,"interactionsWaiting":0,"skillDeficits":[]}},"delivery_rate":R,"latency_ms":L,"events_processed":2,"correlation_id":null}}"#,
            topic(&q2)
        ),
        format!(
            r#"{{"event_type":"agent-state","topic":"{}","routing_metrics":{{"queueId":"{q1}","queueName":"{n1}","timestamp":"T","utilization":60.0,"availableRatio":30.0,"skillCoverage":3,"agentsAvailable":3,"agentsLoggedIn":10,"agentsInteracting":6,"interactionsWaiting":4,"skillDeficits":["Arabic","Spanish"]}},"delivery_rate":R,"latency_ms":L,"events_processed":3,"correlation_id":null}}"#,
            topic(&q1)
        ),
    ];
    assert_eq!(got, expected);
    for l in &lines {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert!(v["delivery_rate"].as_f64().unwrap() > 0.0);
    }

    // The deficit went to the audit log, per skill.
    assert!(
        wait_until(|| run
            .read("audit.log")
            .matches("skill deficit raised")
            .count()
            == 2)
        .await,
        "audit log:\n{}",
        run.read("audit.log")
    );

    // Spanish is covered again: that deficit clears, Arabic stays.
    ctl.push(summary(
        &q1,
        [3, 10, 6, 4],
        &[("Spanish", 1), ("Billing", 2), ("Arabic", 0)],
    ));
    let lines = run.export_lines(4).await;
    assert!(
        lines[3].contains(r#""skillDeficits":["Arabic"]"#),
        "{}",
        lines[3]
    );
    assert!(
        wait_until(|| run.read("audit.log").contains("skill deficit cleared")).await,
        "audit log:\n{}",
        run.read("audit.log")
    );
    let audit = run.read("audit.log");
    let cleared: Vec<&str> = audit
        .lines()
        .filter(|l| l.contains("skill deficit cleared"))
        .collect();
    assert_eq!(cleared.len(), 1);
    assert!(
        cleared[0].contains(r#""skill":"Spanish""#),
        "{}",
        cleared[0]
    );

    run.signal(libc::SIGTERM);
    let status = run.exit().await;
    assert_eq!(status.code(), Some(0), "stderr:\n{}", run.read("stderr"));
    assert_eq!(run.read("export.ndjson").lines().count(), 4);
    assert!(run.read("audit.log").contains("SIGTERM received"));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_and_secret_appear_nowhere_in_a_run() {
    // The generated center: many events, reconnects forced by a drop.
    let sim = start_sim(SimOptions {
        event_interval: Duration::from_millis(20),
        ..SimOptions::default()
    })
    .await;
    let mut run = spawn(&sim, &["--headless"]);
    run.export_lines(60).await;
    sim.control().drop_all();
    assert!(sim.wait_for(|s| s.connections_total >= 2, SOON).await);
    let n = run.read("export.ndjson").lines().count();
    run.export_lines(n + 20).await;
    run.signal(libc::SIGINT);
    assert_eq!(
        run.exit().await.code(),
        Some(0),
        "stderr:\n{}",
        run.read("stderr")
    );

    let tokens = sim.issued_tokens();
    assert!(!tokens.is_empty(), "the run used a token");
    let mut secrets: Vec<String> = tokens.clone();
    secrets.push(sim.client_secret().to_string());
    for t in &tokens {
        secrets.push(
            percent_encoding::utf8_percent_encode(t, percent_encoding::NON_ALPHANUMERIC)
                .to_string(),
        );
    }
    let audit = run.read("audit.log");
    assert!(
        audit.contains("latency and delivery figures"),
        "audit:\n{audit}"
    );
    for name in ["audit.log", "export.ndjson", "stdout", "stderr"] {
        let text = run.read(name);
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "a secret is in {name}");
        }
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_that_stops_for_good_exits_1_with_the_reason() {
    let mut opts = scripted();
    opts.faults.refuse_subscriptions = true;
    let sim = start_sim(opts).await;
    let mut run = spawn(&sim, &["--headless"]);
    let status = run.exit().await;
    assert_eq!(status.code(), Some(1));
    let stderr = run.read("stderr");
    assert!(
        stderr.contains("queuetop: the feed stopped:"),
        "stderr:\n{stderr}"
    );
    sim.shutdown().await;
}

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
        assert_eq!(q["utilization"].as_f64().unwrap(), want);
        assert!(q["skillDeficits"].is_array());
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_to_stdout_with_logs_on_stderr() {
    let sim = start_sim(scripted()).await;
    let (q1, _) = sim.queues()[0].clone();
    let mut run = spawn(&sim, &["--headless", "--export", "-"]);
    assert!(sim.wait_for(|s| s.acks_sent >= 1, SOON).await);
    for n in 1..=3 {
        sim.control().push(summary(&q1, [n, 10, 10 - n, 0], &[]));
    }
    assert!(wait_until(|| run.read("stdout").lines().count() >= 3).await);
    run.signal(libc::SIGINT);
    assert_eq!(run.exit().await.code(), Some(0));
    let out = run.read("stdout");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "only export lines on stdout:\n{out}");
    for (i, l) in lines.iter().enumerate() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["events_processed"], i as u64 + 1);
    }
    assert!(run.read("stderr").contains("headless run started"));
    assert!(!run.path("export.ndjson").exists());
    sim.shutdown().await;
}
