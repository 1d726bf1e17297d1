//! Who left a queue while the Notifications feed was down is told of at
//! the reconnect, even when an attempt before it read some member lists
//! and then failed: the app is told against what it was last told, not
//! against what the failed attempt left in the feed. Against a scripted
//! simulator; tokio time is paused.

use std::time::Duration;

use crate::common::*;
use queuetop::event::{AgentState, AgentStatus, FeedEvent};
use queuetop::feed::notifications::rest::pace::TRANSIENT_TRIES;
use queuetop::sim::SimHandle;

/// How long every REST answer takes while the faults are set: long
/// enough for the test to set them while the member reads are out.
const LATENCY: Duration = Duration::from_secs(5);
/// The Retry-After of the one 429: the delayed member read comes back
/// well after the other one was answered.
const RETRY_AFTER_S: u64 = 10;

fn member_reads(sim: &SimHandle) -> usize {
    let calls = sim.rest_calls();
    calls.iter().filter(|c| c.contains("/members")).count()
}

/// The first member the feed reported on each queue, as (queue, user).
fn one_member_per_queue(sim: &SimHandle, seen: &[FeedEvent]) -> Vec<(String, String)> {
    sim.queues()
        .iter()
        .map(|(queue_id, _)| {
            let user = seen.iter().find_map(|e| match e {
                FeedEvent::Member { agent, .. } if agent.queue_id == *queue_id => {
                    Some(agent.user_id.clone())
                }
                _ => None,
            });
            (queue_id.clone(), user.expect("every queue has a member"))
        })
        .collect()
}

/// Who left is told, and who came is followed (else its status would
/// stay as the reconnect read it).
#[tokio::test(start_paused = true)]
async fn what_a_failed_attempt_read_is_told_at_the_next() {
    let sim = start_simulator(scripted(2, 2)).await;
    let control = sim.control();
    let mut h = follow_everything(&sim);
    let (mut seen, _) = acked(&mut h).await;
    // One member leaves each queue and one comes: whichever queue's
    // members are read first, that read is the one the failed attempt
    // keeps.
    let leaving = one_member_per_queue(&sim, &seen);
    let reads_at_start = member_reads(&sim);
    assert_eq!(reads_at_start, leaving.len());

    control.go_silent(true);
    reconnecting(&mut h, LIMIT).await;
    let mut coming = Vec::new();
    for (queue_id, user_id) in &leaving {
        assert!(control.remove_member(queue_id, user_id), "{user_id}");
        coming.push(control.add_member(queue_id, true).expect("a new member"));
    }
    control.set_rest_latency(Some(LATENCY));
    control.go_silent(false);
    // Both member reads of the next attempt are out: the first to be
    // answered is rate limited, the other is answered (and kept) ...
    let out = reads_at_start + leaving.len();
    let what = "the member reads of the next attempt";
    until(&mut h, &mut seen, LIMIT, what, || member_reads(&sim) == out).await;
    control.rate_limit_rest(1, RETRY_AFTER_S);
    let limited = || sim.stats().rest_rate_limited == 1;
    until(&mut h, &mut seen, LIMIT, "the 429", limited).await;
    // ... and its second try is refused: the attempt fails part-way.
    control.refuse_rest_tokens(1);
    control.set_rest_latency(None);
    let (more, _) = acked(&mut h).await;
    seen.extend(more);
    assert_eq!(sim.stats().rest_unauthorized, 1, "the attempt failed");
    assert_eq!(reconnects(&seen), 1, "the failed attempt: {seen:#?}");

    for (queue_id, user_id) in &leaving {
        let told = seen.iter().any(|e| {
            matches!(e, FeedEvent::MemberLeft { queue_id: q, user_id: u }
                if q == queue_id && u == user_id)
        });
        assert!(told, "{user_id} left {queue_id} untold: {seen:#?}");
    }
    for user in &coming {
        let what = format!("the activity topic of {user}");
        until(&mut h, &mut seen, LIMIT, &what, || followed(&sim, user)).await;
    }
    quit(h).await;
}

/// The first attempt reads the member lists, then fails to open its
/// socket: what changed before the next attempt subscribed was told by no
/// notification, so the first snapshot must not carry the lists read then.
#[tokio::test(start_paused = true)]
async fn the_first_snapshot_after_a_failed_attempt_has_the_members_as_they_are() {
    let sim = start_simulator(scripted(1, 2)).await;
    let queue_id = sim.queues()[0].0.clone();
    let control = sim.control();
    let leaving = control.add_member(&queue_id, true).expect("a new member");
    let staying = control.add_member(&queue_id, true).expect("a new member");
    control.rate_limit_handshakes(1, RETRY_AFTER_S);
    let mut h = follow_everything(&sim);
    reconnecting(&mut h, LIMIT).await;
    assert_eq!(member_reads(&sim), 1, "the failed attempt read the members");
    assert!(control.remove_member(&queue_id, &leaving));
    assert!(control.set_status(&staying, AgentStatus::Interacting));

    let (seen, _) = acked(&mut h).await;
    let rows: Vec<&AgentState> = seen
        .iter()
        .filter_map(|e| match e {
            FeedEvent::Member { agent, .. } => Some(agent),
            _ => None,
        })
        .collect();
    assert!(
        rows.iter().all(|agent| agent.user_id != leaving),
        "{leaving} left before the snapshot: {rows:#?}"
    );
    let status = rows.iter().find(|agent| agent.user_id == staying);
    assert_eq!(
        status.map(|agent| &agent.status),
        Some(&AgentStatus::Interacting),
        "{rows:#?}"
    );
    quit(h).await;
}

/// A member read the server still fails (5xx) after the REST client's own
/// tries fails the attempt, as a failed observations query does: skipping
/// the queue would keep whoever left it during the outage on the screen
/// as a member, with the feed connected as if all were current.
#[tokio::test(start_paused = true)]
async fn a_member_read_failing_with_a_server_error_is_read_again_before_connecting() {
    let sim = start_simulator(scripted(1, 2)).await;
    let control = sim.control();
    let mut h = follow_everything(&sim);
    let (mut seen, _) = acked(&mut h).await;
    let (queue_id, user_id) = one_member_per_queue(&sim, &seen).remove(0);

    control.go_silent(true);
    reconnecting(&mut h, LIMIT).await;
    assert!(control.remove_member(&queue_id, &user_id));
    control.set_rest_latency(Some(LATENCY));
    control.go_silent(false);
    let out = member_reads(&sim) + 1;
    let what = "the member read of the next attempt";
    until(&mut h, &mut seen, LIMIT, what, || member_reads(&sim) == out).await;
    // That read and each of the client's tries of it: 503.
    control.rest_transient(TRANSIENT_TRIES, 503);
    control.set_rest_latency(None);
    let (more, _) = acked(&mut h).await;
    seen.extend(more);
    assert_eq!(sim.stats().rest_transient, u64::from(TRANSIENT_TRIES));
    assert_eq!(reconnects(&seen), 1, "the attempt failed: {seen:#?}");
    let told = seen.iter().any(|e| {
        matches!(e, FeedEvent::MemberLeft { queue_id: q, user_id: u }
            if *q == queue_id && *u == user_id)
    });
    assert!(told, "{user_id} left {queue_id} untold: {seen:#?}");
    quit(h).await;
}
