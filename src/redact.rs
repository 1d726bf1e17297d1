//! The one redaction path for URLs and secrets. OWNER: foundation helper.
