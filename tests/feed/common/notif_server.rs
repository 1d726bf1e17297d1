//! A scripted Notifications API on loopback (REST + channel sockets), for
//! the feed tests until and beside the simulator's: real HTTP, real
//! WebSockets. Notifications are pushed by the test, each with a global
//! sequence number as its CorrelationId, to every open channel subscribed
//! to the topic (so during a handover both channels may deliver it).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

#[path = "notif_server_views.rs"]
mod views;

/// Sent down a socket's queue: close it with the code that follows.
const CLOSE_MARK: &str = "\u{0}close:";

#[derive(Clone, Default)]
pub struct Member {
    pub user_id: String,
    pub name: String,
    pub skills: Vec<String>,
    pub status: String,
    /// Not joined to the queue (absent from the REST answer: joined).
    pub unjoined: bool,
}

#[derive(Default)]
pub struct Script {
    pub queues: Vec<(String, String)>,
    pub skills: Vec<(String, String)>,
    pub members: HashMap<String, Vec<Member>>,
    /// Topics answered `Rejected`.
    pub reject: HashSet<String>,
    /// The next N REST calls (not token calls) get 429 + Retry-After.
    pub rate_limit: Option<(u32, u64)>,
    /// The next N REST calls get 401.
    pub unauthorized: u32,
    /// Token lifetime (`expires_in`); 0 means a day. A channel is closed
    /// by the server when the token that created it expires.
    pub token_lifetime_s: u64,
    /// Channel lifetime in seconds of wall clock (`expires`).
    pub channel_lifetime_s: i64,
    /// Answer `{"message":"ping"}` with a pong.
    pub answer_pings: bool,
    /// When a channel connects while an older open channel has the same
    /// topics (a handover), send it the last N notifications the old one
    /// got: both channels deliver them, as the real service may.
    pub replay_on_handover: usize,
    /// Every notification carries this CorrelationId instead of its
    /// sequence number (nothing says the real ids are unique).
    pub correlation: Option<String>,
    /// Current counts per queue: (idle, interacting, waiting).
    pub counts: HashMap<String, (u64, u64, u64)>,
}

struct Chan {
    topics: Vec<String>,
    /// When the token that created it expires (tokio clock).
    token_expires: Option<tokio::time::Instant>,
    tx: Option<mpsc::UnboundedSender<String>>,
    sent: Vec<String>,
    closed_by_client: bool,
}

struct St {
    script: Script,
    channels: HashMap<String, Chan>,
    created: Vec<String>,
    seq: u64,
    tokens: Vec<String>,
    token_expiry: HashMap<String, tokio::time::Instant>,
    requests: Vec<String>,
    bearers: HashSet<String>,
    /// Channels the server closed because their token expired.
    expired: Vec<String>,
    /// Tokens refused from now on.
    revoked: HashSet<String>,
}

#[derive(Clone)]
pub struct NotifServer {
    pub url: String,
    ws_url: String,
    st: Arc<Mutex<St>>,
}

