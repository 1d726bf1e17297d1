//! The simulator's routing resources as the real API has them: members
//! paged by `nextUri` with `joined`, queues by id in batches with their
//! service-level targets, 400 for a malformed id, 403 for a queue in a
//! division the client may not see. Real HTTP on 127.0.0.1.

use std::collections::HashSet;
use std::time::Duration;

use crate::common::notif::{self, get};
use crate::common::{SOON, start, token};
use queuetop::sim::SimOptions;
use serde_json::{Value, json};

fn entities(r: &Value) -> &Vec<Value> {
    r["entities"].as_array().expect("entities")
}

/// Every member, following `nextUri` from `first`; also the pages read.
async fn all_members(sim: &queuetop::sim::SimHandle, t: &str, first: &str) -> (Vec<Value>, usize) {
    let (mut out, mut pages, mut next) = (Vec::new(), 0, Some(first.to_string()));
    while let Some(path) = next {
        let r = get(sim, t, &path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        for absent in ["pageCount", "total", "lastUri"] {
            assert!(r.body.get(absent).is_none(), "{absent} in {}", r.body);
        }
        out.extend(entities(&r.body).iter().cloned());
        pages += 1;
        next = r.body["nextUri"].as_str().map(str::to_string);
        assert!(pages < 50, "nextUri never ends");
    }
    (out, pages)
}

#[tokio::test]
async fn members_page_by_next_uri_and_honour_joined() {
    let sim = start(SimOptions {
        generate: false,
        queues: 1,
        agents_per_queue: 48,
        unjoined_percent: 25,
        ..SimOptions::default()
    })
    .await;
    let t = token(&sim).await;
    let q = &sim.queues()[0].0;
    let base =
        format!("/api/v2/routing/queues/{q}/members?pageSize=25&expand=skills,routingStatus");
    let (all, pages) = all_members(&sim, &t, &base).await;
    assert_eq!((all.len(), pages), (60, 3), "no empty extra page");
    let ids: HashSet<&str> = all.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 60);
    for m in &all {
        assert!(m["joined"].is_boolean(), "{m}");
        assert!(m["user"]["skills"].is_array() && m["routingStatus"]["status"].is_string());
    }
    let unjoined = all.iter().filter(|m| m["joined"] == false).count();
    assert_eq!(unjoined, 12, "25 % more than the 48 joined");

    let (joined, _) = all_members(&sim, &t, &format!("{base}&joined=true")).await;
    assert_eq!(joined.len(), 60 - unjoined);
    assert!(joined.iter().all(|m| m["joined"] == true));
    let (only_unjoined, _) = all_members(&sim, &t, &format!("{base}&joined=false")).await;
    assert_eq!(only_unjoined.len(), unjoined);

    // A page that ends exactly at the last member has no nextUri either.
    let r = get(
        &sim,
        &t,
        &format!("/api/v2/routing/queues/{q}/members?pageSize=60"),
    )
    .await;
    assert_eq!(entities(&r.body).len(), 60);
    assert!(r.body.get("nextUri").is_none(), "{}", r.body);
    // Without expand, no skills and no routing status.
    let m = &entities(&r.body)[0];
    assert!(
        m["user"].get("skills").is_none() && m.get("routingStatus").is_none(),
        "{m}"
    );
    // The repeated form of expand works like the comma form.
    let r = get(
        &sim,
        &t,
        &format!("/api/v2/routing/queues/{q}/members?expand=skills&expand=routingStatus"),
    )
    .await;
    assert!(entities(&r.body)[0]["routingStatus"]["status"].is_string());
    for bad in ["pageSize=101", "joined=yes"] {
        let r = get(
            &sim,
            &t,
            &format!("/api/v2/routing/queues/{q}/members?{bad}"),
        )
        .await;
        assert_eq!(r.status, 400, "{bad}");
    }
}

