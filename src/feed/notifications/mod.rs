//! The Genesys Cloud Notifications API feed (docs/PROTOCOL.md, "Notifications
//! API").
//!
//! `lifecycle` is the feed on the shared `Link`: `plan` (with `setup`, over
//! the REST client `rest`) resolves queues, skills, members and topics once;
//! `channel` opens one channel (create, subscribe, connect) and reads it in
//! its own task; `channels` holds an attempt's open channels and their
//! deadlines; `read` is the read loop, with `handover` (make before break),
//! `system` (system topics), `members` (membership changes) and `requery`
//! (the periodic observations query) beside it; `mapping` turns frames into
//! domain events; `stopwatch` reports what a start-up cost; `topics`,
//! `dedupe`, `rejections` and `failure` are the small rules in between.
pub mod channel;
mod channels;
pub mod dedupe;
mod failure;
mod handover;
mod lifecycle;
pub mod mapping;
mod members;
mod plan;
mod read;
mod rejections;
mod requery;
pub mod rest;
pub mod setup;
mod stopwatch;
mod system;
pub mod topics;
mod wire;

pub(crate) use lifecycle::Session;
pub use requery::REFRESH_TOPIC;
