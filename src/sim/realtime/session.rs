//! One open realtime v1 socket: read the subscription, ack or refuse it,
//! then send matching events, heartbeats on idle, and whatever the fault
//! knobs ask for. Writes block on the socket: nothing is buffered without
//! bound (a slow reader misses model events, counted as lagged).

use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{Instant, sleep, sleep_until};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use crate::sim::Faults;
use crate::sim::realtime::flood::FloodFrames;
use crate::sim::realtime::frames;
use crate::sim::realtime::subs::{self, Refusal, Subs};
use crate::sim::shared::{ConnCommand, OpenGuard, Shared, SimEvent, lock, now_stamp, push_bounded};

type Ws = WebSocketStream<TokioIo<Upgraded>>;
type Sink = SplitSink<Ws, Message>;
type Stream = SplitStream<Ws>;

/// Frames written per flood batch before a flush.
const FLOOD_BATCH: u64 = 64;
/// How long a close waits for the peer's close reply.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

enum Action {
    Close(u16),
    Drop,
}

fn close_reason(code: u16) -> &'static str {
    match code {
        1000 => "normal closure",
        1001 => "server going away",
        4001 => "token expired",
        4008 => "subscription payload refused",
        4029 => "rate limited",
        _ => "closed by simulator",
    }
}

struct Conn {
    shared: Arc<Shared>,
    sink: Sink,
    subs: Option<Subs>,
    acked: bool,
    events_sent: u64,
    malformed_sent: u64,
    flood: Option<FloodFrames>,
    /// Something was written since the heartbeat timer was last reset.
    wrote: bool,
}

impl Conn {
    async fn send(&mut self, text: String) -> Result<(), WsError> {
        self.wrote = true;
        self.sink.send(Message::text(text)).await
    }

    fn count_events(&mut self, n: u64) {
        self.events_sent += n;
        self.shared.stat(|s| s.events_sent += n);
    }

    /// The fault that fires now, given how many events this socket sent.
    fn limit_action(&self, f: &Faults) -> Option<Action> {
        if !self.acked {
            return None;
        }
        if let Some(n) = f.drop_after_events
            && self.events_sent >= n
        {
            return Some(Action::Drop);
        }
        match f.close_after_events {
            Some((n, code)) if self.events_sent >= n => Some(Action::Close(code)),
            _ => None,
        }
    }

    /// Events still allowed before a drop/close fault fires.
    fn remaining(&self, f: &Faults) -> u64 {
        let limits = [f.drop_after_events, f.close_after_events.map(|c| c.0)];
        limits
            .into_iter()
            .flatten()
            .map(|n| n.saturating_sub(self.events_sent))
            .min()
            .unwrap_or(u64::MAX)
    }

    async fn send_event(&mut self, f: &Faults, ev: &SimEvent) -> Result<(), WsError> {
        let Some(text) = frames::event(&ev.kind, &ev.timestamp) else {
            return Ok(());
        };
        if let Some(n) = f.malformed_every
            && n > 0
            && (self.events_sent + 1).is_multiple_of(n)
        {
            self.wrote = true;
            self.sink
                .send(frames::malformed(self.malformed_sent))
                .await?;
            self.malformed_sent += 1;
            self.shared.stat(|s| s.malformed_sent += 1);
        }
        self.send(text).await?;
        self.count_events(1);
        Ok(())
    }

    /// The ack, then (when the model runs) the current summary of every
    /// subscribed queue so a new client has numbers at once. Model events
    /// queued before the snapshot are older than it: they are skipped by
    /// listening afresh first (an event racing the snapshot may come twice,
    /// never stale).
    async fn send_ack(
        &mut self,
        f: &Faults,
        events: &mut broadcast::Receiver<Arc<SimEvent>>,
    ) -> Result<(), WsError> {
        let Some(subs) = &self.subs else {
            return Ok(());
        };
        let ack = frames::ack(&subs.ids(), &now_stamp());
        self.send(ack).await?;
        self.acked = true;
        self.shared.stat(|s| s.acks_sent += 1);
        if self.shared.opts.generate {
            *events = events.resubscribe();
            let stamp = now_stamp();
            let summaries = lock(&self.shared.model).summaries();
            for s in summaries {
                let ev = SimEvent {
                    kind: crate::event::QueueEventKind::Summary(s),
                    timestamp: stamp.clone(),
                };
                if self.limit_action(f).is_some() {
                    break;
                }
                if self.subs.as_ref().is_some_and(|subs| subs.wants(&ev.kind)) {
                    self.send_event(f, &ev).await?;
                }
            }
        }
        Ok(())
    }

    async fn refuse(&mut self, r: Refusal, stream: &mut Stream) {
        let text = frames::error(
            r.code,
            &r.message,
            r.subscription_id.as_deref(),
            &now_stamp(),
        );
        self.shared.stat(|s| s.errors_sent += 1);
        if self.send(text).await.is_ok() {
            self.close(4008, stream).await;
        }
    }

