//! One open realtime v1 socket: read the subscription, ack or refuse it,
//! then send matching events, heartbeats on idle, and whatever the fault
//! knobs ask for. Writes block on the socket: nothing is buffered without
//! bound (a slow reader misses model events, counted as lagged).

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{Instant, sleep, sleep_until};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use crate::sim::Faults;
use crate::sim::http::socket::{self, Limit, Sink, Stream, Ws};
use crate::sim::realtime::flood::FloodFrames;
use crate::sim::realtime::frames;
use crate::sim::realtime::subs::{self, Refusal, Subs};
use crate::sim::shared::{ConnCommand, OpenGuard, Shared, SimEvent, lock, now_stamp, push_bounded};

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

    /// The fault that fires now, given how many events this socket sent
    /// (none before the ack).
    fn limit_action(&self, f: &Faults) -> Option<Limit> {
        if !self.acked {
            return None;
        }
        socket::limit(f, self.events_sent)
    }

    /// Events still allowed before a drop/close fault fires.
    fn remaining(&self, f: &Faults) -> u64 {
        socket::remaining(f, self.events_sent)
    }

    async fn send_event(&mut self, f: &Faults, ev: &SimEvent) -> Result<(), WsError> {
        let Some(text) = frames::event(&ev.kind, &ev.timestamp) else {
            return Ok(());
        };
        let (sink, shared) = (&mut self.sink, &self.shared);
        if socket::malformed_if_due(sink, shared, f, self.events_sent, &mut self.malformed_sent)
            .await?
        {
            self.wrote = true;
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
        socket::close(
            &self.shared,
            &mut self.sink,
            code,
            close_reason(code),
            stream,
        )
        .await;
    }

    async fn act(&mut self, a: Limit, stream: &mut Stream) {
        match a {
            Limit::Close(code) => self.close(code, stream).await,
            Limit::Drop => socket::dropped(&self.shared),
        }
    }
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
                Ok(ConnCommand::Drop) => return c.act(Limit::Drop, &mut stream).await,
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
            r = socket::flood_batch(
                &mut c.sink,
                limit,
                &mut flood_fed,
                c.flood.as_mut().map(|fl| |stamp: &str| fl.next_frame(stamp)),
            ), if flooding => {
                c.wrote = true;
                if r.is_err() {
                    c.count_events(flood_fed);
                    return;
                }
            }
        }
    }
}
