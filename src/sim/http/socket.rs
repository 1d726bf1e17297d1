//! What every simulated WebSocket does the same way, whichever protocol it
//! speaks: the stream types, the drop/close-after-N and malformed faults,
//! closing with a wait for the peer's reply, and a flood written in
//! batches. The realtime session and the notification channel socket each
//! keep only what their protocol adds.

use std::time::Duration;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use crate::sim::Faults;
use crate::sim::realtime::frames;
use crate::sim::shared::{Shared, now_stamp, push_bounded};

pub(crate) type Ws = WebSocketStream<TokioIo<Upgraded>>;
pub(crate) type Sink = SplitSink<Ws, Message>;
pub(crate) type Stream = SplitStream<Ws>;

/// Frames written per flood batch before a flush.
const FLOOD_BATCH: u64 = 64;
/// How long a close waits for the peer's close reply.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// What the drop/close-after-N faults ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Limit {
    /// Drop the connection without a close frame.
    Drop,
    Close(u16),
}

/// The fault that fires now, once `sent` frames went out.
pub(crate) fn limit(f: &Faults, sent: u64) -> Option<Limit> {
    if f.drop_after_events.is_some_and(|n| sent >= n) {
        return Some(Limit::Drop);
    }
    match f.close_after_events {
        Some((n, code)) if sent >= n => Some(Limit::Close(code)),
        _ => None,
    }
}

/// Frames still allowed before a drop/close fault fires.
pub(crate) fn remaining(f: &Faults, sent: u64) -> u64 {
    [f.drop_after_events, f.close_after_events.map(|c| c.0)]
        .into_iter()
        .flatten()
        .map(|n| n.saturating_sub(sent))
        .min()
        .unwrap_or(u64::MAX)
}

/// Sends a malformed frame when `Faults::malformed_every` wants one before
/// frame `sent + 1`; true when it did.
pub(crate) async fn malformed_if_due(
    sink: &mut Sink,
    shared: &Shared,
    f: &Faults,
    sent: u64,
    malformed_sent: &mut u64,
) -> Result<bool, WsError> {
    match f.malformed_every {
        Some(n) if n > 0 && (sent + 1).is_multiple_of(n) => {
            sink.send(frames::malformed(*malformed_sent)).await?;
            *malformed_sent += 1;
            shared.stat(|s| s.malformed_sent += 1);
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Sends a close frame, then waits (bounded) for the peer's reply so our
/// FIN cannot overtake the frame.
pub(crate) async fn close(
    shared: &Shared,
    sink: &mut Sink,
    code: u16,
    reason: &str,
    stream: &mut Stream,
) {
    shared.stat(|s| {
        s.closes_sent += 1;
        push_bounded(&mut s.close_codes, code);
    });
    let frame = CloseFrame {
        code: CloseCode::from(code),
        reason: reason.to_string().into(),
    };
    if sink.send(Message::Close(Some(frame))).await.is_err() {
        return;
    }
    let _ = tokio::time::timeout(CLOSE_GRACE, async {
        while let Some(Ok(m)) = stream.next().await {
            if m.is_close() {
                break;
            }
        }
    })
    .await;
}

/// Counts a connection dropped without a close frame.
pub(crate) fn dropped(shared: &Shared) {
    shared.stat(|s| s.drops += 1);
}

/// Writes up to a batch of flood frames (`next` makes one, given a fresh
/// stamp), at most `limit`, counting them in `fed`; never resolves without
/// a flood.
pub(crate) async fn flood_batch(
    sink: &mut Sink,
    limit: u64,
    fed: &mut u64,
    next: Option<impl FnMut(&str) -> String>,
) -> Result<(), WsError> {
    let Some(mut next) = next else {
        return std::future::pending().await;
    };
    let stamp = now_stamp();
    for _ in 0..limit.min(FLOOD_BATCH) {
        sink.feed(Message::text(next(&stamp))).await?;
        *fed += 1;
    }
    sink.flush().await
}
