//! The invariants the model property tests check after every step, and
//! the export line's shape.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use queuetop::event::{FeedEvent, QueueEvent, parse_rfc3339};
use queuetop::model::alerts::ALERT_HISTORY;
use queuetop::model::queue::{HISTORY_LEN, MAX_AGENTS, MAX_WAITING};
use queuetop::model::{AlertKind, AppState, Delays};
use tokio::time::Instant;

use super::stale::{Freshness, down};
use super::{Clock, Step};

type AlertKey = (Option<String>, AlertKind);

/// Raises and clears seen so far, from `take_transitions`, and since when
/// each watched condition has been on or off.
#[derive(Default)]
pub struct AlertLog {
    active: BTreeSet<AlertKey>,
    raises: usize,
    clears: usize,
    /// Raised and cleared by the last step.
    raised_now: BTreeSet<AlertKey>,
    cleared_now: BTreeSet<AlertKey>,
    conditions: HashMap<AlertKey, Episode>,
}

struct Episode {
    on: bool,
    start: Option<Instant>,
    off_since: Instant,
}

impl AlertLog {
    fn take(&mut self, st: &mut AppState) -> Result<(), TestCaseError> {
        self.raised_now.clear();
        self.cleared_now.clear();
        for t in st.take_alert_transitions() {
            let key = (t.alert.queue_id.clone(), t.alert.kind.clone());
            if matches!(key.1, AlertKind::SkillDeficit { .. }) {
                // A deficit-list change for the audit log, not an alert.
                continue;
            }
            if t.raised {
                prop_assert!(
                    self.active.insert(key.clone()),
                    "raised twice: {:?}",
                    t.alert
                );
                self.raised_now.insert(key);
                self.raises += 1;
            } else {
                prop_assert!(self.active.remove(&key), "cleared unraised: {:?}", t.alert);
                self.cleared_now.insert(key);
                self.clears += 1;
            }
        }
        Ok(())
    }

    /// The alert of a condition obeys the delays: raised only after the
    /// condition held for the raise delay, cleared only after it was gone
    /// for the clear delay, and (after a tick, when every condition has
    /// been looked at) in the state the delays say.
    fn hysteresis(
        &mut self,
        st: &AppState,
        key: AlertKey,
        on: bool,
        at: At,
    ) -> Result<(), TestCaseError> {
        // A message without a time of its own (a status) happens at the
        // model's latest known time, as it does in the model.
        let (now, ticked) = (st.now().unwrap_or(at.now), at.ticked);
        let delays = key.1.delays(Delays {
            raise: Duration::from_secs(st.limits().raise_delay_s),
            clear: Duration::from_secs(st.limits().clear_delay_s),
        });
        let (raise, clear) = (delays.raise, delays.clear);
        // An episode: from turning on until off for the clear delay.
        let e = self.conditions.entry(key.clone()).or_insert(Episode {
            on: false,
            start: None,
            off_since: now,
        });
        if on && !e.on {
            if e.start.is_none() || now.saturating_duration_since(e.off_since) >= clear {
                e.start = Some(now);
            }
        } else if !on && e.on {
            e.off_since = now;
        }
        e.on = on;
        let held = e
            .start
            .map_or(Duration::ZERO, |s| now.saturating_duration_since(s));
        let off = now.saturating_duration_since(e.off_since);
        let active = st.alerts().is_active(key.0.as_deref(), &key.1);
        if self.raised_now.contains(&key) {
            prop_assert!(
                on && held >= raise,
                "{key:?} raised after {held:?} on: {on}"
            );
        }
        if self.cleared_now.contains(&key) {
            prop_assert!(!on && off >= clear, "{key:?} cleared after {off:?} off");
        }
        if ticked && on && held >= raise {
            prop_assert!(active, "{key:?} on for {held:?} but not raised");
        }
        if ticked && !on && off >= clear {
            prop_assert!(!active, "{key:?} off for {off:?} but still raised");
        }
        Ok(())
    }
}

/// When a check runs: the step's time, and whether the model ticked.
#[derive(Clone, Copy)]
pub struct At {
    pub now: Instant,
    pub ticked: bool,
}

