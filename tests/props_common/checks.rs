//! The invariants the model property tests check after every step, and
//! the export line's shape.

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use queuetop::event::{FeedEvent, QueueEvent, parse_rfc3339};
use queuetop::model::alerts::ALERT_HISTORY;
use queuetop::model::queue::{HISTORY_LEN, MAX_AGENTS, MAX_WAITING};
use queuetop::model::{AlertKind, AppState};

use super::{Clock, Step};

type AlertKey = (Option<String>, AlertKind);

/// Raises and clears seen so far, from `take_transitions`.
#[derive(Default)]
pub struct AlertLog {
    active: BTreeSet<AlertKey>,
    raises: usize,
    clears: usize,
}

impl AlertLog {
    fn take(&mut self, st: &mut AppState) -> Result<(), TestCaseError> {
        for t in st.alerts.take_transitions() {
            let key = (t.alert.queue_id.clone(), t.alert.kind.clone());
            if t.raised {
                prop_assert!(self.active.insert(key), "raised twice: {:?}", t.alert);
                self.raises += 1;
            } else {
                prop_assert!(self.active.remove(&key), "cleared unraised: {:?}", t.alert);
                self.clears += 1;
            }
        }
        Ok(())
    }
}

/// Every invariant, checked after every step.
pub fn check(st: &mut AppState, log: &mut AlertLog) -> Result<(), TestCaseError> {
    log.take(st)?;

    // Alerts: raises minus clears are the active ones, and they are exactly
    // the active entries of the list.
    let listed: BTreeSet<AlertKey> = st
        .alerts
        .active()
        .map(|a| (a.queue_id.clone(), a.kind.clone()))
        .collect();
    prop_assert_eq!(
        st.alerts.active_count(),
        listed.len(),
        "an alert listed twice"
    );
    prop_assert_eq!(log.raises - log.clears, st.alerts.active_count());
    prop_assert_eq!(&listed, &log.active);
    prop_assert!(
        st.alerts.list.len() <= ALERT_HISTORY.max(st.alerts.active_count()),
        "alert list over its cap: {}",
        st.alerts.list.len()
    );

    let ids: Vec<&str> = st.queues.iter().map(|q| q.id.as_str()).collect();
    for q in &st.queues {
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
        for ring in [
            &q.utilization_history,
            &q.waiting_history,
            &q.latency_history,
        ] {
            prop_assert_eq!(ring.capacity(), HISTORY_LEN);
            prop_assert!(ring.len() <= HISTORY_LEN);
        }
        prop_assert!(q.utilization_history.iter().all(|&u| u <= 100));
        prop_assert!(q.agents.len() <= MAX_AGENTS);
        prop_assert!(q.waiting.len() <= MAX_WAITING);
        if !q.id.is_empty() {
            prop_assert_eq!(ids.iter().filter(|&&i| i == q.id).count(), 1, "dup id");
            prop_assert_eq!(q.active_alerts, st.alerts.active_for(&q.id), "{}", q.id);
            prop_assert_eq!(
                q.stale,
                st.alerts.is_active(Some(&q.id), &AlertKind::Stale),
                "{}: stale flag and alert disagree",
                q.id
            );
            // The alerts say what the metrics say.
            let over = q.summary.is_some() && m.utilization >= st.limits.utilization_pct;
            prop_assert_eq!(
                over,
                st.alerts.is_active(Some(&q.id), &AlertKind::Utilization),
                "{}: utilization {} vs limit {}",
                q.id,
                m.utilization,
                st.limits.utilization_pct
            );
            let deficit_alerts: Vec<&str> = st
                .alerts
                .active()
                .filter(|a| a.queue_id.as_deref() == Some(&q.id))
                .filter_map(|a| match &a.kind {
                    AlertKind::SkillDeficit { skill } => Some(skill.as_str()),
                    _ => None,
                })
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            prop_assert_eq!(
                deficit_alerts,
                m.skill_deficits
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
            );
        }
    }
    // A queue's own conditions are never left raised on a queue that is not
    // listed (nothing could ever clear them).
    for a in st.alerts.active() {
        let own = matches!(
            a.kind,
            AlertKind::SkillDeficit { .. }
                | AlertKind::Utilization
                | AlertKind::Waiting
                | AlertKind::Stale
        );
        if own && let Some(id) = &a.queue_id {
            prop_assert!(ids.contains(&id.as_str()), "orphan alert {:?}", a);
        }
    }

    let l = &st.feed.latency;
    prop_assert!(l.count() <= l.capacity());
    if l.count() > 0 {
        let (min, avg, max, p95) = (l.min(), l.avg(), l.max(), l.p95());
        let (Some(min), Some(avg), Some(max), Some(p95)) = (min, avg, max, p95) else {
            return Err(TestCaseError::fail(format!(
                "missing figure: {min:?} {avg:?} {max:?} {p95:?}"
            )));
        };
        prop_assert!(min >= 0, "negative latency min {min}");
        let limit = i64::try_from(st.limits.latency_ms).unwrap_or(i64::MAX);
        prop_assert_eq!(st.alerts.is_active(None, &AlertKind::Latency), p95 >= limit);
        prop_assert!(min <= p95 && p95 <= max, "{min} <= {p95} <= {max}");
        prop_assert!(
            min as f64 <= avg && avg <= max as f64,
            "{min} <= {avg} <= {max}"
        );
    } else {
        prop_assert_eq!(
            (l.min(), l.max(), l.p95(), l.avg()),
            (None, None, None, None)
        );
    }
    Ok(())
}

/// Runs the steps from `st`, checking after each.
pub fn run(st: &mut AppState, clock: &mut Clock, steps: &[Step]) -> Result<(), TestCaseError> {
    let mut log = AlertLog::default();
    check(st, &mut log)?;
    for s in steps {
        match s {
            Step::Queue(q) => {
                let ev = clock.event(q);
                st.apply(&FeedEvent::Queue(ev));
            }
            Step::Other(ev) => {
                st.apply(ev);
            }
            Step::Tick { advance_ms } => {
                clock.advance(*advance_ms);
                st.tick(clock.now, clock.wall);
            }
        }
        check(st, &mut log)?;
    }
    Ok(())
}

/// The export line for `ev` parses as one JSON object with the fields of
/// PROTOCOL.md section 4, and has no newline but the last.
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
        Some(st.feed.events_processed)
    );
    let latency = ev.latency_ms().filter(|_| !ev.snapshot);
    prop_assert_eq!(v["latency_ms"].as_i64(), latency);
    prop_assert_eq!(v["latency_ms"].is_null(), latency.is_none());
    match ev.correlation_id.as_deref().filter(|_| !ev.snapshot) {
        Some(c) => prop_assert_eq!(&v["correlation_id"], c),
        None => prop_assert!(v["correlation_id"].is_null()),
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
