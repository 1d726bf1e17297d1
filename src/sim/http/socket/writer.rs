//! The write side of a socket: frames counted for the faults, the
//! malformed fault, closing with a wait for the peer's reply, and a flood
//! written in batches.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use super::protocol::{Flood, Out, Step};
use super::{Sink, Stream};
use crate::sim::Faults;
use crate::sim::shared::{Shared, now_stamp, push_bounded};

/// Frames written per flood batch before a flush.
const FLOOD_BATCH: u64 = 64;
/// How long a close waits for the peer's close reply.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// The write side, with what the faults count.
pub(super) struct Writer {
    pub(super) shared: Arc<Shared>,
    pub(super) sink: Sink,
    /// Events written (flood included).
    pub(super) sent: u64,
    pub(super) malformed_sent: u64,
    /// Something was written since the idle heartbeat was last reset.
    pub(super) wrote: bool,
}

impl Writer {
    pub(super) fn new(shared: Arc<Shared>, sink: Sink) -> Writer {
        Writer {
            shared,
            sink,
            sent: 0,
            malformed_sent: 0,
            wrote: false,
        }
    }

    pub(super) async fn write(&mut self, f: &Faults, out: Out) -> Result<(), WsError> {
        self.wrote = true;
        if out.event {
            self.malformed_if_due(f).await?;
        }
        self.sink.send(Message::Text(out.text)).await?;
        if out.event {
            self.sent += 1;
        }
        self.shared.stat(out.stat);
        Ok(())
    }

    /// A malformed frame when `Faults::malformed_every` wants one before
    /// the next event.
    async fn malformed_if_due(&mut self, f: &Faults) -> Result<(), WsError> {
        match f.malformed_every {
            Some(n) if n > 0 && (self.sent + 1).is_multiple_of(n) => {
                self.sink.send(malformed(self.malformed_sent)).await?;
                self.malformed_sent += 1;
                self.shared.stat(|s| s.malformed_sent += 1);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Sends a close frame, then waits (bounded) for the peer's reply so
    /// our FIN cannot overtake the frame.
    pub(super) async fn close(&mut self, code: u16, reason: &str, stream: &mut Stream) {
        self.shared.stat(|s| {
            s.closes_sent += 1;
            push_bounded(&mut s.close_codes, code);
        });
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: reason.to_string().into(),
        };
        if self.sink.send(Message::Close(Some(frame))).await.is_err() {
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

    /// Ends the connection without a close frame.
    pub(super) fn dropped(&self) {
        self.shared.stat(|s| s.drops += 1);
    }

    /// Carries out a protocol's step; `Break` when the socket is done.
    pub(super) async fn take(
        &mut self,
        step: Step,
        faults: &Faults,
        stream: &mut Stream,
    ) -> ControlFlow<()> {
        match step {
            Step::Idle => ControlFlow::Continue(()),
            Step::Send(_) if faults.silent => ControlFlow::Continue(()),
            Step::Send(out) => match self.write(faults, out).await {
                Ok(()) => ControlFlow::Continue(()),
                Err(_) => ControlFlow::Break(()),
            },
            Step::Close {
                code,
                reason,
                farewell,
            } => {
                let said = match farewell {
                    Some(out) => self.write(faults, out).await,
                    None => Ok(()),
                };
                if said.is_ok() {
                    self.close(code, &reason, stream).await;
                }
                ControlFlow::Break(())
            }
            Step::End => ControlFlow::Break(()),
        }
    }

    /// Writes up to a batch of flood frames, at most `limit`, counting
    /// them in `fed`; never resolves without a flood.
    pub(super) async fn flood_batch<F: Flood>(
        sink: &mut Sink,
        limit: u64,
        fed: &mut u64,
        flood: Option<&mut F>,
    ) -> Result<(), WsError> {
        let Some(flood) = flood else {
            return std::future::pending().await;
        };
        let stamp = now_stamp();
        for _ in 0..limit.min(FLOOD_BATCH) {
            sink.feed(Message::text(flood.next_frame(&stamp))).await?;
            *fed += 1;
        }
        sink.flush().await
    }
}

/// The `n`th malformed frame, cycling through the ways a frame can be bad
/// (on either protocol's socket: a client must survive them all).
fn malformed(n: u64) -> Message {
    match n % 5 {
        0 => Message::text("{not json"),
        1 => Message::text(r#"{"topic":"/system","data":{}}"#),
        2 => Message::text(
            r#"{"type":"queue-summary","topic":"/routing/queues/x/events","timestamp":"2026-11-27T19:20:25.123Z"}"#,
        ),
        3 => Message::binary(vec![0xde, 0xad, 0xbe, 0xef]),
        _ => Message::text(r#"[1,2,3]"#),
    }
}
