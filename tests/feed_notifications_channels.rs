//! Channels, topics and their lifecycle as the real API behaves: tokens
//! that channels die with, system topics, duplicates only in a handover's
//! overlap, and a refused token replaced at once. Against the scripted
//! Notifications API on loopback (real HTTP, real sockets).

mod feed_common;

use feed_common::notif_server::NotifServer;
use feed_common::scripted::*;
use feed_common::*;
use queuetop::event::{ConnState, FeedEvent};
use queuetop::feed;
use tokio::time::Instant;

/// A refused token is replaced at once, even right after an at-once
/// reconnect (which would otherwise make the next retry back off).
#[tokio::test]
async fn a_refused_token_is_replaced_at_once_even_after_an_at_once_reconnect() {
    let server = NotifServer::start(script(&[("qa", "A")])).await;
    let mut h = feed::spawn(cfg(&server, vec![both("qa", "A")], rc()));
    acked(&mut h).await;
    assert_eq!(server.tokens().len(), 1);
    server.with(|s| s.unauthorized = 1);
    // "Going away": reconnect at once; the first REST call is then refused.
    server.close_channel("chan-1", 1001);
    let (_, ev) = recv_until(&mut h.events, LIMIT, |e| {
        matches!(e, FeedEvent::Status(s) if s.last_error.as_deref().is_some_and(|m| m.contains("401")))
    })
    .await;
    let FeedEvent::Status(st) = ev else {
        unreachable!()
    };
    let ConnState::Reconnecting { next_try, .. } = st.state else {
        panic!("{st:?}");
    };
    assert!(
        next_try <= Instant::now(),
        "the new token is fetched at once, not after a backoff: {:?} to go",
        next_try - Instant::now()
    );
    acked(&mut h).await;
    assert_eq!(server.tokens().len(), 2);
    quit(h).await;
}
