//! The Genesys Cloud REST calls the notifications feed needs
//! (PROTOCOL.md section 3): queues, skills, members, the observations
//! query, channels and their subscriptions.
//!
//! Every call carries the bearer token, honours 429 + Retry-After, slows
//! down when `inin-ratelimit-*` says the budget is nearly spent, times out,
//! and turns an error body into a plain message (status, code, message).

use std::time::Duration;

use reqwest::{Method, StatusCode, header::HeaderMap};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::event::{AgentStatus, parse_rfc3339};
use crate::feed::notifications::mapping::Member;

/// How long one REST call may take.
pub const TIMEOUT: Duration = Duration::from_secs(15);
/// Queues per observations query (predicates per filter).
pub const OBSERVATION_QUEUES: usize = 100;
/// 429s in a row before a call gives up.
const MAX_RATE_LIMITED: u32 = 5;

#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum RestError {
    /// The server answered with an error status.
    #[error("{method} {path}: HTTP {status}{}{}", code.as_ref().map(|c| format!(" {c}")).unwrap_or_default(), message.as_ref().map(|m| format!(": {m}")).unwrap_or_default())]
    Status {
        method: String,
        path: String,
        status: u16,
        code: Option<String>,
        message: Option<String>,
    },
    /// Still rate limited after several waits.
    #[error(
        "{path}: still rate limited (429) after {0} tries; wait and press r",
        MAX_RATE_LIMITED
    )]
    RateLimited { path: String },
    /// Network trouble, timeout, or a body we could not read.
    #[error("{path}: {reason}")]
    Transport { path: String, reason: String },
}

impl RestError {
    pub fn status(&self) -> Option<u16> {
        match self {
            RestError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Deserialize)]
struct Page<T> {
    #[serde(default = "Vec::new")]
    entities: Vec<T>,
    #[serde(rename = "pageCount", default)]
    page_count: Option<u32>,
}

#[derive(Deserialize, Debug, Clone, PartialEq)]
pub struct Named {
    pub id: String,
    #[serde(default)]
    pub name: String,
}

/// A notifications channel.
#[derive(Deserialize, Debug, Clone, PartialEq)]
pub struct Channel {
    #[serde(rename = "connectUri")]
    pub connect_uri: String,
    pub id: String,
    /// RFC 3339; channels live 24 h.
    #[serde(default)]
    pub expires: Option<String>,
}

/// One topic's answer to a subscription request.
#[derive(Deserialize, Debug, Clone, PartialEq)]
pub struct TopicState {
    pub id: String,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(rename = "rejectionReason", default)]
    pub rejection_reason: Option<String>,
}

impl TopicState {
    pub fn rejected(&self) -> bool {
        self.state.as_deref() == Some("Rejected")
    }
}

#[derive(Deserialize)]
struct MemberEntity {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    user: Option<MemberUser>,
    #[serde(rename = "routingStatus", default)]
    routing_status: Option<RoutingStatus>,
}

#[derive(Deserialize)]
struct MemberUser {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    skills: Vec<Named>,
    #[serde(rename = "routingStatus", default)]
    routing_status: Option<RoutingStatus>,
}

#[derive(Deserialize)]
struct RoutingStatus {
    #[serde(default)]
    status: Option<String>,
    #[serde(rename = "startTime", default)]
    start_time: Option<String>,
}

pub struct RestClient {
    http: reqwest::Client,
    api_url: String,
}

/// The longest a Retry-After or slow-down pause may make one call wait:
/// a server asking for more is treated as asking for this.
pub const MAX_PAUSE: Duration = Duration::from_secs(300);

/// The wait a Retry-After header asks for (seconds or HTTP-date), clamped.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    crate::auth::parse_retry_after(v, std::time::SystemTime::now()).map(|d| d.min(MAX_PAUSE))
}

