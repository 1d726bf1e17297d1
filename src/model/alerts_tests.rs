use std::time::Duration;

use super::*;

fn t(s: i64) -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(s)
}

fn delays(raise: u64, clear: u64) -> Delays {
    Delays {
        raise: Duration::from_secs(raise),
        clear: Duration::from_secs(clear),
    }
}

#[test]
fn raised_once_and_cleared_with_times() {
    let mut a = Alerts::default();
    assert!(a.raise(Some("Q"), AlertKind::Waiting, "w".into(), t(1)));
    assert!(!a.raise(Some("Q"), AlertKind::Waiting, "w".into(), t(2)));
    assert!(a.is_active(Some("Q"), &AlertKind::Waiting));
    assert!(!a.is_active(Some("R"), &AlertKind::Waiting));
    assert_eq!(a.list.len(), 1);
    assert!(a.clear(Some("Q"), &AlertKind::Waiting, t(3)));
    assert!(!a.clear(Some("Q"), &AlertKind::Waiting, t(4)));
    assert_eq!(a.list[0].raised_at, t(1));
    assert_eq!(a.list[0].cleared_at, Some(t(3)));
    assert_eq!(a.active_count(), 0);
    // Raised again long after: a new entry.
    assert!(a.raise(Some("Q"), AlertKind::Waiting, "w".into(), t(3 + 601)));
    assert_eq!(a.list.len(), 2);
    let tr = a.take_transitions();
    assert_eq!(
        tr.iter().map(|t| t.raised).collect::<Vec<_>>(),
        vec![true, false, true]
    );
    assert!(a.take_transitions().is_empty());
}

#[test]
fn repeats_within_ten_minutes_share_one_entry() {
    let mut a = Alerts::default();
    for i in 0..14 {
        assert!(a.raise(Some("Q"), AlertKind::Waiting, "w".into(), t(i * 40)));
        assert!(a.clear(Some("Q"), &AlertKind::Waiting, t(i * 40 + 20)));
    }
    assert_eq!(a.list.len(), 1);
    assert_eq!(a.list[0].raises, 14);
    assert_eq!(a.list[0].first_raised, t(0));
    assert_eq!(a.list[0].raised_at, t(13 * 40));
    // Each raise and clear still reaches the audit log.
    assert_eq!(a.take_transitions().len(), 28);
}

#[test]
fn history_is_bounded_and_drops_cleared_first() {
    let mut a = Alerts::default();
    a.raise(None, AlertKind::Latency, "l".into(), t(0));
    for i in 0..(ALERT_HISTORY as i64 + 50) {
        let k = AlertKind::ServerError {
            code: i.to_string(),
        };
        a.raise(None, k.clone(), "e".into(), t(i));
        a.clear(None, &k, t(i));
    }
    assert_eq!(a.list.len(), ALERT_HISTORY);
    assert!(a.is_active(None, &AlertKind::Latency));
    assert_eq!(a.list[0].kind, AlertKind::Latency);
    assert_eq!(a.active_count(), 1);
}

#[test]
fn active_alerts_are_never_dropped_so_never_raised_twice() {
    let mut a = Alerts::default();
    let now = Instant::now();
    let n = ALERT_HISTORY as i64 + 10;
    for i in 0..n {
        let k = AlertKind::SkillShort {
            skill: i.to_string(),
        };
        assert!(a.set(Some("Q"), k, true, String::new, now, t(i)));
    }
    for i in 0..n {
        let k = AlertKind::SkillShort {
            skill: i.to_string(),
        };
        assert!(!a.set(Some("Q"), k, true, String::new, now, t(n)));
    }
    assert_eq!(a.active_count(), n as usize);
    assert_eq!(a.active_for("Q"), n as usize);
    assert_eq!(a.take_transitions().len(), TRANSITIONS_KEPT);
}

#[tokio::test(start_paused = true)]
async fn a_condition_raises_after_the_raise_delay_and_clears_after_the_clear_delay() {
    let mut a = Alerts::with_delays(delays(15, 30));
    let t0 = Instant::now();
    let on = |a: &mut Alerts, s: u64, on: bool| {
        let now = t0 + Duration::from_secs(s);
        a.set(
            Some("Q"),
            AlertKind::Waiting,
            on,
            || format!("at {s}"),
            now,
            t(s as i64),
        )
    };
    assert!(!on(&mut a, 0, true));
    assert!(!on(&mut a, 14, true));
    assert!(a.tick(t0 + Duration::from_secs(14)).is_empty());
    // The tick raises it once the delay has passed, stamped with the start.
    assert_eq!(
        a.tick(t0 + Duration::from_secs(15)),
        vec![Some("Q".to_string())]
    );
    assert!(a.is_active(Some("Q"), &AlertKind::Waiting));
    assert_eq!(a.list[0].raised_at, t(0));
    assert_eq!(a.list[0].message, "at 0");
    // Off for 29 s, back on: still the same alert, never cleared.
    assert!(!on(&mut a, 20, false));
    assert!(a.tick(t0 + Duration::from_secs(49)).is_empty());
    assert!(!on(&mut a, 49, true));
    assert!(!on(&mut a, 60, false));
    assert!(!on(&mut a, 89, false));
    assert!(on(&mut a, 90, false));
    assert!(!a.is_active(Some("Q"), &AlertKind::Waiting));
    assert_eq!(a.list[0].cleared_at, Some(t(60)));
    assert_eq!(a.list.len(), 1);
    // A short blip never raises, and leaves nothing behind.
    assert!(!on(&mut a, 200, true));
    assert!(!on(&mut a, 210, false));
    assert!(a.tick(t0 + Duration::from_secs(300)).is_empty());
    assert!(a.queue_conditions.is_empty());
}

#[test]
fn acknowledge_and_snooze_one_alert() {
    let mut a = Alerts::default();
    a.raise(Some("Q"), AlertKind::Waiting, "w".into(), t(0));
    a.raise(Some("Q"), AlertKind::Utilization, "u".into(), t(0));
    assert!(a.acknowledge(Some("Q"), &AlertKind::Waiting));
    assert!(!a.acknowledge(Some("Q"), &AlertKind::Waiting));
    assert!(!a.list[0].is_pressing(t(1)));
    assert!(a.list[1].is_pressing(t(1)));
    assert!(a.snooze(Some("Q"), &AlertKind::Utilization, t(900)));
    assert!(!a.list[1].is_pressing(t(899)));
    assert!(a.list[1].is_pressing(t(900)));
    // Raised again: the acknowledgement was for the last time.
    a.clear(Some("Q"), &AlertKind::Waiting, t(2));
    a.raise(Some("Q"), AlertKind::Waiting, "w".into(), t(3));
    let w = a
        .list
        .iter()
        .find(|x| x.kind == AlertKind::Waiting)
        .unwrap();
    assert!(w.is_pressing(t(4)));
}
