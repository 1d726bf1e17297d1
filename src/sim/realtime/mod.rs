//! The realtime v1 protocol (docs/PROTOCOL.md, "Realtime v1"): the socket
//! upgrade, the subscription payload, the event frames, the session loop and
//! its flood.

pub(crate) mod flood;
pub(crate) mod frames;
pub(crate) mod handshake;
pub(crate) mod session;
pub(crate) mod subs;
