//! Record the notifications feed against the simulator (real sockets, real
//! HTTP on loopback) while the headless loop exports it; then replay the
//! recording into the same loop: the replay exports what the live run did.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;

use crate::fixtures::assert_no_secret;
use queuetop::app::headless;
use queuetop::app::record::header;
use queuetop::config::Config;
use queuetop::feed::replay::{AtEnd, ReplayOptions};
use queuetop::feed::source::Source;
use queuetop::recording::{Line, RecorderOptions, Recording};
use queuetop::sim::{self, SimOptions};
use queuetop::sink::export::Exporter;

const SOON: Duration = Duration::from_secs(20);

/// The export line without what depends on the clock of the run: the
/// receipt time, the delivery rate and the latency.
fn normalize(line: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
    v["routing_metrics"]["timestamp"] = "T".into();
    v["delivery_rate"] = "R".into();
    v["latency_ms"] = "L".into();
    // Now minus the oldest wait: a clock reading too (ms rounding differs).
    if !v["figures"]["longestWaitMs"].is_null() {
        v["figures"]["longestWaitMs"] = "W".into();
    }
    v.to_string()
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(normalize)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_exports_what_the_recorded_run_exported_and_no_secret_is_recorded() {
    let opts = SimOptions {
        event_interval: Duration::from_millis(50),
        ..SimOptions::default()
    };
    let sim = sim::start("127.0.0.1:0".parse().unwrap(), opts)
        .await
        .unwrap();
    let loaded =
        Config::from_toml_str(&sim.config_toml("notifications"), "sim", &HashMap::new()).unwrap();
    let cfg = Arc::new(loaded.config);
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec.ndjson");

    // Live, recorded.
    let ropts = RecorderOptions {
        anonymize: false,
        secrets: vec![SecretString::from(sim.client_secret().to_string())],
    };
    let (recording, recorder) = Recording::create(&rec, &header(&cfg, false), ropts).unwrap();
    let feed = Source::Recorded(recorder).spawn(cfg.clone());
    let live = dir.path().join("live.ndjson");
    let enough = sim.wait_for(|s| s.notifications_sent >= 60, SOON);
    let code = headless::drive(
        &cfg,
        feed.events,
        &feed.commands,
        Exporter::open(live.to_str().unwrap()).unwrap(),
        async {
            assert!(enough.await, "the simulator sent too little");
        },
    )
    .await
    .unwrap();
    assert_eq!(code, 0);
    tokio::time::timeout(SOON, feed.task)
        .await
        .unwrap()
        .unwrap();
    let summary = recording.finish("test over", SOON).await;
    assert!(summary.frames >= 20 && summary.rest >= 5, "{summary:?}");

    let text = std::fs::read_to_string(&rec).unwrap();
    assert_no_secret(&text, &sim, "the recording");
    let kinds: Vec<Line> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(matches!(kinds.first(), Some(Line::Header(_))));
    assert!(matches!(kinds.last(), Some(Line::End(e)) if e.reason == "test over"));

    // Replayed, as fast as possible.
    let mut rcfg = (*cfg).clone();
    queuetop::app::replay::prepare(&mut rcfg, "rec.ndjson");
    let rcfg = Arc::new(rcfg);
    let source = Source::Replay(ReplayOptions {
        path: rec.clone(),
        speed: 0.0,
        at_end: AtEnd::Finish,
    });
    let feed = source.spawn(rcfg.clone());
    let replayed = dir.path().join("replayed.ndjson");
    let code = tokio::time::timeout(
        SOON,
        headless::drive(
            &rcfg,
            feed.events,
            &feed.commands,
            Exporter::open(replayed.to_str().unwrap()).unwrap(),
            std::future::pending(),
        ),
    )
    .await
    .expect("the replay did not finish")
    .unwrap();
    assert_eq!(code, 0, "a finished replay exits 0");

    let live = lines(&live);
    let replayed = lines(&replayed);
    assert!(live.len() >= 20, "{} live lines", live.len());
    // Frames recorded but not yet read when the live run quit are
    // replayed too: the live export is a prefix of the replayed one.
    assert!(replayed.len() >= live.len());
    for (i, (l, r)) in live.iter().zip(&replayed).enumerate() {
        assert_eq!(l, r, "line {} differs", i + 1);
    }
    assert!(live[0].contains(r#""topic":"snapshot""#), "{}", live[0]);
}
