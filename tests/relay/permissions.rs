//! A supervisor's NATS user limited to one queue's subjects sees that
//! queue, and the other as "not permitted" with its subject, not as an
//! empty queue. The server config is the README's, cut to two users.

use std::time::Duration;

use crate::common::*;
use queuetop::event::{FeedEvent, QueueEventKind};
use queuetop::feed;
use queuetop::relay::Publisher;
use secrecy::SecretString;

const PREFIX: &str = "queuetop.perm";

/// The README's server config with the names for PREFIX.
fn server_config() -> String {
    let stream = "QUEUETOP_PERM";
    let bucket = "queuetop_perm_state";
    format!(
        r#"
authorization {{
  users = [
    {{ user: relay, password: relay-pass, permissions: {{
        publish: ["{PREFIX}.>", "$JS.API.>", "$KV.{bucket}.>"]
        subscribe: ["_INBOX.>"] }} }}
    {{ user: sup-a, password: sup-pass, permissions: {{
        publish: {{ allow: [
          "$JS.API.INFO",
          "$JS.API.STREAM.INFO.KV_{bucket}",
          "$JS.API.DIRECT.GET.KV_{bucket}.$KV.{bucket}.qa",
          "$JS.API.CONSUMER.CREATE.{stream}.*.{PREFIX}.queue.qa.>",
          "$JS.API.CONSUMER.MSG.NEXT.{stream}.>",
          "$JS.API.CONSUMER.INFO.{stream}.>",
          "$JS.API.CONSUMER.DELETE.{stream}.>",
          "$JS.FC.>"
        ] }}
        subscribe: {{ allow: ["_INBOX.>", "{PREFIX}.relay.heartbeat"] }}
    }} }}
  ]
}}
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_the_user_may_not_read_is_not_permitted_with_its_subject() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("nats.conf");
    std::fs::write(&conf, server_config()).unwrap();
    let b = broker_with(&["-c", conf.to_str().unwrap()]);
    let url = b.server.url();

    let mut relay = nats(&url, PREFIX);
    relay.user = Some("relay".into());
    relay.password = Some(SecretString::from("relay-pass"));
    let client = queuetop::nats::connect(&relay, "test relay", None)
        .await
        .unwrap();
    let mut publisher = Publisher::new(client, &relay).await.unwrap();
    for ev in script(&["qa", "qb"], 60, 0) {
        publisher.publish(&ev).await;
    }
    publisher.flush().await;

    let mut sup = nats(&url, PREFIX);
    sup.user = Some("sup-a".into());
    sup.password = Some(SecretString::from("sup-pass"));
    let mut v = feed::spawn(viewer(sup, &["qa", "qb"]));
    let mut qa = 0;
    let mut refused = None;
    let (seen, ok) = until(&mut v.events, Duration::from_secs(30), |ev| {
        match ev {
            FeedEvent::Queue(q) if q.kind.queue_id() == "qa" && !q.snapshot => qa += 1,
            FeedEvent::TopicRejected {
                topic,
                reason,
                queue_id,
            } => refused = Some((topic.clone(), reason.clone(), queue_id.clone())),
            _ => {}
        }
        qa == 30 && refused.is_some()
    })
    .await;
    assert!(ok, "qa events: {qa}, refusal: {refused:?}");
    let (topic, reason, queue_id) = refused.unwrap();
    assert_eq!(topic, format!("{PREFIX}.queue.qb.>"));
    assert_eq!(queue_id.as_deref(), Some("qb"));
    assert!(
        reason.contains("not permitted") && reason.contains(&topic),
        "{reason}"
    );
    let qb = seen.iter().any(|e| {
        matches!(e, FeedEvent::Queue(q) if q.kind.queue_id() == "qb")
            || matches!(e, FeedEvent::Queue(q) if matches!(&q.kind, QueueEventKind::Summary(s) if s.queue_id == "qb"))
    });
    assert!(!qb, "a refused queue's events reached the viewer");
}
