//! OAuth client credentials, token lifetime, SecretString.
//!
//! `POST {login}/oauth/token` with Basic auth and
//! `grant_type=client_credentials` (docs/PROTOCOL.md, "OAuth client
//! credentials"). The token is kept with the instant it should be refreshed:
//! 80 % of `expires_in`, so a reconnect late in its life never presents a
//! token about to lapse. Neither the token nor the secret ever appears in an
//! error or a log line.

use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::time::Instant;

use crate::config::GenesysConfig;

/// How long one token request may take before it counts as failed.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Assumed lifetime when the server does not say (the shortest Genesys
/// allows, so we refresh early rather than late).
const DEFAULT_LIFETIME_S: u64 = 300;

/// Longer than any real lifetime (Genesys allows 48 h); a larger
/// `expires_in` is clamped so the refresh deadline cannot overflow.
const MAX_LIFETIME_S: u64 = 7 * 86_400;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The login server refused the client id or secret: retrying will not help.
    #[error("{0}")]
    CredentialsRefused(String),
    /// 429: wait at least `retry_after` (when the server said) before asking again.
    #[error("the login server is rate limiting token requests{}", match .retry_after {
        Some(d) => format!(" (retry after {} s)", d.as_secs()),
        None => String::new(),
    })]
    RateLimited { retry_after: Option<Duration> },
    /// Network trouble or a server error: worth retrying with backoff.
    #[error("could not get a token: {0}")]
    Transient(String),
}

pub struct TokenSource {
    client: Option<reqwest::Client>,
    token_url: String,
    client_id: String,
    client_secret: Option<SecretString>,
    current: Option<Current>,
}

struct Current {
    token: SecretString,
    refresh_at: Instant,
    /// When the server stops honouring it (and closes the notification
    /// channels it created).
    expires_at: Instant,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct ErrorResponse {
    error: Option<String>,
    error_description: Option<String>,
}

impl TokenSource {
    pub fn new(login_url: &str, client_id: &str, client_secret: Option<SecretString>) -> Self {
        ensure_crypto_provider();
        // Building fails only when TLS cannot be set up; report it on the
        // first `token()` call instead of panicking here.
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("queuetop/", env!("CARGO_PKG_VERSION")))
            .build()
            .ok();
        TokenSource {
            client,
            token_url: format!("{}/oauth/token", login_url.trim_end_matches('/')),
            client_id: client_id.to_string(),
            client_secret,
            current: None,
        }
    }

    pub fn from_config(cfg: &GenesysConfig) -> Self {
        TokenSource::new(&cfg.login_url, &cfg.client_id, cfg.client_secret.clone())
    }

    /// The current token, fetching a new one when there is none or it has
    /// reached 80 % of its lifetime.
    pub async fn token(&mut self) -> Result<SecretString, AuthError> {
        if let Some(cur) = &self.current
            && Instant::now() < cur.refresh_at
        {
            return Ok(cur.token.clone());
        }
        self.current = None;
        let (token, lifetime) = self.fetch().await?;
        // 80 % of the lifetime, in whole milliseconds.
        let refresh_in = Duration::from_millis(lifetime.saturating_mul(800));
        let now = Instant::now();
        self.current = Some(Current {
            token: token.clone(),
            refresh_at: now + refresh_in,
            expires_at: now + Duration::from_secs(lifetime),
        });
        tracing::info!(
            target: "queuetop::feed",
            expires_in_s = lifetime,
            refresh_in_s = refresh_in.as_secs(),
            "access token obtained"
        );
        Ok(token)
    }

    /// Forget the token (after a 401 or close 4001): the next `token()` fetches.
    pub fn invalidate(&mut self) {
        self.current = None;
    }

    /// When the current token is due for refresh, if there is one.
    pub fn refresh_at(&self) -> Option<Instant> {
        self.current.as_ref().map(|c| c.refresh_at)
    }

    /// When the current token expires, if there is one: what it made
    /// (notification channels) dies with it, so the feed replaces those
    /// before then.
    pub fn expires_at(&self) -> Option<Instant> {
        self.current.as_ref().map(|c| c.expires_at)
    }

