//! Model changes as Notifications API messages: the serializer (`frames`),
//! what each queue was last sent so a message carries only what changed
//! (`notes`), and the messages of one tick (`notes_for`). Pure, model in
//! and text out: `shared` holds their state and `notifications/` serves
//! them, both above this.

pub(crate) mod frames;
pub(crate) mod notes;

use std::sync::atomic::AtomicU64;

use crate::event::QueueEventKind;
use crate::sim::center::Model;
use notes::{Note, Notes};

/// Every this many ticks a queue publishes its wide-interval totals
/// (staggered by queue, so they do not all come at once)...
const TOTALS_EVERY_TICKS: u64 = 120;
/// ...and sooner when they changed, checked this often: totals that lag
/// the waiting count by a minute read as "3 offered, 3 answered" beside 3
/// callers waiting.
pub(crate) const TOTALS_CHANGED_EVERY_TICKS: u64 = 8;

/// The moment a tick's notifications are made, and how.
pub(crate) struct Now<'a> {
    pub stamp: &'a str,
    /// The wall clock in Unix milliseconds.
    pub ms: i128,
    /// `Faults::omit_zero_qualifiers_in_notifications`.
    pub omit_zero: bool,
}

/// The notifications one model tick makes: user status changes, then the
/// observations of every queue that changed, then due totals.
pub(crate) fn notes_for(
    model: &Model,
    notes: &mut Notes,
    events: &[QueueEventKind],
    now: &Now<'_>,
    seq: &AtomicU64,
) -> Vec<Note> {
    let (stamp, now_ms) = (now.stamp, now.ms);
    let mut out = Vec::new();
    for kind in events {
        match kind {
            QueueEventKind::Agent(agent) => {
                if let Some(activity) = model.activity(&agent.user_id, now_ms) {
                    out.push(notes::user_changed(agent, stamp, &activity, seq));
                }
            }
            QueueEventKind::Summary(summary) => {
                let obs = model
                    .queue_index(&summary.queue_id)
                    .and_then(|qi| model.observe(qi).map(|observation| (qi, observation)));
                if let Some((qi, obs)) = obs {
                    out.extend(notes.queue_changed(qi, &obs, stamp, now.omit_zero, seq));
                }
            }
            _ => {}
        }
    }
    let (_, tick) = model.clock();
    for qi in 0..model.queue_count() {
        let turn = tick + qi as u64;
        let refresh = turn.is_multiple_of(TOTALS_EVERY_TICKS);
        if !refresh && !turn.is_multiple_of(TOTALS_CHANGED_EVERY_TICKS) {
            continue;
        }
        // Compared before `observe`, which builds the whole observation.
        let changed = model
            .totals(qi)
            .is_some_and(|totals| notes.totals_changed(qi, totals));
        if (refresh || changed)
            && let Some(obs) = model.observe(qi)
        {
            out.extend(notes.totals(qi, &obs, now_ms, seq));
        }
    }
    out
}
