//! Observations as the real API gives them: the query answer (user metrics
//! per queue without zero qualifiers, conversation metrics per media type
//! with zeros, capped detail of waiting interactions), notifications
//! without detail, and interval totals per media type. Real HTTP and
//! WebSockets on 127.0.0.1.

use std::collections::HashSet;
use std::time::Duration;

use crate::common::notif::{self, next_note, open_channel, queue_topic};
use crate::common::{SOON, start, token};
use queuetop::sim::{SimHandle, SimOptions};
use reqwest::Method;
use serde_json::{Value, json};

const MEDIA: [&str; 5] = ["callback", "chat", "email", "message", "voice"];

fn query(ids: &[String], metrics: &[&str], detail: bool) -> Value {
    let preds: Vec<Value> = ids
        .iter()
        .map(|q| json!({"type":"dimension","dimension":"queueId","operator":"matches","value":q}))
        .collect();
    let mut body = json!({"filter": {"type": "or", "predicates": preds}, "metrics": metrics});
    if detail {
        body["detailMetrics"] = json!(["oWaiting"]);
    }
    body
}

async fn ask(sim: &SimHandle, t: &str, body: Value) -> notif::Reply {
    notif::call(
        sim,
        Some(t),
        Method::POST,
        "/api/v2/analytics/queues/observations/query",
        Some(body),
    )
    .await
}

const ALL: [&str; 4] = ["oOnQueueUsers", "oWaiting", "oInteracting", "oActiveUsers"];