/// Every invariant, checked after every step.
pub fn check(st: &mut AppState, log: &mut AlertLog, at: At) -> Result<(), TestCaseError> {
    log.take(st)?;

    // Alerts: raises minus clears are the active ones, and they are exactly
    // the active entries of the list.
    let listed: BTreeSet<AlertKey> = st
        .alerts()
        .active()
        .map(|a| (a.queue_id.clone(), a.kind.clone()))
        .collect();
    prop_assert_eq!(
        st.alerts().active_count(),
        listed.len(),
        "an alert listed twice"
    );
    prop_assert_eq!(log.raises - log.clears, st.alerts().active_count());
    prop_assert_eq!(&listed, &log.active);
    for a in &st.alerts().list {
        prop_assert!(a.cleared_at.is_none_or(|c| c >= a.raised_at), "{a:?}");
    }
    prop_assert!(
        st.alerts().list.len() <= ALERT_HISTORY.max(st.alerts().active_count()),
        "alert list over its cap: {}",
        st.alerts().list.len()
    );

    let ids: Vec<&str> = st.queues().iter().map(|q| q.id.as_str()).collect();
    // Only the queue configured by name waits for its id; no event adds a
    // queue without one.
    prop_assert!(ids.iter().filter(|i| i.is_empty()).count() <= 1, "{ids:?}");
    prop_assert!(ids.len() <= max_queues(), "{ids:?}");
    for q in st.queues() {
        let m = &q.metrics;
        prop_assert!(
            (0.0..=100.0).contains(&m.utilization),
            "{}: utilization {}",
            q.id,
            m.utilization
        );
        prop_assert!(
            (0.0..=100.0).contains(&m.available_ratio),
            "{}: availableRatio {}",
            q.id,
            m.available_ratio
        );
        prop_assert!(
            m.skill_deficits.windows(2).all(|w| w[0] < w[1]),
            "{}: deficits not sorted and unique: {:?}",
            q.id,
            m.skill_deficits
        );
        if let Some(s) = &q.summary {
            prop_assert_eq!(m.skill_coverage, s.skills.len());
        }
        // Histories: one hour of buckets at most, whatever came.
        for ring in [
            &q.utilization_history,
            &q.waiting_history,
            &q.latency_history,
            &q.longest_history,
            &q.service_level_history,
        ] {
            prop_assert_eq!(ring.capacity(), HISTORY_LEN);
            prop_assert!(ring.len() <= HISTORY_LEN);
        }
        prop_assert!(q.utilization_history.iter().flatten().all(|u| u <= 100));
        prop_assert!(q.service_level_history.iter().flatten().all(|u| u <= 100));
        prop_assert!(q.agents.len() <= MAX_AGENTS);
        prop_assert!(q.waiting.len() <= MAX_WAITING);
        if !q.id.is_empty() {
            prop_assert_eq!(ids.iter().filter(|&&i| i == q.id).count(), 1, "dup id");
            prop_assert_eq!(q.active_alerts, st.alerts().active_for(&q.id), "{}", q.id);
            // The feed being down is its own alert, not one per queue.
            prop_assert_eq!(
                q.stale && !down(&st.feed().status),
                st.alerts().is_active(Some(&q.id), &AlertKind::Stale),
                "{}: stale flag and alert disagree",
                q.id
            );
            // The alerts follow what the metrics say, with the delays.
            // A limit of 0 switches the alert off.
            let pct = q.limits.utilization_pct;
            let over = q.summary.is_some() && pct > 0.0 && m.effective_utilization() >= pct;
            log.hysteresis(st, (Some(q.id.clone()), AlertKind::Utilization), over, at)?;
            let limit = q.limits.waiting;
            let many = limit > 0 && q.waiting_count() >= limit;
            log.hysteresis(st, (Some(q.id.clone()), AlertKind::Waiting), many, at)?;
            // The critical ones: callers waiting and nobody on queue; the
            // interval's service level under its target.
            let nobody =
                q.waiting_count() > 0 && q.summary.as_ref().map(|s| s.agents_logged_in) == Some(0);
            log.hysteresis(st, (Some(q.id.clone()), AlertKind::NoAgents), nobody, at)?;
            // Which level counts is the interval module's rule (tested
            // there); this checks the alert's hysteresis on top of it.
            let target = q.service_goal().0.unwrap_or(q.limits.service_level_pct);
            let under = q.totals.as_ref().is_some_and(|t| {
                queuetop::model::interval::service_level(t).is_some_and(|sl| sl < target)
            });
            log.hysteresis(st, (Some(q.id.clone()), AlertKind::ServiceLevel), under, at)?;
            // Every skill seen on the queue: one gone from the summary is
            // a condition that ended.
            let mut skills: BTreeSet<String> = q
                .summary
                .iter()
                .flat_map(|s| s.skills.keys().cloned())
                .collect();
            skills.extend(log.conditions.keys().filter_map(|(id, k)| match k {
                AlertKind::SkillShort { skill } if id.as_deref() == Some(q.id.as_str()) => {
                    Some(skill.clone())
                }
                _ => None,
            }));
            for skill in skills {
                let short = q.skill_shortages.contains(&skill);
                let kind = AlertKind::SkillShort { skill };
                log.hysteresis(st, (Some(q.id.clone()), kind), short, at)?;
            }
            // Only deficits that waiting interactions need are alerts.
            let needed: Vec<&str> = q
                .summary
                .iter()
                .flat_map(|s| s.skills.iter())
                .filter(|(_, c)| c.available == 0 && c.required.is_some_and(|r| r > 0))
                .map(|(k, _)| k.as_str())
                .collect();
            prop_assert_eq!(
                q.skill_shortages
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
                needed
            );
        }
    }
    prop_assert!(
        st.alerts()
            .list
            .iter()
            .all(|a| !matches!(a.kind, AlertKind::SkillDeficit { .. })),
        "a deficit without demand in the alert list"
    );
    // A queue's own conditions are never left raised on a queue that is not
    // listed (nothing could ever clear them).
    for a in st.alerts().active() {
        let own = matches!(
            a.kind,
            AlertKind::SkillShort { .. }
                | AlertKind::Utilization
                | AlertKind::Waiting
                | AlertKind::Stale
        );
        if own && let Some(id) = &a.queue_id {
            prop_assert!(ids.contains(&id.as_str()), "orphan alert {:?}", a);
        }
    }

    let l = &st.feed().latency;
    prop_assert!(l.count() <= l.capacity());
    if l.count() > 0 {
        let (min, avg, max, p95) = (l.min(), l.avg(), l.max(), l.p95());
        let (Some(min), Some(avg), Some(max), Some(p95)) = (min, avg, max, p95) else {
            return Err(TestCaseError::fail(format!(
                "missing figure: {min:?} {avg:?} {max:?} {p95:?}"
            )));
        };
        prop_assert!(min >= 0, "negative latency min {min}");
        let limit = i64::try_from(st.limits().latency_ms).unwrap_or(i64::MAX);
        log.hysteresis(
            st,
            (None, AlertKind::Latency),
            limit > 0 && p95 >= limit,
            at,
        )?;
        prop_assert!(min <= p95 && p95 <= max, "{min} <= {p95} <= {max}");
        prop_assert!(
            min as f64 <= avg && avg <= max as f64,
            "{min} <= {avg} <= {max}"
        );
    } else {
        log.hysteresis(st, (None, AlertKind::Latency), false, at)?;
        prop_assert_eq!(
            (l.min(), l.max(), l.p95(), l.avg()),
            (None, None, None, None)
        );
    }
    Ok(())
}

