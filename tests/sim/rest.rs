//! The simulator's REST faults as a real org shows them: latency on every
//! answer and transient gateway errors, over real HTTP on 127.0.0.1.

use crate::common;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::notif::get;
use crate::common::{scripted, start, token};

#[tokio::test]
async fn rest_latency_delays_every_answer_and_can_be_lifted() {
    let sim = start(scripted()).await;
    let t = token(&sim).await;
    let latency = Duration::from_millis(250);
    sim.control().set_rest_latency(Some(latency));
    for path in ["/api/v2/routing/queues", "/api/v2/routing/skills"] {
        let began = Instant::now();
        let r = get(&sim, &t, path).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(began.elapsed() >= latency, "{path}: {:?}", began.elapsed());
    }
    // Errors come as late as answers.
    let began = Instant::now();
    let r = get(&sim, &t, "/api/v2/routing/queues/nope").await;
    assert!(r.status >= 400);
    assert!(began.elapsed() >= latency);
    sim.control().set_rest_latency(None);
    let began = Instant::now();
    let r = get(&sim, &t, "/api/v2/routing/queues").await;
    assert_eq!(r.status, 200);
    assert!(began.elapsed() < latency, "{:?}", began.elapsed());
}

#[tokio::test]
async fn transient_gateway_errors_answer_the_next_calls_then_stop() {
    let sim = start(scripted()).await;
    let t = token(&sim).await;
    for status in [502u16, 503, 504] {
        sim.control().rest_transient(2, status);
        for _ in 0..2 {
            let r = get(&sim, &t, "/api/v2/routing/queues").await;
            assert_eq!(r.status, status, "{}", r.body);
            assert_eq!(r.body["status"], status);
            assert!(
                r.body["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("retry"))
            );
            assert!(!r.headers.contains_key("retry-after"));
        }
        let r = get(&sim, &t, "/api/v2/routing/queues").await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    assert_eq!(sim.stats().rest_transient, 6);
    assert_eq!(sim.control().faults().rest_transient, Some((0, 504)));
}

#[test]
fn the_sim_command_takes_a_rest_latency() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_queuetop"))
        .args(["sim", "--queues", "1", "--rest-latency-ms", "300"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut printed = String::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if line.starts_with("events") {
            break;
        }
    }
    let api = printed
        .lines()
        .find_map(|l| l.strip_prefix("api_url = "))
        .map(|v| v.trim_matches('"').to_string());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let elapsed = rt.block_on(async {
        let http = common::http();
        let api = api.expect("the config names api_url");
        let token: serde_json::Value = http
            .post(format!("{api}/oauth/token"))
            .basic_auth("queuetop-sim", Some("sim-secret-not-for-production"))
            .body("grant_type=client_credentials")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let began = Instant::now();
        let r = http
            .get(format!("{api}/api/v2/routing/queues"))
            .bearer_auth(token["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        began.elapsed()
    });
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    assert_eq!(child.wait().unwrap().code(), Some(0));
    assert!(printed.contains("300 ms added"), "{printed}");
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
}