#[tokio::test]
async fn the_query_answers_in_the_real_shape() {
    let sim = start(SimOptions {
        queues: 3,
        event_interval: Duration::from_millis(5),
        ..SimOptions::default()
    })
    .await;
    assert!(
        sim.wait_for(|s| s.notifications_published > 200, SOON)
            .await
    );
    let t = token(&sim).await;
    let ids: Vec<String> = sim.queues().into_iter().map(|q| q.0).collect();
    let r = ask(&sim, &t, query(&ids, &ALL, true)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let results = r.body["results"].as_array().unwrap();
    assert_eq!(
        results.len(),
        3 * (1 + MEDIA.len()),
        "one user group and five media groups per queue"
    );
    for res in results {
        let q = res["group"]["queueId"].as_str().unwrap();
        assert!(ids.iter().any(|i| i == q));
        let data = res["data"].as_array().unwrap();
        match res["group"]["mediaType"].as_str() {
            None => {
                for d in data {
                    assert!(
                        ["oOnQueueUsers", "oActiveUsers"].contains(&d["metric"].as_str().unwrap()),
                        "{d}"
                    );
                    if d["metric"] == "oOnQueueUsers" {
                        assert!(d["qualifier"].is_string());
                        assert!(
                            d["stats"]["count"].as_u64().unwrap() > 0,
                            "zero qualifiers are left out: {d}"
                        );
                    }
                }
                assert_eq!(
                    data.iter()
                        .filter(|d| d["metric"] == "oActiveUsers")
                        .count(),
                    1
                );
            }
            Some(media) => {
                assert!(MEDIA.contains(&media));
                let names: Vec<&str> = data.iter().map(|d| d["metric"].as_str().unwrap()).collect();
                assert_eq!(
                    names,
                    ["oWaiting", "oInteracting"],
                    "zero counts are present"
                );
                let w = &data[0];
                let obs = w["observations"].as_array().unwrap();
                assert_eq!(obs.len() as u64, w["stats"]["count"].as_u64().unwrap());
                for o in obs {
                    assert!(
                        queuetop::event::parse_rfc3339(o["observationDate"].as_str().unwrap())
                            .is_some()
                    );
                    assert!(
                        o["conversationId"].is_string() && o["sessionId"].is_string(),
                        "{o}"
                    );
                    assert_ne!(o["conversationId"], o["sessionId"]);
                    assert!(o["requestedRoutingSkillIds"].is_array());
                }
                assert!(w.get("truncated").is_none());
            }
        }
    }
    // Without detailMetrics, counts only.
    let r = ask(&sim, &t, query(&ids, &["oWaiting"], false)).await;
    for res in r.body["results"].as_array().unwrap() {
        assert!(
            res["group"]["mediaType"].is_string(),
            "no user group when no user metric is asked"
        );
        assert!(res["data"][0].get("observations").is_none());
    }
    for bad in [
        json!({"metrics": ["oWaiting"]}),
        query(&ids, &[], false),
        query(&ids, &["oBogus"], false),
        query(&["not-a-uuid".into()], &ALL, false),
    ] {
        let r = ask(&sim, &t, bad.clone()).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
    }
}

#[tokio::test]
async fn routing_statuses_leave_out_zero_qualifiers_and_count_off_queue() {
    let sim = start(SimOptions {
        generate: false,
        queues: 1,
        agents_per_queue: 12,
        ..SimOptions::default()
    })
    .await;
    let t = token(&sim).await;
    let ids = vec![sim.queues()[0].0.clone()];
    let r = ask(
        &sim,
        &t,
        query(
            &ids,
            &["oUserRoutingStatuses", "oMemberUsers", "oOffQueueUsers"],
            false,
        ),
    )
    .await;
    let data = r.body["results"][0]["data"].as_array().unwrap();
    let quals: Vec<&str> = data
        .iter()
        .filter_map(|d| d["qualifier"].as_str())
        .collect();
    // A fresh center: everyone idle or off queue, nobody interacting yet.
    assert!(quals.contains(&"IDLE"), "{quals:?}");
    assert!(
        !quals.contains(&"INTERACTING") && !quals.contains(&"NOT_RESPONDING"),
        "{quals:?}"
    );
    let count = |m: &str| {
        data.iter()
            .find(|d| d["metric"] == m)
            .map(|d| d["stats"]["count"].as_u64().unwrap())
    };
    let off = data
        .iter()
        .find(|d| d["qualifier"] == "OFF_QUEUE")
        .map(|d| d["stats"]["count"].as_u64().unwrap());
    assert_eq!(off.or(Some(0)), count("oOffQueueUsers"));
    assert!(
        count("oMemberUsers") > Some(12),
        "joined and unjoined members"
    );
}

#[tokio::test]
async fn waiting_detail_is_capped_and_marked_truncated() {
    let sim = start(SimOptions {
        queues: 1,
        agents_per_queue: 3,
        observation_detail_cap: 1,
        event_interval: Duration::from_millis(2),
        ..SimOptions::default()
    })
    .await;
    let t = token(&sim).await;
    let ids = vec![sim.queues()[0].0.clone()];
    for _ in 0..500 {
        let r = ask(&sim, &t, query(&ids, &["oWaiting"], true)).await;
        for res in r.body["results"].as_array().unwrap() {
            let w = &res["data"][0];
            let n = w["stats"]["count"].as_u64().unwrap();
            let obs = w["observations"].as_array().unwrap();
            if n > 1 {
                assert_eq!(obs.len(), 1);
                assert_eq!(w["truncated"], true, "{w}");
                return;
            }
            assert_eq!(obs.len() as u64, n);
            assert!(w.get("truncated").is_none());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no media ever had two interactions waiting");
}

#[tokio::test]
async fn notifications_carry_no_detail_and_totals_come_per_media() {
    let sim = start(SimOptions {
        queues: 2,
        event_interval: Duration::from_millis(2),
        ..SimOptions::default()
    })
    .await;
    let topics: Vec<String> = sim.queues().iter().map(|q| queue_topic(&q.0)).collect();
    let (_, _, mut ws) = open_channel(&sim, &topics).await;
    let (mut waiting_seen, mut totals_media) = (0, HashSet::new());
    while waiting_seen < 50 || totals_media.len() < 2 {
        let v = next_note(&mut ws).await;
        let body = &v["eventBody"];
        assert!(body["group"]["mediaType"].is_string(), "{v}");
        for m in body["data"][0]["metrics"].as_array().unwrap() {
            assert!(
                m.get("observations").is_none(),
                "no detail in a notification: {m}"
            );
            match m["metric"].as_str().unwrap() {
                "oWaiting" => waiting_seen += 1,
                "nOffered" => {
                    totals_media.insert(body["group"]["mediaType"].as_str().unwrap().to_string());
                }
                "oServiceLevel" => assert_eq!(m["stats"]["target"], 0.8, "{m}"),
                _ => {}
            }
        }
    }
}