impl NotifServer {
    pub async fn start(script: Script) -> NotifServer {
        let http = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let ws = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", http.local_addr().unwrap());
        let ws_url = format!("ws://{}", ws.local_addr().unwrap());
        let st = Arc::new(Mutex::new(St {
            script,
            channels: HashMap::new(),
            created: Vec::new(),
            seq: 0,
            tokens: Vec::new(),
            token_expiry: HashMap::new(),
            requests: Vec::new(),
            bearers: HashSet::new(),
            expired: Vec::new(),
            revoked: HashSet::new(),
        }));
        let server = NotifServer { url, ws_url, st };
        let s = server.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = http.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req: Request<Incoming>| {
                        let s = s.clone();
                        async move { Ok::<_, hyper::Error>(s.rest(req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        let s = server.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = ws.accept().await {
                tokio::spawn(s.clone().socket(stream));
            }
        });
        server
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut Script) -> R) -> R {
        f(&mut self.st.lock().unwrap().script)
    }

    async fn rest(&self, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let method = req.method().to_string();
        let path = req.uri().path().to_string();
        let query = req.uri().query().unwrap_or("").to_string();
        let bearer = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = req.into_body().collect().await.map(|b| b.to_bytes());
        let body = String::from_utf8_lossy(&body.unwrap_or_default()).into_owned();
        let mut st = self.st.lock().unwrap();
        if path == "/oauth/token" {
            let t = format!("tok-{}-secretish", st.tokens.len() + 1);
            st.tokens.push(t.clone());
            let lifetime = match st.script.token_lifetime_s {
                0 => 86_400,
                n => n,
            };
            let expiry = tokio::time::Instant::now() + std::time::Duration::from_secs(lifetime);
            st.token_expiry.insert(t.clone(), expiry);
            return reply(
                200,
                &[],
                json!({"access_token": t, "token_type": "bearer", "expires_in": lifetime}),
            );
        }
        st.requests.push(format!("{method} {path}?{query}"));
        st.bearers.insert(bearer.clone());
        if let Some((n, secs)) = st.script.rate_limit
            && n > 0
        {
            st.script.rate_limit = Some((n - 1, secs));
            return reply(
                429,
                &[("Retry-After", secs.to_string())],
                json!({"message": "Rate limit exceeded", "code": "too.many.requests", "status": 429}),
            );
        }
        if st.revoked.contains(bearer.trim_start_matches("Bearer ")) {
            return reply(
                401,
                &[],
                json!({"message": "token revoked", "code": "authentication.required", "status": 401}),
            );
        }
        if st.script.unauthorized > 0 {
            st.script.unauthorized -= 1;
            return reply(
                401,
                &[],
                json!({"message": "token expired", "code": "authentication.required", "status": 401}),
            );
        }
        let q = parse_query(&query);
        let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match (method.as_str(), segs.as_slice()) {
            ("GET", ["api", "v2", "routing", "queues"]) => {
                let all: Vec<Value> = st
                    .script
                    .queues
                    .iter()
                    .filter(|(_, n)| {
                        q.get("name")
                            .is_none_or(|want| n.to_lowercase().contains(&want.to_lowercase()))
                    })
                    .map(|(id, n)| json!({"id": id, "name": n}))
                    .collect();
                page(&all, &q)
            }
            ("GET", ["api", "v2", "routing", "queues", id]) => {
                match st.script.queues.iter().find(|(q, _)| q == id) {
                    Some((id, n)) => reply(200, &[], json!({"id": id, "name": n})),
                    None => reply(
                        404,
                        &[],
                        json!({"message": "queue not found", "code": "not.found", "status": 404}),
                    ),
                }
            }
            ("GET", ["api", "v2", "routing", "queues", id, "members"]) => {
                let ms: Vec<Value> = st
                    .script
                    .members
                    .get(*id)
                    .cloned()
                    .unwrap_or_default()
                    .iter()
                    .map(|m| {
                        json!({"id": m.user_id, "name": m.name,
                          "user": {"id": m.user_id, "name": m.name,
                                   "skills": m.skills.iter().map(|s| json!({"id": s, "name": s})).collect::<Vec<_>>()},
                          "routingStatus": {"status": m.status}, "joined": !m.unjoined})
                    })
                    .collect();
                page(&ms, &q)
            }
            ("GET", ["api", "v2", "routing", "skills"]) => {
                let all: Vec<Value> = st
                    .script
                    .skills
                    .iter()
                    .map(|(id, n)| json!({"id": id, "name": n}))
                    .collect();
                page(&all, &q)
            }
            ("POST", ["api", "v2", "analytics", "queues", "observations", "query"]) => {
                let req: Value = serde_json::from_str(&body).unwrap_or_default();
                let ids: Vec<String> = req["filter"]["predicates"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|p| p["value"].as_str().map(str::to_string))
                    .collect();
                let results: Vec<Value> = ids
                    .iter()
                    .map(|id| {
                        let (i, n, w) = st.script.counts.get(id).copied().unwrap_or((0, 0, 0));
                        json!({"group": {"queueId": id, "mediaType": "voice"}, "data": [
                            {"metric": "oOnQueueUsers", "qualifier": "IDLE", "stats": {"count": i}},
                            {"metric": "oOnQueueUsers", "qualifier": "INTERACTING", "stats": {"count": n}},
                            {"metric": "oWaiting", "stats": {"count": w}, "observations": []}]})
                    })
                    .collect();
                reply(200, &[], json!({"results": results}))
            }
            ("POST", ["api", "v2", "notifications", "channels"]) => {
                let id = format!("chan-{}", st.created.len() + 1);
                st.created.push(id.clone());
                let token = bearer.trim_start_matches("Bearer ");
                let token_expires = st.token_expiry.get(token).copied();
                st.channels.insert(
                    id.clone(),
                    Chan {
                        topics: Vec::new(),
                        token_expires,
                        tx: None,
                        sent: Vec::new(),
                        closed_by_client: false,
                    },
                );
                let expires = time::OffsetDateTime::now_utc()
                    + time::Duration::seconds(st.script.channel_lifetime_s.max(1));
                let expires = queuetop::event::rfc3339_ms(expires);
                let uri = format!("{}/channels/{id}", self.ws_url);
                reply(
                    200,
                    &[],
                    json!({"connectUri": uri, "id": id, "expires": expires}),
                )
            }
            (
                "PUT",
                [
                    "api",
                    "v2",
                    "notifications",
                    "channels",
                    id,
                    "subscriptions",
                ],
            ) => {
                let topics: Vec<String> = serde_json::from_str::<Vec<Value>>(&body)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|t| t["id"].as_str().map(str::to_string))
                    .collect();
                let reject = st.script.reject.clone();
                let Some(ch) = st.channels.get_mut(*id) else {
                    return reply(
                        404,
                        &[],
                        json!({"message": "no such channel", "code": "not.found"}),
                    );
                };
                let ents: Vec<Value> = topics
                    .iter()
                    .map(|t| {
                        if reject.contains(t) {
                            json!({"id": t, "state": "Rejected", "rejectionReason": "not permitted for this client"})
                        } else {
                            json!({"id": t, "state": "Permitted"})
                        }
                    })
                    .collect();
                ch.topics = topics.into_iter().filter(|t| !reject.contains(t)).collect();
                reply(200, &[], json!({"entities": ents}))
            }
            _ => reply(
                404,
                &[],
                json!({"message": format!("no route {method} {path}"), "code": "not.found"}),
            ),
        }
    }