/// What the steps so far must have counted: nothing is lost silently.
#[derive(Debug, Default, PartialEq)]
struct Counts {
    events: u64,
    snapshots: u64,
    skew: u64,
    malformed: u64,
    unknown: u64,
    heartbeats: u64,
}

/// Runs the steps from `st`, checking after each.
pub fn run(st: &mut AppState, clock: &mut Clock, steps: &[Step]) -> Result<(), TestCaseError> {
    let mut log = AlertLog::default();
    let mut want = Counts::default();
    let mut freshness = Freshness::default();
    let at = |now: Instant, ticked: bool| At { now, ticked };
    check(st, &mut log, at(clock.now, false))?;
    for s in steps {
        let mut ticked = false;
        match s {
            Step::Queue(q) => {
                let ev = clock.event(q);
                freshness.queue_event(&ev);
                if ev.kind.queue_id().is_empty() {
                    want.malformed += 1;
                    st.apply(&FeedEvent::Queue(ev));
                    check(st, &mut log, at(clock.now, false))?;
                    continue;
                }
                if ev.snapshot {
                    want.snapshots += 1;
                } else {
                    want.events += 1;
                    want.skew += u64::from(ev.latency_ms().is_some_and(|l| l < 0));
                }
                st.apply(&FeedEvent::Queue(ev.clone()));
                let view = st.queue(ev.kind.queue_id());
                // A queue event shows the feed alive: stale only for a
                // reason it does not end.
                let fresh = view.is_some_and(|v| {
                    v.last_update == Some(ev.received) && (!v.stale || Freshness::excused(st, v))
                });
                prop_assert!(fresh);
            }
            Step::Other(ev) => {
                match ev {
                    FeedEvent::Malformed { .. } => want.malformed += 1,
                    FeedEvent::QueueName { queue_id, .. } if queue_id.is_empty() => {
                        want.malformed += 1
                    }
                    FeedEvent::Unknown { .. } => want.unknown += 1,
                    FeedEvent::Heartbeat => want.heartbeats += 1,
                    _ => {}
                }
                freshness.other(ev);
                st.apply(ev);
            }
            Step::Tick { advance_ms } => {
                clock.advance(*advance_ms);
                freshness.tick(clock.now);
                st.tick(clock.now, clock.wall);
                ticked = true;
                for q in st.queues() {
                    let stale = freshness.stale(st, q, clock.now);
                    prop_assert_eq!(q.stale, stale, "{}: {:?}", q.id, freshness);
                }
            }
        }
        let f = &st.feed();
        let got = Counts {
            events: f.events_processed,
            snapshots: f.snapshot_events,
            skew: f.clock_skew,
            malformed: f.malformed,
            unknown: f.unknown,
            heartbeats: f.heartbeats,
        };
        prop_assert_eq!(&got, &want);
        check(st, &mut log, at(clock.now, ticked))?;
    }
    Ok(())
}

