//! The observations query as a full snapshot, its corrections, the detail
//! only it carries, and interval totals per media type.

use time::OffsetDateTime;
use tokio::time::Instant;

use crate::event::{FeedEvent, QueueEventKind, QueueTotals, parse_rfc3339};
use crate::feed::notifications::mapping::{Decoded, Mapper, Receipt};

fn receipt() -> Receipt {
    Receipt {
        wall: OffsetDateTime::now_utc(),
        at: Instant::now(),
    }
}

/// A current observation of queue `q`, media `media`, at `at`.
fn note(q: &str, media: &str, at: &str, metrics: &str) -> String {
    format!(
        r#"{{"topicName":"v2.analytics.queues.{q}.observations","eventBody":{{"group":{{"queueId":"{q}","mediaType":"{media}"}},"data":[{{"interval":"{at}/{at}","metrics":[{metrics}]}}]}}}}"#
    )
}

fn on_queue(qualifier: &str, n: u32) -> String {
    format!(r#"{{"metric":"oOnQueueUsers","qualifier":"{qualifier}","stats":{{"count":{n}}}}}"#)
}

/// A query answer: the user metrics in a group of their own, one group per
/// media type for conversation metrics, as Genesys' sample answer has them.
fn answer(groups: &[(&str, Option<&str>, Vec<String>)]) -> String {
    let results: Vec<String> = groups
        .iter()
        .map(|(q, media, data)| {
            let media = media.map_or(String::new(), |m| format!(r#","mediaType":"{m}""#));
            format!(
                r#"{{"group":{{"queueId":"{q}"{media}}},"data":[{}]}}"#,
                data.join(",")
            )
        })
        .collect();
    format!(r#"{{"results":[{}]}}"#, results.join(","))
}

fn waiting(n: u32) -> String {
    format!(r#"{{"metric":"oWaiting","stats":{{"count":{n}}}}}"#)
}

#[tokio::test]
async fn a_query_answer_resets_the_qualifiers_and_media_it_omits() {
    let mut m = Mapper::new();
    let first = answer(&[
        (
            "Q",
            None,
            vec![on_queue("IDLE", 2), on_queue("INTERACTING", 3)],
        ),
        ("Q", Some("voice"), vec![waiting(1)]),
        ("Q", Some("chat"), vec![waiting(2)]),
    ]);
    m.apply_query(&first).unwrap();
    // Nobody idle any more and no chat waiting: the answer leaves them out.
    let second = answer(&[
        ("Q", None, vec![on_queue("INTERACTING", 3)]),
        ("Q", Some("voice"), vec![waiting(1)]),
    ]);
    m.apply_query(&second).unwrap();
    let s = m.summary("Q").unwrap();
    assert_eq!(
        (
            s.agents_available,
            s.agents_logged_in,
            s.interactions_waiting
        ),
        (0, 3, 1)
    );
}

#[tokio::test]
async fn a_requery_counts_its_corrections_and_reports_only_changed_queues() {
    let mut m = Mapper::new();
    m.add_queue("Q", None);
    m.add_queue("R", None);
    let start = answer(&[
        (
            "Q",
            None,
            vec![on_queue("IDLE", 1), on_queue("INTERACTING", 1)],
        ),
        ("Q", Some("voice"), vec![waiting(0)]),
        ("R", None, vec![on_queue("IDLE", 4)]),
        ("R", Some("voice"), vec![waiting(2)]),
    ]);
    let r = m
        .reconcile(&start, "observations.query", receipt())
        .unwrap();
    assert_eq!(r.events.len(), 2, "both queues changed from nothing");
    // The idle agent took a call; the notification leaves out IDLE (0).
    let t = "2026-11-30T10:00:00.000Z";
    m.decode(
        &note("Q", "voice", t, &on_queue("INTERACTING", 2)),
        receipt(),
    );
    assert_eq!(m.summary("Q").unwrap().agents_available, 1, "stale");
    let now = answer(&[
        ("Q", None, vec![on_queue("INTERACTING", 2)]),
        ("Q", Some("voice"), vec![waiting(0)]),
        ("R", None, vec![on_queue("IDLE", 4)]),
        ("R", Some("voice"), vec![waiting(2)]),
    ]);
    let r = m.reconcile(&now, "observations.query", receipt()).unwrap();
    assert_eq!(r.corrections, 1);
    assert_eq!(r.examples, ["Q IDLE 1->0"]);
    assert_eq!(r.events.len(), 1, "R did not change: {:?}", r.events);
    let ev = &r.events[0];
    assert_eq!(
        (ev.topic.as_str(), ev.snapshot),
        ("observations.query", false)
    );
    let QueueEventKind::Summary(s) = &ev.kind else {
        panic!("{ev:?}")
    };
    assert_eq!((s.queue_id.as_str(), s.agents_available), ("Q", 0));
    // The same answer again corrects nothing and reports nothing.
    let r = m.reconcile(&now, "observations.query", receipt()).unwrap();
    assert_eq!((r.corrections, r.events.len()), (0, 0));
}

#[tokio::test]
async fn demand_and_the_oldest_wait_come_from_the_query_detail() {
    let mut m = Mapper::new();
    m.set_skill_names([("s-es".to_string(), "Spanish".to_string())]);
    let detail = r#"{"metric":"oWaiting","stats":{"count":3},"truncated":true,"observations":[
        {"observationDate":"2026-11-30T10:00:05.000Z","requestedRoutingSkillIds":["s-es"]},
        {"observationDate":"2026-11-30T09:59:30.000Z","requestedRoutingSkillIds":["s-es","s-fr"]}]}"#;
    m.apply_query(&answer(&[("Q", Some("voice"), vec![detail.to_string()])]))
        .unwrap();
    let s = m.summary("Q").unwrap();
    assert_eq!(s.interactions_waiting, 3);
    assert_eq!(s.skills["Spanish"].required, Some(2));
    assert_eq!(s.skills["s-fr"].required, Some(1));
    assert!(s.demand_truncated, "only 2 of 3 listed: at least");
    assert_eq!(
        s.oldest_waiting_since,
        parse_rfc3339("2026-11-30T09:59:30.000Z")
    );
    // A notification without detail: the queue emptied.
    let t = "2026-11-30T10:00:10.000Z";
    m.decode(&note("Q", "voice", t, &waiting(0)), receipt());
    let s = m.summary("Q").unwrap();
    assert_eq!(s.skills.get("Spanish").and_then(|c| c.required), None);
    assert!(!s.demand_truncated);
    assert_eq!(s.oldest_waiting_since, None);
}

#[tokio::test]
async fn without_detail_new_waiting_is_dated_by_its_notification() {
    let mut m = Mapper::new();
    m.decode(
        &note("Q", "voice", "2026-11-30T10:00:00.000Z", &waiting(1)),
        receipt(),
    );
    let first = parse_rfc3339("2026-11-30T10:00:00.000Z");
    assert_eq!(m.summary("Q").unwrap().oldest_waiting_since, first);
    // One more arrives later: the oldest is still the first.
    m.decode(
        &note("Q", "voice", "2026-11-30T10:00:07.000Z", &waiting(2)),
        receipt(),
    );
    assert_eq!(m.summary("Q").unwrap().oldest_waiting_since, first);
}

fn totals_note(media: &str, interval: &str, offered: u64, within: u64, answered: u64) -> String {
    format!(
        r#"{{"topicName":"v2.analytics.queues.Q.observations","eventBody":{{"group":{{"queueId":"Q","mediaType":"{media}"}},
        "data":[{{"interval":"{interval}","metrics":[
          {{"metric":"nOffered","stats":{{"count":{offered}}}}},
          {{"metric":"tAbandon","stats":{{"count":1}}}},
          {{"metric":"oServiceLevel","stats":{{"ratio":0.5,"numerator":{within},"denominator":{answered},"target":0.8}}}}]}}]}}}}"#
    )
}

