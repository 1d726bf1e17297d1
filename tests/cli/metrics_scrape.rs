//! `--metrics ADDR`: the real binary against an in-test simulator, scraped
//! over real HTTP and parsed with an independent Prometheus text parser.

use crate::common::{Run, SOON, scripted, spawn, spawn_with, start_sim, wait_until};
use crate::fixtures::{busy, summary};

fn value(scrape: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    scrape
        .samples
        .iter()
        .find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match s.value {
            prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Untyped(v) => v,
            _ => f64::NAN,
        })
}

async fn scrape(addr: &str) -> (String, String) {
    queuetop::auth::ensure_crypto_provider();
    let resp = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let kind = resp.headers()["content-type"].to_str().unwrap().to_string();
    (kind, resp.text().await.unwrap())
}

/// The address the endpoint bound (port 0: it is in the log).
async fn metrics_addr(run: &Run) -> String {
    let mut addr = String::new();
    let found = wait_until(|| {
        let log = run.read("stderr");
        let Some(line) = log
            .lines()
            .find(|l| l.contains("metrics endpoint listening"))
        else {
            return false;
        };
        addr = line
            .split("addr=")
            .nth(1)
            .unwrap_or("")
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_string();
        !addr.is_empty()
    })
    .await;
    assert!(found, "stderr:\n{}", run.read("stderr"));
    addr
}

/// Scrapes until `ready` holds for the parsed text (published once a
/// second), bounded; the content type, the text and what it parsed to.
async fn scrape_until(
    addr: &str,
    ready: impl Fn(&prometheus_parse::Scrape) -> bool,
) -> (String, String, prometheus_parse::Scrape) {
    let deadline = tokio::time::Instant::now() + SOON;
    loop {
        let (kind, text) = scrape(addr).await;
        let lines = text.lines().map(|l| Ok(l.to_string()));
        let parsed = prometheus_parse::Scrape::parse(lines).unwrap();
        if ready(&parsed) || tokio::time::Instant::now() > deadline {
            return (kind, text, parsed);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_endpoint_serves_the_queues_figures_and_the_feeds() {
    let sim = start_sim(scripted()).await;
    let (q1, n1) = sim.queues()[0].clone();
    let run = spawn(&sim, &["--headless", "--metrics", "127.0.0.1:0"]);
    let addr = metrics_addr(&run).await;
    run.subscribed(&sim).await;
    sim.control().push(
        busy(&q1)
            .name("from the server")
            .skills_required(&[("Spanish", 0)], 1)
            .event(),
    );
    run.export_lines(1).await;

    let labels = [("queue_id", q1.as_str()), ("queue_name", n1.as_str())];
    let (kind, text, s) = scrape_until(&addr, |s| {
        value(s, "queuetop_queue_waiting", &labels) == Some(4.0)
    })
    .await;
    assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
    assert!(text.ends_with("# EOF\n"), "{text}");
    assert_eq!(
        value(&s, "queuetop_queue_waiting", &labels),
        Some(4.0),
        "{text}"
    );
    for (state, n) in [
        ("available", 3.0),
        ("logged_in", 10.0),
        ("interacting", 6.0),
        // Genesys's names; the realtime summary gives them as the export's
        // original fields.
        ("on_queue", 10.0),
        ("idle", 3.0),
    ] {
        let mut l = labels.to_vec();
        l.push(("state", state));
        assert_eq!(
            value(&s, "queuetop_queue_agents", &l),
            Some(n),
            "{state}\n{text}"
        );
    }
    assert_eq!(
        value(&s, "queuetop_queue_utilization_percent", &labels),
        Some(60.0),
        "{text}"
    );
    // The realtime feed does not tell queue work from non-queue work: no
    // queue utilization, left out rather than published as 0.
    assert_eq!(
        value(&s, "queuetop_queue_on_queue_utilization_percent", &labels),
        None,
        "{text}"
    );
    assert!(
        value(&s, "queuetop_queue_alerts_active", &labels).is_some(),
        "{text}"
    );
    // What the realtime feed does not say is left out, not published as 0.
    let mut l = labels.to_vec();
    l.push(("state", "communicating"));
    assert_eq!(value(&s, "queuetop_queue_agents", &l), None, "{text}");

    assert_eq!(
        value(&s, "queuetop_feed_connected", &[]),
        Some(1.0),
        "{text}"
    );
    assert!(
        value(&s, "queuetop_feed_events_total", &[]) >= Some(1.0),
        "{text}"
    );
    // This run is the realtime feed: one socket, no REST call.
    assert_eq!(
        value(&s, "queuetop_feed_rest_calls_total", &[]),
        Some(0.0),
        "{text}"
    );
    for name in [
        "queuetop_feed_observation_corrections_total",
        "queuetop_feed_reconnects_total",
        "queuetop_feed_duplicates_dropped_total",
        "queuetop_feed_malformed_total",
        "queuetop_feed_latency_p95_milliseconds",
    ] {
        assert!(value(&s, name, &[]).is_some(), "{name}\n{text}");
    }
    // Only /metrics.
    queuetop::auth::ensure_crypto_provider();
    let resp = reqwest::get(format!("http://{addr}/")).await.unwrap();
    assert_eq!(resp.status(), 404);
    sim.shutdown().await;
}

/// Alerts raised on a queue are published by severity: twelve waiting and
/// nobody on queue is one critical alert (no agent) and one warning (the
/// waiting threshold, 10 by default).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_are_published_by_severity() {
    let sim = start_sim(scripted()).await;
    let (queue, name) = sim.queues()[0].clone();
    let more = "[alerts]\nraise_delay_s = 0\n";
    let run = spawn_with(&sim, &["--headless", "--metrics", "127.0.0.1:0"], more);
    let addr = metrics_addr(&run).await;
    run.subscribed(&sim).await;
    sim.control()
        .push(summary(&queue).name("from the server").waiting(12).event());
    run.export_lines(1).await;

    let labels = |severity| {
        [
            ("queue_id", queue.as_str()),
            ("queue_name", name.as_str()),
            ("severity", severity),
        ]
    };
    let family = "queuetop_queue_alerts_by_severity";
    let (_, text, s) = scrape_until(&addr, |s| {
        value(s, family, &labels("critical")).is_some()
            && value(s, family, &labels("warning")).is_some()
    })
    .await;
    assert_eq!(value(&s, family, &labels("critical")), Some(1.0), "{text}");
    assert_eq!(value(&s, family, &labels("warning")), Some(1.0), "{text}");
    assert_eq!(value(&s, family, &labels("info")), None, "{text}");
    let queue_labels = [("queue_id", queue.as_str()), ("queue_name", name.as_str())];
    assert_eq!(
        value(&s, "queuetop_queue_alerts_active", &queue_labels),
        Some(2.0),
        "{text}"
    );
    sim.shutdown().await;
}
