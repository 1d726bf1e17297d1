//! A notifications channel socket, `GET /channels/{id}` (no token: the
//! channel id is the credential), and what its protocol adds to the socket
//! loop: notifications for the channel's topics with their global
//! `CorrelationId`, pongs, `v2.system.*` messages, and closing when the
//! channel expires, is evicted, or its token expires or is revoked.

use std::borrow::Cow;
use std::pin::Pin;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, watch};
use tokio::time::{Instant, Sleep, sleep_until};

use crate::sim::Faults;
use crate::sim::http::Body;
use crate::sim::http::socket::{self, Cause, Out, Protocol, Step};
use crate::sim::http::upgrade;
use crate::sim::notifications::flood::NoteFlood;
use crate::sim::notifications::handling;
use crate::sim::publish::frames as nframes;
use crate::sim::publish::notes::Note;
use crate::sim::shared::{Shared, SocketCounters, lock};
use crate::sim::store::channels::{Attach, Lookup, SystemNote, Topics};

pub(crate) const CHANNEL_PREFIX: &str = "/channels/";

pub(crate) fn handle(mut req: Request<Incoming>, shared: Arc<Shared>) -> Response<Body> {
    shared.stat(|stats| stats.handshakes += 1);
    let id = req.uri().path()[CHANNEL_PREFIX.len()..].to_string();
    let Some(key) = upgrade::ws_key(&req) else {
        shared.stat(|stats| stats.handshakes_rejected += 1);
        return handling::bad_request("expected a WebSocket upgrade (version 13)");
    };
    if let Some(resp) = upgrade::take_fault(&shared) {
        return resp;
    }
    let attach = match shared.with_channels(|channels| channels.lookup(&id)) {
        Lookup::Found(found) => found,
        Lookup::Expired => {
            shared.stat(|stats| stats.handshakes_rejected += 1);
            return handling::error(
                StatusCode::UNAUTHORIZED,
                "channel.expired",
                &format!("channel {id} has expired: create a new one"),
            );
        }
        Lookup::Unknown => {
            shared.stat(|stats| stats.handshakes_rejected += 1);
            return handling::not_found(&format!("channel {id} not found: create one first"));
        }
    };
    let channel = Channel::new(shared.clone(), id, attach);
    socket::spawn(&mut req, &shared, channel);
    upgrade::switching(&key, None)
}

struct Channel {
    shared: Arc<Shared>,
    id: String,
    notes: broadcast::Receiver<Arc<Note>>,
    topics: watch::Receiver<Topics>,
    expiry: Pin<Box<Sleep>>,
    token_end: Pin<Box<Sleep>>,
    /// `Some(code)` when a 21st channel evicts this one.
    kill: watch::Receiver<Option<u16>>,
    system: broadcast::Receiver<SystemNote>,
    /// Until the channel is gone (its expiry or eviction then closes us).
    kill_open: bool,
    system_open: bool,
    revoked: bool,
}

impl Channel {
    fn new(shared: Arc<Shared>, id: String, attach: Attach) -> Channel {
        Channel {
            notes: shared.notes.subscribe(),
            shared,
            id,
            topics: attach.topics,
            expiry: Box::pin(sleep_until(attach.expires)),
            token_end: Box::pin(sleep_until(attach.token_expires)),
            kill: attach.kill,
            system: attach.system,
            kill_open: true,
            system_open: true,
            revoked: false,
        }
    }

    fn forget(&self) {
        self.shared.with_channels(|c| c.forget(&self.id));
    }

    /// The note's text for the first of its topics this channel has.
    fn note(&self, note: &Note) -> Step {
        let subscribed = self.topics.borrow();
        match note.variants.iter().find(|(t, _)| subscribed.contains(t)) {
            Some((_, text)) => Step::Send(Out::event(text.clone(), |s| s.notifications_sent += 1)),
            None => Step::Idle,
        }
    }

    fn system_note(&mut self, note: SystemNote) -> Step {
        if let Some(grace) = note.close_after {
            self.revoked = true;
            self.token_end.as_mut().reset(Instant::now() + grace);
        }
        Step::Send(Out::control(note.text, |s| s.system_messages_sent += 1))
    }
}

fn is_ping(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .is_ok_and(|v| v["message"].as_str() == Some("ping"))
}

impl Protocol for Channel {
    type Flood = NoteFlood;
    const COUNTERS: SocketCounters =
        |s| (&mut s.channel_sockets_open, &mut s.channel_sockets_total);
    const HEARTBEAT_WHEN_IDLE: bool = false;

    fn heartbeat(&self) -> String {
        nframes::heartbeat()
    }

    fn socket_closing(&self) -> Option<Out> {
        Some(Out::control(nframes::socket_closing(), |s| {
            s.socket_closing_sent += 1;
        }))
    }

    fn close_reason(&self, _: u16, cause: Cause) -> Cow<'static, str> {
        match cause {
            Cause::Command => "closed by simulator".into(),
            Cause::Fault => "closed by simulator (fault)".into(),
        }
    }

    fn on_text(&mut self, text: &str, _: &Faults) -> Step {
        match is_ping(text) {
            true => Step::Send(Out::control(nframes::pong(), |s| s.pongs_sent += 1)),
            false => Step::Idle,
        }
    }

    async fn next(&mut self) -> Step {
        tokio::select! {
            biased;
            changed = self.kill.changed(), if self.kill_open => {
                let code = *self.kill.borrow_and_update();
                match (changed, code) {
                    (_, Some(code)) => Step::close(code, "channel evicted: more than 20 channels"),
                    (Err(_), None) => {
                        self.kill_open = false;
                        Step::Idle
                    }
                    (Ok(()), None) => Step::Idle,
                }
            }
            _ = &mut self.expiry => {
                self.forget();
                Step::close(1000, "channel expired")
            }
            _ = &mut self.token_end => {
                self.forget();
                self.shared.stat(|s| s.channels_closed_with_token += 1);
                Step::close(1000, match self.revoked {
                    true => "token revoked: the channel died with the token that created it",
                    false => "token expired: the channel died with the token that created it",
                })
            }
            note = self.system.recv(), if self.system_open => match note {
                Ok(note) => self.system_note(note),
                Err(RecvError::Lagged(_)) => Step::Idle,
                Err(RecvError::Closed) => {
                    self.system_open = false;
                    Step::Idle
                }
            },
            note = self.notes.recv() => match note {
                Ok(note) => self.note(&note),
                Err(RecvError::Lagged(n)) => {
                    self.shared.stat(|s| s.events_lagged += n);
                    Step::Idle
                }
                Err(RecvError::Closed) => Step::End,
            },
        }
    }

    fn build_flood(&mut self) -> Option<NoteFlood> {
        let model = lock(&self.shared.model).clone();
        let subscribed = self.topics.borrow().clone();
        Some(NoteFlood::build(self.shared.clone(), model, &subscribed))
    }

    fn count_flood(&self, n: u64) {
        if n > 0 {
            let last = self.shared.seq.load(std::sync::atomic::Ordering::Relaxed);
            self.shared.stat(|s| {
                s.notifications_sent += n;
                s.last_correlation_id = last;
            });
        }
    }
}