    async fn close(&mut self, code: u16, stream: &mut Stream) {
        self.shared.stat(|s| {
            s.closes_sent += 1;
            push_bounded(&mut s.close_codes, code);
        });
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: close_reason(code).into(),
        };
        if self.sink.send(Message::Close(Some(frame))).await.is_err() {
            return;
        }
        // Wait for the peer's reply so our FIN cannot overtake the frame.
        let _ = tokio::time::timeout(CLOSE_GRACE, async {
            while let Some(Ok(m)) = stream.next().await {
                if m.is_close() {
                    break;
                }
            }
        })
        .await;
    }

    async fn act(&mut self, a: Action, stream: &mut Stream) {
        match a {
            Action::Close(code) => self.close(code, stream).await,
            Action::Drop => self.shared.stat(|s| s.drops += 1),
        }
    }
}

async fn flood_batch(
    sink: &mut Sink,
    frames: Option<&mut FloodFrames>,
    limit: u64,
    fed: &mut u64,
) -> Result<(), WsError> {
    let Some(frames) = frames else {
        return std::future::pending().await;
    };
    let stamp = now_stamp();
    for _ in 0..limit.min(FLOOD_BATCH) {
        sink.feed(Message::text(frames.next_frame(&stamp))).await?;
        *fed += 1;
    }
    sink.flush().await
}

pub(crate) async fn run(ws: Ws, shared: Arc<Shared>, token_expiry: Instant) {
    let _open = OpenGuard::new(shared.clone(), |s| {
        (&mut s.connections_open, &mut s.connections_total)
    });
    let (sink, mut stream) = ws.split();
    let mut events = shared.events.subscribe();
    let mut cmds = shared.commands.subscribe();
    let mut faults_rx = shared.faults.subscribe();
    let hb_every = shared
        .opts
        .heartbeat_interval
        .max(Duration::from_millis(10));
    let mut c = Conn {
        shared: shared.clone(),
        sink,
        subs: None,
        acked: false,
        events_sent: 0,
        malformed_sent: 0,
        flood: None,
        wrote: false,
    };
    let expiry = sleep_until(token_expiry);
    let hb = sleep(hb_every);
    tokio::pin!(expiry, hb);
    let mut flood_fed = 0u64;
    loop {
        if flood_fed > 0 {
            c.count_events(flood_fed);
            flood_fed = 0;
        }
        if c.wrote {
            c.wrote = false;
            hb.as_mut().reset(Instant::now() + hb_every);
        }
        let f = faults_rx.borrow_and_update().clone();
        if c.subs.is_some() && !c.acked && !f.silent && c.send_ack(&f, &mut events).await.is_err() {
            return;
        }
        if let Some(a) = c.limit_action(&f) {
            c.act(a, &mut stream).await;
            return;
        }
        let mut flooding = f.flood && !f.silent && c.acked;
        if flooding && c.flood.is_none() {
            let model = lock(&shared.model).clone();
            if let Some(subs) = &c.subs {
                c.flood = Some(FloodFrames::build(model, subs));
            }
        }
        flooding &= c.flood.as_ref().is_some_and(|fl| !fl.is_empty());
        let limit = c.remaining(&f);
        tokio::select! {
            biased;
            cmd = cmds.recv() => match cmd {
                Ok(ConnCommand::Close(code)) => return c.close(code, &mut stream).await,
                Ok(ConnCommand::Drop) => return c.act(Action::Drop, &mut stream).await,
                Ok(ConnCommand::SocketClosing) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            },
            // Silent means hung: not even pongs, so nothing is read.
            msg = stream.next(), if !f.silent => match msg {
                Some(Ok(Message::Text(t))) if c.subs.is_none() => {
                    shared.stat(|s| push_bounded(&mut s.subscribe_payloads, t.to_string()));
                    match subs::parse(&t) {
                        Ok(subs) if !f.refuse_subscriptions => c.subs = Some(subs),
                        Ok(_) => {
                            let r = Refusal {
                                code: "refused",
                                message: "the simulator refuses every subscription (fault)".into(),
                                subscription_id: None,
                            };
                            return c.refuse(r, &mut stream).await;
                        }
                        Err(r) => return c.refuse(r, &mut stream).await,
                    }
                }
                Some(Ok(Message::Binary(_))) if c.subs.is_none() => {
                    let r = Refusal {
                        code: "invalid_subscription",
                        message: "the subscription must be a text frame holding a JSON array".into(),
                        subscription_id: None,
                    };
                    return c.refuse(r, &mut stream).await;
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
            _ = &mut expiry => return c.close(4001, &mut stream).await,
            _ = &mut hb => {
                if !f.silent {
                    if c.send(frames::heartbeat(&now_stamp())).await.is_err() {
                        return;
                    }
                    shared.stat(|s| s.heartbeats_sent += 1);
                }
                c.wrote = true;
            }
            ev = events.recv(), if c.acked => match ev {
                Ok(ev) => {
                    let wanted = c.subs.as_ref().is_some_and(|s| s.wants(&ev.kind));
                    if !f.silent && wanted && c.send_event(&f, &ev).await.is_err() {
                        return;
                    }
                }
                Err(RecvError::Lagged(n)) => shared.stat(|s| s.events_lagged += n),
                Err(RecvError::Closed) => return,
            },
            r = flood_batch(&mut c.sink, c.flood.as_mut(), limit, &mut flood_fed), if flooding => {
                c.wrote = true;
                if r.is_err() {
                    c.count_events(flood_fed);
                    return;
                }
            }
        }
    }
}
