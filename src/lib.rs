//! queuetop: a terminal monitor for Genesys Cloud queues.
//! The arrows point one way (docs/ARCHITECTURE.md, "Arrows"): main -> app ->
//! feed/model/ui/sink; feed -> subscription, auth, event, recording; model ->
//! event; sim -> event, filter, subscription.

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod event;
pub mod feed;
pub mod filter;
pub mod model;
pub mod nats;
pub mod recording;
pub mod redact;
pub mod relay;
pub mod sim;
pub mod sink;
pub mod subscription;
pub mod ui;
