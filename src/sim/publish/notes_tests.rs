//! Partial notifications, applied the way the protocol says (absent
//! metrics keep their value, wide intervals never touch current counts),
//! must reproduce the model's observations exactly after every tick.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;

use serde_json::Value;

use super::*;
use crate::sim::center::Model;
use crate::sim::publish::{Now, notes_for};

const NOW: Now<'static> = Now {
    stamp: "2026-11-27T19:20:25.123Z",
    ms: 0,
    omit_zero: false,
};

#[derive(Debug, Default, PartialEq)]
struct Acc {
    on_queue: BTreeMap<String, u64>,
    active: u64,
    off_queue: u64,
    /// media -> (waiting, interacting)
    media: BTreeMap<String, (u64, u64)>,
}

fn apply(acc: &mut BTreeMap<String, Acc>, text: &str) {
    let v: Value = serde_json::from_str(text).unwrap();
    let body = &v["eventBody"];
    let q = body["group"]["queueId"].as_str().unwrap().to_string();
    let d = &body["data"][0];
    let (a, b) = d["interval"].as_str().unwrap().split_once('/').unwrap();
    if a != b {
        return;
    }
    let media = body["group"]["mediaType"].as_str().unwrap().to_string();
    let acc = acc.entry(q).or_default();
    for m in d["metrics"].as_array().unwrap() {
        let count = m["stats"]["count"].as_u64().unwrap();
        match m["metric"].as_str().unwrap() {
            "oOnQueueUsers" => {
                acc.on_queue
                    .insert(m["qualifier"].as_str().unwrap().into(), count);
            }
            "oActiveUsers" => acc.active = count,
            "oOffQueueUsers" => acc.off_queue = count,
            "oWaiting" => {
                assert!(m.get("observations").is_none(), "no detail: {m}");
                acc.media.entry(media.clone()).or_default().0 = count;
            }
            "oInteracting" => acc.media.entry(media.clone()).or_default().1 = count,
            other => panic!("unexpected current metric {other}"),
        }
    }
}

fn expected(obs: &QueueObs) -> Acc {
    let mut e = Acc {
        active: u64::from(obs.active),
        off_queue: u64::from(obs.off_queue),
        ..Acc::default()
    };
    for (k, n) in obs.on_queue.iter().enumerate() {
        e.on_queue
            .insert(crate::sim::center::qualifier(k).into(), u64::from(*n));
    }
    for m in &obs.media {
        e.media.insert(
            m.media.clone(),
            (m.waiting.len() as u64, u64::from(m.interacting)),
        );
    }
    e
}

#[test]
fn partial_messages_add_up_to_the_model_and_numbers_only_grow() {
    let mut model = Model::new(11, 4, 8, 500);
    let mut notes = Notes::new(4);
    let seq = AtomicU64::new(0);
    // The client starts from the observations query: the full state.
    let mut acc: BTreeMap<String, Acc> = (0..4)
        .map(|qi| {
            let obs = model.observe(qi).unwrap();
            (obs.queue_id.clone(), expected(&obs))
        })
        .collect();
    let (mut partial, mut totals, mut last) = (0, 0, 0u64);
    for tick in 0..3000 {
        let events = model.tick();
        let batch = notes_for(&model, &mut notes, &events, &NOW, &seq);
        for note in &batch {
            for (topic, text) in &note.variants {
                let v: Value = serde_json::from_str(text).unwrap();
                assert_eq!(v["topicName"], topic.as_str());
                let n: u64 = v["metadata"]["CorrelationId"]
                    .as_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!(n > last || note.variants.len() > 1, "{n} after {last}");
                last = last.max(n);
                if topic.starts_with("v2.analytics.queues.") {
                    let metrics = v["eventBody"]["data"][0]["metrics"].as_array().unwrap();
                    if metrics.iter().any(|m| m["metric"] == "nOffered") {
                        totals += 1;
                    } else if metrics.len() < 7 {
                        partial += 1;
                    }
                    apply(&mut acc, text);
                }
            }
        }
        for qi in 0..4 {
            let obs = model.observe(qi).unwrap();
            let mut got = acc.remove(&obs.queue_id).unwrap_or_default();
            // Media that once had interactions and now have none read 0.
            got.media.retain(|_, m| *m != (0, 0));
            let mut want = expected(&obs);
            want.media.retain(|_, m| *m != (0, 0));
            assert_eq!(got, want, "queue {qi} after tick {tick}");
            acc.insert(obs.queue_id.clone(), got);
        }
    }
    assert!(partial > 100, "{partial} partial messages");
    assert!(totals > 50, "{totals} totals messages");
}

