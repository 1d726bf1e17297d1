//! The audit log's formatter: each event is formatted once into reused
//! buffers, as a JSON line for the file and, in headless mode, a compact
//! text line for stderr, both passed through `redact_line`, and queued on
//! background writers. The shapes are those of tracing-subscriber's `json`
//! and `compact` formats, which it replaces: under a flood of alert
//! transitions their per-line cost (two formatters, a timestamp through
//! `fmt`, a channel wake-up and an unbuffered stderr write per line) held
//! the app's thread longer than the event itself.

use std::cell::RefCell;
use std::fmt::{self, Write as _};

use time::OffsetDateTime;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;

use super::writer::LineWriter;
use crate::redact::redact_line;
use crate::sink::text::{push_json_str, push_rfc3339};

pub struct AuditLayer {
    pub file: LineWriter,
    pub stderr: Option<TextOut>,
}

/// The human-readable copy (headless mode's stderr).
pub struct TextOut {
    pub out: LineWriter,
    /// Colour the level: only for a person at a terminal.
    pub ansi: bool,
}

#[derive(Default)]
struct Bufs {
    json: String,
    text: String,
    value: String,
}

thread_local! {
    static BUFS: RefCell<Bufs> = RefCell::new(Bufs::default());
}

impl<S: Subscriber> Layer<S> for AuditLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        // A Debug impl that logs would re-enter: it gets its own buffers.
        BUFS.with(|b| match b.try_borrow_mut() {
            Ok(mut b) => self.write(event, &mut b),
            Err(_) => self.write(event, &mut Bufs::default()),
        });
    }
}

impl AuditLayer {
    fn write(&self, event: &Event<'_>, bufs: &mut Bufs) {
        let meta = event.metadata();
        let now = OffsetDateTime::now_utc();
        let level = level_name(*meta.level());
        bufs.json.clear();
        bufs.json.push_str("{\"timestamp\":\"");
        push_rfc3339(&mut bufs.json, now, 6);
        bufs.json.push_str("\",\"level\":\"");
        bufs.json.push_str(level);
        bufs.json.push_str("\",\"fields\":{");
        bufs.text.clear();
        let text = self.stderr.as_ref().map(|stderr| {
            push_rfc3339(&mut bufs.text, now, 6);
            bufs.text.push(' ');
            for _ in level.len()..5 {
                bufs.text.push(' ');
            }
            let colour = stderr.ansi.then(|| level_colour(*meta.level()));
            if let Some(code) = colour {
                bufs.text.push_str(code);
            }
            bufs.text.push_str(level);
            if colour.is_some() {
                bufs.text.push_str("\x1b[0m");
            }
            bufs.text.push(' ');
            bufs.text.push_str(meta.target());
            bufs.text.push(':');
            &mut bufs.text
        });
        let mut fields = Fields {
            json: &mut bufs.json,
            text,
            value: &mut bufs.value,
            first: true,
        };
        event.record(&mut fields);
        bufs.json.push_str("},\"target\":");
        push_json_str(&mut bufs.json, meta.target());
        bufs.json.push_str("}\n");
        self.file.write_line(redact_line(&bufs.json).as_bytes());
        if let Some(stderr) = &self.stderr {
            bufs.text.push('\n');
            stderr.out.write_line(redact_line(&bufs.text).as_bytes());
        }
    }
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::ERROR => "ERROR",
        Level::WARN => "WARN",
        Level::INFO => "INFO",
        Level::DEBUG => "DEBUG",
        Level::TRACE => "TRACE",
    }
}

fn level_colour(level: Level) -> &'static str {
    match level {
        Level::ERROR => "\x1b[31m",
        Level::WARN => "\x1b[33m",
        Level::INFO => "\x1b[32m",
        Level::DEBUG => "\x1b[34m",
        Level::TRACE => "\x1b[35m",
    }
}

/// Writes each field to both lines as it is visited.
struct Fields<'a> {
    json: &'a mut String,
    text: Option<&'a mut String>,
    /// Scratch for values only `fmt` can write.
    value: &'a mut String,
    first: bool,
}

