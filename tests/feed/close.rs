//! The one close every consumer uses (`feed::close`): a feed asked to
//! quit says goodbye to the server, delivers what it still has and ends
//! within the grace. (A feed that overstays is aborted: tests/relay.)

use crate::common::*;
use queuetop::event::{ConnState, FeedEvent};
use queuetop::feed::CLOSE_GRACE;
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn a_closed_feed_ends_within_the_grace_and_its_last_word_is_closed() {
    let (sim, mut h) = SimFeed::scripted().start().await;
    acked(&mut h).await;
    let started = Instant::now();
    let mut delivered = Vec::new();
    let in_time = h.close(CLOSE_GRACE, |ev| delivered.push(ev.clone())).await;
    assert!(in_time, "the feed did not end within {CLOSE_GRACE:?}");
    assert!(started.elapsed() < CLOSE_GRACE);
    assert!(h.task.is_finished());
    let last = delivered.iter().rev().find_map(|ev| match ev {
        FeedEvent::Status(status) => Some(status.state.clone()),
        _ => None,
    });
    assert_eq!(last, Some(ConnState::Closed), "{delivered:#?}");
    assert!(
        sim.wait_for(|s| s.connections_open == 0, LIMIT).await,
        "the socket was not closed"
    );
}
