//! `POST /oauth/token`: OAuth client credentials (docs/PROTOCOL.md); the
//! tokens it issues are kept in `store::tokens`.

use std::sync::Arc;

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode, header};

use crate::sim::http::{Body, json_response};
use crate::sim::shared::{Shared, lock};

/// Standard base64 with padding; only used to build the expected Basic
/// credentials, so no decoder (and no dependency) is needed.
fn base64(input: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(A[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn invalid_client() -> Response<Body> {
    json_response(
        StatusCode::UNAUTHORIZED,
        &serde_json::json!({"error": "invalid_client", "error_description": "client not found"}),
    )
}

/// Takes one use of the token rate-limit fault, if any is left.
fn take_rate_limit(shared: &Shared) -> Option<u64> {
    let mut out = None;
    shared
        .faults
        .send_if_modified(|f| match f.rate_limit_tokens {
            Some((count, retry_after)) if count > 0 => {
                f.rate_limit_tokens = Some((count - 1, retry_after));
                out = Some(retry_after);
                true
            }
            _ => false,
        });
    out
}

pub(crate) async fn handle(req: Request<Incoming>, shared: Arc<Shared>) -> Response<Body> {
    shared.stat(|stats| stats.token_requests += 1);
    if let Some(retry_after) = take_rate_limit(&shared) {
        shared.stat(|stats| stats.tokens_refused += 1);
        let mut resp = json_response(
            StatusCode::TOO_MANY_REQUESTS,
            &serde_json::json!({"error": "rate_limited", "error_description": "too many token requests"}),
        );
        resp.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
        return resp;
    }
    let expected = format!(
        "Basic {}",
        base64(format!("{}:{}", shared.opts.client_id, shared.opts.client_secret).as_bytes())
    );
    let authorized = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.trim() == expected);
    let body = match Limited::new(req.into_body(), 16 * 1024).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return json_response(
                StatusCode::BAD_REQUEST,
                &serde_json::json!({"error": "invalid_request", "error_description": "unreadable body"}),
            );
        }
    };
    let grant_ok = url::form_urlencoded::parse(&body)
        .any(|(key, value)| key == "grant_type" && value == "client_credentials");
    if !authorized {
        shared.stat(|stats| stats.tokens_refused += 1);
        return invalid_client();
    }
    if !grant_ok {
        shared.stat(|stats| stats.tokens_refused += 1);
        return json_response(
            StatusCode::BAD_REQUEST,
            &serde_json::json!({"error": "unsupported_grant_type",
                "error_description": "grant_type must be client_credentials"}),
        );
    }
    let lifetime = shared.token_lifetime();
    let token = lock(&shared.tokens).issue(lifetime);
    json_response(
        StatusCode::OK,
        &serde_json::json!({"access_token": token, "token_type": "bearer",
            "expires_in": lifetime.as_secs()}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }
}
