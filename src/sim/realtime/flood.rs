//! Flood: frames built once per connection from a copy of the model, then
//! written as fast as the socket takes them. Only the timestamp is fresh per
//! frame, so the server's own cost per frame stays a string copy.

use crate::sim::center::Model;
use crate::sim::http::socket::Flood;
use crate::sim::realtime::frames;
use crate::sim::realtime::subs::Subs;

/// How many distinct frames one flooding connection cycles through.
const FRAMES: usize = 1024;
/// Give up looking for matching events after this many model ticks (a
/// filter may match almost nothing).
const MAX_TICKS: usize = 5000;
const STAMP: &str = "@@STAMP@@";

pub(crate) struct FloodFrames {
    /// Each frame split around its timestamp.
    frames: Vec<(String, String)>,
    next: usize,
}

impl FloodFrames {
    pub(crate) fn build(mut model: Model, subs: &Subs) -> FloodFrames {
        let mut out = Vec::with_capacity(FRAMES);
        'ticks: for _ in 0..MAX_TICKS {
            for ev in model.tick() {
                if !subs.wants(&ev) {
                    continue;
                }
                let Some(text) = frames::event(&ev, STAMP) else {
                    continue;
                };
                if let Some((a, b)) = text.split_once(STAMP) {
                    out.push((a.to_string(), b.to_string()));
                }
                if out.len() >= FRAMES {
                    break 'ticks;
                }
            }
        }
        FloodFrames {
            frames: out,
            next: 0,
        }
    }
}

impl Flood for FloodFrames {
    fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    fn next_frame(&mut self, timestamp: &str) -> String {
        let (a, b) = &self.frames[self.next % self.frames.len()];
        self.next = (self.next + 1) % self.frames.len();
        let mut s = String::with_capacity(a.len() + timestamp.len() + b.len());
        s.push_str(a);
        s.push_str(timestamp);
        s.push_str(b);
        s
    }
}
