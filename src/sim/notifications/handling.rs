//! What the REST handlers share: the answers (errors as the real API
//! words them, listings), the request's query and body, the bearer a
//! call was made with, and what a queue id must look like. A leaf: the
//! handlers use it, it uses none of them. (Not `rest.rs`: that name is
//! the feed's REST client.)

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use tokio::time::Instant;

use crate::sim::http::{Body, json_response};
use crate::sim::publish::frames::error_body;

/// Largest request body read.
const MAX_BODY: usize = 1024 * 1024;

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

/// Query parameters, decoded.
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    pub(crate) fn of(req: &Request<Incoming>) -> Query {
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

pub(crate) fn is_uuid(id: &str) -> bool {
    uuid::Uuid::try_parse(id).is_ok()
}

pub(crate) fn malformed_id(id: &str) -> Response<Body> {
    bad_request(&format!(
        "queue id {id:?} is not a UUID: copy the queue's id from the admin UI or the API"
    ))
}
