//! The Notifications API (docs/PROTOCOL.md, "Notifications API"): its REST
//! side (`api` dispatch and faults, `rest` what the handlers share,
//! `routing`, `observations`, `channels_api`), its
//! channels and their sockets (`channels`, `socket`), model changes as
//! notifications (`notes`, `membership`, `flood`) and their serializer
//! (`frames`).

pub(crate) mod api;
pub(crate) mod channels;
pub(crate) mod channels_api;
pub(crate) mod flood;
pub(crate) mod frames;
pub(crate) mod membership;
pub(crate) mod notes;
pub(crate) mod observations;
pub(crate) mod rest;
pub(crate) mod routing;
pub(crate) mod socket;
