//! The simulator's Notifications API, REST side (docs/PROTOCOL.md,
//! "Notifications API"), over real HTTP on 127.0.0.1.

use std::collections::HashSet;

use crate::common::notif::{self, call, get};
use crate::common::{start, token};
use queuetop::sim::SimOptions;
use reqwest::Method;
use serde_json::{Value, json};

fn opts(queues: usize) -> SimOptions {
    SimOptions {
        queues,
        ..SimOptions::default()
    }
}

#[tokio::test]
async fn rest_needs_a_bearer_token_from_the_sim() {
    let sim = start(opts(3)).await;
    for t in [None, Some("not-a-token")] {
        let r = call(&sim, t, Method::GET, "/api/v2/routing/queues", None).await;
        assert_eq!(r.status, 401);
        assert_eq!(r.body["status"], 401);
        assert_eq!(r.body["code"], "bad.credentials");
        assert!(r.body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let t = token(&sim).await;
    let r = get(&sim, &t, "/api/v2/routing/queues").await;
    assert_eq!(r.status, 200, "{}", r.body);
    for h in [
        "inin-ratelimit-count",
        "inin-ratelimit-allowed",
        "inin-ratelimit-reset",
    ] {
        let v: u64 = r.headers[h].to_str().unwrap().parse().unwrap();
        assert!(v > 0, "{h}");
    }
    let r = get(&sim, &t, "/api/v2/routing/nothing-here").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body["code"], "not.found");
    assert_eq!(sim.stats().rest_unauthorized, 2);
}

#[tokio::test]
async fn queues_page_over_250() {
    let sim = start(opts(250)).await;
    let t = token(&sim).await;
    let mut seen = Vec::new();
    let mut n = 1;
    loop {
        let r = get(
            &sim,
            &t,
            &format!("/api/v2/routing/queues?pageSize=100&pageNumber={n}"),
        )
        .await;
        assert_eq!(r.status, 200);
        assert_eq!(r.body["pageCount"], 3);
        assert_eq!(r.body["total"], 250);
        assert_eq!(r.body["pageNumber"], n);
        assert_eq!(r.body["pageSize"], 100);
        let ents = r.body["entities"].as_array().unwrap();
        assert_eq!(ents.len(), if n < 3 { 100 } else { 50 });
        seen.extend(ents.iter().map(|e| e["id"].as_str().unwrap().to_string()));
        if n == 3 {
            break;
        }
        n += 1;
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), 250);
    let ids: Vec<String> = sim.queues().into_iter().map(|q| q.0).collect();
    assert_eq!(seen, ids);
    let past = get(&sim, &t, "/api/v2/routing/queues?pageSize=100&pageNumber=4").await;
    assert_eq!(past.body["entities"], json!([]));
    let bad = get(&sim, &t, "/api/v2/routing/queues?pageSize=0").await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["status"], 400);
}

