//! Queue members as the Notifications API tells of them: the rosters and
//! per-skill availability follow membership and routing-status changes
//! while the feed runs, and a reconnect reads the members again so that
//! what it missed does not stay on screen. Against a scripted simulator
//! (it changes only when told); tokio time is paused.

use std::collections::BTreeSet;

use crate::common::*;
use queuetop::event::{AgentState, AgentStatus, FeedEvent};
use queuetop::feed::FeedHandle;
use queuetop::sim::SimHandle;

/// The members the feed reported among `seen`, by user id (the last word
/// on each).
fn members(seen: &[FeedEvent]) -> Vec<AgentState> {
    let mut out: Vec<AgentState> = Vec::new();
    for e in seen {
        if let FeedEvent::Member { agent, .. } = e {
            out.retain(|a| a.user_id != agent.user_id);
            out.push(agent.clone());
        }
    }
    out
}

/// The skills any of `agents` has.
fn skills_of<'a>(agents: impl IntoIterator<Item = &'a AgentState>) -> BTreeSet<String> {
    agents.into_iter().flat_map(|a| a.skills.clone()).collect()
}

/// Receives until `pred` matches, keeping everything in `seen`.
async fn until_event(
    h: &mut FeedHandle,
    seen: &mut Vec<FeedEvent>,
    pred: impl Fn(&FeedEvent) -> bool,
) {
    let (got, ev) = recv_until(&mut h.events, LIMIT, pred).await;
    seen.extend(got);
    seen.push(ev);
}

/// A member with a skill, made idle (`seen` holds the start-up): the
/// member, its first skill, and how many are available for that skill.
async fn idle_with_a_skill(
    sim: &SimHandle,
    h: &mut FeedHandle,
    seen: &mut Vec<FeedEvent>,
) -> (AgentState, String, u32) {
    let agent = members(seen)
        .into_iter()
        .find(|a| !a.skills.is_empty())
        .expect("a member with a skill");
    if sim.control().set_status(&agent.user_id, AgentStatus::Idle) {
        until_id(h, seen, sim.stats().last_correlation_id).await;
    }
    let skill = agent.skills[0].clone();
    let idle = last_summary(seen, &agent.queue_id).skills[&skill].available;
    assert!(idle >= 1, "{skill}");
    (agent, skill, idle)
}

#[tokio::test(start_paused = true)]
async fn membership_changes_update_the_roster_and_the_skills() {
    let sim = start_simulator(scripted(1, 2)).await;
    let queue_id = sim.queues()[0].0.clone();
    let control = sim.control();
    let mut h = follow_everything(&sim);
    let (before, _) = acked(&mut h).await;
    // What follows the start-up must bring no change of the connection.
    let mut seen: Vec<FeedEvent> = before.into_iter().filter(|e| !any_status([e])).collect();
    // The first has skills; the second is the other member.
    let mut roster = members(&seen);
    roster.sort_by_key(|a| a.skills.is_empty());
    let [first, second] = [&roster[0], &roster[1]].map(|a| a.user_id.clone());
    // Both idle, so each of their skills counts one available per holder.
    for user in [&first, &second] {
        control.set_status(user, AgentStatus::Idle);
    }

    // The second is removed from the queue; a newcomer is added.
    assert!(control.remove_member(&queue_id, &second));
    let newcomer = control.add_member(&queue_id, true).expect("a new member");
    until_event(
        &mut h,
        &mut seen,
        |e| matches!(e, FeedEvent::MemberLeft { user_id, .. } if *user_id == second),
    )
    .await;
    until_event(
        &mut h,
        &mut seen,
        |e| matches!(e, FeedEvent::Member { agent, .. } if agent.user_id == newcomer),
    )
    .await;
    let reads = format!("GET /api/v2/routing/queues/{queue_id}/members");
    assert_eq!(rest_calls(&sim, &reads), 2, "two changes, one read again");
    // The newcomer is followed on its activity topic, on the same channel.
    let channel = control.channel_ids()[0].clone();
    let activity = format!("v2.users.{newcomer}.activity");
    until(
        &mut h,
        &mut seen,
        LIMIT,
        "the newcomer's activity topic",
        || control.channel_topics(&channel).contains(&activity),
    )
    .await;
    assert_eq!(sim.stats().channels_created, 1);

    // The newcomer takes a call: its skills count only the first member.
    let roster = members(&seen);
    let holder = |user: &str| roster.iter().find(|a| a.user_id == user).expect(user);
    let (first_skills, newcomer_skills) =
        (skills_of([holder(&first)]), skills_of([holder(&newcomer)]));
    assert!(
        !first_skills.is_empty() && !newcomer_skills.is_empty(),
        "the seed gives both skills: {roster:?}"
    );
    assert!(control.set_status(&newcomer, AgentStatus::Interacting));
    let target = sim.stats().last_correlation_id;
    until_id(&mut h, &mut seen, target).await;
    let summary = last_summary(&seen, &queue_id);
    for skill in first_skills.union(&newcomer_skills) {
        let available = u32::from(first_skills.contains(skill));
        assert_eq!(summary.skills[skill].available, available, "{skill}");
    }

    assert!(!any_status(&seen), "{seen:#?}");
    quit(h).await;
}

