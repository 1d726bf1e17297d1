//! The Notifications API's REST side (docs/PROTOCOL.md, "Notifications API"):
//! bearer auth, rate-limit headers and the 429 fault, then routing to the
//! handlers in `routing` (queues, skills, members), `observations` and
//! `channels_api` (channels and subscriptions).

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode, header};

use crate::sim::http::Body;
use crate::sim::notifications::handling::{
    Bearer, Query, bad_request, error, json_body, not_found,
};
use crate::sim::notifications::{channels_api, observations, routing};
use crate::sim::shared::{Shared, lock};
use crate::sim::store::HISTORY;

/// Requests allowed per window before a real org answers 429; the
/// simulator only reports it in `inin-ratelimit-*` (the 429 is a fault).
const ALLOWED: u32 = 300;

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

pub(crate) async fn handle(req: Request<Incoming>, shared: Arc<Shared>) -> Response<Body> {
    shared.stat(|stats| stats.rest_requests += 1);
    {
        let mut calls = lock(&shared.rest_calls);
        if calls.len() >= HISTORY {
            calls.pop_front();
        }
        calls.push_back(format!("{} {}", req.method(), req.uri()));
    }
    let latency = shared.faults.borrow().rest_latency;
    if let Some(latency) = latency {
        tokio::time::sleep(latency).await;
    }
    let (count, reset) = lock(&shared.rest_window).hit();
    let bearer = bearer(&req, &shared);
    let mut resp = if let Some(status) = take_transient(&shared) {
        shared.stat(|stats| stats.rest_transient += 1);
        transient(status)
    } else if bearer.is_none() || take_unauthorized(&shared) {
        shared.stat(|stats| stats.rest_unauthorized += 1);
        error(
            StatusCode::UNAUTHORIZED,
            "bad.credentials",
            "missing, unknown, expired or revoked bearer token: get one from /oauth/token",
        )
    } else if let Some(retry_after) = take_rate_limit(&shared) {
        shared.stat(|stats| stats.rest_rate_limited += 1);
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
        .filter(|segment| !segment.is_empty())
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
                Err(message) => bad_request(&message),
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
                Err(message) => bad_request(&message),
            }
        }
        _ => not_found(&format!("no such resource: {} {path}", method)),
    }
}
