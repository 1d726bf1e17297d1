//! The relay closes its feed as every consumer does (`feed::Closing`):
//! a feed that does not answer the quit is aborted when the grace ends,
//! and the relay stops then, not a second grace later.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::common::*;
use queuetop::event::{FeedCommand, FeedEvent};
use queuetop::feed::CLOSE_GRACE;
use queuetop::relay::Publisher;
use tokio::sync::mpsc;
use tokio::time::Instant;

// Real time: under a paused clock the runtime, idle while it waits on the
// broker's socket, jumps to the flush's timeout, and the figure measured
// would be the clock's, not the relay's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_whose_feed_does_not_answer_stops_within_the_grace() {
    let b = broker();
    let n = nats(&b.server.url(), "queuetop.deaf");
    let client = queuetop::nats::connect(&n, "test relay", None)
        .await
        .unwrap();
    let publisher = Publisher::new(client, &n).await.unwrap();
    let (sender, mut events) = mpsc::channel::<FeedEvent>(16);
    let (commands, mut asked) = mpsc::channel::<FeedCommand>(16);
    // A feed that hears the quit and ignores it: it keeps its channel
    // open and never ends.
    let heard = Arc::new(AtomicBool::new(false));
    let heard_by_feed = heard.clone();
    let mut feed = tokio::spawn(async move {
        let _open = sender;
        while let Some(command) = asked.recv().await {
            if matches!(command, FeedCommand::Quit) {
                heard_by_feed.store(true, Ordering::SeqCst);
            }
        }
    });

    let started = Instant::now();
    let stopped = tokio::time::timeout(
        CLOSE_GRACE * 4,
        publisher.run(
            &mut events,
            &commands,
            Some(&mut feed),
            async {},
            CLOSE_GRACE,
        ),
    )
    .await;
    let took = started.elapsed();
    assert!(
        matches!(stopped, Ok(Ok(()))),
        "the relay did not stop: {stopped:?}"
    );
    assert!(
        heard.load(Ordering::SeqCst),
        "the relay never asked the feed to quit"
    );
    // The bound is loose on purpose (a shared machine may be slow): what
    // it catches is a second grace after the first, as the relay had.
    assert!(
        took >= CLOSE_GRACE && took < CLOSE_GRACE * 2,
        "stopped after {took:?}, not when the grace of {CLOSE_GRACE:?} ended"
    );
    // An overstaying feed is aborted: it ends now, and cancelled.
    let ended = tokio::time::timeout(Duration::from_secs(1), feed)
        .await
        .map_err(|_| "still running");
    assert!(
        matches!(&ended, Ok(Err(e)) if e.is_cancelled()),
        "the feed that overstayed was not aborted: {ended:?}"
    );
}
