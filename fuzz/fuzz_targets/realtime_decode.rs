//! The realtime v1 decoder: any text gives an event, never a panic, and
//! what it calls a queue event is internally consistent.
#![no_main]
use libfuzzer_sys::fuzz_target;
use queuetop::event::{FeedEvent, QueueEventKind};
use queuetop::feed::realtime::decode;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let wall = time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
    let ev = decode(text, wall, tokio::time::Instant::now());
    match ev {
        FeedEvent::Queue(q) => {
            assert!(!q.snapshot, "the wire never carries the first snapshot");
            assert!(!q.topic.is_empty());
            if let QueueEventKind::Summary(s) = &q.kind {
                assert!(!s.queue_id.is_empty(), "a summary names its queue");
            }
            // Latency must be computable for any server time.
            let _ = q.latency_ms();
        }
        FeedEvent::Malformed { reason } => assert!(!reason.is_empty()),
        FeedEvent::Unknown { kind } => assert!(!kind.is_empty()),
        _ => {}
    }
});
