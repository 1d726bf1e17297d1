//! The Genesys Cloud Notifications API feed (PROTOCOL.md section 3).
//!
//! `rest` is the REST client (queues, skills, members, observations,
//! channels, subscriptions); `setup` resolves queues, skills and members
//! with it; `channel` opens
//! one channel (create, subscribe, connect) and reads it in its own task;
//! `session` is the lifecycle of all channels inside the feed task (ping,
//! watchdog, make-before-break handover); `mapping` turns frames into
//! domain events; `members` follows membership changes; `system` mends what the server's system topics report;
//! `topics` and `dedupe` are the small rules in between.
pub mod channel;
pub mod dedupe;
pub mod mapping;
#[cfg(test)]
mod mapping_tests;
mod members;
mod read;
mod requery;
pub mod rest;
pub(crate) mod session;
pub mod setup;
mod system;
pub mod topics;
mod wire;
