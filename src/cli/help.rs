//! Long help texts too big to sit in the attributes.

pub(super) const RECORD_EXAMPLES: &str = "\
Examples:
  queuetop record --minutes 10 --anonymize      # attach the file to a bug report
  queuetop record --minutes 0.5 --out startup.ndjson

Runs the notifications feed with no screen and writes every REST answer and every channel \
frame, with timestamps, to one NDJSON file (docs/RECORDING.md). The token, the client \
secret and any Authorization value are never written.";

pub(super) const REPLAY_EXAMPLES: &str = "\
Examples:
  queuetop replay incident.ndjson               # watch it again at recorded speed
  queuetop replay incident.ndjson --speed 10
  queuetop replay incident.ndjson --speed 0 --headless --export lines.ndjson

Needs no credentials: the recording says which queues were watched; the config still \
sets alert limits and screen settings. At the end the last state stays on screen (r \
plays it again); headless, the run exits 0.";
