//! Whose status a channel follows as members come and go while the
//! Notifications feed runs: a newcomer when the last channel is full, and
//! a user who left every queue and came back. Against a scripted
//! simulator (real REST, real sockets); tokio time is paused.

use std::time::Duration;

use crate::common::*;
use queuetop::event::{AgentStatus, FeedEvent, QueueEventKind};
use queuetop::feed::FeedHandle;
use queuetop::feed::notifications::rest::pace::TRANSIENT_TRIES;
use queuetop::sim::SimHandle;

/// Long enough for the test to set a fault while a call is out.
const LATENCY: Duration = Duration::from_secs(5);

/// Queue members that, with the queue's observations and membership
/// topics, fill one channel's 1000 topics exactly.
const FILL_ONE_CHANNEL: usize = 998;

/// Receives until the feed tells of `user` on the roster (the member list
/// was read again after a membership change), keeping everything in `seen`.
async fn until_member(h: &mut FeedHandle, seen: &mut Vec<FeedEvent>, user: &str) {
    let is_user =
        |e: &FeedEvent| matches!(e, FeedEvent::Member { agent, .. } if agent.user_id == user);
    let (got, ev) = recv_until(&mut h.events, LIMIT, is_user).await;
    seen.extend(got);
    seen.push(ev);
}

/// Receives until a member list was read again after a membership change:
/// that alone tells the roster (a membership notification tells only the
/// one member it is about, as a status row).
async fn until_reread(h: &mut FeedHandle) {
    recv_until(&mut h.events, LIMIT, |e| {
        matches!(e, FeedEvent::Member { .. })
    })
    .await;
}

/// Makes `user` busy and receives until the feed tells so: a channel that
/// follows the user's activity is open and read.
async fn until_busy(sim: &SimHandle, h: &mut FeedHandle, user: &str) {
    assert!(sim.control().set_status(user, AgentStatus::Interacting));
    let busy = |e: &FeedEvent| {
        queue_ev(e).is_some_and(|q| {
            matches!(&q.kind, QueueEventKind::Agent(a)
                if a.user_id == user && a.status == AgentStatus::Interacting)
        })
    };
    recv_until(&mut h.events, LIMIT, busy).await;
}

/// The topics of every channel, each channel's count.
fn topics_per_channel(sim: &SimHandle) -> Vec<usize> {
    let control = sim.control();
    let ids = control.channel_ids();
    ids.iter()
        .map(|id| control.channel_topics(id).len())
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_new_member_when_the_last_channel_is_full_is_followed_on_a_new_channel() {
    let sim = start_simulator(scripted(1, FILL_ONE_CHANNEL)).await;
    let queue_id = sim.queues()[0].0.clone();
    let mut h = follow_everything(&sim);
    let (mut seen, _) = acked(&mut h).await;
    assert_eq!(topics_per_channel(&sim), [1000]);

    let control = sim.control();
    let coming = control.add_member(&queue_id, true).expect("a new member");
    until_member(&mut h, &mut seen, &coming).await;
    let what = format!("the activity topic of {coming}");
    until(&mut h, &mut seen, LIMIT, &what, || followed(&sim, &coming)).await;
    assert_eq!(topics_per_channel(&sim), [1000, 1]);
    assert_eq!(sim.stats().channels_evicted, 0);
    // The new channel is read: once its socket is open, the newcomer's
    // status change arrives.
    let open = || sim.stats().channel_sockets_open == 2;
    until(&mut h, &mut seen, LIMIT, "the new channel's socket", open).await;
    until_busy(&sim, &mut h, &coming).await;
    quit(h).await;
}

/// Opening that channel fails (the server errs past the client's own
/// tries): no other moment would open it, so the feed reconnects, and the
/// reconnect opens every channel of the plan.
#[tokio::test(start_paused = true)]
async fn a_new_channel_that_cannot_be_opened_is_opened_by_the_reconnect() {
    let sim = start_simulator(scripted(1, FILL_ONE_CHANNEL)).await;
    let queue_id = sim.queues()[0].0.clone();
    let mut h = follow_everything(&sim);
    let (mut seen, _) = acked(&mut h).await;

    let control = sim.control();
    let create = "POST /api/v2/notifications/channels";
    let created = rest_calls(&sim, create);
    control.set_rest_latency(Some(LATENCY));
    let coming = control.add_member(&queue_id, true).expect("a new member");
    let asked = || rest_calls(&sim, create) > created;
    until(&mut h, &mut seen, LIMIT, "the new channel asked for", asked).await;
    control.rest_transient(TRANSIENT_TRIES, 503);
    control.set_rest_latency(None);
    let (more, _) = acked(&mut h).await;
    seen.extend(more);
    assert_eq!(reconnects(&seen), 1, "{seen:#?}");
    assert_eq!(sim.stats().rest_transient, u64::from(TRANSIENT_TRIES));
    assert!(followed(&sim, &coming));
    until_busy(&sim, &mut h, &coming).await;
    quit(h).await;
}

#[tokio::test(start_paused = true)]
async fn a_user_back_on_a_queue_after_leaving_every_one_is_not_subscribed_twice() {
    let sim = start_simulator(scripted(1, 2)).await;
    let queue_id = sim.queues()[0].0.clone();
    let mut h = follow_everything(&sim);
    let (mut seen, _) = acked(&mut h).await;
    let user = seen
        .iter()
        .find_map(|e| match e {
            FeedEvent::Member { agent, .. } => Some(agent.user_id.clone()),
            _ => None,
        })
        .expect("a member");

    let control = sim.control();
    assert!(control.remove_member(&queue_id, &user));
    until_reread(&mut h).await;
    assert!(control.add_back_member(&queue_id, &user, true));
    until_member(&mut h, &mut seen, &user).await;
    // A newcomer after that: the last channel's whole list is sent again.
    let coming = control.add_member(&queue_id, true).expect("a new member");
    let what = format!("the activity topic of {coming}");
    until(&mut h, &mut seen, LIMIT, &what, || followed(&sim, &coming)).await;

    assert!(followed(&sim, &user));
    assert_eq!(sim.stats().topics_repeated, 0, "{:?}", sim.rest_calls());
    quit(h).await;
}

/// The member read after a membership change fails (a server error past
/// the client's own tries): it is tried again soon, not left until the
/// next reconnect, so the newcomer reaches the roster and is followed.
#[tokio::test(start_paused = true)]
async fn a_member_read_failing_after_a_change_is_tried_again() {
    let sim = start_simulator(scripted(1, 2)).await;
    let queue_id = sim.queues()[0].0.clone();
    let mut h = follow_everything(&sim);
    let (mut seen, _) = acked(&mut h).await;

    let control = sim.control();
    let read = format!("GET /api/v2/routing/queues/{queue_id}/members");
    let reads = rest_calls(&sim, &read);
    control.set_rest_latency(Some(LATENCY));
    let coming = control.add_member(&queue_id, true).expect("a new member");
    let out = || rest_calls(&sim, &read) > reads;
    until(&mut h, &mut seen, LIMIT, "the member read", out).await;
    control.rest_transient(TRANSIENT_TRIES, 503);
    control.set_rest_latency(None);
    until_member(&mut h, &mut seen, &coming).await;
    assert_eq!(sim.stats().rest_transient, u64::from(TRANSIENT_TRIES));
    assert_eq!(reconnects(&seen), 0, "{seen:#?}");
    let what = format!("the activity topic of {coming}");
    until(&mut h, &mut seen, LIMIT, &what, || followed(&sim, &coming)).await;
    quit(h).await;
}
