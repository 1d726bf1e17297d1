//! A small Notifications API client for the simulator tests: reqwest for
//! REST, tokio-tungstenite for channel sockets.

use queuetop::sim::SimHandle;
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use tokio_tungstenite::connect_async;

use super::{Client, SOON, http};

pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

/// One REST call with `Authorization: Bearer {token}` (None: no header).
pub async fn call(
    sim: &SimHandle,
    token: Option<&str>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Reply {
    let mut req = http().request(method, format!("{}{path}", sim.api_url()));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
    }
}

pub async fn get(sim: &SimHandle, token: &str, path: &str) -> Reply {
    call(sim, Some(token), Method::GET, path, None).await
}

/// `(id, connectUri, expires)` of a new channel.
pub async fn create_channel(sim: &SimHandle, token: &str) -> (String, String, String) {
    let r = call(
        sim,
        Some(token),
        Method::POST,
        "/api/v2/notifications/channels",
        Some(json!({})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let s = |k: &str| r.body[k].as_str().unwrap().to_string();
    (s("id"), s("connectUri"), s("expires"))
}

pub async fn subscribe(sim: &SimHandle, token: &str, channel: &str, topics: &[String]) -> Reply {
    let body: Vec<Value> = topics.iter().map(|t| json!({ "id": t })).collect();
    call(
        sim,
        Some(token),
        Method::PUT,
        &format!("/api/v2/notifications/channels/{channel}/subscriptions?ignoreErrors=true"),
        Some(Value::Array(body)),
    )
    .await
}

pub fn queue_topic(q: &str) -> String {
    format!("v2.analytics.queues.{q}.observations")
}

pub async fn connect(uri: &str) -> Client {
    connect_async(uri).await.unwrap().0
}

/// The next text frame within a bound, parsed: the realtime tests' reader
/// serves the notifications socket too.
pub use super::next_json_within as next_within;

/// The next frame whose topicName is not `channel.metadata`.
pub async fn next_note(ws: &mut Client) -> Value {
    loop {
        let v = next_within(ws, SOON).await;
        if v["topicName"] != "channel.metadata" {
            return v;
        }
    }
}

/// A token, a channel subscribed to `topics`, and its open socket.
pub async fn open_channel(sim: &SimHandle, topics: &[String]) -> (String, String, Client) {
    let token = super::token(sim).await;
    let (id, uri, _) = create_channel(sim, &token).await;
    let r = subscribe(sim, &token, &id, topics).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let ws = connect(&uri).await;
    (token, id, ws)
}