fn totals(d: Decoded) -> Option<QueueTotals> {
    let Decoded::Events(evs) = d else {
        panic!("{d:?}")
    };
    evs.into_iter().find_map(|e| match e {
        FeedEvent::Queue(q) => match q.kind {
            QueueEventKind::Totals(t) => Some(t),
            _ => None,
        },
        _ => None,
    })
}

#[tokio::test]
async fn interval_totals_are_summed_over_media_types() {
    let mut m = Mapper::new();
    let now = "2026-11-30T10:00:00.000Z/2026-11-30T10:30:00.000Z";
    let voice = totals(m.decode(&totals_note("voice", now, 10, 8, 9), receipt())).unwrap();
    assert_eq!(voice.offered, Some(10));
    let all = totals(m.decode(&totals_note("chat", now, 5, 1, 3), receipt())).unwrap();
    assert_eq!((all.offered, all.abandoned), (Some(15), Some(2)));
    // 9 of 12 answered within target, not the last media's ratio.
    let sl = all.service_level_pct.unwrap();
    assert!((sl - 75.0).abs() < 1e-9, "{sl}");
    assert!((all.service_level_target_pct.unwrap() - 80.0).abs() < 1e-9);
    // The next interval starts from nothing; a late message about the
    // previous one changes nothing.
    let next = "2026-11-30T10:30:00.000Z/2026-11-30T11:00:00.000Z";
    let t = totals(m.decode(&totals_note("chat", next, 2, 1, 1), receipt())).unwrap();
    assert_eq!((t.interval.as_str(), t.offered), (next, Some(2)));
    assert_eq!(
        totals(m.decode(&totals_note("voice", now, 99, 1, 1), receipt())),
        None
    );
    let t = totals(m.decode(&totals_note("voice", next, 3, 0, 1), receipt())).unwrap();
    assert_eq!(t.offered, Some(5));
    assert!((t.service_level_pct.unwrap() - 50.0).abs() < 1e-9);
}

