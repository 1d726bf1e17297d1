//! The notifications start-up over REST as the real API behaves: queues
//! by id in batches, what it costs (in the audit log and the gauges), and
//! the answers that are config errors rather than reasons to retry.

use std::sync::Arc;
use std::time::Duration;

use crate::common::token_server::{Answer, TokenServer};
use crate::common::*;
use queuetop::config::{Config, EventType, Protocol, QueueConfig};
use queuetop::event::{ConnState, FeedCommand, FeedEvent};
use queuetop::feed::{self, FeedHandle};
use queuetop::sim::{SimHandle, SimOptions};

const LIMIT: Duration = Duration::from_secs(60);
const QUEUE_ID: &str = "8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c1e";

fn notifications(url: &str, queues: Vec<QueueConfig>) -> Arc<Config> {
    config(
        Protocol::Notifications,
        url,
        "ws://127.0.0.1:9/unused",
        "cid",
        "csecret",
        queues,
        reconnect(10, 100, 0, 75),
    )
}

async fn sim_with(queues: usize) -> SimHandle {
    let opts = SimOptions {
        queues,
        generate: false,
        ..SimOptions::default()
    };
    start_simulator(opts).await
}

/// Retrying fast: the start-up's own retries are what these tests watch.
fn fast_retry_config(sim: &SimHandle) -> Arc<Config> {
    sim_config(
        sim,
        Protocol::Notifications,
        by_id(sim),
        reconnect(10, 100, 0, 75),
    )
}

async fn stopped(h: &mut FeedHandle) -> String {
    let (_, ev) = recv_until(&mut h.events, LIMIT, |e| {
        is_state(e, |s| matches!(s, ConnState::Stopped { .. }))
    })
    .await;
    match ev {
        FeedEvent::Status(s) => match s.state {
            ConnState::Stopped { reason } => reason,
            other => panic!("{other:?}"),
        },
        _ => unreachable!(),
    }
}

async fn quit(h: FeedHandle) {
    let _ = h.commands.send(FeedCommand::Quit).await;
    let _ = tokio::time::timeout(LIMIT, h.task).await;
}

