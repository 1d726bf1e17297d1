//! What arrives on a channel as the real API sends it: notifications that
//! share one CorrelationId, the same frame twice, a channel that lost its
//! subscriptions. Against the simulator (real REST, real sockets), its
//! faults set through `SimControl`; tokio time is paused.

use crate::common::*;
use queuetop::event::{FeedEvent, QueueEventKind};

#[tokio::test(start_paused = true)]
async fn notifications_sharing_a_correlation_id_are_all_applied() {
    let sim = start_simulator(scripted(2, 2)).await;
    let (qa, qb) = (sim.queues()[0].0.clone(), sim.queues()[1].0.clone());
    let mut h = follow_everything(&sim);
    acked(&mut h).await;
    let control = sim.control();
    control.set_shared_correlation_id(Some("one-request".into()));
    control.push(observed(&qa, 4));
    control.push(observed(&qb, 5));
    control.push(observed(&qa, 6));
    let (mut seen, last) = recv_until(&mut h.events, LIMIT, |e| {
        queue_ev(e).is_some_and(|q| {
            matches!(&q.kind, QueueEventKind::Summary(s) if s.queue_id == qa && s.agents_available == 6)
        })
    })
    .await;
    seen.push(last);
    let id = Some("one-request".to_string());
    assert_eq!(summaries_of(&seen, &qa), [(4, id.clone()), (6, id.clone())]);
    assert_eq!(summaries_of(&seen, &qb), [(5, id)]);
    assert_eq!(h.gauges.duplicates_dropped(), 0);
    quit(h).await;
}

/// Outside a handover the same frame twice is applied twice: only a copy
/// from the other channel of an overlap is a duplicate.
#[tokio::test(start_paused = true)]
async fn the_same_frame_twice_on_one_channel_is_applied_twice() {
    let sim = start_simulator(scripted(1, 2)).await;
    let queue_id = sim.queues()[0].0.clone();
    let mut h = follow_everything(&sim);
    acked(&mut h).await;
    sim.control().set_notifications_twice(true);
    sim.control().push(observed(&queue_id, 7));
    sim.control().set_notifications_twice(false);
    sim.control().push(observed(&queue_id, 8));
    let (mut seen, last) = recv_until(&mut h.events, LIMIT, |e| {
        queue_ev(e).is_some_and(
            |q| matches!(&q.kind, QueueEventKind::Summary(s) if s.agents_available == 8),
        )
    })
    .await;
    seen.push(last);
    let first = Some("1".to_string());
    assert_eq!(
        summaries_of(&seen, &queue_id),
        [(7, first.clone()), (7, first), (8, Some("2".into()))]
    );
    assert_eq!(h.gauges.duplicates_dropped(), 0);
    quit(h).await;
}

#[tokio::test(start_paused = true)]
async fn a_channel_that_lost_its_subscriptions_subscribes_again_and_the_alert_ends() {
    let (logs, _guard) = capture_logs();
    let sim = start_simulator(scripted(1, 2)).await;
    let queue_id = sim.queues()[0].0.clone();
    let mut h = follow_everything(&sim);
    acked(&mut h).await;
    let mut seen = Vec::new();
    sim.control().push(observed(&queue_id, 1));
    until_id(&mut h, &mut seen, 1).await;
    let channel = sim.control().channel_ids()[0].clone();
    let topics = sim.control().channel_topics(&channel);
    assert!(sim.control().no_longer_subscribed(&channel));
    assert!(sim.control().channel_topics(&channel).is_empty());
    let (before, ev) = recv_until(&mut h.events, LIMIT, |e| {
        matches!(e, FeedEvent::Trouble { resolved: true, .. })
    })
    .await;
    seen.extend(before);
    seen.push(ev);
    assert_eq!(
        sim.control().channel_topics(&channel),
        topics,
        "subscribed again"
    );
    sim.control().push(observed(&queue_id, 2));
    until_id(&mut h, &mut seen, 2).await;
    assert_eq!(each_once(&seen, true), 2);
    assert_eq!(
        sim.control().channel_ids(),
        [channel],
        "the same channel, subscribed again"
    );
    assert_eq!(rest_calls(&sim, "PUT "), 2, "{:?}", sim.rest_calls());
    assert_eq!(troubles(&seen, "no_longer_subscribed"), [false, true]);
    assert!(!any_status(&seen), "{seen:#?}");
    let text = logs.text();
    assert!(text.contains("lost its subscriptions"), "{text}");
    quit(h).await;
}
