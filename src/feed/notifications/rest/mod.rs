//! The Genesys Cloud REST calls the notifications feed needs (docs/PROTOCOL.md,
//! "Notifications API"): queues, skills, members, the observations query,
//! channels and their subscriptions.
//!
//! Every call carries the bearer token, honours 429 + Retry-After, spaces
//! calls out when `inin-ratelimit-*` says the budget is nearly spent
//! (`pace`), retries a 502/503/504 or a timeout a few times on its own (so
//! one hiccup does not restart a whole start-up), counts what it sends,
//! and turns an error body into a plain message (status, code, message).

mod entities;
mod errors;
pub mod pace;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::{Method, StatusCode, header::HeaderMap};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

pub use entities::{Channel, Named, TopicState};
use entities::{MemberEntity, Page};
pub use errors::RestError;
use errors::{MAX_RATE_LIMITED, error_of, plain, refused_topics};
pub use pace::MAX_PAUSE;
use pace::{Budget, Gate, TRANSIENT_TRIES, transient_wait};

use crate::feed::FeedGauges;
use crate::feed::notifications::mapping::Member;
use crate::recording::Recorder;

/// How long one REST call may take.
pub const TIMEOUT: Duration = Duration::from_secs(15);
/// Queues per observations query (predicates per filter).
pub const OBSERVATION_QUEUES: usize = 100;
/// Queue ids per `GET /api/v2/routing/queues?id=..` (one page of 100).
pub const QUEUES_PER_LOOKUP: usize = 100;
/// Pages of one listing at most: a server that never says "last page"
/// cannot keep us paging.
const MAX_PAGES: u32 = 10_000;

/// What one request got back.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

pub struct RestClient {
    http: reqwest::Client,
    api_url: String,
    gate: Gate,
    /// Requests sent by this client, retries included.
    calls: AtomicU64,
    /// Where the feed shows the same count, when it does.
    gauges: Option<Arc<FeedGauges>>,
    /// Every answer goes here too when recording.
    recorder: Option<Recorder>,
}

/// The wait a Retry-After header asks for (seconds or HTTP-date), clamped.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    crate::auth::retry_after(headers).map(|wait| wait.min(MAX_PAUSE))
}

/// 502, 503 and 504 say "try again shortly"; the official SDKs do.
fn transient(status: StatusCode) -> bool {
    matches!(status.as_u16(), 502..=504)
}

impl RestClient {
    pub fn new(api_url: &str) -> Result<Self, RestError> {
        crate::auth::ensure_crypto_provider();
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .user_agent(concat!("queuetop/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| RestError::Transport {
                path: String::new(),
                reason: format!("HTTP client: {e}"),
            })?;
        Ok(RestClient {
            http,
            api_url: api_url.trim_end_matches('/').to_string(),
            gate: Gate::default(),
            calls: AtomicU64::new(0),
            gauges: None,
            recorder: None,
        })
    }

    /// Also counts every request into `gauges.rest_calls`.
    pub fn counting_into(mut self, gauges: Arc<FeedGauges>) -> Self {
        self.gauges = Some(gauges);
        self
    }

    /// Requests sent so far, retries included.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    fn count_call(&self) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if let Some(g) = &self.gauges {
            g.rest_calls.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Records every answer (and the frames of channels opened with it).
    pub fn with_recorder(mut self, recorder: Option<Recorder>) -> Self {
        self.recorder = recorder;
        self
    }

    pub fn recorder(&self) -> Option<&Recorder> {
        self.recorder.as_ref()
    }

