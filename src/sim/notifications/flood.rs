//! Flood on a channel socket: notification frames built once per socket
//! from a copy of the model, then written as fast as the socket takes them.
//! Each frame still gets a fresh timestamp and its own number from the
//! global sequence, so CorrelationIds stay unique and increasing.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::sim::center::Model;
use crate::sim::http::socket::Flood;
use crate::sim::publish::notes::Notes;
use crate::sim::publish::{Now, notes_for};
use crate::sim::shared::Shared;

/// How many distinct frames one flooding socket cycles through.
const FRAMES: usize = 1024;
/// Give up looking for subscribed notifications after this many ticks.
const MAX_TICKS: usize = 2000;
const STAMP: &str = "2000-01-01T00:00:00.000Z";
const SEQ_KEY: &str = "\"CorrelationId\":\"";

pub(crate) struct NoteFlood {
    /// Each frame split around its CorrelationId.
    templates: Vec<(String, String)>,
    next: usize,
    /// Numbers every frame from the global sequence.
    shared: Arc<Shared>,
}

impl NoteFlood {
    pub(crate) fn build(
        shared: Arc<Shared>,
        mut model: Model,
        topics: &HashSet<String>,
    ) -> NoteFlood {
        let mut notes = Notes::new(model.queue_count());
        let scratch = AtomicU64::new(0);
        let mut templates = Vec::with_capacity(FRAMES);
        let now = Now {
            stamp: STAMP,
            ms: 0,
            omit_zero: false,
        };
        'ticks: for _ in 0..MAX_TICKS {
            let events = model.tick();
            for note in notes_for(&model, &mut notes, &events, &now, &scratch) {
                let text = note
                    .variants
                    .iter()
                    .find(|(topic, _)| topics.contains(topic));
                if let Some(parts) = text.and_then(|(_, text)| split_seq(text.as_str())) {
                    templates.push(parts);
                }
                if templates.len() >= FRAMES {
                    break 'ticks;
                }
            }
        }
        NoteFlood {
            templates,
            next: 0,
            shared,
        }
    }
}

impl Flood for NoteFlood {
    fn is_empty(&self) -> bool {
        self.templates.is_empty()
    }

    /// The next frame, stamped `stamp` and numbered from the sequence.
    fn next_frame(&mut self, stamp: &str) -> String {
        let (a, b) = &self.templates[self.next % self.templates.len()];
        self.next = (self.next + 1) % self.templates.len();
        let n = self.shared.seq.fetch_add(1, Ordering::Relaxed) + 1;
        format!("{a}{n}{b}").replace(STAMP, stamp)
    }
}

/// The frame before and after the CorrelationId's digits.
fn split_seq(text: &str) -> Option<(String, String)> {
    let start = text.find(SEQ_KEY)? + SEQ_KEY.len();
    let len = text[start..].find('"')?;
    Some((text[..start].to_string(), text[start + len..].to_string()))
}
