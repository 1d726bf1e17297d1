//! The realtime v1 protocol (PROTOCOL.md section 2): the socket upgrade,
//! the subscription payload, the event frames, the session loop and its
//! flood.

pub(crate) mod flood;
pub(crate) mod frames;
pub(crate) mod handshake;
pub(crate) mod stream;
pub(crate) mod subs;
