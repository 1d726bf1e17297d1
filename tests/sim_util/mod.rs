//! A small, real client for the simulator tests: reqwest for the token,
//! tokio-tungstenite for the socket. Shared by tests/sim_*.rs.
#![allow(dead_code)]

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
    loop {
        match next_msg(ws).await {
            Some(Ok(Message::Text(t))) => return serde_json::from_str(&t).unwrap(),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            other => panic!("expected a text frame, got {other:?}"),
        }
    }
}

/// Reads until the server's close frame and returns its code (None when
/// the socket ended without one).
pub async fn close_code(ws: &mut Client) -> Option<u16> {
    loop {
        match next_msg(ws).await {
            Some(Ok(Message::Close(Some(f)))) => return Some(f.code.into()),
            Some(Ok(Message::Close(None))) => return None,
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return None,
        }
    }
}
