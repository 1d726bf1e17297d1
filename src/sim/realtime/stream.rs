//! What the realtime v1 protocol adds to the socket loop: read the
//! subscription, ack or refuse it, then send the current summaries and
//! every matching event; close 4001 when the token expires.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::Arc;

use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{Instant, Sleep, sleep_until};

use crate::sim::Faults;
use crate::sim::http::socket::{Cause, Out, Protocol, Step};
use crate::sim::realtime::flood::FloodFrames;
use crate::sim::realtime::frames;
use crate::sim::realtime::subs::{self, Refusal, Subs};
use crate::sim::shared::{Shared, SimEvent, SocketCounters, lock, now_stamp, push_bounded};

fn close_reason(code: u16) -> &'static str {
    match code {
        1000 => "normal closure",
        1001 => "server going away",
        4001 => "token expired",
        4008 => "subscription payload refused",
        4029 => "rate limited",
        _ => "closed by simulator",
    }
}

pub(crate) struct Realtime {
    shared: Arc<Shared>,
    events: broadcast::Receiver<Arc<SimEvent>>,
    token_expiry: std::pin::Pin<Box<Sleep>>,
    subs: Option<Subs>,
    acked: bool,
    /// The ack and the snapshot after it, still to write.
    due: VecDeque<Out>,
}

impl Realtime {
    pub(crate) fn new(shared: Arc<Shared>, token_expiry: Instant) -> Realtime {
        Realtime {
            events: shared.events.subscribe(),
            shared,
            token_expiry: Box::pin(sleep_until(token_expiry)),
            subs: None,
            acked: false,
            due: VecDeque::new(),
        }
    }

    fn refuse(&self, r: Refusal) -> Step {
        let text = frames::error(
            r.code,
            &r.message,
            r.subscription_id.as_deref(),
            &now_stamp(),
        );
        Step::Close {
            code: 4008,
            reason: close_reason(4008).into(),
            farewell: Some(Out::control(text, |s| s.errors_sent += 1)),
        }
    }

    /// The ack, then (when the model runs) the current summary of every
    /// subscribed queue and each interaction waiting in it, so a new
    /// client has numbers, and every wait, at once. Model events
    /// queued before the snapshot are older than it: they are skipped by
    /// listening afresh first (an event racing the snapshot may come twice,
    /// never stale).
    fn acknowledge(&mut self, subs: &Subs) {
        self.acked = true;
        self.due.push_back(Out::control(
            frames::ack(&subs.ids(), &now_stamp()),
            |stats| stats.acks_sent += 1,
        ));
        if !self.shared.opts.generate {
            return;
        }
        self.events = self.events.resubscribe();
        let stamp = now_stamp();
        let (summaries, waiting) = {
            let model = lock(&self.shared.model);
            (model.summaries(), model.waiting())
        };
        let summaries = summaries
            .into_iter()
            .map(crate::event::QueueEventKind::Summary);
        for kind in summaries.chain(waiting) {
            if subs.wants(&kind)
                && let Some(text) = frames::event(&kind, &stamp)
            {
                self.due
                    .push_back(Out::event(text, |stats| stats.events_sent += 1));
            }
        }
    }
}

impl Protocol for Realtime {
    type Flood = FloodFrames;
    const COUNTERS: SocketCounters = |s| (&mut s.connections_open, &mut s.connections_total);
    const HEARTBEAT_WHEN_IDLE: bool = true;

    fn heartbeat(&self) -> String {
        frames::heartbeat(&now_stamp())
    }

    fn close_reason(&self, code: u16, _: Cause) -> Cow<'static, str> {
        close_reason(code).into()
    }

    /// Events count from the ack on.
    fn limits_armed(&self) -> bool {
        self.acked
    }

    /// The first text frame is the subscription; later ones are ignored.
    fn on_text(&mut self, text: &str, f: &Faults) -> Step {
        if self.subs.is_some() {
            return Step::Idle;
        }
        self.shared
            .stat(|s| push_bounded(&mut s.subscribe_payloads, text.to_string()));
        match subs::parse(text) {
            Ok(_) if f.refuse_subscriptions => self.refuse(Refusal {
                code: "refused",
                message: "the simulator refuses every subscription (fault)".into(),
                subscription_id: None,
            }),
            Ok(subs) => {
                self.subs = Some(subs);
                Step::Idle
            }
            Err(r) => self.refuse(r),
        }
    }

    fn on_binary(&mut self) -> Step {
        if self.subs.is_some() {
            return Step::Idle;
        }
        self.refuse(Refusal {
            code: "invalid_subscription",
            message: "the subscription must be a text frame holding a JSON array".into(),
            subscription_id: None,
        })
    }

    /// The ack waits while the socket is silent: it is asked for only when
    /// the socket speaks.
    fn ready(&mut self) -> Option<Out> {
        if !self.acked
            && let Some(subs) = self.subs.take()
        {
            self.acknowledge(&subs);
            self.subs = Some(subs);
        }
        self.due.pop_front()
    }

    async fn next(&mut self) -> Step {
        tokio::select! {
            biased;
            _ = &mut self.token_expiry => Step::close(4001, close_reason(4001)),
            ev = self.events.recv(), if self.acked => match ev {
                Ok(ev) => {
                    let wanted = self.subs.as_ref().is_some_and(|s| s.wants(&ev.kind));
                    match frames::event(&ev.kind, &ev.timestamp) {
                        Some(text) if wanted => Step::Send(Out::event(text, |s| s.events_sent += 1)),
                        _ => Step::Idle,
                    }
                }
                Err(RecvError::Lagged(n)) => {
                    self.shared.stat(|s| s.events_lagged += n);
                    Step::Idle
                }
                Err(RecvError::Closed) => Step::End,
            },
        }
    }

    fn build_flood(&mut self) -> Option<FloodFrames> {
        let subs = self.subs.as_ref().filter(|_| self.acked)?;
        let model = lock(&self.shared.model).clone();
        Some(FloodFrames::build(model, subs))
    }

    fn count_flood(&self, n: u64) {
        self.shared.stat(|s| s.events_sent += n);
    }
}
