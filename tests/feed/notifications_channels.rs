//! Channels, topics and their lifecycle as the real API behaves: tokens
//! that channels die with, system topics, duplicates only in a handover's
//! overlap, and a refused token replaced at once. Against the scripted
//! Notifications API on loopback (real HTTP, real sockets).

use std::time::Duration;

use crate::common::notif_server::{Member, NotifServer};
use crate::common::scripted::*;
use crate::common::*;
use queuetop::event::{ConnState, FeedEvent, QueueEventKind, QueueSummary};
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

/// The `Trouble` events with `code`, as (resolved) in order.
fn troubles(seen: &[FeedEvent], code: &str) -> Vec<bool> {
    seen.iter()
        .filter_map(|e| match e {
            FeedEvent::Trouble {
                code: c, resolved, ..
            } if c == code => Some(*resolved),
            _ => None,
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_channel_that_lost_its_subscriptions_subscribes_again_and_the_alert_ends() {
    let (logs, _guard) = capture_logs();
    let server = NotifServer::start(script(&[("qa", "A")])).await;
    let mut h = feed::spawn(cfg(&server, vec![both("qa", "A")], rc()));
    acked(&mut h).await;
    let mut seen = Vec::new();
    let first = server.observe("qa", 1, 1, 0);
    until_seq(&mut h, &mut seen, first).await;
    let topics = server.topics_of("chan-1");
    server.no_longer_subscribed("chan-1");
    let (before, ev) = recv_until(&mut h.events, LIMIT, |e| {
        matches!(e, FeedEvent::Trouble { resolved: true, .. })
    })
    .await;
    seen.extend(before);
    seen.push(ev);
    assert_eq!(server.topics_of("chan-1"), topics, "subscribed again");
    let last = server.observe("qa", 2, 1, 0);
    until_seq(&mut h, &mut seen, last).await;
    assert_each_once(&seen, last);
    assert_eq!(
        server.created(),
        ["chan-1"],
        "the same channel, subscribed again"
    );
    let puts = server
        .requests()
        .iter()
        .filter(|r| r.starts_with("PUT"))
        .count();
    assert_eq!(puts, 2);
    assert_eq!(troubles(&seen, "no_longer_subscribed"), [false, true]);
    assert!(
        !seen.iter().any(|e| matches!(e, FeedEvent::Status(_))),
        "{seen:#?}"
    );
    let text = logs.text();
    assert!(text.contains("lost its subscriptions"), "{text}");
    quit(h).await;
}

#[tokio::test(start_paused = true)]
async fn a_revoked_token_brings_a_new_token_and_new_channels_without_a_gap() {
    let (logs, _guard) = capture_logs();
    let mut s = script(&[("qa", "A")]);
    s.replay_on_handover = 2;
    let server = NotifServer::start(s).await;
    let mut h = feed::spawn(cfg(&server, vec![both("qa", "A")], rc()));
    acked(&mut h).await;
    let mut seen = Vec::new();
    let first = server.observe("qa", 1, 1, 0);
    until_seq(&mut h, &mut seen, first).await;
    server.revoke_tokens();
    let (before, ev) = recv_until(&mut h.events, LIMIT, |e| {
        matches!(e, FeedEvent::Trouble { resolved: true, .. })
    })
    .await;
    seen.extend(before);
    seen.push(ev);
    assert_eq!(troubles(&seen, "token_revoked"), [false, true]);
    assert_eq!(server.tokens().len(), 2);
    assert_eq!(server.created(), ["chan-1", "chan-2"]);
    let srv = server.clone();
    until(&mut h, &mut seen, LONG, "old closed", || {
        srv.closed_by_client() == ["chan-1"]
    })
    .await;
    let last = server.observe("qa", 2, 1, 0);
    until_seq(&mut h, &mut seen, last).await;
    assert_each_once(&seen, last);
    assert!(
        !seen.iter().any(|e| matches!(e, FeedEvent::Status(_))),
        "{seen:#?}"
    );
    let text = logs.text();
    assert!(text.contains("token was revoked"), "{text}");
    assert!(!text.contains("tok-1-secretish"), "no token in the log");
    quit(h).await;
}

fn member(user: &str, skill: &str, status: &str) -> Member {
    Member {
        user_id: user.into(),
        name: format!("Agent {user}"),
        skills: vec![skill.into()],
        status: status.into(),
        unjoined: false,
    }
}

/// The last summary of `queue` among `seen`.
fn last_summary(seen: &[FeedEvent], queue: &str) -> QueueSummary {
    seen.iter()
        .rev()
        .filter_map(queue_ev)
        .find_map(|q| match &q.kind {
            QueueEventKind::Summary(s) if s.queue_id == queue => Some(s.clone()),
            _ => None,
        })
        .expect("a summary")
}

#[tokio::test(start_paused = true)]
async fn membership_changes_update_the_roster_and_the_skills() {
    let mut s = script(&[("qa", "A")]);
    s.skills = vec![
        ("s1".into(), "Spanish".into()),
        ("s2".into(), "French".into()),
    ];
    s.members.insert(
        "qa".into(),
        vec![member("u1", "s1", "IDLE"), member("u2", "s2", "IDLE")],
    );
    let server = NotifServer::start(s).await;
    let mut h = feed::spawn(cfg(&server, vec![both("qa", "A")], rc()));
    let (before, _) = acked(&mut h).await;
    assert_eq!(last_summary(&before, "qa").skills["French"].available, 1);
    let mut seen = Vec::new();

    // u2 is removed from the queue; u3 (new to every queue) is added.
    server.with(|s| {
        s.members.insert(
            "qa".into(),
            vec![member("u1", "s1", "IDLE"), member("u3", "s2", "IDLE")],
        )
    });
    server.membership("qa", "u2", false);
    server.membership("qa", "u3", true);
    let (got, ev) = recv_until(
        &mut h.events,
        LIMIT,
        |e| matches!(e, FeedEvent::MemberLeft { user_id, .. } if user_id == "u2"),
    )
    .await;
    seen.extend(got);
    seen.push(ev);
    let (got, ev) = recv_until(
        &mut h.events,
        LIMIT,
        |e| matches!(e, FeedEvent::Member { agent, .. } if agent.user_id == "u3"),
    )
    .await;
    seen.extend(got);
    seen.push(ev);
    let reads = server
        .requests()
        .iter()
        .filter(|r| r.starts_with("GET /api/v2/routing/queues/qa/members"))
        .count();
    assert_eq!(reads, 2, "two changes, one read again");
    // u3 follows on the activity topic, on the channel it already has.
    let srv = server.clone();
    until(&mut h, &mut seen, LONG, "u3's activity topic", || {
        srv.topics_of("chan-1")
            .contains(&"v2.users.u3.activity".to_string())
    })
    .await;
    assert_eq!(server.created(), ["chan-1"]);
    let seq = server.user_status("u3", "INTERACTING");
    until_seq(&mut h, &mut seen, seq).await;
    let s = last_summary(&seen, "qa");
    assert_eq!(s.skills["French"].available, 0, "u3 is busy, u2 is gone");
    assert_eq!(s.skills["Spanish"].available, 1);

    // u1 is no longer active in the queue: not available for its skills.
    let seq = server.activity("u1", "IDLE", &[]);
    until_seq(&mut h, &mut seen, seq).await;
    assert_eq!(last_summary(&seen, "qa").skills["Spanish"].available, 0);
    assert!(
        !seen.iter().any(|e| matches!(e, FeedEvent::Status(_))),
        "{seen:#?}"
    );
    quit(h).await;
}
