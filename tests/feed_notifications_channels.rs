//! Channels, topics and their lifecycle as the real API behaves: tokens
//! that channels die with, system topics, duplicates only in a handover's
//! overlap, and a refused token replaced at once. Against the scripted
//! Notifications API on loopback (real HTTP, real sockets).

mod feed_common;

use std::time::Duration;

use feed_common::notif_server::NotifServer;
use feed_common::scripted::*;
use feed_common::*;
use queuetop::event::{ConnState, FeedEvent, QueueEventKind};
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

/// Summaries of `queue` in arrival order: (available, correlation id).
fn summaries_of(seen: &[FeedEvent], queue: &str) -> Vec<(u32, Option<String>)> {
    seen.iter()
        .filter_map(queue_ev)
        .filter_map(|q| match &q.kind {
            QueueEventKind::Summary(s) if s.queue_id == queue && !q.snapshot => {
                Some((s.agents_available, q.correlation_id.clone()))
            }
            _ => None,
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn notifications_sharing_a_correlation_id_are_all_applied() {
    let mut s = script(&[("qa", "A"), ("qb", "B")]);
    s.correlation = Some("one-request".into());
    let server = NotifServer::start(s).await;
    let mut h = feed::spawn(cfg(&server, vec![both("qa", "A"), both("qb", "B")], rc()));
    acked(&mut h).await;
    server.observe("qa", 4, 1, 0);
    server.observe("qb", 5, 1, 0);
    server.observe("qa", 6, 1, 0);
    let (mut seen, last) = recv_until(&mut h.events, LIMIT, |e| {
        queue_ev(e).is_some_and(|q| {
            matches!(&q.kind, QueueEventKind::Summary(s) if s.queue_id == "qa" && s.agents_available == 6)
        })
    })
    .await;
    seen.push(last);
    let id = Some("one-request".to_string());
    assert_eq!(
        summaries_of(&seen, "qa"),
        [(4, id.clone()), (6, id.clone())]
    );
    assert_eq!(summaries_of(&seen, "qb"), [(5, id)]);
    assert_eq!(h.gauges.duplicates_dropped(), 0);
    quit(h).await;
}

/// Outside a handover the same frame twice is applied twice: only a copy
/// from the other channel of an overlap is a duplicate.
#[tokio::test(start_paused = true)]
async fn the_same_frame_twice_on_one_channel_is_applied_twice() {
    let server = NotifServer::start(script(&[("qa", "A")])).await;
    let mut h = feed::spawn(cfg(&server, vec![both("qa", "A")], rc()));
    acked(&mut h).await;
    let at = "2026-11-27T19:20:25.123Z";
    let frame = serde_json::json!({
        "topicName": "v2.analytics.queues.qa.observations",
        "eventBody": {"group": {"queueId": "qa"}, "data": [{"interval": format!("{at}/{at}"),
            "metrics": [{"metric": "oOnQueueUsers", "qualifier": "IDLE", "stats": {"count": 7}}]}]},
        "metadata": {"CorrelationId": "same"}
    })
    .to_string();
    server.send_raw("chan-1", &frame);
    server.send_raw("chan-1", &frame);
    server.observe("qa", 8, 1, 0);
    let (mut seen, last) = recv_until(&mut h.events, LIMIT, |e| {
        queue_ev(e).is_some_and(
            |q| matches!(&q.kind, QueueEventKind::Summary(s) if s.agents_available == 8),
        )
    })
    .await;
    seen.push(last);
    let avail: Vec<u32> = summaries_of(&seen, "qa")
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    assert_eq!(avail, [7, 7, 8]);
    quit(h).await;
}

/// A channel dies with the token that created it: each is replaced, make
/// before break, before that token expires; an hour of five-minute tokens
/// loses and doubles nothing and never reconnects.
#[tokio::test(start_paused = true)]
async fn channels_roll_over_before_the_token_that_made_them_expires() {
    let mut s = script(&[("qa", "A"), ("qb", "B")]);
    s.token_lifetime_s = 300;
    // The new channel also delivers the old one's last two: copies.
    s.replay_on_handover = 2;
    let server = NotifServer::start(s).await;
    let mut h = feed::spawn(cfg(&server, vec![both("qa", "A"), both("qb", "B")], rc()));
    acked(&mut h).await;
    let t0 = Instant::now();
    let mut seen = Vec::new();
    let mut last = 0;
    for i in 0..72u64 {
        last = server.observe(if i % 2 == 0 { "qa" } else { "qb" }, i, 1, 0);
        until_seq(&mut h, &mut seen, last).await;
        tokio::time::sleep(Duration::from_secs(50)).await;
    }
    while let Ok(ev) = h.events.try_recv() {
        seen.push(ev);
    }
    assert_eq!(
        server.expired(),
        Vec::<String>::new(),
        "no channel outlived its token"
    );
    // One new token and one new channel every 240 s (80 % of 300 s).
    let rollovers = t0.elapsed().as_secs() / 240;
    assert!(rollovers >= 15, "{:?}", t0.elapsed());
    let created = server.created().len() as u64;
    assert!(
        (rollovers..=rollovers + 1).contains(&(created - 1)),
        "{created} channels in {:?}",
        t0.elapsed()
    );
    assert_eq!(server.tokens().len() as u64, created);
    assert_each_once(&seen, last);
    assert!(
        !seen.iter().any(|e| matches!(e, FeedEvent::Status(_))),
        "a rollover is not a reconnect: {seen:#?}"
    );
    quit(h).await;
}
