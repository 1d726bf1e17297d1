//! What a protocol gives the socket loop: the frames it has for the
//! client, what it asks the loop to do, and the trait it implements.

use std::borrow::Cow;
use std::future::Future;

use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::sim::shared::SocketCounters;
use crate::sim::{Faults, SimStats};

/// One frame for the client.
pub(crate) struct Out {
    pub(super) text: Utf8Bytes,
    /// A model event or notification: it counts toward the close/drop
    /// after N faults and may be preceded by a malformed frame.
    pub(super) event: bool,
    /// Its counter in the stats, bumped once it is written.
    pub(super) stat: fn(&mut SimStats),
}

impl Out {
    pub(crate) fn event(text: impl Into<Utf8Bytes>, stat: fn(&mut SimStats)) -> Out {
        Out {
            text: text.into(),
            event: true,
            stat,
        }
    }

    /// Protocol housekeeping: acks, errors, pongs, system messages.
    pub(crate) fn control(text: impl Into<Utf8Bytes>, stat: fn(&mut SimStats)) -> Out {
        Out {
            text: text.into(),
            event: false,
            stat,
        }
    }
}

/// What a protocol asks of the loop.
pub(crate) enum Step {
    Idle,
    /// Written unless the socket is silent (hung).
    Send(Out),
    /// Close with `code`, after `farewell` (an error frame) if any.
    Close {
        code: u16,
        reason: Cow<'static, str>,
        farewell: Option<Out>,
    },
    /// End without a word: the simulator itself is going away.
    End,
}

impl Step {
    pub(crate) fn close(code: u16, reason: impl Into<Cow<'static, str>>) -> Step {
        Step::Close {
            code,
            reason: reason.into(),
            farewell: None,
        }
    }
}

/// Why the loop closes a socket on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cause {
    /// `SimControl` asked for it.
    Command,
    /// A close-after-N fault fired.
    Fault,
}

/// A model's frames written as fast as the socket takes them.
pub(crate) trait Flood {
    fn is_empty(&self) -> bool;
    /// The next frame, stamped `stamp`. Called only when not empty.
    fn next_frame(&mut self, stamp: &str) -> String;
}

/// What one protocol adds to the loop. `next` must be cancel safe: the
/// loop drops it whenever something else happens first.
pub(crate) trait Protocol: Send + 'static {
    type Flood: Flood + Send;
    /// The open/total counters this kind of socket is counted in.
    const COUNTERS: SocketCounters;
    /// Heartbeats only after this long without writing (realtime), or on
    /// a fixed beat whatever else is written (channels).
    const HEARTBEAT_WHEN_IDLE: bool;

    fn heartbeat(&self) -> String;
    /// `v2.system.socket_closing` where the protocol has it: sent on
    /// command or by the `socket_closing_every` fault, then the socket is
    /// closed after the grace.
    fn socket_closing(&self) -> Option<Out> {
        None
    }
    fn close_reason(&self, code: u16, cause: Cause) -> Cow<'static, str>;
    /// Whether the close/drop after N faults apply yet.
    fn limits_armed(&self) -> bool {
        true
    }
    fn on_text(&mut self, text: &str, f: &Faults) -> Step;
    fn on_binary(&mut self) -> Step {
        Step::Idle
    }
    /// A frame due now, before waiting for anything (the realtime ack and
    /// the snapshot after it). Asked only while the socket is not silent.
    fn ready(&mut self) -> Option<Out> {
        None
    }
    /// The next frame the protocol has for the client, or its reason to
    /// close; never resolves when it has nothing to wait for.
    fn next(&mut self) -> impl Future<Output = Step> + Send;
    /// The frames of a flood, once the protocol can build them.
    fn build_flood(&mut self) -> Option<Self::Flood>;
    /// Counts `n` flood frames written.
    fn count_flood(&self, n: u64);
}
