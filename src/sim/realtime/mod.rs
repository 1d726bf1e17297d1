//! The realtime v1 protocol (docs/PROTOCOL.md, "Realtime v1"): the socket
//! upgrade, the subscription payload, the event frames, what the protocol
//! adds to the socket loop (`stream`) and its flood.

pub(crate) mod flood;
pub(crate) mod frames;
pub(crate) mod handshake;
pub(crate) mod stream;
pub(crate) mod subs;
