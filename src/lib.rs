//! queuetop: a terminal monitor for Genesys Cloud queues.
//! The arrows between these modules point one way: docs/ARCHITECTURE.md,
//! "Arrows", says which and why, and tests/architecture/main.rs checks them.

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
