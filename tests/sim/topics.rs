//! The user activity topic and the queue membership topic, as the SDK's
//! models have them, and membership changed at run time. Real HTTP and
//! WebSockets on 127.0.0.1.

use crate::common;
use std::time::Duration;

use crate::common::notif::{self, next_note, open_channel, queue_topic};
use crate::common::{start, token};
use queuetop::event::parse_rfc3339;
use queuetop::sim::{SimHandle, SimOptions};
use serde_json::Value;

fn activity_topic(user: &str) -> String {
    format!("v2.users.{user}.activity")
}

fn members_topic(queue: &str) -> String {
    format!("v2.routing.queues.{queue}.users")
}

/// `(user id, joined)` of every member of `queue`.
async fn members(sim: &SimHandle, t: &str, queue: &str) -> Vec<(String, bool)> {
    let path = format!("/api/v2/routing/queues/{queue}/members?pageSize=100");
    let r = notif::get(sim, t, &path).await;
    r.body["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["id"].as_str().unwrap().to_string(), m["joined"] == true))
        .collect()
}

/// The next notification on `topic`, skipping others.
async fn next_on(ws: &mut common::Client, topic: &str) -> Value {
    loop {
        let v = next_note(ws).await;
        if v["topicName"] == topic {
            return v;
        }
    }
}

fn check_activity(v: &Value, user: &str, active: &[&str]) {
    assert_eq!(v["topicName"], activity_topic(user).as_str(), "{v}");
    let b = &v["eventBody"];
    assert_eq!(b["id"], user);
    assert!(b["routingStatus"]["status"].is_string(), "{b}");
    assert!(parse_rfc3339(b["routingStatus"]["startTime"].as_str().unwrap()).is_some());
    let presence = &b["presence"];
    assert!(presence["presenceDefinition"]["id"].is_string(), "{b}");
    assert!(
        presence["presenceDefinition"]["systemPresence"].is_string(),
        "{b}"
    );
    assert!(presence["modifiedDate"].is_string(), "{b}");
    assert_eq!(b["outOfOffice"]["active"], false, "{b}");
    let ids: Vec<&str> = b["activeQueueIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q.as_str().unwrap())
        .collect();
    assert_eq!(ids, active, "{b}");
    assert!(
        parse_rfc3339(b["dateActiveQueuesChanged"].as_str().unwrap()).is_some(),
        "{b}"
    );
}

#[tokio::test]
async fn the_activity_topic_has_the_sdk_body_with_the_joined_queues() {
    let sim = start(SimOptions {
        queues: 1,
        agents_per_queue: 4,
        unjoined_percent: 50,
        event_interval: Duration::from_millis(2),
        ..SimOptions::default()
    })
    .await;
    let t = token(&sim).await;
    let q = sim.queues()[0].0.clone();
    let all = members(&sim, &t, &q).await;
    let topics: Vec<String> = all.iter().map(|(u, _)| activity_topic(u)).collect();
    let (_, _, mut ws) = open_channel(&sim, &topics).await;
    let (mut joined_seen, mut unjoined_seen) = (0, 0);
    while joined_seen < 5 || unjoined_seen < 2 {
        let v = next_note(&mut ws).await;
        let user = v["eventBody"]["id"].as_str().unwrap().to_string();
        let joined = all.iter().find(|(u, _)| *u == user).expect("a member").1;
        if joined {
            check_activity(&v, &user, &[q.as_str()]);
            joined_seen += 1;
        } else {
            check_activity(&v, &user, &[]);
            unjoined_seen += 1;
        }
    }
}

#[tokio::test]
async fn membership_changes_go_out_on_the_queue_users_topic() {
    let sim = start(SimOptions {
        generate: false,
        queues: 2,
        unjoined_percent: 0,
        ..SimOptions::default()
    })
    .await;
    let t = token(&sim).await;
    let q = sim.queues()[0].0.clone();
    let other = sim.queues()[1].0.clone();
    let all = members(&sim, &t, &q).await;
    let user = all[0].0.clone();
    let topics = vec![members_topic(&q), activity_topic(&user), queue_topic(&q)];
    let (_, _, mut ws) = open_channel(&sim, &topics).await;
    let c = sim.control();

    assert!(c.set_joined(&q, &user, false));
    let m = next_note(&mut ws).await;
    assert_eq!(m["topicName"], members_topic(&q).as_str());
    assert_eq!(
        m["eventBody"],
        serde_json::json!({"id": user, "user": {"id": user}, "queueId": q, "joined": false})
    );
    check_activity(&next_note(&mut ws).await, &user, &[]);
    let obs = next_note(&mut ws).await;
    assert_eq!(
        obs["topicName"],
        queue_topic(&q).as_str(),
        "the queue's counts follow"
    );
    assert!(!c.set_joined(&q, &user, false), "already unjoined");
    assert!(members(&sim, &t, &q).await.contains(&(user.clone(), false)));

    assert!(c.set_joined(&q, &user, true));
    assert_eq!(next_note(&mut ws).await["eventBody"]["joined"], true);
    check_activity(&next_note(&mut ws).await, &user, &[q.as_str()]);

    let added = c.add_member(&q, true).expect("a new member");
    let m = next_on(&mut ws, &members_topic(&q)).await;
    assert_eq!(
        (&m["eventBody"]["id"], &m["eventBody"]["joined"]),
        (&added.as_str().into(), &true.into())
    );
    assert!(members(&sim, &t, &q).await.contains(&(added.clone(), true)));
    // The new user's topics exist at once.
    let (_, _, mut ws2) = open_channel(&sim, &[activity_topic(&added)]).await;

    assert!(c.remove_member(&q, &added));
    let m = next_on(&mut ws, &members_topic(&q)).await;
    assert_eq!(m["eventBody"]["joined"], false);
    check_activity(&next_note(&mut ws2).await, &added, &[]);
    assert!(!members(&sim, &t, &q).await.iter().any(|(u, _)| *u == added));
    assert!(!c.remove_member(&q, &added), "already removed");
    assert!(c.add_back_member(&q, &added, true));
    let m = next_on(&mut ws, &members_topic(&q)).await;
    assert_eq!(m["eventBody"]["joined"], true);
    assert!(members(&sim, &t, &q).await.contains(&(added.clone(), true)));
    assert!(!c.add_back_member(&q, &added, true), "a member already");
    assert!(
        !c.set_joined(&other, &user, false),
        "not a member of the other queue"
    );
    assert!(c.add_member("no-such-queue", true).is_none());
}