    async fn fetch(&self) -> Result<(SecretString, u64), AuthError> {
        let Some(secret) = &self.client_secret else {
            return Err(AuthError::CredentialsRefused(
                "no client secret is configured: set client_secret or client_secret_file \
                 in [genesys], or GENESYS_CLIENT_SECRET"
                    .into(),
            ));
        };
        if self.client_id.is_empty() {
            return Err(AuthError::CredentialsRefused(
                "no client id is configured: set client_id in [genesys] or GENESYS_CLIENT_ID"
                    .into(),
            ));
        }
        let Some(client) = &self.client else {
            return Err(AuthError::Transient(
                "the HTTPS client could not be set up (TLS)".into(),
            ));
        };
        let response = client
            .post(&self.token_url)
            .basic_auth(&self.client_id, Some(secret.expose_secret()))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
            .await
            .map_err(|error| AuthError::Transient(describe_reqwest(&error)))?;
        let status = response.status().as_u16();
        match status {
            200..=299 => {
                let body: TokenResponse = response.json().await.map_err(|_| {
                    AuthError::Transient(
                        "the login server answered with an unreadable token".into(),
                    )
                })?;
                if body.access_token.is_empty() {
                    return Err(AuthError::Transient(
                        "the login server answered with an empty token".into(),
                    ));
                }
                let lifetime = body
                    .expires_in
                    .unwrap_or(DEFAULT_LIFETIME_S)
                    .min(MAX_LIFETIME_S);
                Ok((SecretString::from(body.access_token), lifetime))
            }
            400 | 401 => {
                let why = response
                    .json::<ErrorResponse>()
                    .await
                    .ok()
                    .map(|answer| {
                        let code = answer.error.unwrap_or_else(|| "invalid_client".into());
                        match answer.error_description {
                            Some(description) => format!("{code}: {description}"),
                            None => code,
                        }
                    })
                    .unwrap_or_else(|| format!("HTTP {status}"));
                Err(AuthError::CredentialsRefused(format!(
                    "the login server refused the client credentials ({}); check client_id \
                     and client_secret",
                    clip(&why)
                )))
            }
            429 => {
                let retry_after = retry_after(response.headers());
                Err(AuthError::RateLimited { retry_after })
            }
            _ => Err(AuthError::Transient(format!(
                "the login server answered HTTP {status}"
            ))),
        }
    }
}

/// The wait an answer's `Retry-After` header asks for, if it has a
/// readable one. Here rather than in the feed because the login answers
/// with it too, and auth does not depend on the feed.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, SystemTime::now())
}

/// `Retry-After`: delay-seconds or an HTTP-date (a date in the past is 0).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// reqwest errors without their URL (URLs reach logs only redacted).
fn describe_reqwest(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        format!(
            "the login server did not answer within {} s",
            REQUEST_TIMEOUT.as_secs()
        )
    } else if e.is_connect() {
        // The deepest cause (refused, unreachable, DNS) is what to fix;
        // it is an OS or resolver error and carries no URL.
        let mut cause: &dyn std::error::Error = e;
        while let Some(next) = cause.source() {
            cause = next;
        }
        format!("could not connect to the login server: {cause}")
    } else {
        let mut s = e.to_string();
        // Display is "... for url (URL)": drop the URL part.
        if let Some(i) = s.find(" for url (") {
            s.truncate(i);
        }
        s
    }
}

/// Server-supplied text goes on screen: keep it to one short line.
fn clip(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .take(160)
        .collect::<String>()
}

/// reqwest and tungstenite are built without a default rustls provider;
/// main installs ring, and so does this (idempotently) for library users
/// and tests.
pub fn ensure_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Err only when another thread installed one first: fine either way.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds() {
        let now = SystemTime::now();
        assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
    }

    #[test]
    fn retry_after_as_http_date() {
        let now = httpdate::parse_http_date("Fri, 27 Nov 2026 21:00:00 GMT").unwrap();
        assert_eq!(
            parse_retry_after("Fri, 27 Nov 2026 21:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Fri, 27 Nov 2026 20:59:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[test]
    fn errors_read_plainly() {
        let e = AuthError::RateLimited {
            retry_after: Some(Duration::from_secs(3)),
        };
        assert_eq!(
            e.to_string(),
            "the login server is rate limiting token requests (retry after 3 s)"
        );
        assert_eq!(
            AuthError::Transient("x".into()).to_string(),
            "could not get a token: x"
        );
    }

    #[tokio::test]
    async fn a_missing_secret_is_refused_without_a_request() {
        let mut ts = TokenSource::new("http://127.0.0.1:9", "id", None);
        let err = ts.token().await.unwrap_err();
        assert!(matches!(&err, AuthError::CredentialsRefused(m) if m.contains("client_secret")));
    }
}
