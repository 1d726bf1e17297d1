//! Whose status a channel follows as members come and go while the
//! Notifications feed runs: a user who left every queue and came back. Against a scripted
//! simulator (real REST, real sockets); tokio time is paused.

use crate::common::*;
use queuetop::event::FeedEvent;
use queuetop::feed::FeedHandle;

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
    assert_eq!(
        sim.stats().topics_repeated,
        0,
        "{:?}",
        sim.stats().rest_calls
    );
    quit(h).await;
}
