//! A notifications channel socket, `GET /channels/{id}` (no token: the
//! channel id is the credential): notifications for the channel's topics
//! with their global `CorrelationId`, heartbeats, ping/pong,
//! `v2.system.socket_closing` with a grace, expiry, eviction, and the
//! realtime socket's faults where they make sense (drop, silent, close
//! after N, malformed).

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{Instant, sleep_until};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};

use crate::sim::Faults;
use crate::sim::http::Body;
use crate::sim::http::socket::{self, Limit, Sink, Stream, Ws};
use crate::sim::http::upgrade;
use crate::sim::notifications::channels::{Attach, Lookup};
use crate::sim::notifications::flood::NoteFlood;
use crate::sim::notifications::{frames as nframes, rest};
use crate::sim::shared::{ConnCommand, OpenGuard, Shared, lock};

pub(crate) const CHANNEL_PREFIX: &str = "/channels/";

/// Far enough away to mean "never" without overflowing the clock.
const NEVER: Duration = Duration::from_secs(100 * 365 * 86_400);

pub(crate) fn handle(mut req: Request<Incoming>, shared: Arc<Shared>) -> Response<Body> {
    shared.stat(|s| s.handshakes += 1);
    let id = req.uri().path()[CHANNEL_PREFIX.len()..].to_string();
    let Some(key) = upgrade::ws_key(&req) else {
        shared.stat(|s| s.handshakes_rejected += 1);
        return rest::bad_request("expected a WebSocket upgrade (version 13)");
    };
    if let Some(resp) = upgrade::take_fault(&shared) {
        return resp;
    }
    let attach = match shared.with_channels(|c| c.lookup(&id)) {
        Lookup::Found(a) => a,
        Lookup::Expired => {
            shared.stat(|s| s.handshakes_rejected += 1);
            return rest::error(
                StatusCode::UNAUTHORIZED,
                "channel.expired",
                &format!("channel {id} has expired: create a new one"),
            );
        }
        Lookup::Unknown => {
            shared.stat(|s| s.handshakes_rejected += 1);
            return rest::not_found(&format!("channel {id} not found: create one first"));
        }
    };
    let on_upgrade = hyper::upgrade::on(&mut req);
    let task_shared = shared.clone();
    shared.spawn(async move {
        let Ok(upgraded) = on_upgrade.await else {
            return;
        };
        let ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
        run(ws, task_shared, id, attach).await;
    });
    upgrade::switching(&key, None)
}

struct Conn {
    shared: Arc<Shared>,
    sink: Sink,
    sent: u64,
    malformed_sent: u64,
}

impl Conn {
    async fn send(&mut self, text: String) -> Result<(), WsError> {
        self.sink.send(Message::text(text)).await
    }

    async fn send_note(&mut self, f: &Faults, text: Utf8Bytes) -> Result<(), WsError> {
        let (sink, shared) = (&mut self.sink, &self.shared);
        socket::malformed_if_due(sink, shared, f, self.sent, &mut self.malformed_sent).await?;
        self.sink.send(Message::Text(text)).await?;
        self.sent += 1;
        self.shared.stat(|s| s.notifications_sent += 1);
        Ok(())
    }

    async fn close(&mut self, code: u16, reason: &str, stream: &mut Stream) {
        socket::close(&self.shared, &mut self.sink, code, reason, stream).await;
    }

    fn count_flood(&mut self, n: u64) {
        if n > 0 {
            self.sent += n;
            let last = self.shared.seq.load(std::sync::atomic::Ordering::Relaxed);
            self.shared.stat(|s| {
                s.notifications_sent += n;
                s.last_correlation_id = last;
            });
        }
    }

    fn dropped(&self) {
        socket::dropped(&self.shared);
    }

    async fn socket_closing(&mut self) -> Result<(), WsError> {
        self.send(nframes::socket_closing()).await?;
        self.shared.stat(|s| s.socket_closing_sent += 1);
        Ok(())
    }
}

fn is_ping(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .is_ok_and(|v| v["message"].as_str() == Some("ping"))
}

fn after(d: Option<Duration>) -> Instant {
    let now = Instant::now();
    d.and_then(|d| now.checked_add(d))
        .unwrap_or_else(|| now + NEVER)
}