/// `oOnQueueUsers` summed over qualifiers, per queue, from the query.
async fn on_queue(sim: &queuetop::sim::SimHandle, t: &str, q: &str) -> u64 {
    let body = json!({"filter": {"type": "or", "predicates": [
        {"type": "dimension", "dimension": "queueId", "operator": "matches", "value": q}]},
        "metrics": ["oOnQueueUsers"]});
    let r = notif::call(
        sim,
        Some(t),
        reqwest::Method::POST,
        "/api/v2/analytics/queues/observations/query",
        Some(body),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut sum = 0;
    for res in r.body["results"].as_array().unwrap() {
        for d in res["data"].as_array().unwrap() {
            if d["metric"] == "oOnQueueUsers" {
                sum += d["stats"]["count"].as_u64().unwrap();
            }
        }
    }
    sum
}

#[tokio::test]
async fn unjoined_members_are_not_on_queue_and_take_no_interactions() {
    let sim = start(SimOptions {
        queues: 2,
        agents_per_queue: 20,
        unjoined_percent: 30,
        event_interval: Duration::from_millis(2),
        ..SimOptions::default()
    })
    .await;
    assert!(
        sim.wait_for(|s| s.notifications_published > 2000, SOON)
            .await
    );
    let t = token(&sim).await;
    for (q, _) in sim.queues() {
        let path = format!("/api/v2/routing/queues/{q}/members?pageSize=100&expand=routingStatus");
        let r = get(&sim, &t, &path).await;
        let mut unjoined = 0;
        for m in entities(&r.body).iter().filter(|m| m["joined"] == false) {
            unjoined += 1;
            let status = m["routingStatus"]["status"].as_str().unwrap();
            assert!(
                ["IDLE", "OFF_QUEUE"].contains(&status),
                "unjoined member {status}: {m}"
            );
        }
        assert!(unjoined > 0);
    }
    drop(sim);

    // Frozen (no model ticks): the query counts exactly the joined members on queue.
    let sim = start(SimOptions {
        generate: false,
        queues: 1,
        agents_per_queue: 40,
        unjoined_percent: 30,
        ..SimOptions::default()
    })
    .await;
    let t = token(&sim).await;
    let q = sim.queues()[0].0.clone();
    let r = get(
        &sim,
        &t,
        &format!("/api/v2/routing/queues/{q}/members?pageSize=100&expand=routingStatus"),
    )
    .await;
    let joined_on = entities(&r.body)
        .iter()
        .filter(|m| m["joined"] == true && m["routingStatus"]["status"] != "OFF_QUEUE")
        .count() as u64;
    let all_on = entities(&r.body)
        .iter()
        .filter(|m| m["routingStatus"]["status"] != "OFF_QUEUE")
        .count() as u64;
    assert!(joined_on < all_on, "some unjoined members are logged in");
    assert_eq!(on_queue(&sim, &t, &q).await, joined_on);
}

#[tokio::test]
async fn queues_by_id_in_batches_with_service_levels() {
    let sim = start(SimOptions {
        generate: false,
        queues: 150,
        ..SimOptions::default()
    })
    .await;
    let t = token(&sim).await;
    let wanted: Vec<String> = sim
        .queues()
        .into_iter()
        .map(|q| q.0)
        .skip(10)
        .take(120)
        .collect();
    let query: String = wanted.iter().map(|id| format!("&id={id}")).collect();
    let first = get(
        &sim,
        &t,
        &format!("/api/v2/routing/queues?pageSize=100{query}"),
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(
        (
            first.body["pageCount"].as_u64(),
            first.body["total"].as_u64()
        ),
        (Some(2), Some(120))
    );
    let next = first.body["nextUri"].as_str().expect("nextUri on page 1");
    assert!(
        next.contains(&format!("id={}", wanted[119])) && next.contains("pageNumber=2"),
        "{next}"
    );
    let second = get(&sim, &t, next).await;
    assert!(second.body.get("nextUri").is_none());
    let got: Vec<String> = entities(&first.body)
        .iter()
        .chain(entities(&second.body))
        .map(|q| q["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got, wanted);
    let q = &entities(&first.body)[0];
    for media in ["call", "callback", "chat", "email", "message"] {
        let level = &q["mediaSettings"][media]["serviceLevel"];
        assert_eq!(level["percentage"], 0.8, "{q}");
        assert!(level["durationMs"].as_u64().is_some_and(|ms| ms > 0), "{q}");
    }
    assert!(q["joinedMemberCount"].as_u64() <= q["memberCount"].as_u64());
    let one = get(&sim, &t, &format!("/api/v2/routing/queues/{}", wanted[0])).await;
    assert_eq!(one.body["mediaSettings"], q["mediaSettings"]);
    let too_big = get(
        &sim,
        &t,
        &format!("/api/v2/routing/queues?pageSize=101{query}"),
    )
    .await;
    assert_eq!(too_big.status, 400);
}

#[tokio::test]
async fn malformed_ids_are_400_and_forbidden_queues_403() {
    let sim = start(SimOptions {
        generate: false,
        queues: 3,
        ..SimOptions::default()
    })
    .await;
    let t = token(&sim).await;
    let qs: Vec<String> = sim.queues().into_iter().map(|q| q.0).collect();
    for path in [
        "/api/v2/routing/queues/support-en".to_string(),
        "/api/v2/routing/queues/support-en/members".to_string(),
        format!("/api/v2/routing/queues?id={}&id=support-en", qs[0]),
    ] {
        let r = get(&sim, &t, &path).await;
        assert_eq!(r.status, 400, "{path}: {}", r.body);
        assert!(
            r.body["message"].as_str().unwrap().contains("support-en"),
            "{}",
            r.body
        );
    }
    sim.control().set_forbidden_queues(vec![qs[1].clone()]);
    for path in [
        format!("/api/v2/routing/queues/{}", qs[1]),
        format!("/api/v2/routing/queues/{}/members", qs[1]),
    ] {
        let r = get(&sim, &t, &path).await;
        assert_eq!(r.status, 403, "{path}: {}", r.body);
        assert_eq!(r.body["status"], 403);
    }
    // The batch lookup leaves the forbidden queue out rather than failing
    // whole (the SDK's QueueEntityListing has no per-id error; see
    // `routing::queues` in the simulator for the reasoning).
    let listed = get(
        &sim,
        &t,
        &format!("/api/v2/routing/queues?id={}&id={}", qs[0], qs[1]),
    )
    .await;
    let ids: Vec<&str> = entities(&listed.body)
        .iter()
        .map(|q| q["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![qs[0].as_str()]);
    let all = get(&sim, &t, "/api/v2/routing/queues").await;
    assert_eq!(all.body["total"], 2);
    let (id, _, _) = notif::create_channel(&sim, &t).await;
    let r = notif::subscribe(&sim, &t, &id, &[notif::queue_topic(&qs[1])]).await;
    assert_eq!(r.body["entities"][0]["state"], "Rejected", "{}", r.body);
    let ok = get(&sim, &t, &format!("/api/v2/routing/queues/{}", qs[0])).await;
    assert_eq!(ok.status, 200);
}

#[tokio::test]
async fn the_queue_listing_carries_division_and_member_counts_as_the_sdk_names_them() {
    let sim = start(SimOptions {
        generate: false,
        queues: 3,
        agents_per_queue: 7,
        unjoined_percent: 30,
        ..SimOptions::default()
    })
    .await;
    let t = token(&sim).await;
    let listed = get(&sim, &t, "/api/v2/routing/queues").await;
    assert_eq!(entities(&listed.body).len(), 3, "{}", listed.body);
    for q in entities(&listed.body) {
        // The SDK's Queue: division is a Division {id, name, selfUri};
        // memberCount, userMemberCount, joinedMemberCount are numbers.
        assert!(
            q["division"]["id"]
                .as_str()
                .is_some_and(|id| !id.is_empty()),
            "{q}"
        );
        assert_eq!(q["division"]["name"], "Home", "{q}");
        let id = q["id"].as_str().unwrap();
        let path = format!("/api/v2/routing/queues/{id}/members?pageSize=100");
        let (members, _) = all_members(&sim, &t, &path).await;
        let joined = members.iter().filter(|m| m["joined"] == true).count();
        assert_eq!(q["memberCount"].as_u64(), Some(members.len() as u64), "{q}");
        assert_eq!(q["userMemberCount"], q["memberCount"], "{q}");
        assert_eq!(q["joinedMemberCount"].as_u64(), Some(joined as u64), "{q}");
        assert!(joined < members.len(), "some members are not joined: {q}");
    }
}
