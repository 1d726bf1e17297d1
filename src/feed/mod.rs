//! The feed task: auth, connect, subscribe, read, reconnect. OWNER: feed helper.
pub mod notifications;
pub mod rest;
