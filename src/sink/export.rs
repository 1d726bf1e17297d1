//! NDJSON export line (PROTOCOL.md section 4). OWNER: model helper.