#[tokio::test]
async fn a_start_up_by_id_looks_queues_up_in_one_call_and_logs_its_cost() {
    let (logs, _guard) = capture_logs();
    let sim = sim_with(6).await;
    let mut h = feed::spawn(fast_retry_config(&sim));
    let before = acked(&mut h).await.0;
    let names = before
        .iter()
        .filter(|e| matches!(e, FeedEvent::QueueName { .. }))
        .count();
    assert_eq!(names, 6, "every name from the server");
    let calls = sim.stats().rest_requests;
    // One lookup for all six, skills, six member lists (one page each),
    // a channel and its subscription, one observations query.
    assert_eq!(calls, 1 + 1 + 6 + 2 + 1, "{:?}", sim.stats());
    assert_eq!(h.gauges.rest_calls(), calls);
    let text = logs.text();
    assert!(
        text.contains(&format!("start-up took {calls} REST calls in ")),
        "{text}"
    );
    quit(h).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn a_subscription_refused_with_400_stops_with_the_topic_and_is_not_retried() {
    let topic = format!("v2.analytics.queues.{QUEUE_ID}.observations");
    let empty = r#"{"entities":[],"pageCount":1}"#;
    let srv = TokenServer::start(vec![
        Answer::token("tok", 3600),
        Answer::json(
            200,
            &format!(r#"{{"entities":[{{"id":"{QUEUE_ID}","name":"Support"}}],"pageCount":1}}"#),
        ),
        // Skills and members, in either order.
        Answer::json(200, empty),
        Answer::json(200, empty),
        Answer::json(200, r#"{"connectUri":"ws://127.0.0.1:9/c1","id":"c1"}"#),
        Answer::json(
            400,
            &format!(r#"{{"message":"invalid topic {topic}","code":"bad.request","status":400}}"#),
        ),
    ])
    .await;
    let mut h = feed::spawn(notifications(&srv.url, vec![queue_by_id(QUEUE_ID)]));
    let reason = stopped(&mut h).await;
    assert!(
        reason.contains(&format!("refused the subscription to topic {topic}")),
        "{reason}"
    );
    assert!(reason.contains("check the ids in the config"), "{reason}");
    assert_eq!(srv.seen().len(), 6, "asked once, not again");
    quit(h).await;
}

#[tokio::test]
async fn a_queue_the_client_may_not_see_stops_with_its_id_and_the_fix() {
    let forbidden = r#"{"message":"Missing division permission","code":"missing.division.permission","status":403}"#;
    let srv = TokenServer::start(vec![
        Answer::token("tok", 3600),
        Answer::json(403, forbidden),
        Answer::json(403, forbidden),
    ])
    .await;
    let mut h = feed::spawn(notifications(&srv.url, vec![queue_by_id(QUEUE_ID)]));
    let reason = stopped(&mut h).await;
    assert!(
        reason.contains(&format!(
            "queue {QUEUE_ID}: this OAuth client may not see it"
        )),
        "{reason}"
    );
    assert!(reason.contains("routing:queue:view"), "{reason}");
    let seen = srv.seen();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(seen[2].path, format!("/api/v2/routing/queues/{QUEUE_ID}"));
    quit(h).await;
}

#[tokio::test]
async fn a_malformed_queue_id_stops_with_the_id_and_the_fix() {
    let bad = r#"{"message":"Invalid id","code":"bad.request","status":400}"#;
    let srv = TokenServer::start(vec![
        Answer::token("tok", 3600),
        Answer::json(400, bad),
        Answer::json(400, bad),
    ])
    .await;
    let mut h = feed::spawn(notifications(&srv.url, vec![queue_by_id("support-en")]));
    let reason = stopped(&mut h).await;
    assert!(
        reason.contains("queue support-en: the server refused the request as malformed"),
        "{reason}"
    );
    assert!(reason.contains("a queue id is a UUID"), "{reason}");
    assert_eq!(srv.seen().len(), 3);
    quit(h).await;
}

#[tokio::test]
async fn an_unknown_queue_id_stops_naming_it() {
    let sim = sim_with(2).await;
    let mut cfg: Config = (*fast_retry_config(&sim)).clone();
    cfg.queues.push(queue_by_id(QUEUE_ID));
    let mut h = feed::spawn(Arc::new(cfg));
    let reason = stopped(&mut h).await;
    assert!(
        reason.contains(&format!("no queue has id {QUEUE_ID}")),
        "{reason}"
    );
    // The batch, then the one missing id alone; nothing else.
    assert_eq!(sim.stats().rest_requests, 2);
    quit(h).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn a_transient_502_503_504_is_retried_by_the_call_not_by_restarting_the_start_up() {
    let sim = sim_with(3).await;
    sim.control().rest_transient(3, 503);
    let mut h = feed::spawn(fast_retry_config(&sim));
    let before = acked(&mut h).await.0;
    let restarted = before
        .iter()
        .any(|e| is_state(e, |s| matches!(s, ConnState::Reconnecting { .. })));
    assert!(!restarted, "the start-up went on: {before:#?}");
    let stats = sim.stats();
    assert_eq!(stats.rest_transient, 3);
    assert_eq!(stats.token_requests, 1, "one token for the start-up");
    // The usual calls (one lookup, skills, 3 members, channel, subscription,
    // query) and the three tried again.
    assert_eq!(stats.rest_requests, 1 + 1 + 3 + 2 + 1 + 3, "{stats:?}");
    quit(h).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn every_queue_summary_carries_the_goal_from_its_media_settings() {
    let sim = sim_with(3).await;
    // Named queues too: their lookup is what brings the settings.
    let queues = sim
        .queues()
        .iter()
        .map(|(id, name)| {
            let mut q = queue(id, &[EventType::QueueSummary]);
            q.name = Some(name.clone());
            q
        })
        .collect();
    let base = fast_retry_config(&sim);
    let cfg = Arc::new(Config {
        queues,
        ..(*base).clone()
    });
    let mut h = feed::spawn(cfg);
    let (_, first) = recv_until(
        &mut h.events,
        LIMIT,
        |e| matches!(e, FeedEvent::Queue(q) if q.snapshot),
    )
    .await;
    let FeedEvent::Queue(q) = first else {
        unreachable!()
    };
    let queuetop::event::QueueEventKind::Summary(s) = q.kind else {
        panic!("{q:?}")
    };
    // The simulator's goal: 80 % within 20 ticks of its event interval.
    let tick_ms = SimOptions::default().event_interval.as_millis() as u64;
    assert_eq!(
        s.service_target,
        queuetop::event::ServiceTarget::new(80.0, 20 * tick_ms)
    );
}

#[tokio::test]
async fn the_channels_of_a_start_up_are_opened_at_the_same_time() {
    let (logs, _guard) = capture_logs();
    // 3 queues of 400 agents: over 1000 topics, so two channels.
    let opts = SimOptions {
        queues: 3,
        agents_per_queue: 400,
        generate: false,
        ..SimOptions::default()
    };
    let sim = start_simulator(opts).await;
    // Latency far above scheduling noise: a channel opened after another
    // one is subscribed can only mean one after the other.
    sim.control()
        .set_rest_latency(Some(Duration::from_millis(300)));
    let mut h = feed::spawn(fast_retry_config(&sim));
    acked(&mut h).await;
    assert!(
        h.gauges.channels_open() >= 2,
        "{}",
        h.gauges.channels_open()
    );
    let text = logs.text();
    let created: Vec<usize> = text
        .match_indices("channel created")
        .map(|(i, _)| i)
        .collect();
    let subscribed = text.find("topics subscribed");
    assert!(created.len() >= 2 && subscribed.is_some(), "{text}");
    assert!(
        subscribed.is_some_and(|s| created.iter().all(|c| *c < s)),
        "every channel is created before the first is subscribed: {text}"
    );
    assert_eq!(sim.stats().token_requests, 1, "one token for the start-up");
    quit(h).await;
    sim.shutdown().await;
}
