//! The WebSocket upgrade, answered by hand so the simulator chooses the
//! status (the handshake faults: 401, 429 with Retry-After), for both
//! protocols' sockets.

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode, header};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

use crate::sim::http::{Body, json_response};
use crate::sim::shared::Shared;

pub(crate) fn header_has(req: &Request<Incoming>, name: header::HeaderName, token: &str) -> bool {
    req.headers().get_all(name).iter().any(|v| {
        v.to_str()
            .is_ok_and(|s| s.split(',').any(|p| p.trim().eq_ignore_ascii_case(token)))
    })
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
    shared.faults.send_if_modified(|faults| {
        if let Some((count, retry_after)) = faults.rate_limit_handshakes
            && count > 0
        {
            faults.rate_limit_handshakes = Some((count - 1, retry_after));
            let mut resp = json_response(
                StatusCode::TOO_MANY_REQUESTS,
                &serde_json::json!({"error": "rate_limited", "retryAfter": retry_after}),
            );
            resp.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
            out = Some(resp);
            return true;
        }
        if faults.reject_handshakes_401 > 0 {
            faults.reject_handshakes_401 -= 1;
            out = Some(json_response(
                StatusCode::UNAUTHORIZED,
                &serde_json::json!({"error": "unauthorized", "message": "token rejected"}),
            ));
            return true;
        }
        false
    });
    if out.is_some() {
        shared.stat(|stats| stats.handshakes_rejected += 1);
    }
    out
}
