//! The simulator's serializer and the client's realtime decoder are written
//! apart from each other, from docs/PROTOCOL.md. Here they must agree: what the
//! simulator was told to send is what the client decodes, field for field.

use crate::common::*;
use queuetop::event::{
    AgentState, AgentStatus, FeedEvent, InteractionState, MediaType, QueueEventKind,
    QueueInteraction, QueueSummary, SkillCount,
};
use queuetop::feed::realtime::decode;
use queuetop::sim::{Faults, SimOptions};
use serde_json::json;
use time::OffsetDateTime;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

async fn next_text(ws: &mut Client) -> String {
    loop {
        match next_msg(ws).await {
            Some(Ok(Message::Text(t))) => return t.to_string(),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            other => panic!("expected text, got {other:?}"),
        }
    }
}

fn decoded(text: &str) -> FeedEvent {
    decode(text, OffsetDateTime::now_utc(), Instant::now())
}

#[tokio::test]
async fn pushed_events_decode_to_what_was_pushed() {
    let sim = start(scripted()).await;
    let q = sim.queues()[0].0.clone();
    let subs = json!([
        sub(Some(&q), "queue-summary", None),
        sub(Some(&q), "queue-interaction", None),
        sub(Some(&q), "agent-state", None)
    ]);
    let mut ws = open(&sim).await;
    ws_send(&mut ws, subs.to_string()).await;
    assert_eq!(
        decoded(&next_text(&mut ws).await),
        FeedEvent::Acked { count: 3 }
    );

    let mut skills = std::collections::BTreeMap::new();
    skills.insert(
        "Spanish".to_string(),
        SkillCount {
            available: 0,
            required: Some(2),
        },
    );
    skills.insert(
        "Billing".to_string(),
        SkillCount {
            available: 2,
            required: None,
        },
    );
    let sent = vec![
        QueueEventKind::Summary(QueueSummary {
            queue_id: q.clone(),
            queue_name: Some("Support EN".into()),
            agents_available: 3,
            agents_logged_in: 10,
            agents_interacting: 6,
            interactions_waiting: 4,
            skills,
            // What the realtime summary tells of agents by state.
            agents: queuetop::event::AgentCounts {
                on_queue: Some(10),
                idle: Some(3),
                ..Default::default()
            },
            ..Default::default()
        }),
        QueueEventKind::Interaction(QueueInteraction {
            queue_id: q.clone(),
            conversation_id: "c-1".into(),
            media_type: MediaType::Callback,
            state: InteractionState::Abandoned,
            wait_ms: Some(12_000),
        }),
        QueueEventKind::Agent(AgentState {
            queue_id: q.clone(),
            user_id: "u-1".into(),
            user_name: Some("Ana Ruiz".into()),
            status: AgentStatus::NotResponding,
            skills: vec!["Spanish".into(), "VIP".into()],
        }),
    ];
    for ev in &sent {
        sim.control().push(ev.clone());
    }
    for ev in &sent {
        match decoded(&next_text(&mut ws).await) {
            FeedEvent::Queue(got) => {
                assert_eq!(&got.kind, ev);
                assert_eq!(got.topic, format!("/routing/queues/{q}/events"));
                let lag = got.latency_ms().unwrap();
                assert!((-5_000..60_000).contains(&lag), "{lag}");
            }
            other => panic!("expected a queue event, got {other:?}"),
        }
    }
}

async fn ws_send(ws: &mut Client, text: String) {
    use futures_util::SinkExt;
    ws.send(Message::text(text)).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn every_generated_frame_decodes_and_heartbeats_too() {
    let sim = start(SimOptions {
        seed: 9,
        queues: 4,
        ..SimOptions::default()
    })
    .await;
    let subs = json!([
        sub(None, "queue-summary", None),
        sub(None, "queue-interaction", None),
        sub(None, "agent-state", None)
    ]);
    let mut ws = open(&sim).await;
    ws_send(&mut ws, subs.to_string()).await;
    assert_eq!(
        decoded(&next_text(&mut ws).await),
        FeedEvent::Acked { count: 3 }
    );
    for _ in 0..2000 {
        let text = next_text(&mut ws).await;
        assert!(matches!(decoded(&text), FeedEvent::Queue(_)), "{text}");
    }
}

#[tokio::test]
async fn malformed_fault_frames_are_malformed_to_the_client() {
    let sim = start(SimOptions {
        faults: Faults {
            malformed_every: Some(1),
            ..Faults::default()
        },
        ..scripted()
    })
    .await;
    let q = sim.queues()[0].0.clone();
    let mut ws = open_subscribed(&sim, json!([sub(Some(&q), "queue-summary", None)])).await;
    for n in 0..5 {
        sim.control().push(summary(&q, n));
    }
    let (mut good, mut bad) = (0, 0);
    while good < 5 {
        match next_msg(&mut ws).await.unwrap().unwrap() {
            Message::Text(t) => match decoded(&t) {
                FeedEvent::Queue(_) => good += 1,
                FeedEvent::Malformed { .. } => bad += 1,
                other => panic!("{t} decoded as {other:?}"),
            },
            Message::Binary(_) => bad += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(bad, 5);
}

#[tokio::test]
async fn refusal_decodes_as_a_server_error() {
    let sim = start(scripted()).await;
    let mut ws = open(&sim).await;
    let bad = sub(None, "queue-summary", Some("status = \"IDLE\""));
    ws_send(&mut ws, json!([bad]).to_string()).await;
    match decoded(&next_text(&mut ws).await) {
        FeedEvent::ServerError { code, message, .. } => {
            assert_eq!(code, "invalid_filter");
            assert!(!message.is_empty());
        }
        other => panic!("expected a server error, got {other:?}"),
    }
}
