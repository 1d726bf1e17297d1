//! The audit log: tracing to a JSON-lines file. OWNER: foundation helper.
