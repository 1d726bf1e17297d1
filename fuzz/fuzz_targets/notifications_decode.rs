//! The notifications decoder and observations mapping: the envelope of any
//! frame, then the invariants of every summary it produces.
#![no_main]
use libfuzzer_sys::fuzz_target;
use queuetop::event::{FeedEvent, QueueEventKind};
use queuetop::feed::notifications::mapping::{Decoded, Mapper, Receipt};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let r = Receipt {
        wall: time::OffsetDateTime::UNIX_EPOCH,
        at: tokio::time::Instant::now(),
    };
    let mut m = Mapper::new();
    // Frames separated by newlines: a sequence exercises the kept state.
    for frame in text.split('\n') {
        let _ = m.apply_snapshot(frame, r);
        if let Decoded::Events(evs) = m.decode(frame, r) {
            for ev in evs {
                let FeedEvent::Queue(q) = ev else { continue };
                if let QueueEventKind::Summary(s) = &q.kind {
                    assert!(s.agents_logged_in >= s.agents_available, "{s:?}");
                    assert!(s.agents_logged_in >= s.agents_interacting, "{s:?}");
                }
            }
        }
    }
});
