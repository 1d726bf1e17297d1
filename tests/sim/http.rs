//! The simulator's HTTP side on real sockets: token endpoint and handshake
//! statuses, determinism by seed, the printed config.

use std::time::Duration;

use crate::common::*;
use queuetop::sim::{Faults, SimOptions};
use serde_json::Value;
use tokio_tungstenite::tungstenite;

fn status_of(err: tungstenite::Error) -> u16 {
    match err {
        tungstenite::Error::Http(resp) => resp.status().as_u16(),
        other => panic!("expected an HTTP refusal, got {other}"),
    }
}

#[tokio::test]
async fn token_good_credentials() {
    let sim = start(scripted()).await;
    let resp = token_response(&sim, sim.client_id(), sim.client_secret()).await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["token_type"], "bearer");
    assert_eq!(v["expires_in"], 86_400);
    let tok = v["access_token"].as_str().unwrap();
    assert!(tok.len() >= 32);
    assert_eq!(sim.issued_tokens(), vec![tok.to_string()]);
    assert_eq!(sim.stats().token_requests, 1);
}

#[tokio::test]
async fn token_wrong_credentials_is_invalid_client() {
    let sim = start(scripted()).await;
    let resp = token_response(&sim, sim.client_id(), "wrong").await;
    assert_eq!(resp.status(), 401);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"], "invalid_client");
    assert_eq!(v["error_description"], "client not found");
    let resp = token_response(&sim, "someone-else", sim.client_secret()).await;
    assert_eq!(resp.status(), 401);
    assert!(sim.issued_tokens().is_empty());
    assert_eq!(sim.stats().tokens_refused, 2);
}

#[tokio::test]
async fn token_wrong_grant_type_is_400() {
    let sim = start(scripted()).await;
    let resp = http()
        .post(format!("{}/oauth/token", sim.login_url()))
        .basic_auth(sim.client_id(), Some(sim.client_secret()))
        .body("grant_type=password")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert!(sim.issued_tokens().is_empty());
}

#[tokio::test]
async fn handshake_without_or_with_unknown_token_is_401() {
    let sim = start(scripted()).await;
    assert_eq!(status_of(connect(&sim, None).await.unwrap_err()), 401);
    assert_eq!(
        status_of(connect(&sim, Some("not-a-token")).await.unwrap_err()),
        401
    );
    let s = sim.stats();
    assert_eq!((s.handshakes, s.handshakes_rejected), (2, 2));
    assert_eq!(s.connections_total, 0);
}

#[tokio::test]
async fn handshake_with_token_is_101_with_subprotocol_v1() {
    let sim = start(scripted()).await;
    let t = token(&sim).await;
    let (_ws, resp) = connect(&sim, Some(&t)).await.unwrap();
    assert_eq!(resp.status().as_u16(), 101);
    assert_eq!(resp.headers().get("sec-websocket-protocol").unwrap(), "v1");
    assert!(sim.wait_for(|s| s.connections_open == 1, SOON).await);
}

#[tokio::test]
async fn plain_get_on_the_socket_path_is_400_and_unknown_paths_404() {
    let sim = start(scripted()).await;
    let resp = http()
        .get(sim.realtime_url().replace("ws://", "http://"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let resp = http()
        .get(format!("{}/nope", sim.api_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn fault_401_answers_one_handshake_then_accepts() {
    let opts = SimOptions {
        faults: Faults {
            reject_handshakes_401: 1,
            ..Faults::default()
        },
        ..scripted()
    };
    let sim = start(opts).await;
    let t = token(&sim).await;
    assert_eq!(status_of(connect(&sim, Some(&t)).await.unwrap_err()), 401);
    assert!(connect(&sim, Some(&t)).await.is_ok());
}

#[tokio::test]
async fn fault_429_carries_retry_after() {
    let sim = start(scripted()).await;
    sim.control().rate_limit_handshakes(2, 7);
    let t = token(&sim).await;
    for _ in 0..2 {
        match connect(&sim, Some(&t)).await.unwrap_err() {
            tungstenite::Error::Http(resp) => {
                assert_eq!(resp.status().as_u16(), 429);
                assert_eq!(resp.headers().get("retry-after").unwrap(), "7");
            }
            other => panic!("expected 429, got {other}"),
        }
    }
    assert!(connect(&sim, Some(&t)).await.is_ok());
    assert_eq!(sim.stats().handshakes_rejected, 2);
}

#[tokio::test(start_paused = true)]
async fn expired_token_is_refused_at_handshake() {
    let sim = start(scripted()).await;
    sim.control().set_token_lifetime(300);
    let t = token(&sim).await;
    tokio::time::advance(Duration::from_secs(301)).await;
    assert_eq!(status_of(connect(&sim, Some(&t)).await.unwrap_err()), 401);
    let fresh = token(&sim).await;
    assert!(connect(&sim, Some(&fresh)).await.is_ok());
}

#[tokio::test]
async fn same_seed_same_queues_other_seed_other_queues() {
    let a = start(SimOptions {
        seed: 42,
        ..scripted()
    })
    .await;
    let b = start(SimOptions {
        seed: 42,
        ..scripted()
    })
    .await;
    let c = start(SimOptions {
        seed: 43,
        ..scripted()
    })
    .await;
    assert_eq!(a.queues(), b.queues());
    assert_ne!(a.queues(), c.queues());
    assert_eq!(a.queues().len(), 3);
    for (id, name) in a.queues() {
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
        assert!(!name.is_empty());
    }
}

#[tokio::test]
async fn config_toml_points_at_the_simulator() {
    let sim = start(scripted()).await;
    let text = sim.config_toml("realtime");
    let v: toml::Value = toml::from_str(&text).unwrap();
    let g = &v["genesys"];
    assert_eq!(g["protocol"].as_str(), Some("realtime"));
    assert_eq!(g["client_id"].as_str(), Some(sim.client_id()));
    assert_eq!(g["client_secret"].as_str(), Some(sim.client_secret()));
    assert_eq!(g["login_url"].as_str(), Some(sim.login_url().as_str()));
    assert_eq!(
        g["realtime_url"].as_str(),
        Some(sim.realtime_url().as_str())
    );
    assert!(sim.realtime_url().starts_with("ws://127.0.0.1:"));
    let queues = v["queue"].as_array().unwrap();
    let ids: Vec<(String, String)> = queues
        .iter()
        .map(|q| {
            (
                q["id"].as_str().unwrap().to_string(),
                q["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(ids, sim.queues());
}

#[tokio::test]
async fn token_rate_limit_fault_is_429_with_retry_after() {
    let sim = start(scripted()).await;
    sim.control().rate_limit_tokens(1, 3);
    let resp = token_response(&sim, sim.client_id(), sim.client_secret()).await;
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers().get("retry-after").unwrap(), "3");
    let resp = token_response(&sim, sim.client_id(), sim.client_secret()).await;
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn absurd_token_lifetime_does_not_overflow() {
    let sim = start(SimOptions {
        token_lifetime_s: u64::MAX,
        ..scripted()
    })
    .await;
    let t = token(&sim).await;
    assert!(connect(&sim, Some(&t)).await.is_ok());
}
