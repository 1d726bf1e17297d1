//! A small, real client for the simulator tests: reqwest for the token,
//! tokio-tungstenite for the socket. Shared by tests/sim/ and
//! tests/cli/init_queues.rs.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use queuetop::sim::{self, SimHandle, SimOptions};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

pub type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Generous bound for anything that should happen "now" (tokio time).
pub const SOON: Duration = Duration::from_secs(10);

/// A simulator that only sends what the test pushes.
pub fn scripted() -> SimOptions {
    SimOptions {
        generate: false,
        queues: 3,
        ..SimOptions::default()
    }
}

pub async fn start(opts: SimOptions) -> SimHandle {
    sim::start("127.0.0.1:0".parse().unwrap(), opts)
        .await
        .unwrap()
}

pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

pub async fn token_response(sim: &SimHandle, id: &str, secret: &str) -> reqwest::Response {
    http()
        .post(format!("{}/oauth/token", sim.login_url()))
        .basic_auth(id, Some(secret))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap()
}

pub async fn token(sim: &SimHandle) -> String {
    let resp = token_response(sim, sim.client_id(), sim.client_secret()).await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    v["access_token"].as_str().unwrap().to_string()
}

/// Upgrade request offering `v1`, the token in the query (None = no token).
pub async fn connect(
    sim: &SimHandle,
    token: Option<&str>,
) -> Result<(Client, tungstenite::handshake::client::Response), tungstenite::Error> {
    let url = match token {
        Some(t) => format!("{}?access_token={t}", sim.realtime_url()),
        None => sim.realtime_url(),
    };
    let mut req = url.into_client_request()?;
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", HeaderValue::from_static("v1"));
    connect_async(req).await
}

/// Token, connect, and nothing else.
pub async fn open(sim: &SimHandle) -> Client {
    let t = token(sim).await;
    connect(sim, Some(&t)).await.unwrap().0
}

pub fn sub(queue_id: Option<&str>, ty: &str, filter: Option<&str>) -> Value {
    let topic = match queue_id {
        Some(q) => format!("/routing/queues/{q}/events"),
        None => "/routing/queues/events".to_string(),
    };
    let mut v = json!({"id": uuid::Uuid::new_v4().to_string(), "topic": topic, "type": ty});
    if let Some(f) = filter {
        v["filter"] = json!(f);
    }
    v
}

/// Sends the subscription array and returns the first reply.
pub async fn subscribe(ws: &mut Client, subs: Value) -> Value {
    ws.send(Message::text(subs.to_string())).await.unwrap();
    next_json(ws).await
}

/// Open, subscribe, and check the ack.
pub async fn open_subscribed(sim: &SimHandle, subs: Value) -> Client {
    let mut ws = open(sim).await;
    let ack = subscribe(&mut ws, subs).await;
    assert_eq!(ack["type"], "ack", "{ack}");
    ws
}

/// The next frame of any kind (None: the stream ended or errored).
pub async fn next_msg(ws: &mut Client) -> Option<Result<Message, tungstenite::Error>> {
    tokio::time::timeout(SOON, ws.next())
        .await
        .expect("no frame within the bound")
}

/// The next text frame, parsed; pings and pongs are skipped.
pub async fn next_json(ws: &mut Client) -> Value {
    next_json_within(ws, SOON).await
}

/// The next message that is not a heartbeat.
pub async fn next_event(ws: &mut Client) -> Value {
    loop {
        let v = next_json(ws).await;
        if v["type"] != "heartbeat" {
            return v;
        }
    }
}

/// `next_json` with its own bound (for heartbeats and other slow things
/// under paused time).
pub async fn next_json_within(ws: &mut Client, bound: Duration) -> Value {
    loop {
        let msg = tokio::time::timeout(bound, ws.next())
            .await
            .expect("no frame within the bound");
        match msg {
            Some(Ok(Message::Text(t))) => return serde_json::from_str(&t).unwrap(),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            other => panic!("expected a text frame, got {other:?}"),
        }
    }
}

/// Reads until the server's close frame and returns its code (None when
/// the socket ended without one).
pub async fn close_code(ws: &mut Client) -> Option<u16> {
    close_code_within(ws, SOON).await
}

/// `close_code`, each frame awaited at most `bound`.
pub async fn close_code_within(ws: &mut Client, bound: Duration) -> Option<u16> {
    loop {
        let msg = tokio::time::timeout(bound, ws.next())
            .await
            .expect("no frame within the bound");
        match msg {
            Some(Ok(Message::Close(f))) => {
                // Keep reading so tungstenite sends our close reply, as a
                // well-behaved peer does, until the server hangs up.
                let _ = tokio::time::timeout(SOON, async {
                    while let Some(Ok(_)) = ws.next().await {}
                })
                .await;
                return f.map(|f| f.code.into());
            }
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return None,
        }
    }
}

use queuetop::event::{
    AgentState, AgentStatus, InteractionState, MediaType, QueueEventKind, QueueInteraction,
    QueueSummary,
};

pub fn summary(queue_id: &str, waiting: u32) -> QueueEventKind {
    QueueEventKind::Summary(QueueSummary {
        queue_id: queue_id.to_string(),
        queue_name: Some("Scripted".to_string()),
        agents_available: 1,
        agents_logged_in: 3,
        agents_interacting: 2,
        interactions_waiting: waiting,
        ..QueueSummary::default()
    })
}

pub fn interaction(queue_id: &str, media: MediaType) -> QueueEventKind {
    QueueEventKind::Interaction(QueueInteraction {
        queue_id: queue_id.to_string(),
        conversation_id: uuid::Uuid::new_v4().to_string(),
        media_type: media,
        state: InteractionState::Waiting,
        wait_ms: Some(0),
    })
}

pub fn agent(queue_id: &str, status: AgentStatus) -> QueueEventKind {
    QueueEventKind::Agent(AgentState {
        queue_id: queue_id.to_string(),
        user_id: uuid::Uuid::new_v4().to_string(),
        user_name: Some("Ana Ruiz".to_string()),
        status,
        skills: vec!["Spanish".to_string()],
    })
}

pub mod notif;
