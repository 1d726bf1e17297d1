//! The realtime v1 WebSocket upgrade: the token from the query or the
//! header, then 101 with subprotocol v1 (or the handshake faults).

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode, header};

use crate::sim::http::socket;
use crate::sim::http::upgrade::{header_has, switching, take_fault, ws_key};
use crate::sim::http::{Body, json_response};
use crate::sim::realtime::stream::Realtime;
use crate::sim::shared::{Shared, lock};

fn access_token(req: &Request<Incoming>) -> Option<String> {
    let from_query = req.uri().query().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "access_token")
            .map(|(_, v)| v.into_owned())
    });
    from_query.or_else(|| {
        req.headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_string())
    })
}

fn reject(shared: &Shared, status: StatusCode, body: serde_json::Value) -> Response<Body> {
    shared.stat(|s| s.handshakes_rejected += 1);
    json_response(status, &body)
}

pub(crate) fn handle(mut req: Request<Incoming>, shared: Arc<Shared>) -> Response<Body> {
    shared.stat(|stats| stats.handshakes += 1);
    let Some(key) = ws_key(&req) else {
        return reject(
            &shared,
            StatusCode::BAD_REQUEST,
            serde_json::json!({"error": "bad_request", "message": "expected a WebSocket upgrade (version 13)"}),
        );
    };
    if let Some(resp) = take_fault(&shared) {
        return resp;
    }
    let expiry = access_token(&req).and_then(|token| lock(&shared.tokens).expiry(&token));
    let Some(expiry) = expiry else {
        return reject(
            &shared,
            StatusCode::UNAUTHORIZED,
            serde_json::json!({"error": "unauthorized", "message": "missing, unknown or expired access_token"}),
        );
    };
    let offers_v1 = header_has(&req, header::SEC_WEBSOCKET_PROTOCOL, "v1");
    let session = Realtime::new(shared.clone(), expiry);
    socket::spawn(&mut req, &shared, session);
    switching(&key, offers_v1.then_some("v1"))
}
