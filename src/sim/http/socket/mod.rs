//! The one serving loop of every simulated WebSocket, whichever protocol
//! it speaks. The loop owns what all sockets do the same way: the fault
//! knobs (drop/close after N frames, silent, malformed, flood), commands
//! from `SimControl`, heartbeats, `socket_closing` with its grace, and
//! closing with a wait for the peer's reply. A [`Protocol`] adds only what
//! is its own: how it reads a client frame, which frames it has to send,
//! and when it must close (token expiry, eviction).

mod protocol;
mod writer;

use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use hyper::Request;
use hyper::body::Incoming;
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{Instant, sleep_until};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::Role;

pub(crate) use protocol::{Cause, Flood, Out, Protocol, Step};
use writer::Writer;

use crate::sim::Faults;
use crate::sim::shared::{ConnCommand, OpenGuard, Shared};

pub(crate) type Ws = WebSocketStream<TokioIo<Upgraded>>;
type Sink = SplitSink<Ws, Message>;
type Stream = SplitStream<Ws>;

/// Far enough away to mean "never" without overflowing the clock.
const NEVER: Duration = Duration::from_secs(100 * 365 * 86_400);

/// Answers the upgrade of `req` by serving `proto` on the socket once the
/// client has it.
pub(crate) fn spawn<P: Protocol>(req: &mut Request<Incoming>, shared: &Arc<Shared>, proto: P) {
    let on_upgrade = hyper::upgrade::on(req);
    let task_shared = shared.clone();
    shared.spawn(async move {
        let Ok(upgraded) = on_upgrade.await else {
            return;
        };
        let ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
        run(ws, task_shared, proto).await;
    });
}

/// What the drop/close-after-N faults ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Limit {
    /// Drop the connection without a close frame.
    Drop,
    Close(u16),
}

/// The fault that fires now, once `sent` events went out.
fn limit(f: &Faults, sent: u64) -> Option<Limit> {
    if f.drop_after_events.is_some_and(|n| sent >= n) {
        return Some(Limit::Drop);
    }
    match f.close_after_events {
        Some((n, code)) if sent >= n => Some(Limit::Close(code)),
        _ => None,
    }
}

/// Events still allowed before a drop/close fault fires.
fn remaining(f: &Faults, sent: u64) -> u64 {
    [f.drop_after_events, f.close_after_events.map(|c| c.0)]
        .into_iter()
        .flatten()
        .map(|n| n.saturating_sub(sent))
        .min()
        .unwrap_or(u64::MAX)
}

fn after(d: Option<Duration>) -> Instant {
    let now = Instant::now();
    d.and_then(|d| now.checked_add(d))
        .unwrap_or_else(|| now + NEVER)
}

/// Serves one socket until it closes. Writes block on the socket: nothing
/// is buffered without bound (a slow reader misses model events, counted
/// as lagged by the protocol).
pub(crate) async fn run<P: Protocol>(ws: Ws, shared: Arc<Shared>, mut proto: P) {
    let _open = OpenGuard::new(shared.clone(), P::COUNTERS);
    let (sink, mut stream) = ws.split();
    let mut cmds = shared.commands.subscribe();
    let mut faults_rx = shared.faults.subscribe();
    let hb_every = shared
        .opts
        .heartbeat_interval
        .max(Duration::from_millis(10));
    let grace = shared.opts.socket_closing_grace;
    let mut w = Writer {
        shared: shared.clone(),
        sink,
        sent: 0,
        malformed_sent: 0,
        wrote: false,
    };
    let mut closing_every = faults_rx.borrow().socket_closing_every;
    let hb = sleep_until(Instant::now() + hb_every);
    let closing = sleep_until(after(closing_every));
    let deadline = sleep_until(after(None));
    tokio::pin!(hb, closing, deadline);
    let mut flood: Option<P::Flood> = None;
    let mut fed = 0u64;
    loop {
        if fed > 0 {
            w.sent += fed;
            proto.count_flood(std::mem::take(&mut fed));
        }
        if std::mem::take(&mut w.wrote) && P::HEARTBEAT_WHEN_IDLE {
            hb.as_mut().reset(Instant::now() + hb_every);
        }
        let f = faults_rx.borrow_and_update().clone();
        if f.socket_closing_every != closing_every {
            closing_every = f.socket_closing_every;
            closing.as_mut().reset(after(closing_every));
        }
        while let Some(out) = (!f.silent).then(|| proto.ready()).flatten() {
            if out.event && proto.limits_armed() && limit(&f, w.sent).is_some() {
                break;
            }
            if w.write(&f, out).await.is_err() {
                return;
            }
        }
        match limit(&f, w.sent).filter(|_| proto.limits_armed()) {
            Some(Limit::Close(code)) => {
                let reason = proto.close_reason(code, Cause::Fault);
                return w.close(code, &reason, &mut stream).await;
            }
            Some(Limit::Drop) => return w.dropped(),
            None => {}
        }
        let mut flooding = f.flood && !f.silent;
        if flooding && flood.is_none() {
            flood = proto.build_flood();
        }
        flooding &= flood.as_ref().is_some_and(|fl| !fl.is_empty());
        let allowed = remaining(&f, w.sent);
        let step = tokio::select! {
            biased;
            cmd = cmds.recv() => match cmd {
                Ok(ConnCommand::Close(code)) => {
                    let reason = proto.close_reason(code, Cause::Command);
                    return w.close(code, &reason, &mut stream).await;
                }
                Ok(ConnCommand::Drop) => return w.dropped(),
                Ok(ConnCommand::SocketClosing) => match proto.socket_closing() {
                    Some(out) => {
                        deadline.as_mut().reset(after(Some(grace)));
                        Step::Send(out)
                    }
                    None => Step::Idle,
                },
                Err(RecvError::Lagged(_)) => Step::Idle,
                Err(RecvError::Closed) => return,
            },
            // Silent means hung: not even pongs, so nothing is read.
            msg = stream.next(), if !f.silent => match msg {
                Some(Ok(Message::Text(t))) => proto.on_text(&t, &f),
                Some(Ok(Message::Binary(_))) => proto.on_binary(),
                Some(Ok(Message::Close(_))) => {
                    // tungstenite queued the close reply; send it.
                    let _ = w.sink.flush().await;
                    return;
                }
                Some(Ok(_)) => Step::Idle,
                Some(Err(_)) | None => return,
            },
            _ = faults_rx.changed() => Step::Idle,
            step = proto.next() => step,
            _ = &mut deadline => Step::close(1001, "socket closing: server going away"),
            _ = &mut closing => {
                closing.as_mut().reset(after(closing_every));
                match proto.socket_closing() {
                    Some(out) => {
                        deadline.as_mut().reset(after(Some(grace)));
                        Step::Send(out)
                    }
                    None => Step::Idle,
                }
            }
            _ = &mut hb => {
                hb.as_mut().reset(Instant::now() + hb_every);
                Step::Send(Out::control(proto.heartbeat(), |s| s.heartbeats_sent += 1))
            }
            r = Writer::flood_batch(&mut w.sink, allowed, &mut fed, flood.as_mut()), if flooding => {
                w.wrote = true;
                if r.is_err() {
                    proto.count_flood(fed);
                    return;
                }
                Step::Idle
            }
        };
        if w.take(step, &f, &mut stream).await.is_break() {
            return;
        }
    }
}
