//! Headless mode: export lines and the audit log, no terminal. OWNER: model helper.
