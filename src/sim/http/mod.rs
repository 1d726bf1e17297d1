//! What every endpoint of the server is built with: the response body and
//! JSON answers, the upgrade to a WebSocket and the one socket loop both
//! protocols run in, and the OAuth token endpoint. The routing by path is
//! `server`, above the protocols.

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Response, StatusCode, header};

pub(crate) mod socket;
pub(crate) mod token;
pub(crate) mod upgrade;

pub(crate) type Body = Full<Bytes>;

pub(crate) fn json_response(status: StatusCode, body: &serde_json::Value) -> Response<Body> {
    let mut resp = Response::new(Full::new(Bytes::from(body.to_string())));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    resp
}