/// The activity topic alone says a member stopped taking the queue's
/// interactions (its membership topic refused, as for a client without
/// that permission): it counts for none of its skills.
#[tokio::test(start_paused = true)]
async fn a_member_no_longer_active_in_the_queue_counts_for_none_of_its_skills() {
    let sim = start_simulator(scripted(1, 2)).await;
    let queue_id = sim.queues()[0].0.clone();
    let control = sim.control();
    control.set_reject_topics(vec![format!("v2.routing.queues.{queue_id}.users")]);
    let mut h = follow_everything(&sim);
    let (mut seen, _) = acked(&mut h).await;
    let (agent, skill, idle) = idle_with_a_skill(&sim, &mut h, &mut seen).await;

    assert!(control.set_joined(&queue_id, &agent.user_id, false));
    let target = sim.stats().last_correlation_id;
    until_id(&mut h, &mut seen, target).await;
    assert!(
        seen.iter().any(
            |e| matches!(e, FeedEvent::MemberLeft { user_id, .. } if *user_id == agent.user_id)
        )
    );
    let summary = last_summary(&seen, &queue_id);
    assert_eq!(summary.skills[&skill].available, idle - 1, "{skill}");
    assert_eq!(
        rest_calls(&sim, "GET /api/v2/routing/queues/"),
        1,
        "no member list read again"
    );
    quit(h).await;
}

#[tokio::test(start_paused = true)]
async fn a_reconnect_rereads_the_members_so_no_missed_status_stays_on_screen() {
    let sim = start_simulator(scripted(1, 2)).await;
    let queue_id = sim.queues()[0].0.clone();
    let control = sim.control();
    let mut h = follow_everything(&sim);
    let (mut seen, _) = acked(&mut h).await;
    let (agent, skill, idle_before) = idle_with_a_skill(&sim, &mut h, &mut seen).await;

    // The agent takes a call while the feed is away: nothing tells it.
    control.go_silent(true);
    reconnecting(&mut h, LIMIT).await;
    assert!(control.set_status(&agent.user_id, AgentStatus::Interacting));
    control.go_silent(false);
    let (before, _) = acked(&mut h).await;
    let after = members(&before);
    let status = after.iter().find(|a| a.user_id == agent.user_id);
    assert_eq!(
        status.map(|a| &a.status),
        Some(&AgentStatus::Interacting),
        "{after:?}"
    );
    let reads = format!("GET /api/v2/routing/queues/{queue_id}/members");
    assert_eq!(
        rest_calls(&sim, &reads),
        2,
        "once at start, once after the reconnect"
    );
    let busy = last_summary(&before, &queue_id).skills[&skill].available;
    assert_eq!(busy, idle_before - 1, "the refresh counts {skill} as busy");
    quit(h).await;
}