#[tokio::test]
async fn name_lookup_is_a_loose_prefix_match_and_by_id_works() {
    let sim = start(opts(80)).await;
    let t = token(&sim).await;
    let (id, name) = sim.queues()[0].clone();
    let prefix: String = name.split(' ').next().unwrap().to_lowercase();
    let path = format!("/api/v2/routing/queues?name={prefix}&pageSize=100");
    let r = get(&sim, &t, &path).await;
    let names: Vec<&str> = r.body["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&name.as_str()), "{names:?}");
    assert!(
        names.len() > 1,
        "a loose match returns more than the exact name"
    );
    let exact = format!(
        "/api/v2/routing/queues?name={}",
        percent_encoding::utf8_percent_encode(&name, percent_encoding::NON_ALPHANUMERIC)
    );
    let r = get(&sim, &t, &exact).await;
    assert!(
        r.body["entities"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["id"] == id.as_str())
    );
    let none = get(&sim, &t, "/api/v2/routing/queues?name=Nonexistent").await;
    assert_eq!(none.body["total"], 0);
    assert_eq!(none.body["entities"], json!([]));
    let one = get(&sim, &t, &format!("/api/v2/routing/queues/{id}")).await;
    assert_eq!(
        (&one.body["id"], &one.body["name"]),
        (&json!(id), &json!(name))
    );
    let missing = get(
        &sim,
        &t,
        &format!("/api/v2/routing/queues/{}", uuid::Uuid::nil()),
    )
    .await;
    assert_eq!(missing.status, 404);
}

fn is_uuid(v: &Value) -> bool {
    v.as_str().is_some_and(|s| uuid::Uuid::parse_str(s).is_ok())
}

#[tokio::test]
async fn skills_and_members_join_up() {
    let sim = start(opts(4)).await;
    let t = token(&sim).await;
    let r = get(&sim, &t, "/api/v2/routing/skills?pageSize=100&pageNumber=1").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["pageCount"], 1);
    let skills: Vec<(String, String)> = r.body["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert!(is_uuid(&e["id"]), "{e}");
            (
                e["id"].as_str().unwrap().into(),
                e["name"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(skills.iter().any(|s| s.1 == "Spanish"), "{skills:?}");
    let q = &sim.queues()[0].0;
    let path = format!(
        "/api/v2/routing/queues/{q}/members?pageSize=100&pageNumber=1&expand=skills,routingStatus"
    );
    let r = get(&sim, &t, &path).await;
    assert_eq!(r.status, 200);
    assert!(r.body.get("nextUri").is_none(), "{}", r.body);
    let members = r.body["entities"].as_array().unwrap();
    let joined = members.iter().filter(|m| m["joined"] == true).count();
    assert_eq!(joined, SimOptions::default().agents_per_queue);
    assert!(members.len() > joined, "some members are not joined");
    let statuses = [
        "IDLE",
        "INTERACTING",
        "COMMUNICATING",
        "NOT_RESPONDING",
        "OFF_QUEUE",
    ];
    let mut with_skills = 0;
    for m in members {
        assert_eq!(m["id"], m["user"]["id"]);
        assert!(m["user"]["name"].as_str().is_some());
        assert!(statuses.contains(&m["routingStatus"]["status"].as_str().unwrap()));
        assert!(m["routingStatus"]["startTime"].as_str().is_some());
        for s in m["user"]["skills"].as_array().unwrap() {
            with_skills += 1;
            let pair = (
                s["id"].as_str().unwrap().to_string(),
                s["name"].as_str().unwrap().to_string(),
            );
            assert!(skills.contains(&pair), "{s} is not among the skills");
            assert!(s["proficiency"].is_number());
        }
    }
    assert!(with_skills > 0);
    let nil = uuid::Uuid::nil();
    let missing = get(&sim, &t, &format!("/api/v2/routing/queues/{nil}/members")).await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn rest_429_with_retry_after_then_recovers() {
    let sim = start(opts(2)).await;
    let t = token(&sim).await;
    sim.control().rate_limit_rest(2, 7);
    for _ in 0..2 {
        let r = get(&sim, &t, "/api/v2/routing/queues").await;
        assert_eq!(r.status, 429);
        assert_eq!(r.headers["retry-after"], "7");
        assert_eq!(r.body["status"], 429);
        assert!(r.headers.contains_key("inin-ratelimit-count"));
    }
    let r = get(&sim, &t, "/api/v2/routing/queues").await;
    assert_eq!(r.status, 200);
    assert_eq!(sim.stats().rest_rate_limited, 2);
}

#[tokio::test]
async fn subscriptions_reject_unknown_and_faulted_queues_and_cap_at_1000() {
    let sim = start(opts(3)).await;
    let t = token(&sim).await;
    let qs: Vec<String> = sim.queues().into_iter().map(|q| q.0).collect();
    sim.control().set_reject_topics(vec![qs[1].clone()]);
    let (id, uri, expires) = notif::create_channel(&sim, &t).await;
    assert!(uri.starts_with("ws://127.0.0.1:") && uri.ends_with(&format!("/channels/{id}")));
    assert!(
        queuetop::event::parse_rfc3339(&expires).is_some(),
        "{expires}"
    );
    // Well-formed but not the org's: a failed check like a permission,
    // not a malformed request (tests/sim/subscriptions.rs has those).
    let unknown_queue = "0f5e7a3c-2b1d-4e6f-8a9b-0c1d2e3f4a5b";
    let topics = vec![
        notif::queue_topic(&qs[0]),
        notif::queue_topic(&qs[1]),
        notif::queue_topic(unknown_queue),
    ];
    let r = notif::subscribe(&sim, &t, &id, &topics).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let states: Vec<(&str, &str)> = r.body["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["id"].as_str().unwrap(), e["state"].as_str().unwrap()))
        .collect();
    assert_eq!(states[0], (topics[0].as_str(), "Permitted"));
    for (i, s) in states.iter().enumerate().skip(1) {
        assert_eq!(*s, (topics[i].as_str(), "Rejected"));
        assert!(r.body["entities"][i]["rejectionReason"].as_str().is_some());
    }
    let many: Vec<String> = (0..1001)
        .map(|i| format!("v2.users.u{i}.activity"))
        .collect();
    let r = notif::subscribe(&sim, &t, &id, &many).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["status"], 400);
    assert!(r.body["message"].as_str().unwrap().contains("1000"));
    let gone = notif::subscribe(&sim, &t, "no-such-channel", &topics[..1]).await;
    assert_eq!(gone.status, 404);
}
