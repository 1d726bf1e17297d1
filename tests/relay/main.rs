//! The relay and its viewers through a real nats-server with JetStream.

mod common;

// The headless helpers of the cli tests, for a relay run by the real binary.
#[allow(dead_code)]
#[path = "../cli/common/mod.rs"]
mod headless_common;

mod delivery;
mod lag;
mod links;
mod permissions;
mod secret;