fn timed_note(media: &str, answered: u64, wait_sum: u64, handled: u64, handle_sum: u64) -> String {
    format!(
        r#"{{"topicName":"v2.analytics.queues.Q.observations","eventBody":{{"group":{{"queueId":"Q","mediaType":"{media}"}},
        "data":[{{"interval":"2026-11-30T10:00:00.000Z/2026-11-30T10:30:00.000Z","metrics":[
          {{"metric":"nOffered","stats":{{"count":{answered}}}}},
          {{"metric":"tAnswered","stats":{{"count":{answered},"sum":{wait_sum},"max":9000}}}},
          {{"metric":"tHandle","stats":{{"count":{handled},"sum":{handle_sum}}}}},
          {{"metric":"oServiceLevel","stats":{{"ratio":1.0,"numerator":0,"denominator":{answered},"target":0.8}}}}]}}]}}}}"#
    )
}

#[tokio::test]
async fn speed_of_answer_and_handle_time_are_averaged_over_media_types() {
    let mut m = Mapper::new();
    // Nothing answered yet: no level and no averages, though the server
    // sends a ratio of 1.
    let t = totals(m.decode(&timed_note("voice", 0, 0, 0, 0), receipt())).unwrap();
    assert_eq!((t.answered, t.average_answer_ms), (Some(0), None));
    assert_eq!((t.handled, t.average_handle_ms), (Some(0), None));
    assert_eq!(t.service_level_pct, None);
    assert!((t.service_level_target_pct.unwrap() - 80.0).abs() < 1e-9);
    // 3 voice calls answered after 12 s in all, 1 chat after 8 s: 5 s on
    // average over the queue, not the mean of the two media's averages.
    m.decode(&timed_note("voice", 3, 12_000, 2, 600_000), receipt());
    let t = totals(m.decode(&timed_note("chat", 1, 8_000, 1, 150_000), receipt())).unwrap();
    assert_eq!((t.answered, t.handled), (Some(4), Some(3)));
    assert!((t.average_answer_ms.unwrap() - 5_000.0).abs() < 1e-9);
    assert!((t.average_handle_ms.unwrap() - 250_000.0).abs() < 1e-9);
    assert!((t.service_level_pct.unwrap()).abs() < 1e-9);
}