#[test]
#[ignore = "a measurement, not a check: cargo test --release --lib sim::notes::tests::cost -- --ignored --nocapture"]
fn cost_of_a_tick_with_1000_queues() {
    let mut model = Model::new(1, 1000, 8, 1000);
    let mut notes = Notes::new(1000);
    let seq = AtomicU64::new(0);
    let t0 = std::time::Instant::now();
    let mut n = 0;
    for _ in 0..60 {
        let events = model.tick();
        n += notes_for(&model, &mut notes, &events, &NOW, &seq).len();
    }
    eprintln!(
        "60 ticks of 1000 queues: {n} notifications in {:?}",
        t0.elapsed()
    );
}

/// Every `oOnQueueUsers` count in the notifications of `ticks` ticks.
fn on_queue_counts(omit_zero: bool, ticks: usize) -> Vec<u64> {
    let mut model = Model::new(5, 3, 6, 500);
    let mut notes = Notes::new(3);
    let seq = AtomicU64::new(0);
    let now = Now { omit_zero, ..NOW };
    let mut counts = Vec::new();
    for _ in 0..ticks {
        let events = model.tick();
        for note in notes_for(&model, &mut notes, &events, &now, &seq) {
            let v: Value = serde_json::from_str(&note.variants[0].1).unwrap();
            for m in v["eventBody"]["data"][0]["metrics"]
                .as_array()
                .into_iter()
                .flatten()
            {
                if m["metric"] == "oOnQueueUsers" {
                    counts.push(m["stats"]["count"].as_u64().unwrap());
                }
            }
        }
    }
    counts
}

#[test]
fn zero_qualifiers_are_sent_unless_the_knob_omits_them() {
    let sent = on_queue_counts(false, 300);
    assert!(sent.contains(&0), "a qualifier at 0 is sent by default");
    let omitted = on_queue_counts(true, 300);
    assert!(!omitted.is_empty() && !omitted.contains(&0), "{omitted:?}");
}

#[test]
fn totals_come_per_media_type_and_add_up_to_the_queue() {
    let mut model = Model::new(9, 1, 12, 500);
    for _ in 0..600 {
        model.tick();
    }
    let obs = model.observe(0).unwrap();
    let mut notes = Notes::new(1);
    let batch = notes.totals(0, &obs, 0, &AtomicU64::new(0));
    assert!(batch.len() > 1, "several media types had interactions");
    let (mut offered, mut answered, mut handled) = (0, 0, 0);
    let mut media = Vec::new();
    for note in &batch {
        let v: Value = serde_json::from_str(&note.variants[0].1).unwrap();
        media.push(
            v["eventBody"]["group"]["mediaType"]
                .as_str()
                .unwrap()
                .to_string(),
        );
        let metrics = v["eventBody"]["data"][0]["metrics"].as_array().unwrap();
        for m in metrics {
            match m["metric"].as_str().unwrap() {
                "nOffered" => offered += m["stats"]["count"].as_u64().unwrap(),
                "tAnswered" => {
                    let n = m["stats"]["count"].as_u64().unwrap();
                    let sum = m["stats"]["sum"].as_u64().unwrap();
                    // A wait of at least a tick, at most 600 ticks, each.
                    assert!(sum >= n * 500 && sum <= n * 600 * 500, "{m}");
                    answered += n;
                }
                "tHandle" => {
                    let n = m["stats"]["count"].as_u64().unwrap();
                    // Calls last 10 to 40 ticks.
                    let sum = m["stats"]["sum"].as_u64().unwrap();
                    assert!(sum >= n * 10 * 500 && sum <= n * 40 * 500, "{m}");
                    handled += n;
                }
                "oServiceLevel" => {
                    assert_eq!(m["stats"]["target"], 0.8);
                    assert!(m["stats"]["numerator"].as_u64() <= m["stats"]["denominator"].as_u64());
                }
                _ => {}
            }
        }
    }
    let mut unique = media.clone();
    unique.dedup();
    assert_eq!(unique, media, "one message per media type");
    assert_eq!(offered, obs.totals.iter().map(|t| t.offered).sum::<u64>());
    assert_eq!(answered, obs.totals.iter().map(|t| t.answered).sum::<u64>());
    assert_eq!(handled, obs.totals.iter().map(|t| t.handled).sum::<u64>());
    assert!(offered > 0 && answered > 0 && handled > 0);
}

