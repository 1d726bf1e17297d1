//! The replay source on hand-written recordings: start-up order, handover
//! duplicates, reconnects, pacing and the end of the file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::mpsc;

use queuetop::event::{ConnState, FeedCommand, FeedEvent, QueueEventKind};
use queuetop::feed::replay::{self, AtEnd, ReplayOptions};
use queuetop::recording::{CloseLine, FrameLine, Header, Line, QueueRef, RestAnswer};

const Q: &str = "q1";

fn at(s: u32) -> String {
    format!("2026-11-30T03:00:{s:02}Z")
}

fn rest(s: u32, method: &str, path: &str, request: Option<Value>, body: Value) -> Line {
    Line::Rest(RestAnswer {
        t: at(s),
        method: method.into(),
        path: path.into(),
        status: 200,
        headers: Default::default(),
        request,
        body,
    })
}

fn waiting(s: u32, channel: &str, n: u32, id: u32) -> Line {
    let body = json!({"group": {"queueId": Q, "mediaType": "voice"},
        "data": [{"interval": format!("{}/{}", at(s), at(s)),
                  "metrics": [{"metric": "oWaiting", "stats": {"count": n}}]}]});
    let text = json!({"topicName": format!("v2.analytics.queues.{Q}.observations"),
        "eventBody": body, "metadata": {"CorrelationId": id.to_string()}});
    Line::Frame(FrameLine {
        t: at(s),
        channel: channel.into(),
        text: text.to_string(),
    })
}

fn query(s: u32, n: u32) -> Line {
    let body = json!({"results": [{"group": {"queueId": Q, "mediaType": "voice"},
        "data": [{"metric": "oWaiting", "stats": {"count": n}}]}]});
    rest(
        s,
        "POST",
        "/api/v2/analytics/queues/observations/query",
        None,
        body,
    )
}

fn open_channel(s: u32, id: &str) -> Vec<Line> {
    let topic = format!("v2.analytics.queues.{Q}.observations");
    vec![
        rest(
            s,
            "POST",
            "/api/v2/notifications/channels",
            Some(json!({})),
            json!({"id": id, "connectUri": format!("wss://x/{id}")}),
        ),
        rest(
            s,
            "PUT",
            &format!("/api/v2/notifications/channels/{id}/subscriptions?ignoreErrors=true"),
            Some(json!([{"id": topic}])),
            json!({"entities": [{"id": topic, "state": "Permitted"}]}),
        ),
    ]
}

/// A start-up: skills, members, a channel, a frame that arrives before
/// the observations answer, the answer.
fn start() -> Vec<Line> {
    let mut lines = vec![
        Line::Header(Header {
            format: 1,
            queuetop: "test".into(),
            started: at(0),
            environment: "mypurecloud.com".into(),
            api_host: "api.mypurecloud.com".into(),
            protocol: "notifications".into(),
            anonymized: false,
            queues: vec![QueueRef {
                id: Some(Q.into()),
                name: Some("Support".into()),
            }],
        }),
        rest(
            0,
            "GET",
            "/api/v2/routing/skills?pageSize=100&pageNumber=1",
            None,
            json!({"entities": [{"id": "s1", "name": "Spanish"}]}),
        ),
        rest(
            0,
            "GET",
            &format!("/api/v2/routing/queues/{Q}/members?pageSize=100&pageNumber=1"),
            None,
            json!({"entities": [{"id": "u1", "name": "Ana", "user": {"id": "u1", "name": "Ana",
                "skills": [{"id": "s1", "name": "Spanish"}], "routingStatus": {"status": "IDLE"}}}]}),
        ),
    ];
    lines.extend(open_channel(0, "c1"));
    lines.push(waiting(1, "c1", 3, 1));
    lines.push(query(1, 1));
    lines
}

fn write(dir: &Path, lines: &[Line]) -> PathBuf {
    let p = dir.join("rec.ndjson");
    let text: Vec<String> = lines
        .iter()
        .map(|l| serde_json::to_string(l).unwrap())
        .collect();
    std::fs::write(&p, text.join("\n") + "\n").unwrap();
    p
}

/// Plays `lines` headless-style (at the end: Closed) and returns every event.
async fn play(lines: &[Line]) -> Vec<FeedEvent> {
    let dir = tempfile::tempdir().unwrap();
    let opts = ReplayOptions {
        path: write(dir.path(), lines),
        speed: 0.0,
        at_end: AtEnd::Finish,
    };
    let mut h = replay::spawn(opts);
    let mut out = Vec::new();
    while let Some(ev) = h.events.recv().await {
        out.push(ev);
    }
    assert!(matches!(out.last(), Some(FeedEvent::Status(s)) if s.state == ConnState::Closed));
    out
}

