//! The Notifications API REST client against a scripted loopback server:
//! paging, 429 + Retry-After, the rate-limit headers, timeouts, and error
//! bodies turned into plain messages.

use std::time::Duration;

use crate::common::token_server::{Answer, TokenServer};
use queuetop::event::AgentStatus;
use queuetop::feed::notifications::rest::{RestClient, RestError};
use secrecy::SecretString;
use tokio::time::Instant;

fn token() -> SecretString {
    SecretString::from("tok-rest")
}

fn page(entities: &str, n: u32, count: Option<u32>) -> Answer {
    let count = count
        .map(|c| format!(",\"pageCount\":{c}"))
        .unwrap_or_default();
    Answer::json(
        200,
        &format!(r#"{{"entities":[{entities}],"pageNumber":{n}{count}}}"#),
    )
}

#[tokio::test]
async fn queues_follow_page_count_and_carry_the_bearer_token() {
    let srv = TokenServer::start(vec![
        page(r#"{"id":"a","name":"A"},{"id":"b","name":"B"}"#, 1, Some(2)),
        page(r#"{"id":"c","name":"C"}"#, 2, Some(2)),
    ])
    .await;
    let rest = RestClient::new(&srv.url).unwrap();
    let qs = rest.queues(&token(), Some("Support EN/2")).await.unwrap();
    let ids: Vec<&str> = qs.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    let seen = srv.seen();
    assert_eq!(seen.len(), 2, "stops at pageCount");
    assert_eq!(seen[0].path, "/api/v2/routing/queues");
    assert_eq!(seen[0].authorization.as_deref(), Some("Bearer tok-rest"));
}

#[tokio::test]
async fn without_page_count_paging_follows_next_uri_and_asks_for_no_empty_page() {
    let next = r#","nextUri":"/api/v2/routing/queues/Q1/members?pageSize=100&pageNumber=2""#;
    let srv = TokenServer::start(vec![
        Answer::json(
            200,
            &format!(r#"{{"entities":[{{"id":"u1","name":"Ana"}}],"pageNumber":1{next}}}"#),
        ),
        Answer::json(
            200,
            r#"{"entities":[{"id":"u2","name":"Bo"}],"pageNumber":2}"#,
        ),
        Answer::json(200, r#"{"entities":[],"pageNumber":3}"#),
    ])
    .await;
    let rest = RestClient::new(&srv.url).unwrap();
    let members = rest.members(&token(), "Q1").await.unwrap();
    let ids: Vec<&str> = members.iter().map(|m| m.user_id.as_str()).collect();
    assert_eq!(ids, ["u1", "u2"]);
    assert_eq!(srv.seen().len(), 2, "the page without nextUri is the last");
    assert_eq!(rest.calls(), 2);
}

#[tokio::test]
async fn members_say_whether_they_are_joined() {
    let srv = TokenServer::start(vec![Answer::json(
        200,
        r#"{"entities":[{"id":"u1","joined":true},{"id":"u2","joined":false},{"id":"u3"}]}"#,
    )])
    .await;
    let rest = RestClient::new(&srv.url).unwrap();
    let joined: Vec<bool> = rest
        .members(&token(), "Q1")
        .await
        .unwrap()
        .iter()
        .map(|m| m.joined)
        .collect();
    assert_eq!(
        joined,
        [true, false, true],
        "unsaid: joined (older servers)"
    );
}

#[tokio::test]
async fn members_read_skills_and_routing_status_even_without_a_user_object() {
    let body = r#"{"entities":[
        {"id":"u1","name":"Ana","user":{"id":"u1","name":"Ana Ruiz","skills":[{"id":"s1","name":"Spanish"}]},
         "routingStatus":{"status":"IDLE","startTime":"2026-11-27T19:20:25.123Z"}},
        {"id":"u2","name":"Bo","routingStatus":{"status":"SOMETHING_NEW","startTime":"soon"}},
        {"name":"nobody"}],"pageCount":1}"#;
    let srv = TokenServer::start(vec![Answer::json(200, body)]).await;
    let rest = RestClient::new(&srv.url).unwrap();
    let ms = rest.members(&token(), "Q1").await.unwrap();
    assert_eq!(ms.len(), 2, "an entry with no id at all is skipped");
    assert_eq!(ms[0].user_id, "u1");
    assert_eq!(ms[0].name.as_deref(), Some("Ana Ruiz"));
    assert_eq!(ms[0].skills, ["s1"]);
    assert_eq!(ms[0].status, AgentStatus::Idle);
    assert_eq!(
        ms[0].since,
        Some(time::macros::datetime!(2026-11-27 19:20:25.123 UTC))
    );
    assert_eq!(ms[1].user_id, "u2");
    assert_eq!(ms[1].status, AgentStatus::Other("SOMETHING_NEW".into()));
    assert_eq!(ms[1].since, None, "an unreadable start time is unknown");
    assert_eq!(srv.seen()[0].path, "/api/v2/routing/queues/Q1/members");
}

#[tokio::test]
async fn an_error_body_becomes_status_code_and_message() {
    let srv = TokenServer::start(vec![
        Answer::json(
            403,
            r#"{"message":"Missing permission routing:queue:view","code":"missing.permissions","status":403}"#,
        ),
        Answer {
            status: 500,
            headers: vec![("content-type", "text/html".into())],
            body: "<html>Server error</html>\n<body>...</body>".into(),
        },
    ])
    .await;
    let rest = RestClient::new(&srv.url).unwrap();
    let e = rest.skills(&token()).await.unwrap_err();
    assert_eq!(e.status(), Some(403));
    assert_eq!(
        e.to_string(),
        "GET /api/v2/routing/skills?pageSize=100&pageNumber=1: HTTP 403 missing.permissions: Missing permission routing:queue:view"
    );
    let e = rest.create_channel(&token()).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "POST /api/v2/notifications/channels: HTTP 500: <html>Server error</html>"
    );
    assert!(!e.to_string().contains("tok-rest"));
}

#[tokio::test(start_paused = true)]
async fn a_429_waits_retry_after_and_tries_again() {
    let srv = TokenServer::start(vec![
        Answer::json(429, r#"{"message":"slow down"}"#).header("Retry-After", "9"),
        Answer::json(
            200,
            r#"{"connectUri":"wss://streaming.example/channels/c1","id":"c1","expires":"2026-11-28T19:00:00.000Z"}"#,
        ),
    ])
    .await;
    let rest = RestClient::new(&srv.url).unwrap();
    let t0 = Instant::now();
    let ch = rest.create_channel(&token()).await.unwrap();
    assert!(t0.elapsed() >= Duration::from_secs(9), "{:?}", t0.elapsed());
    assert_eq!(ch.id, "c1");
    assert_eq!(srv.seen().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn five_429s_in_a_row_give_up_with_a_plain_message() {
    let answers = (0..5)
        .map(|_| Answer::json(429, "{}").header("Retry-After", "1"))
        .collect();
    let srv = TokenServer::start(answers).await;
    let rest = RestClient::new(&srv.url).unwrap();
    let e = rest.create_channel(&token()).await.unwrap_err();
    assert!(matches!(e, RestError::RateLimited { .. }), "{e:?}");
    assert!(
        e.to_string()
            .contains("still rate limited (429) after 5 tries"),
        "{e}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_nearly_spent_rate_limit_budget_spaces_the_next_calls() {
    let budget = |count: &str| {
        Answer::json(200, r#"{"entities":[{"id":"s","name":"S"}],"pageCount":1}"#)
            .header("inin-ratelimit-count", count)
            .header("inin-ratelimit-allowed", "300")
            .header("inin-ratelimit-reset", "40")
    };
    let srv = TokenServer::start(vec![
        budget("290"),
        budget("291"),
        budget("10"),
        budget("11"),
    ])
    .await;
    let rest = RestClient::new(&srv.url).unwrap();
    let t0 = Instant::now();
    rest.skills(&token()).await.unwrap();
    assert!(
        t0.elapsed() < Duration::from_secs(1),
        "the call itself is not held"
    );
    let t1 = Instant::now();
    rest.skills(&token()).await.unwrap();
    // 10 calls left for the 40 s until the window resets: one per 4 s.
    assert!(t1.elapsed() >= Duration::from_secs(4), "{:?}", t1.elapsed());
    rest.skills(&token()).await.unwrap();
    let t2 = Instant::now();
    rest.skills(&token()).await.unwrap();
    assert!(
        t2.elapsed() < Duration::from_secs(1),
        "plenty of budget again: no pause"
    );
}

#[tokio::test(start_paused = true)]
async fn a_502_503_or_504_is_tried_again_by_the_call_itself() {
    let srv = TokenServer::start(vec![
        Answer::json(502, "{}"),
        Answer::json(503, "{}"),
        Answer::json(504, "{}"),
        Answer::json(200, r#"{"entities":[{"id":"s","name":"S"}],"pageCount":1}"#),
    ])
    .await;
    let rest = RestClient::new(&srv.url).unwrap();
    let skills = rest.skills(&token()).await.unwrap();
    assert_eq!(skills.len(), 1);
    assert_eq!(srv.seen().len(), 4);
    assert_eq!(rest.calls(), 4, "retries are counted");
}

#[tokio::test(start_paused = true)]
async fn a_transient_failure_that_lasts_gives_up_after_a_few_tries() {
    let srv = TokenServer::start(
        (0..10)
            .map(|_| Answer::json(503, r#"{"message":"busy"}"#))
            .collect(),
    )
    .await;
    let rest = RestClient::new(&srv.url).unwrap();
    let t0 = Instant::now();
    let e = rest.create_channel(&token()).await.unwrap_err();
    assert_eq!(e.status(), Some(503), "{e}");
    assert_eq!(srv.seen().len(), 4);
    // Backoff between tries: ½ s, 1 s, 2 s, each with jitter (½ to 1½).
    let waited = t0.elapsed();
    assert!(
        waited >= Duration::from_millis(1750) && waited <= Duration::from_millis(5250),
        "{waited:?}"
    );
}

#[tokio::test]
async fn other_errors_are_not_tried_again() {
    let srv = TokenServer::start(vec![
        Answer::json(500, "{}"),
        Answer::json(200, r#"{"entities":[]}"#),
    ])
    .await;
    let rest = RestClient::new(&srv.url).unwrap();
    assert_eq!(rest.skills(&token()).await.unwrap_err().status(), Some(500));
    assert_eq!(srv.seen().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_server_that_never_answers_times_out() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let rest = RestClient::new(&url).unwrap();
    let e = rest.skills(&token()).await.unwrap_err();
    assert!(matches!(e, RestError::Transport { .. }), "{e:?}");
    assert!(e.to_string().contains("timed out"), "{e}");
    assert!(
        e.to_string().contains("(4 tries)"),
        "a timeout is tried again: {e}"
    );
    assert_eq!(rest.calls(), 4);
    assert!(!e.to_string().contains(&url), "no URL in the message: {e}");
    hold.abort();
}

#[tokio::test]
async fn subscribe_asks_to_ignore_errors_and_reports_each_topic() {
    let srv = TokenServer::start(vec![Answer::json(
        200,
        r#"{"entities":[{"id":"v2.analytics.queues.a.observations","state":"Permitted"},
            {"id":"v2.analytics.queues.b.observations","state":"Rejected","rejectionReason":"no access"}]}"#,
    )])
    .await;
    let rest = RestClient::new(&srv.url).unwrap();
    let topics = vec![
        "v2.analytics.queues.a.observations".to_string(),
        "v2.analytics.queues.b.observations".to_string(),
    ];
    let states = rest.subscribe(&token(), "c1", &topics).await.unwrap();
    assert!(!states[0].rejected());
    assert!(states[1].rejected());
    assert_eq!(states[1].rejection_reason.as_deref(), Some("no access"));
    let seen = &srv.seen()[0];
    assert_eq!(seen.method, "PUT");
    assert_eq!(seen.path, "/api/v2/notifications/channels/c1/subscriptions");
    let body: serde_json::Value = serde_json::from_str(&seen.body).unwrap();
    assert_eq!(body[1]["id"], "v2.analytics.queues.b.observations");
}

#[tokio::test]
async fn the_observations_query_names_every_queue_and_the_metrics() {
    let srv = TokenServer::start(vec![Answer::json(200, r#"{"results":[]}"#)]).await;
    let rest = RestClient::new(&srv.url).unwrap();
    let ids = vec!["q1".to_string(), "q2".to_string()];
    rest.observations(&token(), &ids).await.unwrap();
    let seen = &srv.seen()[0];
    assert_eq!(seen.path, "/api/v2/analytics/queues/observations/query");
    let body: serde_json::Value = serde_json::from_str(&seen.body).unwrap();
    assert_eq!(body["filter"]["type"], "or");
    assert_eq!(body["filter"]["predicates"][1]["value"], "q2");
    assert_eq!(body["filter"]["predicates"][1]["dimension"], "queueId");
    assert_eq!(
        body["metrics"],
        serde_json::json!([
            "oOnQueueUsers",
            "oOffQueueUsers",
            "oWaiting",
            "oInteracting",
            "oActiveUsers"
        ])
    );
    assert_eq!(body["detailMetrics"], serde_json::json!(["oWaiting"]));
}

#[tokio::test]
async fn a_queue_by_id_keeps_the_id_readable_in_the_path() {
    let srv = TokenServer::start(vec![Answer::json(
        200,
        r#"{"id":"8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c1e","name":"Support EN"}"#,
    )])
    .await;
    let rest = RestClient::new(&srv.url).unwrap();
    let q = rest
        .queue(&token(), "8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c1e")
        .await
        .unwrap();
    assert_eq!(q.name, "Support EN");
    assert_eq!(
        srv.seen()[0].path,
        "/api/v2/routing/queues/8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c1e"
    );
}

#[tokio::test]
async fn a_subscription_refused_with_400_names_the_topic_and_the_fix() {
    let srv = TokenServer::start(vec![Answer::json(
        400,
        r#"{"message":"Invalid topic v2.analytics.queues.nope.observations","code":"bad.request","status":400}"#,
    )])
    .await;
    let rest = RestClient::new(&srv.url).unwrap();
    let topics = vec![
        "v2.analytics.queues.a.observations".to_string(),
        "v2.analytics.queues.nope.observations".to_string(),
    ];
    let e = rest.subscribe(&token(), "c1", &topics).await.unwrap_err();
    let RestError::Refused(msg) = &e else {
        panic!("not a config error: {e:?}")
    };
    assert!(
        msg.contains("topic v2.analytics.queues.nope.observations"),
        "{msg}"
    );
    assert!(!msg.contains("queues.a.observations"), "{msg}");
    assert!(msg.contains("check the ids in the config"), "{msg}");
    assert_eq!(srv.seen().len(), 1, "not tried again");
}

#[tokio::test]
async fn queues_by_id_ask_for_all_of_them_in_one_call() {
    let srv = TokenServer::start(vec![Answer::json(
        200,
        r#"{"entities":[{"id":"a","name":"A"},{"id":"b","name":"B"}],"pageCount":1}"#,
    )])
    .await;
    let rest = RestClient::new(&srv.url).unwrap();
    let qs = rest.queues_by_id(&token(), &["a", "b"]).await.unwrap();
    assert_eq!(qs.len(), 2);
    let seen = srv.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/api/v2/routing/queues");
}
