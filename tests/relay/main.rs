//! The relay and its viewers through a real nats-server with JetStream.

// Fixtures and helpers outside #[test] functions unwrap too: a failure
// there is a failing test, which clippy.toml's test exemption does not see.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

// The headless helpers of the cli tests, for a relay run by the real binary.
#[allow(dead_code)]
#[path = "../cli/common/mod.rs"]
mod headless_common;

mod close;
mod delivery;
mod lag;
mod links;
mod permissions;
mod secret;
