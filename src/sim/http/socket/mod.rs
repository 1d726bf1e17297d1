//! The one serving loop of every simulated WebSocket, whichever protocol
//! it speaks. The loop owns what all sockets do the same way: the fault
//! knobs (drop/close after N frames, silent, malformed, flood), commands
//! from `SimControl`, heartbeats, `socket_closing` with its grace, and
//! closing with a wait for the peer's reply. A [`Protocol`] adds only what
//! is its own: how it reads a client frame, which frames it has to send,
//! and when it must close (token expiry, eviction).

mod protocol;
mod writer;

use std::ops::ControlFlow;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use hyper::Request;
use hyper::body::Incoming;
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{Instant, Sleep, sleep_until};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

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
fn limit(faults: &Faults, sent: u64) -> Option<Limit> {
    if faults.drop_after_events.is_some_and(|n| sent >= n) {
        return Some(Limit::Drop);
    }
    match faults.close_after_events {
        Some((n, code)) if sent >= n => Some(Limit::Close(code)),
        _ => None,
    }
}

/// Events still allowed before a drop/close fault fires.
fn remaining(faults: &Faults, sent: u64) -> u64 {
    [
        faults.drop_after_events,
        faults.close_after_events.map(|close| close.0),
    ]
    .into_iter()
    .flatten()
    .map(|n| n.saturating_sub(sent))
    .min()
    .unwrap_or(u64::MAX)
}

fn after(delay: Option<Duration>) -> Instant {
    let now = Instant::now();
    delay
        .and_then(|delay| now.checked_add(delay))
        .unwrap_or_else(|| now + NEVER)
}

/// Serves one socket until it closes. Writes block on the socket: nothing
/// is buffered without bound (a slow reader misses model events, counted
/// as lagged by the protocol).
pub(crate) async fn run<P: Protocol>(ws: Ws, shared: Arc<Shared>, mut proto: P) {
    let _open = OpenGuard::new(shared.clone(), P::COUNTERS);
    let (sink, mut stream) = ws.split();
    let mut commands = shared.commands.subscribe();
    let mut faults_rx = shared.faults.subscribe();
    let heartbeat_every = shared
        .opts
        .heartbeat_interval
        .max(Duration::from_millis(10));
    let grace = shared.opts.socket_closing_grace;
    let mut writer = Writer::new(shared.clone(), sink);
    let mut closing_every = faults_rx.borrow().socket_closing_every;
    let heartbeat = sleep_until(Instant::now() + heartbeat_every);
    let closing = sleep_until(after(closing_every));
    let deadline = sleep_until(after(None));
    tokio::pin!(heartbeat, closing, deadline);
    let mut flood: Option<P::Flood> = None;
    let mut fed = 0u64;
    loop {
        if fed > 0 {
            writer.sent += fed;
            proto.count_flood(std::mem::take(&mut fed));
        }
        if std::mem::take(&mut writer.wrote) && P::HEARTBEAT_WHEN_IDLE {
            heartbeat.as_mut().reset(Instant::now() + heartbeat_every);
        }
        let faults = faults_rx.borrow_and_update().clone();
        if faults.socket_closing_every != closing_every {
            closing_every = faults.socket_closing_every;
            closing.as_mut().reset(after(closing_every));
        }
        if send_ready(&mut writer, &mut proto, &faults, &mut stream)
            .await
            .is_break()
        {
            return;
        }
        let flooding = flood_ready(&mut proto, &mut flood, &faults);
        let allowed = remaining(&faults, writer.sent);
        let step = tokio::select! {
            biased;
            command = commands.recv() => {
                match on_command(command, &proto, deadline.as_mut(), grace) {
                    Some(step) => step,
                    None => return writer.dropped(),
                }
            }
            // Silent means hung: not even pongs, so nothing is read.
            message = stream.next(), if !faults.silent => {
                on_message(message, &mut proto, &faults, &mut writer).await
            }
            _ = faults_rx.changed() => Step::Idle,
            step = proto.next() => step,
            _ = &mut deadline => Step::close(1001, "socket closing: server going away"),
            _ = &mut closing => {
                closing.as_mut().reset(after(closing_every));
                announce_closing(&proto, deadline.as_mut(), grace)
            }
            _ = &mut heartbeat => {
                heartbeat.as_mut().reset(Instant::now() + heartbeat_every);
                Step::Send(Out::control(proto.heartbeat(), |s| s.heartbeats_sent += 1))
            }
            written = Writer::flood_batch(&mut writer.sink, allowed, &mut fed, flood.as_mut()), if flooding => {
                writer.wrote = true;
                if written.is_err() {
                    proto.count_flood(fed);
                    return;
                }
                Step::Idle
            }
        };
        if writer.take(step, &faults, &mut stream).await.is_break() {
            return;
        }
    }
}

