//! `queuetop --headless` as the real binary against an in-test simulator
//! on loopback (realtime feed, real sockets).

use std::time::Duration;

use crate::common::{SOON, scripted, spawn, spawn_with, start_sim, wait_until};
use crate::fixtures::{busy, summary};
use queuetop::event::{AgentState, AgentStatus, QueueEventKind};
use queuetop::sim::SimOptions;

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
    run.subscribed(&sim).await;

    let ctl = sim.control();
    ctl.push(
        busy(&q1)
            .name("from the server")
            .skills_required(&[("Spanish", 0), ("Billing", 2), ("Arabic", 0)], 1)
            .event(),
    );
    ctl.push(summary(&q2).name("from the server").event());
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
            r#"{{"event_type":"queue-summary","topic":"{}","routing_metrics":{{"queueId":"{q1}","queueName":"{n1}","timestamp":"T","utilization":60.0,"availableRatio":30.0,"skillCoverage":3,"agentsAvailable":3,"agentsLoggedIn":10,"agentsInteracting":6,"interactionsWaiting":4,"skillDeficits":["Arabic","Spanish"]}},"delivery_rate":R,"latency_ms":L,"events_processed":1,"correlation_id":null,"figures":{{"longestWaitMs":null,"serviceLevelPct":null,"serviceLevelTargetPct":null,"serviceLevelTargetMs":null,"offered":null,"answered":null,"abandoned":null,"abandonedPct":null,"averageSpeedOfAnswerMs":null,"averageHandleTimeMs":null,"interval":null,"alerts":[],"agents":{{"onQueue":10,"offQueue":null,"idle":3,"interacting":null,"communicating":null,"notResponding":null}},"queueUtilization":null,"media":{{}}}}}}"#,
            topic(&q1)
        ),
        format!(
            r#"{{"event_type":"queue-summary","topic":"{}","routing_metrics":{{"queueId":"{q2}","queueName":"{n2}","timestamp":"T","utilization":0.0,"availableRatio":0.0,"skillCoverage":0,"agentsAvailable":0,"agentsLoggedIn":0,"agentsInteracting":0,"interactionsWaiting":0,"skillDeficits":[]}},"delivery_rate":R,"latency_ms":L,"events_processed":2,"correlation_id":null,"figures":{{"longestWaitMs":null,"serviceLevelPct":null,"serviceLevelTargetPct":null,"serviceLevelTargetMs":null,"offered":null,"answered":null,"abandoned":null,"abandonedPct":null,"averageSpeedOfAnswerMs":null,"averageHandleTimeMs":null,"interval":null,"alerts":[],"agents":{{"onQueue":0,"offQueue":null,"idle":0,"interacting":null,"communicating":null,"notResponding":null}},"queueUtilization":null,"media":{{}}}}}}"#,
            topic(&q2)
        ),
        format!(
            r#"{{"event_type":"agent-state","topic":"{}","routing_metrics":{{"queueId":"{q1}","queueName":"{n1}","timestamp":"T","utilization":60.0,"availableRatio":30.0,"skillCoverage":3,"agentsAvailable":3,"agentsLoggedIn":10,"agentsInteracting":6,"interactionsWaiting":4,"skillDeficits":["Arabic","Spanish"]}},"delivery_rate":R,"latency_ms":L,"events_processed":3,"correlation_id":null,"figures":{{"longestWaitMs":null,"serviceLevelPct":null,"serviceLevelTargetPct":null,"serviceLevelTargetMs":null,"offered":null,"answered":null,"abandoned":null,"abandonedPct":null,"averageSpeedOfAnswerMs":null,"averageHandleTimeMs":null,"interval":null,"alerts":[],"agents":{{"onQueue":10,"offQueue":null,"idle":3,"interacting":null,"communicating":null,"notResponding":null}},"queueUtilization":null,"media":{{}}}}}}"#,
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
    ctl.push(
        busy(&q1)
            .name("from the server")
            .skills_required(&[("Spanish", 1), ("Billing", 2), ("Arabic", 0)], 1)
            .event(),
    );
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

    run.stop_cleanly(libc::SIGTERM).await;
    assert_eq!(run.read("export.ndjson").lines().count(), 4);
    assert!(run.read("audit.log").contains("SIGTERM received"));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_raised_in_a_headless_run_is_in_the_alert_history() {
    let sim = start_sim(scripted()).await;
    let (q1, _) = sim.queues()[0].clone();
    let alerts = "[alerts]\nwaiting = 2\nraise_delay_s = 0\n";
    let mut run = spawn_with(&sim, &["--headless"], alerts);
    run.subscribed(&sim).await;
    sim.control()
        .push(busy(&q1).name("from the server").event());
    run.export_lines(1).await;

    // Beside the audit log, where `log.alert_history` puts it by default.
    let raised = |history: &str| {
        history
            .lines()
            .any(|l| l.contains(r#""event":"raised""#) && l.contains(&q1))
    };
    assert!(
        wait_until(|| raised(&run.read("alert-history.jsonl"))).await,
        "history:\n{}\naudit log:\n{}",
        run.read("alert-history.jsonl"),
        run.read("audit.log")
    );
    run.stop_cleanly(libc::SIGTERM).await;
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
    run.stop_cleanly(libc::SIGINT).await;

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
async fn export_to_stdout_with_logs_on_stderr() {
    let sim = start_sim(scripted()).await;
    let (q1, _) = sim.queues()[0].clone();
    let mut run = spawn(&sim, &["--headless", "--export", "-"]);
    run.subscribed(&sim).await;
    for n in 1..=3 {
        sim.control().push(
            summary(&q1)
                .name("from the server")
                .available(n)
                .logged_in(10)
                .interacting(10 - n)
                .event(),
        );
    }
    assert!(wait_until(|| run.read("stdout").lines().count() >= 3).await);
    run.stop_cleanly(libc::SIGINT).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_that_cannot_be_written_ends_the_run_with_1() {
    let sim = start_sim(scripted()).await;
    let (q1, _) = sim.queues()[0].clone();
    let mut run = spawn(&sim, &["--headless", "--export", "/dev/full"]);
    run.subscribed(&sim).await;
    sim.control().push(
        summary(&q1)
            .name("from the server")
            .available(1)
            .logged_in(2)
            .interacting(1)
            .event(),
    );
    assert_eq!(run.exit().await.code(), Some(1));
    let stderr = run.read("stderr");
    assert!(
        stderr.contains("cannot write the export"),
        "stderr:\n{stderr}"
    );
    sim.shutdown().await;
}
