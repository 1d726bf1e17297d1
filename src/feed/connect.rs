//! Connecting to the realtime v1 feed and deciding when to come back: the
//! socket URL (token in the query), the upgrade request, the close-code table.

use std::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use secrecy::{ExposeSecret, SecretString};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::http::HeaderValue;

/// The subprotocol offered in `Sec-WebSocket-Protocol`.
pub const SUBPROTOCOL: &str = "v1";

/// The socket URL with the token as `access_token`, percent-encoded.
/// The result holds the token: never log it (log `redact_url` of it).
pub fn socket_url(base: &str, token: &SecretString) -> String {
    // Unreserved characters (RFC 3986) stay; everything else is encoded.
    const TOKEN: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    let sep = if base.contains('?') { '&' } else { '?' };
    format!(
        "{base}{sep}access_token={}",
        utf8_percent_encode(token.expose_secret(), TOKEN)
    )
}

/// The upgrade request: token in the query, subprotocol v1, our User-Agent.
/// The error names the problem, never the URL (it holds the token).
pub fn handshake_request(base: &str, token: &SecretString) -> Result<Request, String> {
    let mut req = socket_url(base, token)
        .into_client_request()
        .map_err(|e| format!("realtime_url is not a usable WebSocket URL ({e})"))?;
    let headers = req.headers_mut();
    headers.insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static(SUBPROTOCOL),
    );
    headers.insert(
        "User-Agent",
        HeaderValue::from_static(concat!("queuetop/", env!("CARGO_PKG_VERSION"))),
    );
    Ok(req)
}

/// What the close-code table says to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseAction {
    /// Reconnect after the next backoff delay.
    Backoff,
    /// Reconnect at once (once; a repeat backs off).
    AtOnce,
    /// Refresh the token, then reconnect at once (once; a repeat backs off).
    RefreshAtOnce,
    /// Back off, and wait at least this long.
    AtLeast(Duration),
    /// Do not retry; wait for the user.
    Stop,
}

/// The close-code table (docs/PROTOCOL.md, "Close codes"). `None`: no close
/// frame.
pub fn close_action(code: Option<u16>) -> CloseAction {
    match code {
        Some(1001) => CloseAction::AtOnce,
        Some(4001) => CloseAction::RefreshAtOnce,
        Some(4008) => CloseAction::Stop,
        Some(4029) => CloseAction::AtLeast(Duration::from_secs(30)),
        // 1000, 1006 (no close frame) and anything else.
        _ => CloseAction::Backoff,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_url_percent_encodes_the_token() {
        let token = SecretString::from("a b+c/d=e&f~g_h.i-j");
        assert_eq!(
            socket_url("ws://127.0.0.1:9/api/v2/realtime/events", &token),
            "ws://127.0.0.1:9/api/v2/realtime/events?access_token=a%20b%2Bc%2Fd%3De%26f~g_h.i-j"
        );
        assert_eq!(
            socket_url("ws://h/x?region=eu", &SecretString::from("t")),
            "ws://h/x?region=eu&access_token=t"
        );
    }

    #[test]
    fn handshake_offers_v1_and_names_queuetop() {
        let req = handshake_request("ws://127.0.0.1:9/x", &SecretString::from("tok")).unwrap();
        assert_eq!(req.headers()["Sec-WebSocket-Protocol"], "v1");
        let ua = req.headers()["User-Agent"].to_str().unwrap();
        assert_eq!(ua, format!("queuetop/{}", env!("CARGO_PKG_VERSION")));
        assert_eq!(req.uri().query(), Some("access_token=tok"));
        let err = handshake_request("not a url", &SecretString::from("secret-tok")).unwrap_err();
        assert!(!err.contains("secret-tok"), "{err}");
    }

    #[test]
    fn close_code_table() {
        assert_eq!(close_action(Some(1000)), CloseAction::Backoff);
        assert_eq!(close_action(Some(1001)), CloseAction::AtOnce);
        assert_eq!(close_action(None), CloseAction::Backoff);
        assert_eq!(close_action(Some(1006)), CloseAction::Backoff);
        assert_eq!(close_action(Some(4001)), CloseAction::RefreshAtOnce);
        assert_eq!(close_action(Some(4008)), CloseAction::Stop);
        assert_eq!(
            close_action(Some(4029)),
            CloseAction::AtLeast(Duration::from_secs(30))
        );
        assert_eq!(close_action(Some(1011)), CloseAction::Backoff);
    }
}