    /// One call: waits for its turn in the rate budget, retries 429s after
    /// Retry-After and 502/503/504s and timeouts after a short backoff,
    /// and turns an error answer into a plain message.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: &SecretString,
        body: Option<&Value>,
    ) -> Result<T, RestError> {
        let transport = |reason: String| RestError::Transport {
            path: path.to_string(),
            reason,
        };
        let mut rng = fastrand::Rng::new();
        let (mut limited, mut failed) = (0u32, 0u32);
        loop {
            let Answer {
                status,
                headers,
                text,
            } = match self.send(&method, path, token, body).await {
                Ok(answer) => answer,
                Err(error) if error.is_timeout() && failed + 1 < TRANSIENT_TRIES => {
                    failed += 1;
                    self.pause_after_failure(path, "timed out", failed, &mut rng)
                        .await;
                    continue;
                }
                Err(error) if failed > 0 => {
                    let tries = failed + 1;
                    return Err(transport(format!("{} ({tries} tries)", plain(&error))));
                }
                Err(error) => return Err(transport(plain(&error))),
            };
            if status == StatusCode::TOO_MANY_REQUESTS {
                limited += 1;
                if limited >= MAX_RATE_LIMITED {
                    return Err(RestError::RateLimited {
                        path: path.to_string(),
                    });
                }
                let wait = retry_after(&headers).unwrap_or(Duration::from_secs(1));
                tracing::warn!(target: "queuetop::feed", path, wait_s = wait.as_secs_f64(), "rate limited; waiting Retry-After");
                tokio::time::sleep(wait).await;
                continue;
            }
            if transient(status) && failed + 1 < TRANSIENT_TRIES {
                failed += 1;
                let why = format!("HTTP {}", status.as_u16());
                self.pause_after_failure(path, &why, failed, &mut rng).await;
                continue;
            }
            if !status.is_success() {
                return Err(error_of(&method, path, status, &text));
            }
            return serde_json::from_str(&text)
                .map_err(|error| transport(format!("unexpected body: {error}")));
        }
    }

    /// One request, when the rate budget gives it a turn: counted, its
    /// budget headers learnt, and recorded when recording.
    async fn send(
        &self,
        method: &Method,
        path: &str,
        token: &SecretString,
        body: Option<&Value>,
    ) -> Result<Answer, reqwest::Error> {
        if let Some(at) = self.gate.slot() {
            tokio::time::sleep_until(at).await;
        }
        self.count_call();
        let mut request = self
            .http
            .request(method.clone(), format!("{}{}", self.api_url, path))
            .bearer_auth(token.expose_secret());
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await?;
        if let Some(budget) = Budget::from_headers(&headers) {
            self.gate.learn(budget);
        }
        if let Some(recorder) = &self.recorder {
            let code = status.as_u16();
            recorder
                .rest(method.as_str(), path, code, &headers, body, &text, token)
                .await;
        }
        Ok(Answer {
            status,
            headers,
            text,
        })
    }

    async fn pause_after_failure(
        &self,
        path: &str,
        why: &str,
        failed: u32,
        rng: &mut fastrand::Rng,
    ) {
        let wait = transient_wait(failed, rng);
        tracing::warn!(target: "queuetop::feed", path, why, attempt = failed, wait_ms = wait.as_millis() as u64, "REST call failed; trying it again");
        tokio::time::sleep(wait).await;
    }

    /// Every page of a listing: as many as `pageCount` says, or while
    /// there is a `nextUri` (the members listing has no `pageCount`).
    async fn pages<T: DeserializeOwned>(
        &self,
        base: &str,
        token: &SecretString,
    ) -> Result<Vec<T>, RestError> {
        let sep = if base.contains('?') { '&' } else { '?' };
        let mut out = Vec::new();
        for n in 1..=MAX_PAGES {
            let path = format!("{base}{sep}pageSize=100&pageNumber={n}");
            let page: Page<T> = self.call(Method::GET, &path, token, None).await?;
            let more = page.has_next(n) && !page.entities.is_empty();
            out.extend(page.entities);
            if !more {
                break;
            }
        }
        Ok(out)
    }

    /// Every entity of a paged listing, as `T` (for listings outside the
    /// feed's own, such as `queuetop queues`).
    pub async fn list<T: DeserializeOwned>(
        &self,
        base: &str,
        token: &SecretString,
    ) -> Result<Vec<T>, RestError> {
        self.pages(base, token).await
    }

    /// Queues, optionally by name (the server matches names loosely;
    /// callers compare exactly).
    pub async fn queues(
        &self,
        token: &SecretString,
        name: Option<&str>,
    ) -> Result<Vec<Named>, RestError> {
        let base = match name {
            Some(n) => format!(
                "/api/v2/routing/queues?name={}",
                percent_encoding::utf8_percent_encode(n, percent_encoding::NON_ALPHANUMERIC)
            ),
            None => "/api/v2/routing/queues".to_string(),
        };
        self.pages(&base, token).await
    }

    /// The queues with these ids (at most `QUEUES_PER_LOOKUP`) in one
    /// call. A queue the client may not see is simply not in the answer.
    pub async fn queues_by_id(
        &self,
        token: &SecretString,
        ids: &[&str],
    ) -> Result<Vec<Named>, RestError> {
        let query: Vec<String> = ids.iter().map(|id| format!("id={}", segment(id))).collect();
        let base = format!("/api/v2/routing/queues?{}", query.join("&"));
        self.pages(&base, token).await
    }

    /// One queue by id: to learn why a queue was missing from a batch.
    pub async fn queue(&self, token: &SecretString, queue_id: &str) -> Result<Named, RestError> {
        let id = segment(queue_id);
        self.call(
            Method::GET,
            &format!("/api/v2/routing/queues/{id}"),
            token,
            None,
        )
        .await
    }

    pub async fn skills(&self, token: &SecretString) -> Result<Vec<Named>, RestError> {
        self.pages("/api/v2/routing/skills", token).await
    }

    /// Members of a queue with their skills, routing status and whether
    /// they are joined (only joined members take the queue's work).
    pub async fn members(
        &self,
        token: &SecretString,
        queue_id: &str,
    ) -> Result<Vec<Member>, RestError> {
        let base = format!(
            "/api/v2/routing/queues/{}/members?expand=skills,routingStatus",
            segment(queue_id)
        );
        let ents: Vec<MemberEntity> = self.pages(&base, token).await?;
        Ok(ents
            .into_iter()
            .filter_map(MemberEntity::into_member)
            .collect())
    }

    /// The first snapshot; returns the raw body for the mapper. Callers send
    /// at most `OBSERVATION_QUEUES` queues per query.
    pub async fn observations(
        &self,
        token: &SecretString,
        queue_ids: &[String],
    ) -> Result<String, RestError> {
        let predicates: Vec<Value> = queue_ids
            .iter()
            .map(|q| json!({"type":"dimension","dimension":"queueId","operator":"matches","value":q}))
            .collect();
        let body = json!({
            "filter": {"type": "or", "predicates": predicates},
            "metrics": ["oOnQueueUsers", "oOffQueueUsers", "oWaiting", "oInteracting", "oActiveUsers"],
            "detailMetrics": ["oWaiting"],
        });
        let v: Value = self
            .call(
                Method::POST,
                "/api/v2/analytics/queues/observations/query",
                token,
                Some(&body),
            )
            .await?;
        Ok(v.to_string())
    }

    pub async fn create_channel(&self, token: &SecretString) -> Result<Channel, RestError> {
        self.call(
            Method::POST,
            "/api/v2/notifications/channels",
            token,
            Some(&json!({})),
        )
        .await
    }

    /// Replaces the channel's topics; rejected ones come back marked.
    /// `ignoreErrors` softens failed permission checks only: a 400 means a
    /// topic is wrong, and sending it again cannot help (`Refused`).
    pub async fn subscribe(
        &self,
        token: &SecretString,
        channel_id: &str,
        topics: &[String],
    ) -> Result<Vec<TopicState>, RestError> {
        let body: Vec<Value> = topics.iter().map(|t| json!({ "id": t })).collect();
        let path = format!(
            "/api/v2/notifications/channels/{}/subscriptions?ignoreErrors=true",
            segment(channel_id)
        );
        let page: Page<TopicState> = match self
            .call(Method::PUT, &path, token, Some(&Value::Array(body)))
            .await
        {
            Err(e) if e.status() == Some(400) => return Err(refused_topics(&e, topics)),
            other => other?,
        };
        Ok(page.entities)
    }
}

/// The members on one page of a member listing (replay reads recorded
/// pages with the same rules as start-up).
pub fn members_in(page: &str) -> Result<Vec<Member>, String> {
    let page: Page<MemberEntity> =
        serde_json::from_str(page).map_err(|e| format!("member listing: {e}"))?;
    Ok(page
        .entities
        .into_iter()
        .filter_map(MemberEntity::into_member)
        .collect())
}

/// An id as one path segment: ids come from config or a server, and
/// neither may add a path or a query.
fn segment(id: &str) -> percent_encoding::PercentEncode<'_> {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(id, SEGMENT)
}
