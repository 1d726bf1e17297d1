//! Make before break: a new channel for the same topics, subscribed and
//! connected, then the old one closed. Frames the old one still delivers
//! are applied; the dedupe drops what both delivered.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::channel::{self, Frame, OpenError};
use super::channels::Channels;
use super::plan::Plan;
use super::rest::{RestClient, TopicState};
use crate::feed::TARGET;
use crate::feed::link::{Link, Outcome};

/// A failed handover is tried again after this long (the old channel
/// keeps working meanwhile).
const HANDOVER_RETRY: Duration = Duration::from_secs(10);

/// A completed handover: the generation closed, the new topics' states.
pub(super) struct Done {
    pub(super) gone: u64,
    pub(super) old_id: String,
    pub(super) new_id: String,
    pub(super) states: Vec<TopicState>,
}

/// Hands channel `index` over to a new one. Ok(None) when that failed: the old
/// channel stays in use and is tried again after `HANDOVER_RETRY`.
pub(super) async fn handover(
    link: &mut Link,
    rest: &RestClient,
    plan: &Plan,
    chans: &mut Channels,
    index: usize,
    why: &'static str,
    tx: &mpsc::Sender<Frame>,
) -> Result<Option<Done>, Outcome> {
    let (old_id, slot) = (chans.get(index).id.clone(), chans.get(index).slot);
    // No second handover for this channel while this one runs.
    chans.get_mut(index).roll_at(None, why);
    chans.rearm();
    tracing::info!(target: TARGET, channel = %old_id, reason = why, "handover begun");
    // A refused token is replaced at once and the handover tried again
    // (once): the old channel may be dying with that very token.
    let mut refused = false;
    let topics = plan.topics(slot);
    let opened = loop {
        let token = link.token().await?;
        let generation = chans.generation();
        let expires = link.token_expires();
        let open = channel::open(rest, &token, expires, slot, generation, &topics, tx.clone());
        let opened = link.unless_command(open).await;
        chans.touch();
        match opened? {
            Err(OpenError::Rest(rest_error)) if rest_error.status() == Some(401) => {
                link.token_refused();
                if refused {
                    break Err(OpenError::Rest(rest_error));
                }
                refused = true;
            }
            other => break other,
        }
    };
    let (new, states) = match opened {
        Ok(opened) => opened,
        Err(error) => {
            tracing::warn!(target: TARGET, channel = %old_id, error = %error, retry_s = HANDOVER_RETRY.as_secs(), "handover failed; the old channel stays in use");
            chans.roll_at(index, Instant::now() + HANDOVER_RETRY, why);
            return Ok(None);
        }
    };
    let new_id = new.id.clone();
    let old = chans.replace(index, new);
    let gone = old.generation;
    old.close("handover to a new channel").await;
    Ok(Some(Done {
        gone,
        old_id,
        new_id,
        states,
    }))
}
