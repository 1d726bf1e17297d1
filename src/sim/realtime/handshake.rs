//! The realtime v1 WebSocket upgrade, answered by hand so the simulator
//! chooses the status: 401, 429 with Retry-After, or 101 with subprotocol v1.

use std::sync::Arc;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode, header};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;

use crate::sim::http::{Body, json_response};
use crate::sim::realtime::session;
use crate::sim::shared::{Shared, lock};

fn header_has(req: &Request<Incoming>, name: header::HeaderName, token: &str) -> bool {
    req.headers().get_all(name).iter().any(|v| {
        v.to_str()
            .is_ok_and(|s| s.split(',').any(|p| p.trim().eq_ignore_ascii_case(token)))
    })
}

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

/// The `Sec-WebSocket-Key` of a well-formed upgrade request (version 13).
pub(crate) fn ws_key(req: &Request<Incoming>) -> Option<Vec<u8>> {
    let is_upgrade = header_has(req, header::UPGRADE, "websocket")
        && header_has(req, header::CONNECTION, "upgrade")
        && header_has(req, header::SEC_WEBSOCKET_VERSION, "13");
    req.headers()
        .get(header::SEC_WEBSOCKET_KEY)
        .map(|k| k.as_bytes().to_vec())
        .filter(|_| is_upgrade)
}

/// The 101 answer to an upgrade with `key`.
pub(crate) fn switching(key: &[u8], subprotocol: Option<&'static str>) -> Response<Body> {
    let mut resp = Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = resp.headers_mut();
    h.insert(
        header::UPGRADE,
        header::HeaderValue::from_static("websocket"),
    );
    h.insert(
        header::CONNECTION,
        header::HeaderValue::from_static("Upgrade"),
    );
    if let Ok(v) = header::HeaderValue::from_str(&derive_accept_key(key)) {
        h.insert(header::SEC_WEBSOCKET_ACCEPT, v);
    }
    if let Some(p) = subprotocol {
        h.insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            header::HeaderValue::from_static(p),
        );
    }
    resp
}

/// Takes one use of a handshake fault counter, if any is left.
pub(crate) fn take_fault(shared: &Shared) -> Option<Response<Body>> {
    let mut out = None;
    shared.faults.send_if_modified(|f| {
        if let Some((count, retry_after)) = f.rate_limit_handshakes
            && count > 0
        {
            f.rate_limit_handshakes = Some((count - 1, retry_after));
            let mut resp = json_response(
                StatusCode::TOO_MANY_REQUESTS,
                &serde_json::json!({"error": "rate_limited", "retryAfter": retry_after}),
            );
            resp.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
            out = Some(resp);
            return true;
        }
        if f.reject_handshakes_401 > 0 {
            f.reject_handshakes_401 -= 1;
            out = Some(json_response(
                StatusCode::UNAUTHORIZED,
                &serde_json::json!({"error": "unauthorized", "message": "token rejected"}),
            ));
            return true;
        }
        false
    });
    if out.is_some() {
        shared.stat(|s| s.handshakes_rejected += 1);
    }
    out
}

pub(crate) fn handle(mut req: Request<Incoming>, shared: Arc<Shared>) -> Response<Body> {
    shared.stat(|s| s.handshakes += 1);
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
    let expiry = access_token(&req).and_then(|t| lock(&shared.tokens).expiry(&t));
    let Some(expiry) = expiry else {
        return reject(
            &shared,
            StatusCode::UNAUTHORIZED,
            serde_json::json!({"error": "unauthorized", "message": "missing, unknown or expired access_token"}),
        );
    };
    let offers_v1 = header_has(&req, header::SEC_WEBSOCKET_PROTOCOL, "v1");
    let on_upgrade = hyper::upgrade::on(&mut req);
    let task_shared = shared.clone();
    shared.spawn(async move {
        let Ok(upgraded) = on_upgrade.await else {
            return;
        };
        let ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
        session::run(ws, task_shared, expiry).await;
    });
    switching(&key, offers_v1.then_some("v1"))
}