    // The callback's error type is tungstenite's, large by its design.
    #[allow(clippy::result_large_err)]
    async fn socket(self, stream: tokio::net::TcpStream) {
        let mut channel = String::new();
        let cb =
            |req: &tokio_tungstenite::tungstenite::handshake::server::Request,
             resp: tokio_tungstenite::tungstenite::handshake::server::Response| {
                channel = req
                    .uri()
                    .path()
                    .trim_start_matches("/channels/")
                    .to_string();
                Ok(resp)
            };
        let Ok(ws) = tokio_tungstenite::accept_hdr_async(stream, cb).await else {
            return;
        };
        let (tx, mut rx) = mpsc::unbounded_channel::<String>();
        let token_expires;
        {
            let mut st = self.st.lock().unwrap();
            let Some(topics) = st.channels.get(&channel).map(|c| c.topics.clone()) else {
                return;
            };
            token_expires = st.channels.get(&channel).and_then(|c| c.token_expires);
            let n = st.script.replay_on_handover;
            let replay: Vec<String> = st
                .channels
                .values()
                .filter(|c| c.tx.is_some() && c.topics == topics)
                .flat_map(|c| c.sent.iter().rev().take(n).rev().cloned())
                .collect();
            for f in replay {
                let _ = tx.send(f);
            }
            if let Some(ch) = st.channels.get_mut(&channel) {
                ch.tx = Some(tx);
            }
        }
        let (mut sink, mut stream) = ws.split();
        let far = tokio::time::Instant::now() + std::time::Duration::from_secs(400 * 86_400);
        let dies = tokio::time::sleep_until(token_expires.unwrap_or(far));
        tokio::pin!(dies);
        loop {
            tokio::select! {
                () = &mut dies => {
                    self.st.lock().unwrap().expired.push(channel.clone());
                    let frame = tokio_tungstenite::tungstenite::protocol::CloseFrame {
                        code: 1000.into(),
                        reason: "the token that created the channel expired".into(),
                    };
                    let _ = sink.send(Message::Close(Some(frame))).await;
                    break;
                }
                out = rx.recv() => {
                    let Some(text) = out else { break };
                    if let Some(code) = text.strip_prefix(CLOSE_MARK) {
                        let code: u16 = code.parse().unwrap_or(1000);
                        let frame = tokio_tungstenite::tungstenite::protocol::CloseFrame {
                            code: code.into(),
                            reason: "closed by the test server".into(),
                        };
                        let _ = sink.send(Message::Close(Some(frame))).await;
                        break;
                    }
                    if sink.send(Message::text(text)).await.is_err() { break; }
                }
                msg = stream.next() => match msg {
                    Some(Ok(Message::Text(t))) if t.as_str().contains("ping") => {
                        if self.with(|s| s.answer_pings) {
                            let pong = r#"{"topicName":"channel.metadata","eventBody":{"message":"pong"}}"#;
                            let _ = sink.send(Message::text(pong)).await;
                        }
                    }
                    Some(Ok(Message::Close(_))) => {
                        if let Some(ch) = self.st.lock().unwrap().channels.get_mut(&channel) {
                            ch.closed_by_client = true;
                            ch.tx = None;
                        }
                        // tungstenite has queued the close reply; flush it.
                        let _ = sink.close().await;
                        break;
                    }
                    Some(Ok(_)) => {}
                    _ => break,
                }
            }
        }
        let mut st = self.st.lock().unwrap();
        if let Some(ch) = st.channels.get_mut(&channel) {
            ch.tx = None;
        }
    }
}

fn deliver(st: &mut St, topic: &str, frame: &str) {
    for ch in st.channels.values_mut() {
        if let Some(tx) = &ch.tx
            && ch.topics.iter().any(|t| t == topic)
        {
            let _ = tx.send(frame.to_string());
            ch.sent.push(frame.to_string());
        }
    }
}

fn parse_query(q: &str) -> HashMap<String, String> {
    url::form_urlencoded::parse(q.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn page(all: &[Value], q: &HashMap<String, String>) -> Response<Full<Bytes>> {
    let size: usize = q.get("pageSize").and_then(|v| v.parse().ok()).unwrap_or(25);
    let n: usize = q
        .get("pageNumber")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let count = all.len().div_ceil(size).max(1);
    let ents: Vec<Value> = all
        .iter()
        .skip((n - 1) * size)
        .take(size)
        .cloned()
        .collect();
    reply(
        200,
        &[],
        json!({"entities": ents, "pageSize": size, "pageNumber": n, "pageCount": count, "total": all.len()}),
    )
}

fn reply(status: u16, headers: &[(&str, String)], body: Value) -> Response<Full<Bytes>> {
    let mut r = Response::builder()
        .status(status)
        .header("content-type", "application/json");
    for (k, v) in headers {
        r = r.header(*k, v);
    }
    r.body(Full::new(Bytes::from(body.to_string()))).unwrap()
}
