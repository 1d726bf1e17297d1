//! Unit tests of the working-day model: the same seed plays the same day,
//! calls and statuses last minutes, the day curve shapes arrivals, and
//! breaks, not-responding, private calls and surges all happen.

use std::collections::HashMap;

use crate::sim::center::pace::{DayClock, demand};
use crate::sim::center::*;

/// A day model at `speed`, starting at `hour`.
fn day(seed: u64, speed: f64, hour: u32) -> Model {
    let pace = Pace::Day {
        speed,
        start_minute: hour * 60,
    };
    Model::with_pace(seed, 6, 8, 500, pace)
}

/// Plays `hours` of simulated time, handing every event to `f` with the
/// simulated second of the day it happened at.
fn play(m: &mut Model, hours: f64, mut f: impl FnMut(&Model, f64, &QueueEventKind)) {
    let clock = m.day.expect("a day model");
    let ticks = (hours * 3600.0 / clock.dt_s) as u64;
    for _ in 0..ticks {
        let events = m.tick();
        let second = clock.second_of_day(m.now);
        for ev in &events {
            f(m, second, ev);
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    assert!(!v.is_empty());
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[test]
fn same_seed_same_day() {
    let (mut a, mut b) = (day(7, 1.0, 10), day(7, 1.0, 10));
    assert_eq!(a.queues(), b.queues());
    for _ in 0..2000 {
        assert_eq!(a.tick(), b.tick());
    }
    let mut c = day(8, 1.0, 10);
    let differs = (0..2000).any(|_| a.tick() != c.tick());
    assert!(differs);
}

#[test]
fn the_day_starts_where_asked_and_lived_in() {
    let m = day(3, 1.0, 10);
    let clock = m.day.expect("a day model");
    let hour = clock.second_of_day(m.now) / 3600.0;
    assert!((hour - 10.0).abs() < 0.01, "{hour}");
    // The warm-up left calls under way; the counts hold only the callers
    // still waiting or ringing, as offered.
    let busy: usize = m.queues.iter().map(|q| q.interactions.len()).sum();
    assert!(busy > 0);
    for queue in &m.queues {
        let unanswered = queue
            .interactions
            .iter()
            .filter(|i| {
                matches!(
                    i.state,
                    InteractionState::Waiting | InteractionState::Alerting
                )
            })
            .count() as u64;
        let offered: u64 = queue.totals.iter().map(|t| t.offered).sum();
        assert_eq!(offered, unanswered);
        let rest = queue.totals.iter().map(|t| Totals { offered: 0, ..*t });
        assert!(rest.into_iter().all(|t| t == Totals::default()));
    }
}

#[test]
fn handle_times_are_minutes_by_media() {
    let mut m = day(5, 10.0, 10);
    let dt = m.day.expect("a day model").dt_s;
    let mut connected: HashMap<String, u64> = HashMap::new();
    let mut by_media: HashMap<String, Vec<f64>> = HashMap::new();
    play(&mut m, 4.0, |m, _, ev| {
        if let QueueEventKind::Interaction(i) = ev {
            match i.state {
                InteractionState::Connected => {
                    connected.insert(i.conversation_id.clone(), m.now);
                }
                InteractionState::Ended => {
                    if let Some(t) = connected.remove(&i.conversation_id) {
                        let s = (m.now - t) as f64 * dt;
                        by_media
                            .entry(i.media_type.as_str().into())
                            .or_default()
                            .push(s);
                    }
                }
                _ => {}
            }
        }
    });
    let all: Vec<f64> = by_media.values().flatten().copied().collect();
    assert!(all.len() > 100, "{} calls", all.len());
    let overall = median(all);
    assert!((200.0..420.0).contains(&overall), "median {overall} s");
    let voice = median(by_media["voice"].clone());
    let chat = median(by_media["chat"].clone());
    assert!(voice < chat, "voice {voice} s, chat {chat} s");
}

#[test]
fn agents_stay_in_a_status_for_minutes_and_take_breaks() {
    let mut m = day(11, 10.0, 9);
    let dt = m.day.expect("a day model").dt_s;
    let mut since: HashMap<String, (AgentStatus, u64)> = HashMap::new();
    let mut lasted: HashMap<&'static str, Vec<f64>> = HashMap::new();
    play(&mut m, 6.0, |m, _, ev| {
        if let QueueEventKind::Agent(a) = ev
            && let Some((status, t)) = since.insert(a.user_id.clone(), (a.status.clone(), m.now))
        {
            let key = match status {
                AgentStatus::Idle => "idle",
                AgentStatus::Interacting => "interacting",
                AgentStatus::Communicating => "communicating",
                AgentStatus::NotResponding => "not responding",
                _ => "off queue",
            };
            lasted.entry(key).or_default().push((m.now - t) as f64 * dt);
        }
    });
    for key in [
        "idle",
        "interacting",
        "communicating",
        "not responding",
        "off queue",
    ] {
        assert!(
            lasted.contains_key(key),
            "no {key} seen: {:?}",
            lasted.keys()
        );
    }
    let all: Vec<f64> = lasted.values().flatten().copied().collect();
    assert!(median(all) >= 60.0, "statuses should last minutes");
    assert!(median(lasted["interacting"].clone()) >= 180.0);
    // Breaks, meals and training: ten minutes and more.
    assert!(median(lasted["off queue"].clone()) >= 600.0);
}

#[test]
fn arrivals_follow_the_day_curve_and_a_surge_comes() {
    let mut m = day(2, 60.0, 0);
    let mut per_hour = [0u32; 24];
    let mut surged = false;
    let clock = m.day.expect("a day model");
    let ticks = (24.0 * 3600.0 / clock.dt_s) as u64;
    for _ in 0..ticks {
        let events = m.tick();
        surged |= m.surge().is_some_and(|(_, f)| f > 1.5);
        let hour = (clock.second_of_day(m.now) / 3600.0) as usize % 24;
        for ev in events {
            if let QueueEventKind::Interaction(i) = ev
                && i.state == InteractionState::Waiting
                && i.wait_ms == Some(0)
            {
                per_hour[hour] += 1;
            }
        }
    }
    let (night, ramp, lunch) = (per_hour[3], per_hour[8], per_hour[12]);
    assert!(night < ramp && ramp < lunch, "{per_hour:?}");
    assert!(lunch > 10 * night.max(1), "{per_hour:?}");
    assert!(surged, "a day should bring a surge");
}

#[test]
fn summaries_stay_consistent_through_the_day() {
    let mut m = day(4, 20.0, 8);
    play(&mut m, 8.0, |_, _, ev| {
        if let QueueEventKind::Summary(s) = ev {
            assert!(s.agents_available + s.agents_interacting <= s.agents_logged_in);
            let req: u32 = s.skills.values().filter_map(|c| c.required).sum();
            assert!(req <= s.interactions_waiting);
        }
    });
}

#[test]
fn the_curve_and_the_clock() {
    assert!(demand(3.0 * 3600.0) < 0.1);
    assert!(demand(12.5 * 3600.0) > demand(10.0 * 3600.0));
    assert!(demand(10.0 * 3600.0) > demand(8.0 * 3600.0));
    assert!(demand(15.0 * 3600.0) < demand(12.5 * 3600.0));
    let c = DayClock::new(1.0, 600, 500);
    assert_eq!(c.ticks(20.0), 40);
    assert_eq!(c.ticks(0.01), 1);
    assert!((c.second_of_day(7200) - 11.0 * 3600.0).abs() < 1e-6);
    // 12:00 is two hours ahead of 10:00: 14 400 ticks of half a second.
    assert_eq!(c.next_tick_at(0, 12.0 * 3600.0), 14_400);
    // 09:00 has passed: tomorrow's.
    assert_eq!(c.next_tick_at(0, 9.0 * 3600.0), 23 * 7200);
}