/// A pause before the next call when the rate-limit budget is nearly spent.
fn slow_down(headers: &HeaderMap) -> Option<Duration> {
    let num = |k: &str| headers.get(k)?.to_str().ok()?.trim().parse::<f64>().ok();
    let count = num("inin-ratelimit-count")?;
    let allowed = num("inin-ratelimit-allowed")?;
    let reset = num("inin-ratelimit-reset").unwrap_or(1.0);
    // NaN and infinities fail these comparisons, so they never pause.
    (allowed > 0.0 && count / allowed >= 0.8)
        .then(|| Duration::from_secs_f64(reset.clamp(0.0, 60.0) / 4.0))
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
        })
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: &SecretString,
        body: Option<&Value>,
    ) -> Result<T, RestError> {
        let url = format!("{}{}", self.api_url, path);
        let transport = |reason: String| RestError::Transport {
            path: path.to_string(),
            reason,
        };
        for _ in 0..MAX_RATE_LIMITED {
            let mut req = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(token.expose_secret());
            if let Some(b) = body {
                req = req.json(b);
            }
            let resp = req.send().await.map_err(|e| transport(plain(&e)))?;
            let status = resp.status();
            let headers = resp.headers().clone();
            if status == StatusCode::TOO_MANY_REQUESTS {
                let wait = retry_after(&headers).unwrap_or(Duration::from_secs(1));
                tracing::warn!(target: "queuetop::feed", path, wait_s = wait.as_secs_f64(), "rate limited; waiting Retry-After");
                tokio::time::sleep(wait).await;
                continue;
            }
            let text = resp.text().await.map_err(|e| transport(plain(&e)))?;
            if !status.is_success() {
                return Err(error_of(&method, path, status, &text));
            }
            if let Some(pause) = slow_down(&headers) {
                tracing::info!(target: "queuetop::feed", pause_ms = pause.as_millis() as u64, "rate-limit budget nearly spent; slowing down");
                tokio::time::sleep(pause).await;
            }
            return serde_json::from_str(&text)
                .map_err(|e| transport(format!("unexpected body: {e}")));
        }
        Err(RestError::RateLimited {
            path: path.to_string(),
        })
    }

    async fn pages<T: DeserializeOwned>(
        &self,
        base: &str,
        token: &SecretString,
    ) -> Result<Vec<T>, RestError> {
        let sep = if base.contains('?') { '&' } else { '?' };
        let mut out = Vec::new();
        let mut n = 1u32;
        loop {
            let path = format!("{base}{sep}pageSize=100&pageNumber={n}");
            let page: Page<T> = self.call(Method::GET, &path, token, None).await?;
            let empty = page.entities.is_empty();
            out.extend(page.entities);
            match page.page_count {
                Some(c) if n < c => n += 1,
                None if !empty => n += 1,
                _ => return Ok(out),
            }
            if n > 10_000 {
                return Ok(out);
            }
        }
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

    /// One queue by id (for a `[[queue]]` with an id and no name).
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

    /// Members of a queue with their skills and routing status.
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
            .filter_map(|e| {
                // A queue member's own id is its user's id; `user` carries
                // the expanded skills.
                let (user_id, name, skills, user_status) = match e.user {
                    Some(u) => (u.id, u.name.or(e.name), u.skills, u.routing_status),
                    None => (e.id?, e.name, Vec::new(), None),
                };
                let routing = e
                    .routing_status
                    .filter(|r| r.status.is_some())
                    .or(user_status);
                let since = routing
                    .as_ref()
                    .and_then(|r| r.start_time.as_deref())
                    .and_then(parse_rfc3339);
                let status = routing
                    .and_then(|r| r.status)
                    .map(|s| AgentStatus::parse(&s))
                    .unwrap_or(AgentStatus::OffQueue);
                Some(Member {
                    user_id,
                    name,
                    skills: skills.into_iter().map(|s| s.id).collect(),
                    status,
                    since,
                })
            })
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
            "metrics": ["oOnQueueUsers", "oWaiting", "oInteracting", "oActiveUsers"],
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
        let page: Page<TopicState> = self
            .call(Method::PUT, &path, token, Some(&Value::Array(body)))
            .await?;
        Ok(page.entities)
    }
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

/// An error answer as a plain message: status, and the body's `code` and
/// `message` when it has them; a body that is not JSON contributes its
/// first line (short), so an HTML error page does not flood the screen.
fn error_of(method: &Method, path: &str, status: StatusCode, text: &str) -> RestError {
    let (code, message) = match serde_json::from_str::<ErrorBody>(text) {
        Ok(eb) => (eb.code, eb.message),
        Err(_) => {
            let line = text.lines().next().unwrap_or("").trim();
            let short: String = line.chars().take(120).collect();
            (None, (!short.is_empty()).then_some(short))
        }
    };
    RestError::Status {
        method: method.to_string(),
        path: path.to_string(),
        status: status.as_u16(),
        code,
        message,
    }
}

/// reqwest's message without the URL: a URL never reaches a log or the
/// screen except through the redaction path.
fn plain(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_decode() {
        "could not read the body"
    } else {
        "request failed"
    };
    let text = e.to_string();
    let text = match e.url() {
        Some(u) => text.replace(u.as_str(), "<url>"),
        None => text,
    };
    format!("{kind}: {text}")
}