async fn run(ws: Ws, shared: Arc<Shared>, id: String, attach: Attach) {
    let _open = OpenGuard::new(shared.clone(), |s| {
        (&mut s.channel_sockets_open, &mut s.channel_sockets_total)
    });
    let (sink, mut stream) = ws.split();
    let mut notes = shared.notes.subscribe();
    let mut cmds = shared.commands.subscribe();
    let mut faults_rx = shared.faults.subscribe();
    let Attach {
        expires,
        token_expires,
        topics,
        mut kill,
        mut system,
    } = attach;
    let mut system_open = true;
    let mut revoked = false;
    let hb_every = shared
        .opts
        .heartbeat_interval
        .max(Duration::from_millis(10));
    let grace = shared.opts.socket_closing_grace;
    let mut c = Conn {
        shared: shared.clone(),
        sink,
        sent: 0,
        malformed_sent: 0,
    };
    let mut hb = tokio::time::interval_at(Instant::now() + hb_every, hb_every);
    hb.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut closing_every = faults_rx.borrow().socket_closing_every;
    let expiry = sleep_until(expires);
    let token_end = sleep_until(token_expires);
    let closing = sleep_until(after(closing_every));
    let deadline = sleep_until(after(None));
    tokio::pin!(expiry, token_end, closing, deadline);
    let mut flood: Option<NoteFlood> = None;
    let mut fed = 0u64;
    loop {
        c.count_flood(std::mem::take(&mut fed));
        let f = faults_rx.borrow_and_update().clone();
        if f.socket_closing_every != closing_every {
            closing_every = f.socket_closing_every;
            closing.as_mut().reset(after(closing_every));
        }
        match socket::limit(&f, c.sent) {
            Some(Limit::Close(code)) => {
                return c
                    .close(code, "closed by simulator (fault)", &mut stream)
                    .await;
            }
            Some(Limit::Drop) => return c.dropped(),
            None => {}
        }
        let mut flooding = f.flood && !f.silent;
        if flooding && flood.is_none() {
            let model = lock(&shared.model).clone();
            let subscribed = topics.borrow().clone();
            flood = Some(NoteFlood::build(model, &subscribed));
        }
        flooding &= flood.as_ref().is_some_and(|fl| !fl.is_empty());
        let limit = socket::remaining(&f, c.sent);
        tokio::select! {
            biased;
            cmd = cmds.recv() => match cmd {
                Ok(ConnCommand::Close(code)) => return c.close(code, "closed by simulator", &mut stream).await,
                Ok(ConnCommand::Drop) => return c.dropped(),
                Ok(ConnCommand::SocketClosing) => {
                    if !f.silent && c.socket_closing().await.is_err() {
                        return;
                    }
                    deadline.as_mut().reset(after(Some(grace)));
                }
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            },
            _ = kill.changed() => {
                let code = *kill.borrow_and_update();
                if let Some(code) = code {
                    return c.close(code, "channel evicted: more than 20 channels", &mut stream).await;
                }
            }
            // Silent means hung: not even pongs, so nothing is read.
            msg = stream.next(), if !f.silent => match msg {
                Some(Ok(Message::Text(t))) if is_ping(&t) => {
                    if c.send(nframes::pong()).await.is_err() {
                        return;
                    }
                    shared.stat(|s| s.pongs_sent += 1);
                }
                Some(Ok(Message::Close(_))) => {
                    // tungstenite queued the close reply; send it.
                    let _ = c.sink.flush().await;
                    return;
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return,
            },
            _ = faults_rx.changed() => {}
            _ = &mut expiry => {
                shared.with_channels(|c| c.forget(&id));
                return c.close(1000, "channel expired", &mut stream).await;
            }
            _ = &mut token_end => {
                shared.with_channels(|c| c.forget(&id));
                shared.stat(|s| s.channels_closed_with_token += 1);
                let reason = if revoked {
                    "token revoked: the channel died with the token that created it"
                } else {
                    "token expired: the channel died with the token that created it"
                };
                return c.close(1000, reason, &mut stream).await;
            }
            note = system.recv(), if system_open => match note {
                Ok(note) => {
                    if !f.silent {
                        if c.send(note.text).await.is_err() {
                            return;
                        }
                        shared.stat(|s| s.system_messages_sent += 1);
                    }
                    if let Some(grace) = note.close_after {
                        revoked = true;
                        token_end.as_mut().reset(Instant::now() + grace);
                    }
                }
                Err(RecvError::Lagged(_)) => {}
                // The channel is gone; its expiry or eviction closes us.
                Err(RecvError::Closed) => system_open = false,
            },
            _ = &mut deadline => {
                return c.close(1001, "socket closing: server going away", &mut stream).await;
            }
            _ = &mut closing => {
                if !f.silent && c.socket_closing().await.is_err() {
                    return;
                }
                deadline.as_mut().reset(after(Some(grace)));
                closing.as_mut().reset(after(closing_every));
            }
            _ = hb.tick() => {
                if !f.silent {
                    if c.send(nframes::heartbeat()).await.is_err() {
                        return;
                    }
                    shared.stat(|s| s.heartbeats_sent += 1);
                }
            }
            note = notes.recv() => match note {
                Ok(note) => {
                    let text = {
                        let subscribed = topics.borrow();
                        note.variants.iter().find(|(t, _)| subscribed.contains(t)).map(|(_, text)| text.clone())
                    };
                    if let Some(text) = text
                        && !f.silent
                        && c.send_note(&f, text).await.is_err()
                    {
                        return;
                    }
                }
                Err(RecvError::Lagged(n)) => shared.stat(|s| s.events_lagged += n),
                Err(RecvError::Closed) => return,
            },
            r = socket::flood_batch(
                &mut c.sink,
                limit,
                &mut fed,
                flood.as_mut().map(|fl| |stamp: &str| fl.next_frame(stamp, &shared.seq)),
            ), if flooding => {
                if r.is_err() {
                    c.count_flood(fed);
                    return;
                }
            }
        }
    }
}