fn off_queue(n: u32) -> String {
    format!(r#"{{"metric":"oOffQueueUsers","stats":{{"count":{n}}}}}"#)
}

#[tokio::test]
async fn agents_by_state_come_from_the_qualifiers_and_off_queue_users() {
    let mut m = Mapper::new();
    let at = "2026-11-27T19:20:25.123Z";
    let first = [
        on_queue("IDLE", 2),
        on_queue("INTERACTING", 3),
        on_queue("COMMUNICATING", 5),
        on_queue("NOT_RESPONDING", 1),
    ]
    .join(",");
    m.decode(&note("Q", "voice", at, &first), receipt());
    let a = m.summary("Q").unwrap().agents;
    // Nothing has said how many are off queue yet.
    assert_eq!(a.off_queue, None);
    assert_eq!(
        (
            a.on_queue,
            a.idle,
            a.interacting,
            a.communicating,
            a.not_responding
        ),
        (Some(11), Some(2), Some(3), Some(5), Some(1))
    );
    m.decode(&note("Q", "voice", at, &off_queue(4)), receipt());
    let s = m.summary("Q").unwrap();
    assert_eq!(s.agents.off_queue, Some(4));
    assert_eq!(
        s.agents.on_queue,
        Some(11),
        "a partial message keeps the rest"
    );
    // The export's original counts are unchanged: interacting still mixes in
    // COMMUNICATING, and off-queue users are not logged in to the queue.
    assert_eq!((s.agents_interacting, s.agents_logged_in), (8, 11));

    // An answer is a full snapshot: an omitted metric is 0, and an
    // OFF_QUEUE qualifier is not on queue.
    let reply = answer(&[(
        "Q",
        None,
        vec![on_queue("IDLE", 1), on_queue("OFF_QUEUE", 6)],
    )]);
    m.apply_query(&reply).unwrap();
    let a = m.summary("Q").unwrap().agents;
    assert_eq!(
        (a.on_queue, a.off_queue, a.idle),
        (Some(1), Some(0), Some(1))
    );
    let reply = answer(&[("Q", None, vec![on_queue("IDLE", 1), off_queue(7)])]);
    m.apply_query(&reply).unwrap();
    assert_eq!(m.summary("Q").unwrap().agents.off_queue, Some(7));
}

fn interacting(n: u32) -> String {
    format!(r#"{{"metric":"oInteracting","stats":{{"count":{n}}}}}"#)
}

#[tokio::test]
async fn waiting_and_interacting_are_kept_per_media_type() {
    let mut m = Mapper::new();
    let at = "2026-11-27T19:20:25.123Z";
    m.decode(
        &note("Q", "voice", at, &[waiting(2), interacting(5)].join(",")),
        receipt(),
    );
    m.decode(&note("Q", "chat", at, &waiting(1)), receipt());
    let media = m.summary("Q").unwrap().media;
    let got: Vec<_> = media
        .iter()
        .map(|(k, c)| (k.as_str(), c.waiting, c.interacting))
        .collect();
    // Chat's interacting count has not been told yet.
    assert_eq!(got, vec![("chat", 1, None), ("voice", 2, Some(5))]);
    m.decode(&note("Q", "chat", at, &interacting(3)), receipt());
    let s = m.summary("Q").unwrap();
    assert_eq!(s.media["chat"].interacting, Some(3));
    assert_eq!(
        s.media["voice"].waiting, 2,
        "a partial message keeps the rest"
    );
    assert_eq!(s.interactions_waiting, 3);
    // An answer is a full snapshot: media it omits are back to 0.
    let reply = answer(&[("Q", Some("chat"), vec![waiting(4), interacting(1)])]);
    m.apply_query(&reply).unwrap();
    let media = m.summary("Q").unwrap().media;
    assert_eq!(
        (media["chat"].waiting, media["chat"].interacting),
        (4, Some(1))
    );
    assert_eq!(
        (media["voice"].waiting, media["voice"].interacting),
        (0, Some(0))
    );
}
