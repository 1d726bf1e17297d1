//! Per-event costs: decoding one realtime message, the reducer, the
//! export line and one audit-log line.

// A benchmark's setup may unwrap: a failure there stops the run, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

// The tests' builders, for the summary and the event around it.
#[allow(dead_code)]
#[path = "../tests/fixtures/mod.rs"]
mod fixtures;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use queuetop::event::FeedEvent;
use queuetop::model::AppState;
use queuetop::model::{Limits, QueueSeed};
use queuetop::sink::export::write_line;
use time::OffsetDateTime;
use tokio::time::Instant;

// As in the binary: the costs measured include its allocator.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn setup() -> (AppState, FeedEvent) {
    let queues: Vec<QueueSeed> = (0..20)
        .map(|i| QueueSeed {
            id: Some(format!("queue-{i}")),
            name: Some(format!("Queue {i}")),
            ..QueueSeed::default()
        })
        .collect();
    let st = AppState::new(
        &queues,
        Limits {
            utilization_pct: 90.0,
            waiting: 10,
            latency_ms: 2000,
            stale_after_s: 120,
            ..Limits::default()
        },
    );
    let skills = [("Spanish", 0), ("Billing", 1), ("English", 2), ("Tech", 3)];
    let kind = fixtures::busy("queue-7")
        .name("Queue 7")
        .skills_required(&skills, 1)
        .event();
    let wall = OffsetDateTime::now_utc();
    let ev = fixtures::queue_event(kind)
        .topic("/routing/queues/queue-7/events")
        .server_time(Some(wall - time::Duration::milliseconds(77)))
        .received(wall, Instant::now())
        .feed();
    (st, ev)
}

fn bench(c: &mut Criterion) {
    let (mut st, ev) = setup();
    // Fill the latency window so eviction is part of every sample.
    for _ in 0..1500 {
        st.apply(&ev);
    }
    c.bench_function("apply queue-summary", |b| {
        b.iter(|| black_box(st.apply(black_box(&ev))))
    });

    let FeedEvent::Queue(q) = &ev else {
        return;
    };
    let mut line = String::with_capacity(1024);
    c.bench_function("export_line", |b| {
        b.iter(|| {
            line.clear();
            write_line(&mut line, black_box(&st), black_box(q), q.received);
            black_box(line.len())
        })
    });
}

/// The summary example of docs/PROTOCOL.md, "Realtime v1", as the wire carries
/// it.
const SUMMARY: &str = r#"{"type":"queue-summary","topic":"/routing/queues/8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c1e/events","timestamp":"2026-11-27T19:20:25.123Z","data":{"queueId":"8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c1e","queueName":"Support EN","agentsAvailable":3,"agentsLoggedIn":10,"agentsInteracting":6,"interactionsWaiting":4,"skills":{"Spanish":{"available":0,"required":2},"Billing":{"available":2}}}}"#;

fn decode(c: &mut Criterion) {
    let wall = OffsetDateTime::now_utc();
    let now = Instant::now();
    c.bench_function("decode realtime queue-summary", |b| {
        b.iter(|| {
            black_box(queuetop::feed::realtime::decode(
                black_box(SUMMARY),
                wall,
                now,
            ))
        })
    });
}

/// One alert transition as headless mode logs it: formatted for the file
/// and for stderr (here /dev/null), redacted, queued for the writers.
fn audit_line(c: &mut Criterion) {
    let Ok(dir) = tempfile::tempdir() else { return };
    let opts = queuetop::sink::audit::AuditOptions {
        file: dir.path().join("audit.log"),
        level: "info".into(),
        also_stderr: true,
        max_bytes: 0,
        keep: 1,
    };
    let Ok((sub, guard)) = queuetop::sink::audit::subscriber(&opts) else {
        return;
    };
    let _default = tracing::subscriber::set_default(sub);
    c.bench_function("audit line (alert raised, file and stderr)", |b| {
        b.iter(|| {
            tracing::warn!(
                target: "queuetop::headless",
                queue_id = black_box("47558c7c-5305-45be-893f-3dfc765cc087"),
                queue_name = black_box("Returns IT"),
                alert = %black_box("Returns IT: utilization 100.0% >= 90%"),
                "alert raised"
            )
        })
    });
    drop(guard);
}

criterion_group!(benches, bench, decode, audit_line);
criterion_main!(benches);