/// The export line for `ev` parses as one JSON object with the fields of
/// docs/EXPORT.md, "The export line", and has no newline but the last.
pub fn check_export(st: &AppState, ev: &QueueEvent, line: &str) -> Result<(), TestCaseError> {
    let body = line.strip_suffix('\n').unwrap_or(line);
    prop_assert!(line.ends_with('\n'), "no trailing newline");
    prop_assert!(!body.contains(['\n', '\r']), "newline inside: {line:?}");
    let v: serde_json::Value = serde_json::from_str(body)
        .map_err(|e| TestCaseError::fail(format!("not JSON ({e}): {line:?}")))?;
    let obj = v
        .as_object()
        .ok_or_else(|| TestCaseError::fail("not an object"))?;
    let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    let mut want = vec![
        "correlation_id",
        "delivery_rate",
        "event_type",
        "events_processed",
        "figures",
        "latency_ms",
        "routing_metrics",
        "topic",
    ];
    want.sort_unstable();
    prop_assert_eq!(keys, want);
    prop_assert_eq!(&v["event_type"], ev.kind.type_name());
    prop_assert_eq!(&v["topic"], ev.topic.as_str());
    prop_assert!(v["delivery_rate"].as_f64().is_some_and(|r| r >= 0.0));
    prop_assert_eq!(
        v["events_processed"].as_u64(),
        Some(st.feed().events_processed)
    );
    let latency = ev.latency_ms().filter(|_| !ev.snapshot);
    prop_assert_eq!(v["latency_ms"].as_i64(), latency);
    prop_assert_eq!(v["latency_ms"].is_null(), latency.is_none());
    match ev.correlation_id.as_deref().filter(|_| !ev.snapshot) {
        Some(c) => prop_assert_eq!(&v["correlation_id"], c),
        None => prop_assert!(v["correlation_id"].is_null()),
    }

    // The figures past the original fields agree with the model's, rounded.
    let f = &v["figures"];
    let q = st.queue(ev.kind.queue_id());
    // An event without a queue id is dropped, so has no queue to describe.
    prop_assert_eq!(q.is_none(), f.is_null());
    if let Some(q) = q {
        let waited = q
            .longest_wait(ev.received)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        prop_assert_eq!(f["longestWaitMs"].as_u64(), waited);
        let kinds = f["alerts"].as_array().map_or(0, Vec::len);
        prop_assert_eq!(kinds, st.alerts().active_for(&q.id));
        prop_assert_eq!(
            v["routing_metrics"]["interactionsWaiting"].as_u64(),
            Some(u64::from(q.waiting_count()))
        );
        // Agents by state and queue utilization: the model's, null where
        // the feed did not say.
        let agents = q.summary.as_ref().map(|s| s.agents).unwrap_or_default();
        for (key, value) in queuetop::sink::export::agent_fields(&agents) {
            prop_assert_eq!(f["agents"][key].as_u64(), value.map(u64::from), "{}", key);
            prop_assert_eq!(f["agents"][key].is_null(), value.is_none(), "{}", key);
        }
        let util = q
            .metrics
            .queue_utilization
            .map(queuetop::model::queue::round1);
        prop_assert_eq!(f["queueUtilization"].as_f64(), util);
        let media = q
            .summary
            .as_ref()
            .map(|s| s.media.clone())
            .unwrap_or_default();
        let shown = f["media"]
            .as_object()
            .ok_or_else(|| TestCaseError::fail("figures.media not an object"))?;
        prop_assert_eq!(shown.len(), media.len());
        for (name, c) in &media {
            prop_assert_eq!(shown[name]["waiting"].as_u64(), Some(u64::from(c.waiting)));
            prop_assert_eq!(
                shown[name]["interacting"].as_u64(),
                c.interacting.map(u64::from)
            );
        }
        prop_assert!(
            util.is_none_or(|p| (0.0..=100.0).contains(&p)),
            "{:?}",
            util
        );
        for k in ["utilization", "availableRatio"] {
            let x = v["routing_metrics"][k].as_f64().unwrap_or(f64::NAN);
            prop_assert!(((x * 10.0).round() - x * 10.0).abs() < 1e-6, "{k} {x}");
        }
    }
    let rm = &v["routing_metrics"];
    let rm_keys: BTreeSet<&str> = rm
        .as_object()
        .ok_or_else(|| TestCaseError::fail("routing_metrics not an object"))?
        .keys()
        .map(String::as_str)
        .collect();
    let rm_want: BTreeSet<&str> = [
        "queueId",
        "queueName",
        "timestamp",
        "utilization",
        "availableRatio",
        "skillCoverage",
        "agentsAvailable",
        "agentsLoggedIn",
        "agentsInteracting",
        "interactionsWaiting",
        "skillDeficits",
    ]
    .into();
    prop_assert_eq!(rm_keys, rm_want);
    prop_assert_eq!(&rm["queueId"], ev.kind.queue_id());
    prop_assert!(rm["queueName"].is_string());
    let ts = rm["timestamp"].as_str().and_then(parse_rfc3339);
    let ms = |t: time::OffsetDateTime| t.unix_timestamp_nanos() / 1_000_000;
    prop_assert_eq!(ts.map(ms), Some(ms(ev.received_wall)));
    for k in ["utilization", "availableRatio"] {
        prop_assert!(
            rm[k].as_f64().is_some_and(|p| (0.0..=100.0).contains(&p)),
            "{k}: {}",
            rm[k]
        );
    }
    for k in [
        "skillCoverage",
        "agentsAvailable",
        "agentsLoggedIn",
        "agentsInteracting",
        "interactionsWaiting",
    ] {
        prop_assert!(rm[k].is_u64(), "{k}: {}", rm[k]);
    }
    let deficits = rm["skillDeficits"]
        .as_array()
        .ok_or_else(|| TestCaseError::fail("skillDeficits not an array"))?;
    prop_assert!(deficits.iter().all(serde_json::Value::is_string));
    Ok(())
}

/// Most queues a run can list: the configured ones plus every id used.
fn max_queues() -> usize {
    super::configured().len() + super::QUEUE_IDS.len()
}
