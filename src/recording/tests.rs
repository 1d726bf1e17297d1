//! The writer: secrets never reach the file, nothing is dropped.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use secrecy::SecretString;
use serde_json::json;

use super::*;

#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

fn header() -> Header {
    Header {
        format: FORMAT,
        queuetop: "test".into(),
        started: "2026-11-30T03:00:00Z".into(),
        environment: "mypurecloud.com".into(),
        api_host: "api.mypurecloud.com".into(),
        protocol: "notifications".into(),
        anonymized: false,
        queues: Vec::new(),
    }
}

#[tokio::test]
async fn secrets_in_answers_and_frames_never_reach_the_file() {
    let out = Shared::default();
    let opts = RecorderOptions {
        anonymize: false,
        secrets: vec![SecretString::from("the-client-secret")],
    };
    let (rec, r) = Recording::to_writer(Box::new(out.clone()), &header(), opts).unwrap();
    let token = SecretString::from("tok-abc123XYZ");
    let mut h = HeaderMap::new();
    h.insert(
        "authorization",
        HeaderValue::from_static("Bearer tok-abc123XYZ"),
    );
    h.insert(
        "set-cookie",
        HeaderValue::from_static("session=s3cr3tcookie"),
    );
    h.insert("inin-ratelimit-count", HeaderValue::from_static("3"));
    let request = json!({"client_secret": "the-client-secret", "note": "the-client-secret"});
    let body = r#"{"echo":"tok-abc123XYZ","access_token":"other-token-9","id":"x"}"#;
    r.rest("POST", "/api/v2/x", 200, &h, Some(&request), body, &token)
        .await;
    let frame = r#"{"topicName":"t","eventBody":{"h":"Authorization: Bearer zzz-other-1"}}"#;
    r.channel("c1").text(frame).await;
    r.channel("c1")
        .ended(Some(4001), "token tok-abc123XYZ expired", None)
        .await;
    drop(r);
    let s = rec.finish("done", Duration::from_secs(5)).await;
    let text = out.text();
    for secret in [
        "tok-abc123XYZ",
        "the-client-secret",
        "other-token-9",
        "zzz-other-1",
        "s3cr3tcookie",
    ] {
        assert!(!text.contains(secret), "{secret} in:\n{text}");
    }
    assert!(text.contains(r#""inin-ratelimit-count":"3""#), "{text}");
    assert_eq!((s.rest, s.frames, s.lines, s.write_errors), (1, 1, 5, 0));
    let last: Line = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert!(matches!(last, Line::End(e) if e.reason == "done" && e.frames == 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_past_the_channel_waits_and_every_frame_is_written() {
    let out = Shared::default();
    let (rec, r) =
        Recording::to_writer(Box::new(out.clone()), &header(), RecorderOptions::default()).unwrap();
    let tap = r.channel("c1");
    for i in 0..5000 {
        tap.text(&format!(r#"{{"n":{i}}}"#)).await;
    }
    drop((r, tap));
    let s = rec.finish("done", Duration::from_secs(5)).await;
    assert_eq!(s.frames, 5000);
    let text = out.text();
    let frames: Vec<Line> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|l| matches!(l, Line::Frame(_)))
        .collect();
    assert_eq!(frames.len(), 5000);
    for (i, f) in frames.iter().enumerate() {
        assert!(matches!(f, Line::Frame(f) if f.text == format!(r#"{{"n":{i}}}"#)));
    }
}