impl Fields<'_> {
    fn key(&mut self, field: &Field) {
        if !std::mem::take(&mut self.first) {
            self.json.push(',');
        }
        push_json_str(self.json, field.name());
        self.json.push(':');
    }

    /// A value already in its JSON form (a number, `true`) that reads the
    /// same as text.
    fn plain(&mut self, field: &Field, value: &str) {
        self.key(field);
        self.json.push_str(value);
        if let Some(t) = self.text.as_deref_mut() {
            text_key(t, field);
            t.push_str(value);
        }
    }

    /// A string value; `quoted` for text written as Rust debug strings.
    fn string(&mut self, field: &Field, value: &str, quoted: bool) {
        self.key(field);
        push_json_str(self.json, value);
        if let Some(t) = self.text.as_deref_mut() {
            text_key(t, field);
            if quoted && field.name() != "message" {
                // JSON's escapes: what Rust's Debug would show for any
                // id or name, without going through fmt.
                push_json_str(t, value);
            } else {
                t.push_str(value);
            }
        }
    }
}

/// ` name=`, or a space before the message.
fn text_key(t: &mut String, field: &Field) {
    t.push(' ');
    if field.name() != "message" {
        t.push_str(field.name());
        t.push('=');
    }
}

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.string(field, value, true);
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        let mut s = itoa::Buffer::new();
        self.plain(field, s.format(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        let mut s = itoa::Buffer::new();
        self.plain(field, s.format(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.plain(field, if value { "true" } else { "false" });
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        if value.is_finite() {
            let mut s = ryu::Buffer::new();
            self.plain(field, s.format_finite(value));
        } else {
            self.key(field);
            self.json.push_str("null");
            if let Some(t) = self.text.as_deref_mut() {
                text_key(t, field);
                let _ = write!(t, "{value}"); // ok: writing to a String cannot fail
            }
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let mut scratch = std::mem::take(self.value);
        scratch.clear();
        let _ = write!(scratch, "{value:?}"); // ok: writing to a String cannot fail
        self.string(field, &scratch, false);
        *self.value = scratch;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use tracing_subscriber::layer::SubscriberExt;

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn one_event_makes_a_json_line_and_a_text_line_both_redacted() {
        let (json, text) = (Shared::default(), Shared::default());
        let (file, g1) = LineWriter::spawn("t-json", Box::new(json.clone())).unwrap();
        let (out, g2) = LineWriter::spawn("t-text", Box::new(text.clone())).unwrap();
        let layer = AuditLayer {
            file,
            stderr: Some(TextOut { out, ansi: false }),
        };
        let sub = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(sub, || {
            let url = "wss://h/e?access_token=abc123";
            tracing::warn!(
                target: "queuetop::t",
                queue_id = "q\"1",
                n = 7u64,
                d = -2i64,
                ok = true,
                avg = 1.5,
                bad = f64::NAN,
                url = %url,
                list = ?["a"],
                "alert {} raised",
                "x"
            );
        });
        drop((g1, g2));
        let json = String::from_utf8(json.0.lock().unwrap().clone()).unwrap();
        let v: serde_json::Value = serde_json::from_str(json.trim_end()).unwrap();
        assert_eq!(v["level"], "WARN");
        assert_eq!(v["target"], "queuetop::t");
        let f = &v["fields"];
        assert_eq!(f["message"], "alert x raised");
        assert_eq!(f["queue_id"], "q\"1");
        assert_eq!((f["n"].as_u64(), f["d"].as_i64()), (Some(7), Some(-2)));
        assert_eq!(
            (f["ok"].as_bool(), f["avg"].as_f64()),
            (Some(true), Some(1.5))
        );
        assert!(f["bad"].is_null());
        assert_eq!(f["url"], "wss://h/e?access_token=REDACTED");
        assert_eq!(f["list"], "[\"a\"]");
        let stamp = v["timestamp"].as_str().unwrap();
        assert!(
            time::OffsetDateTime::parse(stamp, &time::format_description::well_known::Rfc3339)
                .is_ok()
        );

        let text = String::from_utf8(text.0.lock().unwrap().clone()).unwrap();
        let rest = text.split_once(' ').unwrap().1;
        assert_eq!(
            rest,
            " WARN queuetop::t: alert x raised queue_id=\"q\\\"1\" n=7 d=-2 ok=true avg=1.5 bad=NaN url=wss://h/e?access_token=REDACTED list=[\"a\"]\n"
        );
        assert!(!json.contains("abc123") && !text.contains("abc123"));
    }
}
