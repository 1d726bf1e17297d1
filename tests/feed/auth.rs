//! The token source against a scripted token endpoint on loopback.

use std::time::Duration;

use crate::common::token_server::{Answer, TokenServer};
use queuetop::auth::{AuthError, TokenSource};
use secrecy::{ExposeSecret, SecretString};

const SECRET: &str = "s3cr3t-value";

fn source(server: &TokenServer) -> TokenSource {
    TokenSource::new(&server.url, "my-client", Some(SecretString::from(SECRET)))
}

#[tokio::test(start_paused = true)]
async fn fetches_with_basic_auth_caches_and_refreshes_at_80_percent() {
    let server = TokenServer::start(vec![
        Answer::token("tok-1", 100),
        Answer::token("tok-2", 100),
        Answer::token("tok-3", 100),
    ])
    .await;
    let mut ts = source(&server);
    assert_eq!(ts.token().await.unwrap().expose_secret(), "tok-1");
    // The expiry is known: channels made with the token die with it.
    let (refresh, expiry) = (ts.refresh_at().unwrap(), ts.expires_at().unwrap());
    assert_eq!(expiry - refresh, Duration::from_secs(20));

    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].path, "/oauth/token");
    // base64("my-client:s3cr3t-value")
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some("Basic bXktY2xpZW50OnMzY3IzdC12YWx1ZQ==")
    );
    assert_eq!(
        seen[0].content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(seen[0].body, "grant_type=client_credentials");

    // Cached until 80 % of the 100 s lifetime.
    tokio::time::sleep(Duration::from_secs(79)).await;
    assert_eq!(ts.token().await.unwrap().expose_secret(), "tok-1");
    assert_eq!(server.seen().len(), 1);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(ts.token().await.unwrap().expose_secret(), "tok-2");
    assert_eq!(server.seen().len(), 2);

    // After a 401 or close 4001 the feed invalidates: a fresh one at once.
    ts.invalidate();
    assert_eq!(ts.token().await.unwrap().expose_secret(), "tok-3");
}

#[tokio::test]
async fn invalid_client_is_refused_plainly_without_the_secret() {
    for status in [400, 401] {
        let server = TokenServer::start(vec![Answer::json(
            status,
            r#"{"error":"invalid_client","error_description":"client not found"}"#,
        )])
        .await;
        let err = source(&server).token().await.unwrap_err();
        let AuthError::CredentialsRefused(msg) = &err else {
            panic!("{status}: {err:?}");
        };
        assert!(msg.contains("invalid_client: client not found"), "{msg}");
        assert!(msg.contains("client_secret"), "names the fix: {msg}");
        assert!(!msg.contains(SECRET));
        assert!(!format!("{err:?}").contains(SECRET));
    }
}

#[tokio::test]
async fn rate_limits_carry_retry_after_in_seconds_or_as_a_date() {
    let in_a_minute =
        httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(61));
    let server = TokenServer::start(vec![
        Answer::json(429, "{}").header("retry-after", "7"),
        Answer::json(429, "{}").header("retry-after", &in_a_minute),
        Answer::json(429, "{}"),
    ])
    .await;
    let mut ts = source(&server);
    assert_eq!(
        ts.token().await.unwrap_err(),
        AuthError::RateLimited {
            retry_after: Some(Duration::from_secs(7))
        }
    );
    let AuthError::RateLimited {
        retry_after: Some(d),
    } = ts.token().await.unwrap_err()
    else {
        panic!()
    };
    assert!(
        d > Duration::from_secs(55) && d <= Duration::from_secs(61),
        "{d:?}"
    );
    assert_eq!(
        ts.token().await.unwrap_err(),
        AuthError::RateLimited { retry_after: None }
    );
}

#[tokio::test]
async fn server_trouble_is_transient() {
    let server = TokenServer::start(vec![
        Answer::json(503, "{}"),
        Answer::json(200, "<html>not json</html>"),
        Answer::json(200, r#"{"access_token":"","expires_in":100}"#),
    ])
    .await;
    let mut ts = source(&server);
    for _ in 0..3 {
        let err = ts.token().await.unwrap_err();
        assert!(matches!(err, AuthError::Transient(_)), "{err:?}");
    }
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    drop(l);
    let err = TokenSource::new(&url, "id", Some(SecretString::from(SECRET)))
        .token()
        .await
        .unwrap_err();
    // The cause is named (what to fix), never the URL.
    assert!(
        matches!(&err, AuthError::Transient(m) if m.starts_with("could not connect to the login server: ") && m.contains("refused") && !m.contains("http")),
        "{err:?}"
    );
}