/// Offered in one totals batch, over its media types.
fn offered_in(batch: &[Note]) -> u64 {
    batch
        .iter()
        .flat_map(|note| {
            let v: Value = serde_json::from_str(&note.variants[0].1).unwrap();
            v["eventBody"]["data"][0]["metrics"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|m| m["metric"] == "nOffered")
                .map(|m| m["stats"]["count"].as_u64().unwrap())
                .collect::<Vec<_>>()
        })
        .sum()
}

#[test]
fn the_first_interval_counts_what_came_before_the_first_message() {
    let mut model = Model::new(9, 1, 12, 500);
    for _ in 0..600 {
        model.tick();
    }
    let obs = model.observe(0).unwrap();
    let mut notes = Notes::new(1);
    // Mid-interval, as when a demo starts at 08:50: what the simulator
    // offered since it started is in the interval, not zero.
    let half_hour: i128 = 30 * 60_000;
    let mid = 1000 * half_hour + 17 * 60_000;
    let first = offered_in(&notes.totals(0, &obs, mid, &AtomicU64::new(0)));
    assert!(first > 0, "the first message of an interval says 0 offered");
    // The next interval starts from its boundary.
    let next = offered_in(&notes.totals(0, &obs, 1001 * half_hour + 60_000, &AtomicU64::new(0)));
    assert_eq!(next, 0);
}

#[test]
fn totals_follow_a_change_within_a_few_ticks() {
    let mut model = Model::new(9, 3, 8, 500);
    let mut notes = Notes::new(3);
    let seq = AtomicU64::new(0);
    let lag = crate::sim::publish::TOTALS_CHANGED_EVERY_TICKS;
    let mut sent = [0u64; 3];
    let mut changed = [(0u64, 0usize); 3];
    for tick in 0..600 {
        let events = model.tick();
        let batch = notes_for(&model, &mut notes, &events, &NOW, &seq);
        for (qi, last) in sent.iter_mut().enumerate() {
            let obs = model.observe(qi).unwrap();
            let offered: u64 = obs.totals.iter().map(|t| t.offered).sum();
            let topic = frames::queue_topic(&obs.queue_id);
            let totals: Vec<&Note> = batch
                .iter()
                .filter(|note| note.variants[0].0 == topic)
                .filter(|note| note.variants[0].1.contains("nOffered"))
                .collect();
            if !totals.is_empty() {
                *last = totals
                    .iter()
                    .map(|note| offered_in(std::slice::from_ref(*note)))
                    .sum();
            }
            if changed[qi].0 != offered {
                changed[qi] = (offered, tick);
            }
            if tick - changed[qi].1 >= lag as usize {
                assert_eq!(*last, offered, "queue {qi} at tick {tick}: totals lag");
            }
        }
    }
}

#[test]
fn offered_covers_answered_abandoned_and_waiting() {
    use crate::sim::Pace;
    for pace in [Pace::Fast, Pace::day()] {
        let mut model = Model::with_pace(7, 6, 8, 250, pace);
        for tick in 0..2000 {
            model.tick();
            for qi in 0..6 {
                let obs = model.observe(qi).unwrap();
                let offered: u64 = obs.totals.iter().map(|t| t.offered).sum();
                let answered: u64 = obs.totals.iter().map(|t| t.answered).sum();
                let abandoned: u64 = obs.totals.iter().map(|t| t.abandoned).sum();
                let waiting: u64 = obs.media.iter().map(|m| m.waiting.len() as u64).sum();
                assert!(
                    offered >= answered + abandoned + waiting,
                    "{pace:?} tick {tick} queue {qi}: offered {offered}, answered {answered}, abandoned {abandoned}, waiting {waiting}"
                );
            }
        }
    }
}

#[test]
fn a_shared_correlation_id_replaces_each_variants_own_and_nothing_else() {
    let agent = AgentState {
        queue_id: "q".into(),
        user_id: "u".into(),
        user_name: None,
        status: crate::event::AgentStatus::Idle,
        skills: Vec::new(),
    };
    let activity = Activity {
        active_queue_ids: vec!["q".into()],
        changed_ms: 0,
    };
    let note = user_changed(&agent, NOW.stamp, &activity, &AtomicU64::new(0));
    let before: Vec<Value> = note
        .variants
        .iter()
        .map(|(_, text)| serde_json::from_str(text.as_str()).unwrap())
        .collect();
    let shared = note.with_correlation_id("one-request");
    assert_eq!(shared.variants.len(), before.len());
    for ((_, text), mut was) in shared.variants.iter().zip(before) {
        assert_eq!(was["metadata"]["CorrelationId"], "1");
        was["metadata"]["CorrelationId"] = "one-request".into();
        let now: Value = serde_json::from_str(text.as_str()).unwrap();
        assert_eq!(now, was);
    }
}
