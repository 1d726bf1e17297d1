//! The Notifications API's REST side (docs/PROTOCOL.md, "Notifications API"):
//! bearer auth, rate-limit headers and the 429 fault, then routing to the
//! handlers in `routing` (queues, skills, members), `observations` and
//! `channels_api` (channels and subscriptions).

use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode, header};
use tokio::time::Instant;

use crate::sim::http::{Body, json_response};
use crate::sim::notifications::frames::error_body;
use crate::sim::notifications::{channels_api, observations, routing};
use crate::sim::shared::{Shared, lock, push_bounded};

/// Requests allowed per window before a real org answers 429; the
/// simulator only reports it in `inin-ratelimit-*` (the 429 is a fault).
const ALLOWED: u32 = 300;
const WINDOW: Duration = Duration::from_secs(60);
/// Largest request body read.
const MAX_BODY: usize = 1024 * 1024;

/// Requests in the current rate-limit window.
#[derive(Debug, Default)]
pub(crate) struct RateWindow {
    start: Option<Instant>,
    count: u32,
}

impl RateWindow {
    /// Counts one request; `(count, seconds until the window resets)`.
    fn hit(&mut self) -> (u32, u64) {
        let now = Instant::now();
        let start = match self.start {
            Some(s) if now.duration_since(s) < WINDOW => s,
            _ => {
                self.count = 0;
                self.start = Some(now);
                now
            }
        };
        self.count = self.count.saturating_add(1);
        let left = WINDOW.saturating_sub(now.duration_since(start));
        (self.count, left.as_secs().max(1))
    }
}

pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Response<Body> {
    json_response(status, &error_body(status.as_u16(), code, message))
}

pub(crate) fn bad_request(message: &str) -> Response<Body> {
    error(StatusCode::BAD_REQUEST, "bad.request", message)
}

pub(crate) fn not_found(message: &str) -> Response<Body> {
    error(StatusCode::NOT_FOUND, "not.found", message)
}

/// The bearer token of a request, if valid, with its expiry.
pub(crate) struct Bearer {
    pub token: String,
    pub expires: Instant,
}

fn bearer(req: &Request<Incoming>, shared: &Shared) -> Option<Bearer> {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))?
        .trim();
    let expires = lock(&shared.tokens).expiry(token)?;
    Some(Bearer {
        token: token.to_string(),
        expires,
    })
}

/// Takes one use of the REST 429 fault, if any is left.
fn take_rate_limit(shared: &Shared) -> Option<u64> {
    let mut out = None;
    shared.faults.send_if_modified(|f| match f.rest_rate_limit {
        Some((count, retry_after)) if count > 0 => {
            f.rest_rate_limit = Some((count - 1, retry_after));
            out = Some(retry_after);
            true
        }
        _ => false,
    });
    out
}

/// Takes one use of the REST 401 fault; true when one was left.
fn take_unauthorized(shared: &Shared) -> bool {
    shared
        .faults
        .send_if_modified(|f| match f.rest_unauthorized {
            0 => false,
            count => {
                f.rest_unauthorized = count - 1;
                true
            }
        })
}

/// Takes one use of the transient 5xx fault, if any is left.
fn take_transient(shared: &Shared) -> Option<StatusCode> {
    let mut out = None;
    shared.faults.send_if_modified(|f| match f.rest_transient {
        Some((count, status)) if count > 0 => {
            f.rest_transient = Some((count - 1, status));
            out = Some(StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE));
            true
        }
        _ => false,
    });
    out
}

fn transient(status: StatusCode) -> Response<Body> {
    let code = match status.as_u16() {
        502 => "bad.gateway",
        504 => "gateway.timeout",
        _ => "service.unavailable",
    };
    error(
        status,
        code,
        "the service is briefly unavailable (simulator fault): retry the call",
    )
}

/// Query parameters, decoded.
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    fn of(req: &Request<Incoming>) -> Query {
        Query(
            req.uri()
                .query()
                .map(|q| {
                    url::form_urlencoded::parse(q.as_bytes())
                        .into_owned()
                        .collect()
                })
                .unwrap_or_default(),
        )
    }

    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a repeated key (`id=A&id=B`), comma lists split
    /// (`expand=a,b`).
    pub(crate) fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// The query as sent, minus `pageNumber`, for the `*Uri` links.
    fn without_page_number(&self) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.0.iter().filter(|(k, _)| k != "pageNumber") {
            out.append_pair(k, v);
        }
        out.finish()
    }

    /// The path with this query at page `number`.
    pub(crate) fn uri(&self, path: &str, number: usize) -> String {
        let rest = self.without_page_number();
        let sep = if rest.is_empty() { "" } else { "&" };
        format!("{path}?{rest}{sep}pageNumber={number}")
    }

    /// `pageSize` (default 25, 1..=500) and `pageNumber` (default 1).
    /// Err is the message of a 400.
    pub(crate) fn page(&self) -> Result<(usize, usize), String> {
        self.page_upto(500)
    }

    /// `page` with a smaller largest `pageSize`.
    pub(crate) fn page_upto(&self, max: usize) -> Result<(usize, usize), String> {
        let num = |key: &str, default: usize| match self.get(key) {
            None => Ok(default),
            Some(v) => v
                .parse::<usize>()
                .map_err(|_| format!("{key} must be a whole number, not {v:?}")),
        };
        let size = num("pageSize", 25)?;
        let number = num("pageNumber", 1)?;
        if !(1..=max).contains(&size) {
            return Err(format!("pageSize must be between 1 and {max}"));
        }
        if number == 0 {
            return Err("pageNumber starts at 1".into());
        }
        Ok((size, number))
    }
}