/// Writes what the protocol has ready, then carries out a drop or close
/// fault that is due; `Break` when the socket is done.
async fn send_ready<P: Protocol>(
    writer: &mut Writer,
    proto: &mut P,
    faults: &Faults,
    stream: &mut Stream,
) -> ControlFlow<()> {
    while let Some(out) = (!faults.silent).then(|| proto.ready()).flatten() {
        if out.event && proto.limits_armed() && limit(faults, writer.sent).is_some() {
            break;
        }
        if writer.write(faults, out).await.is_err() {
            return ControlFlow::Break(());
        }
    }
    match limit(faults, writer.sent).filter(|_| proto.limits_armed()) {
        Some(Limit::Close(code)) => {
            let reason = proto.close_reason(code, Cause::Fault);
            writer.close(code, &reason, stream).await;
            ControlFlow::Break(())
        }
        Some(Limit::Drop) => {
            writer.dropped();
            ControlFlow::Break(())
        }
        None => ControlFlow::Continue(()),
    }
}

/// Whether a flood is on and has frames to send; builds it the first time.
fn flood_ready<P: Protocol>(proto: &mut P, flood: &mut Option<P::Flood>, faults: &Faults) -> bool {
    if !faults.flood || faults.silent {
        return false;
    }
    if flood.is_none() {
        *flood = proto.build_flood();
    }
    flood.as_ref().is_some_and(|flood| !flood.is_empty())
}

/// What a command from `SimControl` does to this socket; `None` drops it
/// without a close frame.
fn on_command<P: Protocol>(
    command: Result<ConnCommand, RecvError>,
    proto: &P,
    deadline: Pin<&mut Sleep>,
    grace: Duration,
) -> Option<Step> {
    match command {
        Ok(ConnCommand::Close(code)) => {
            Some(Step::close(code, proto.close_reason(code, Cause::Command)))
        }
        Ok(ConnCommand::Drop) => None,
        Ok(ConnCommand::SocketClosing) => Some(announce_closing(proto, deadline, grace)),
        Err(RecvError::Lagged(_)) => Some(Step::Idle),
        Err(RecvError::Closed) => Some(Step::End),
    }
}

/// A frame from the client, or the end of the read side.
async fn on_message<P: Protocol>(
    message: Option<Result<Message, WsError>>,
    proto: &mut P,
    faults: &Faults,
    writer: &mut Writer,
) -> Step {
    match message {
        Some(Ok(Message::Text(text))) => proto.on_text(&text, faults),
        Some(Ok(Message::Binary(_))) => proto.on_binary(),
        Some(Ok(Message::Close(_))) => {
            // tungstenite queued the close reply; send it.
            let _ = writer.sink.flush().await;
            Step::End
        }
        Some(Ok(_)) => Step::Idle,
        Some(Err(_)) | None => Step::End,
    }
}

/// The protocol's "socket closing" notice, if it has one; the socket then
/// closes itself when the grace runs out.
fn announce_closing<P: Protocol>(proto: &P, deadline: Pin<&mut Sleep>, grace: Duration) -> Step {
    match proto.socket_closing() {
        Some(out) => {
            deadline.reset(after(Some(grace)));
            Step::Send(out)
        }
        None => Step::Idle,
    }
}
