//! The feed task: auth, connect, subscribe, read, reconnect. OWNER: feed helper.
