//! The simulator's truth agrees with what its own API says: per queue,
//! available, on queue, waiting and skill deficits derived from the member
//! lists and the observations query equal `SimHandle::truth()`. Real HTTP
//! on 127.0.0.1; the model is moved by `SimControl::tick` and holds still
//! between.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::common::notif::{self, get};
use crate::common::{start, token};
use queuetop::sim::{Pace, SimHandle, SimOptions};
use reqwest::Method;
use serde_json::{Value, json};

/// `(available, on queue, waiting, skill deficits)` of one queue, from REST.
async fn from_rest(
    sim: &SimHandle,
    t: &str,
    q: &str,
    skill_names: &HashMap<String, String>,
) -> (u32, u32, u32, Vec<String>) {
    let path = format!(
        "/api/v2/routing/queues/{q}/members?pageSize=100&joined=true&expand=skills,routingStatus"
    );
    let members = get(sim, t, &path).await.body;
    let mut skills: BTreeMap<String, u32> = BTreeMap::new();
    let (mut available, mut on_queue) = (0, 0);
    for m in members["entities"].as_array().unwrap() {
        let status = m["routingStatus"]["status"].as_str().unwrap();
        on_queue += u32::from(status != "OFF_QUEUE");
        available += u32::from(status == "IDLE");
        for s in m["user"]["skills"].as_array().unwrap() {
            *skills
                .entry(s["name"].as_str().unwrap().to_string())
                .or_default() += u32::from(status == "IDLE");
        }
    }
    let body = json!({"filter": {"type": "or", "predicates": [
        {"type": "dimension", "dimension": "queueId", "operator": "matches", "value": q}]},
        "metrics": ["oOnQueueUsers", "oWaiting"], "detailMetrics": ["oWaiting"]});
    let r = notif::call(
        sim,
        Some(t),
        Method::POST,
        "/api/v2/analytics/queues/observations/query",
        Some(body),
    )
    .await;
    let (mut waiting, mut idle_observed, mut on_queue_observed) = (0, 0, 0);
    for res in r.body["results"].as_array().unwrap() {
        for d in res["data"].as_array().unwrap() {
            let n = d["stats"]["count"].as_u64().unwrap() as u32;
            match d["metric"].as_str().unwrap() {
                "oWaiting" => {
                    waiting += n;
                    for o in d["observations"].as_array().unwrap() {
                        for id in o["requestedRoutingSkillIds"].as_array().unwrap() {
                            skills
                                .entry(skill_names[id.as_str().unwrap()].clone())
                                .or_default();
                        }
                    }
                }
                _ => {
                    on_queue_observed += n;
                    if d["qualifier"] == "IDLE" {
                        idle_observed = n;
                    }
                }
            }
        }
    }
    assert_eq!(
        (idle_observed, on_queue_observed),
        (available, on_queue),
        "members and observations agree"
    );
    let deficits = skills
        .into_iter()
        .filter(|(_, n)| *n == 0)
        .map(|(s, _)| s)
        .collect();
    (available, on_queue, waiting, deficits)
}

#[tokio::test]
async fn the_truth_is_what_the_api_says() {
    truth_over_rounds(Pace::Fast).await;
}

#[tokio::test]
async fn the_working_days_truth_is_what_the_api_says() {
    // Half a minute of the day a tick, from noon: the lunch peak.
    truth_over_rounds(Pace::Day {
        speed: 60.0,
        start_minute: 12 * 60,
    })
    .await;
}

/// Twelve rounds of forty ticks, the API compared with the truth after each.
async fn truth_over_rounds(pace: Pace) {
    let sim = start(SimOptions {
        generate: false,
        queues: 3,
        agents_per_queue: 6,
        pace,
        ..SimOptions::default()
    })
    .await;
    let t = token(&sim).await;
    let skills: Value = get(&sim, &t, "/api/v2/routing/skills?pageSize=100")
        .await
        .body;
    let skill_names: HashMap<String, String> = skills["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().into(),
                s["name"].as_str().unwrap().into(),
            )
        })
        .collect();
    let mut deficits_seen = BTreeSet::new();
    let mut waiting_seen = 0;
    for _ in 0..12 {
        sim.control().tick(40);
        let (tick, truth) = sim.control().truth_at_tick();
        for q in &truth {
            let rest = from_rest(&sim, &t, &q.queue_id, &skill_names).await;
            let want = (
                q.agents_available,
                q.agents_on_queue,
                q.interactions_waiting,
                q.skill_deficits.clone(),
            );
            assert_eq!(rest, want, "{} at tick {tick}", q.queue_name);
            deficits_seen.extend(q.skill_deficits.iter().cloned());
            waiting_seen += q.interactions_waiting;
        }
        assert_eq!(
            sim.control().truth_at_tick().0,
            tick,
            "the model held still"
        );
    }
    assert!(!deficits_seen.is_empty(), "some deficit appeared");
    assert!(waiting_seen > 0, "some interactions waited");
}
