//! Start-up of the notifications feed against a distant region: the
//! simulator with N queues (default 1000) given by id only, and a fixed
//! delay added to every REST answer (default 150 ms). Measures the time
//! from spawning the feed until every queue has its first snapshot (a
//! full screen), the REST calls it took (the simulator's count, the
//! feed's gauge), the tokens fetched, and prints the feed's own audit line
//! ("start-up took N REST calls in T ms").
//!
//! `cargo bench --bench startup` or `cargo bench --bench startup -- 1000 150`
//! (queues, added latency in ms).

// A benchmark's setup may unwrap: a failure there stops the run, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

// The tests' in-memory log writer.
#[allow(dead_code)]
#[path = "../tests/fixtures/mod.rs"]
mod fixtures;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use queuetop::config::{Config, EventType, Protocol, QueueConfig};
use queuetop::event::{FeedCommand, FeedEvent, QueueEventKind};
use queuetop::feed;
use queuetop::sim::{self, Faults, SimOptions};

use fixtures::Logs;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let queues = args.first().copied().unwrap_or(1000) as usize;
    let latency = Duration::from_millis(args.get(1).copied().unwrap_or(150));
    // The feed's audit lines, kept in memory.
    let lines = Logs::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(lines.clone())
        .with_ansi(false)
        .with_env_filter("queuetop=info")
        .finish();
    let _guard = tracing::subscriber::set_global_default(subscriber);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    println!(
        "notifications start-up: {queues} queues by id, {} ms added to every REST answer",
        latency.as_millis()
    );
    rt.block_on(run(queues, latency));
    let text = lines.text();
    for line in text
        .lines()
        .filter(|l| l.contains("took") || l.contains("slowing") || l.contains("rate limited"))
    {
        println!("audit: {line}");
    }
}

async fn run(queues: usize, latency: Duration) {
    let opts = SimOptions {
        queues,
        generate: false,
        faults: Faults {
            rest_latency: Some(latency),
            ..Faults::default()
        },
        ..SimOptions::default()
    };
    let Ok(sim) = sim::start("127.0.0.1:0".parse().expect("an address"), opts).await else {
        println!("the simulator did not start");
        return;
    };
    let configured: Vec<QueueConfig> = sim
        .queues()
        .into_iter()
        .map(|(id, _)| QueueConfig {
            id: Some(id),
            name: None,
            events: vec![EventType::QueueSummary],
            filter: None,
        })
        .collect();
    let mut cfg = Config::for_sim(
        Protocol::Notifications,
        &sim.login_url(),
        &sim.api_url(),
        &sim.realtime_url(),
        configured,
        std::env::temp_dir().join("queuetop-bench-startup.log"),
    );
    cfg.genesys.client_id = sim.client_id().to_string();
    cfg.genesys.client_secret = Some(sim.client_secret().to_string().into());
    let t0 = Instant::now();
    let mut h = feed::spawn(Arc::new(cfg));
    let mut seen = HashSet::new();
    let full = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(ev) = h.events.recv().await {
            if let FeedEvent::Queue(q) = &ev
                && let QueueEventKind::Summary(s) = &q.kind
            {
                seen.insert(s.queue_id.clone());
                if seen.len() == queues {
                    return true;
                }
            }
        }
        false
    })
    .await;
    let elapsed = t0.elapsed();
    // The feed logs its cost once the rosters and the ack are out too.
    let acked = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(ev) = h.events.recv().await {
            if matches!(ev, FeedEvent::Acked { .. }) {
                return;
            }
        }
    })
    .await;
    if acked.is_err() {
        println!("no ack within 60 s of the full screen");
    }
    let stats = sim.stats();
    match full {
        Ok(true) => println!(
            "full screen (first snapshot of every queue): {:.2} s",
            elapsed.as_secs_f64()
        ),
        _ => println!(
            "NO full screen after {:.2} s: {} of {queues} queues",
            elapsed.as_secs_f64(),
            seen.len()
        ),
    }
    println!(
        "REST calls: {} (simulator), {} (feed gauge); tokens fetched: {}; 429s: {}; channels: {}",
        stats.rest_requests,
        h.gauges.rest_calls(),
        stats.token_requests,
        stats.rest_rate_limited,
        stats.channels_created
    );
    let _ = h.commands.send(FeedCommand::Quit).await;
    let _ = tokio::time::timeout(Duration::from_secs(5), h.task).await;
    sim.shutdown().await;
}