/// (topic, waiting) of every queue summary, in order.
fn summaries(evs: &[FeedEvent]) -> Vec<(String, u32)> {
    evs.iter()
        .filter_map(|e| match e {
            FeedEvent::Queue(q) => match &q.kind {
                QueueEventKind::Summary(s) => Some((q.topic.clone(), s.interactions_waiting)),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn frames_before_the_first_snapshot_are_applied_after_it_as_live() {
    let evs = play(&start()).await;
    let topic = format!("v2.analytics.queues.{Q}.observations");
    assert_eq!(
        summaries(&evs),
        vec![("snapshot".to_string(), 1), (topic, 3)]
    );
    let connected = evs
        .iter()
        .position(|e| matches!(e, FeedEvent::Status(s) if s.state == ConnState::Connected));
    let roster = evs.iter().position(|e| matches!(e, FeedEvent::Member { agent, .. } if agent.user_id == "u1" && agent.skills == ["Spanish"]));
    let acked = evs
        .iter()
        .position(|e| matches!(e, FeedEvent::Acked { count: 1 }));
    assert!(
        roster < connected && connected < acked && acked.is_some(),
        "{evs:#?}"
    );
    assert!(
        evs.iter()
            .any(|e| matches!(e, FeedEvent::QueueName { name, .. } if name == "Support"))
    );
}

#[tokio::test]
async fn the_second_copy_from_a_handover_is_dropped_and_a_reconnect_refreshes() {
    let mut lines = start();
    lines.extend(open_channel(2, "c2"));
    lines.push(waiting(2, "c1", 5, 7));
    lines.push(waiting(2, "c2", 5, 7)); // the same notification on the new channel
    lines.push(Line::Close(CloseLine {
        t: at(2),
        channel: "c1".into(),
        code: Some(1000),
        reason: String::new(),
        error: None,
    }));
    lines.push(waiting(3, "c2", 6, 8));
    lines.push(Line::Close(CloseLine {
        t: at(4),
        channel: "c2".into(),
        code: Some(4001),
        reason: "token expired".into(),
        error: None,
    }));
    lines.extend(open_channel(5, "c3"));
    lines.push(query(5, 2));
    let evs = play(&lines).await;
    let topic = format!("v2.analytics.queues.{Q}.observations");
    let want: Vec<(String, u32)> = vec![
        ("snapshot".into(), 1),
        (topic.clone(), 3),
        (topic.clone(), 5),
        (topic, 6),
        ("observations.query".into(), 2),
    ];
    assert_eq!(summaries(&evs), want);
    let lost = evs.iter().any(|e| matches!(e, FeedEvent::Status(s)
        if s.state == ConnState::Connecting && s.last_error.as_deref().is_some_and(|e| e.contains("4001"))));
    assert!(lost, "{evs:#?}");
    let connects: Vec<u32> = evs
        .iter()
        .filter_map(|e| match e {
            FeedEvent::Status(s) if s.state == ConnState::Connected => Some(s.connects),
            _ => None,
        })
        .collect();
    assert_eq!(connects, vec![1, 2]);
}

#[tokio::test]
async fn a_query_while_live_reconciles_and_reports_only_a_change() {
    let mut lines = start();
    lines.push(query(2, 3)); // what the frame already said: no change
    lines.push(query(3, 2));
    let evs = play(&lines).await;
    let topic = format!("v2.analytics.queues.{Q}.observations");
    let want: Vec<(String, u32)> = vec![
        ("snapshot".into(), 1),
        (topic, 3),
        ("observations.query".into(), 2),
    ];
    assert_eq!(summaries(&evs), want);
}

#[tokio::test(start_paused = true)]
async fn paced_by_the_recorded_gaps_over_the_speed() {
    let mut lines = start();
    lines.push(waiting(9, "c1", 4, 2));
    let dir = tempfile::tempdir().unwrap();
    let opts = ReplayOptions {
        path: write(dir.path(), &lines),
        speed: 2.0,
        at_end: AtEnd::Finish,
    };
    let mut h = replay::spawn(opts);
    let mut times = Vec::new();
    while let Some(ev) = h.events.recv().await {
        if let FeedEvent::Queue(q) = ev {
            times.push(q.received);
        }
    }
    assert_eq!(times.len(), 3);
    // The snapshot at 1 s, the held frame with it, the last frame at 9 s:
    // 8 recorded seconds at speed 2.
    assert_eq!(times[1], times[0]);
    assert_eq!(times[2] - times[0], Duration::from_secs(4));
}

#[tokio::test]
async fn at_the_end_the_tui_keeps_the_state_and_r_plays_it_again() {
    let dir = tempfile::tempdir().unwrap();
    let opts = ReplayOptions {
        path: write(dir.path(), &start()),
        speed: 0.0,
        at_end: AtEnd::Stay,
    };
    let mut h = replay::spawn(opts);
    let stopped = next_stop(&mut h.events).await;
    assert!(
        stopped.contains("end of the recording") && stopped.contains("r plays it again"),
        "{stopped}"
    );
    h.commands.send(FeedCommand::ReconnectNow).await.unwrap();
    let mut snapshot_again = false;
    while let Some(ev) = h.events.recv().await {
        if let FeedEvent::Queue(q) = &ev {
            snapshot_again |= q.snapshot;
        }
        if matches!(&ev, FeedEvent::Status(s) if matches!(s.state, ConnState::Stopped { .. })) {
            break;
        }
    }
    assert!(snapshot_again);
    h.commands.send(FeedCommand::Quit).await.unwrap();
    let last = h.events.recv().await;
    assert!(matches!(last, Some(FeedEvent::Status(s)) if s.state == ConnState::Closed));
}

async fn next_stop(rx: &mut mpsc::Receiver<FeedEvent>) -> String {
    while let Some(ev) = rx.recv().await {
        if let FeedEvent::Status(s) = ev
            && let ConnState::Stopped { reason } = s.state
        {
            return reason;
        }
    }
    panic!("the replay ended without saying so");
}