/// One page of `items` as the real listings have it: `entities`,
/// `pageNumber`, `pageSize`, `pageCount`, `total` and the `*Uri` links
/// (`nextUri` absent on the last page).
pub(crate) fn listing<T>(
    items: &[T],
    (size, number): (usize, usize),
    q: &Query,
    path: &str,
    entity: impl Fn(&T) -> serde_json::Value,
) -> serde_json::Value {
    let total = items.len();
    let start = (number - 1).saturating_mul(size).min(total);
    let end = start.saturating_add(size).min(total);
    let entities: Vec<serde_json::Value> = items[start..end].iter().map(entity).collect();
    let count = total.div_ceil(size);
    let mut body = serde_json::json!({"entities": entities, "pageNumber": number,
        "pageSize": size, "pageCount": count, "total": total,
        "firstUri": q.uri(path, 1), "selfUri": q.uri(path, number),
        "lastUri": q.uri(path, count.max(1))});
    if number < count {
        body["nextUri"] = serde_json::json!(q.uri(path, number + 1));
    }
    if number > 1 {
        body["previousUri"] = serde_json::json!(q.uri(path, number - 1));
    }
    body
}

/// The request body as JSON; Err is the message of a 400.
pub(crate) async fn json_body(req: Request<Incoming>) -> Result<serde_json::Value, String> {
    let bytes = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Err("unreadable or larger than 1 MiB body".into()),
    };
    serde_json::from_slice(&bytes).map_err(|e| format!("body is not JSON: {e}"))
}

pub(crate) async fn handle(req: Request<Incoming>, shared: Arc<Shared>) -> Response<Body> {
    let call = format!("{} {}", req.method(), req.uri());
    shared.stat(|s| {
        s.rest_requests += 1;
        push_bounded(&mut s.rest_calls, call);
    });
    let latency = shared.faults.borrow().rest_latency;
    if let Some(latency) = latency {
        tokio::time::sleep(latency).await;
    }
    let (count, reset) = lock(&shared.rest_window).hit();
    let bearer = bearer(&req, &shared);
    let mut resp = if let Some(status) = take_transient(&shared) {
        shared.stat(|s| s.rest_transient += 1);
        transient(status)
    } else if bearer.is_none() || take_unauthorized(&shared) {
        shared.stat(|s| s.rest_unauthorized += 1);
        error(
            StatusCode::UNAUTHORIZED,
            "bad.credentials",
            "missing, unknown, expired or revoked bearer token: get one from /oauth/token",
        )
    } else if let Some(retry_after) = take_rate_limit(&shared) {
        shared.stat(|s| s.rest_rate_limited += 1);
        let mut response = error(
            StatusCode::TOO_MANY_REQUESTS,
            "too.many.requests",
            &format!("rate limit exceeded (simulator fault): retry after {retry_after} s"),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
        response
    } else if let Some(bearer) = bearer {
        route(req, &shared, &bearer).await
    } else {
        // Unreachable: a missing bearer was answered above.
        error(
            StatusCode::UNAUTHORIZED,
            "bad.credentials",
            "no bearer token",
        )
    };
    let headers = resp.headers_mut();
    headers.insert("inin-ratelimit-count", header::HeaderValue::from(count));
    headers.insert("inin-ratelimit-allowed", header::HeaderValue::from(ALLOWED));
    headers.insert("inin-ratelimit-reset", header::HeaderValue::from(reset));
    resp
}

async fn route(req: Request<Incoming>, shared: &Arc<Shared>, bearer: &Bearer) -> Response<Body> {
    let path = req.uri().path().to_string();
    let query = Query::of(&req);
    let segs: Vec<&str> = path
        .trim_start_matches("/api/v2/")
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let method = req.method().clone();
    match (&method, segs.as_slice()) {
        (&Method::GET, ["routing", "queues"]) => routing::queues(shared, &query, &path),
        (&Method::GET, ["routing", "queues", id]) => routing::queue(shared, id),
        (&Method::GET, ["routing", "queues", id, "members"]) => {
            routing::members(shared, id, &query, &path)
        }
        (&Method::GET, ["routing", "skills"]) => routing::skills(shared, &query, &path),
        (&Method::POST, ["analytics", "queues", "observations", "query"]) => {
            match json_body(req).await {
                Ok(body) => observations::observations(shared, &body),
                Err(m) => bad_request(&m),
            }
        }
        (&Method::POST, ["notifications", "channels"]) => channels_api::create(shared, bearer),
        (&Method::GET, ["notifications", "channels", id, "subscriptions"]) => {
            channels_api::list(shared, id)
        }
        (&Method::PUT | &Method::POST, ["notifications", "channels", id, "subscriptions"]) => {
            let id = id.to_string();
            let replace = method == Method::PUT;
            match json_body(req).await {
                Ok(body) => channels_api::subscribe(shared, &id, &body, replace, &query),
                Err(m) => bad_request(&m),
            }
        }
        _ => not_found(&format!("no such resource: {} {path}", method)),
    }
}
