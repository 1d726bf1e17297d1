//! One connection on the realtime v1 feed: token, handshake, subscribe,
//! then read until the socket ends, the watchdog fires or the user acts.

use std::time::{Duration, SystemTime};

use futures_util::{SinkExt, StreamExt};
use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;
use tokio::net::TcpStream;
use tokio::time::{Instant, sleep_until, timeout};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

use super::connect::{self, CloseAction};
use super::realtime;
use super::{Delay, Feed, Outcome, Payload, Sent, TARGET, idle_command, or_command};
use crate::auth::parse_retry_after;
use crate::event::{ConnState, FeedEvent};
use crate::redact::redact_url;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long TCP + TLS + the upgrade may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a polite close may take before we just drop the socket.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

impl Feed {
    pub(super) async fn connect_once(&mut self, payload: &Payload) -> Outcome {
        match self.set_state(ConnState::Connecting).await {
            Sent::Quit => return Outcome::Quit,
            Sent::Gone => return Outcome::Gone,
            Sent::Now | Sent::AfterWait => {}
        }
        // We are reconnecting anyway.
        self.pending_reconnect = false;
        let token = match self.token_or_outcome().await {
            Ok(t) => t,
            Err(out) => return out,
        };
        let base = &self.cfg.genesys.realtime_url;
        let req = match connect::handshake_request(base, &token) {
            Ok(req) => req,
            Err(msg) => return Outcome::Stop(msg),
        };
        let connect = timeout(CONNECT_TIMEOUT, connect_async(req));
        let mut ws = match or_command(&mut self.commands, &mut self.commands_open, connect).await {
            Err(cmd) => return idle_command(cmd),
            Ok(Err(_elapsed)) => {
                return Outcome::Retry {
                    error: format!(
                        "the realtime server did not complete the handshake within {} s",
                        CONNECT_TIMEOUT.as_secs()
                    ),
                    delay: Delay::Backoff,
                };
            }
            Ok(Ok(Err(e))) => return self.handshake_failed(e, &token),
            Ok(Ok(Ok((ws, _response)))) => ws,
        };
        self.status.connects = self.status.connects.saturating_add(1);
        tracing::info!(
            target: TARGET,
            url = %redact_url(&connect::socket_url(base, &token)),
            connects = self.status.connects,
            "connection established"
        );

        let send = ws.send(Message::text(payload.json.as_str()));
        match or_command(&mut self.commands, &mut self.commands_open, send).await {
            Err(cmd) => return self.finish(&mut ws, idle_command(cmd)).await,
            Ok(Err(e)) => {
                return Outcome::Retry {
                    error: scrub(format!("could not send the subscriptions: {e}"), &token),
                    delay: Delay::Backoff,
                };
            }
            Ok(Ok(())) => {}
        }
        tracing::info!(target: TARGET, count = payload.count, "subscriptions transmitted");
        let outcome = self.read(&mut ws, payload).await;
        self.finish(&mut ws, outcome).await
    }

    /// Reads until the connection ends; every frame is decoded and handed on.
    async fn read(&mut self, ws: &mut Socket, payload: &Payload) -> Outcome {
        let silence = Duration::from_secs(self.cfg.reconnect.heartbeat_timeout_s.clamp(1, 86_400));
        let mut last_rx = Instant::now();
        // Re-armed only when it fires, not per frame: a flood costs nothing.
        let watchdog = sleep_until(last_rx + silence);
        tokio::pin!(watchdog);
        let mut close: Option<CloseFrame> = None;
        loop {
            tokio::select! {
                biased;
                cmd = self.commands.recv(), if self.commands_open => match cmd {
                    Some(cmd) => return idle_command(cmd),
                    None => self.commands_open = false,
                },
                frame = ws.next() => {
                    let now = Instant::now();
                    last_rx = now;
                    let ev = match frame {
                        Some(Ok(Message::Text(text))) => realtime::decode_with(
                            &text,
                            OffsetDateTime::now_utc(),
                            now,
                            Some(&payload.index),
                        ),
                        Some(Ok(Message::Binary(_))) => FeedEvent::Malformed {
                            reason: "binary frame (the feed speaks JSON text)".into(),
                        },
                        Some(Ok(Message::Close(frame))) => {
                            close = frame;
                            continue;
                        }
                        // Pings are answered by tungstenite; they still prove life.
                        Some(Ok(_)) => continue,
                        Some(Err(e)) => return self.closed(close, Some(e)),
                        None => return self.closed(close, None),
                    };
                    if let Some(outcome) = self.handle(ev, &mut last_rx).await {
                        return outcome;
                    }
                    if std::mem::take(&mut self.pending_reconnect) {
                        return Outcome::Reconnect;
                    }
                }
                () = &mut watchdog => {
                    let deadline = last_rx + silence;
                    if Instant::now() >= deadline {
                        let error = format!(
                            "nothing received for {} s: the connection is dead",
                            silence.as_secs()
                        );
                        tracing::warn!(target: TARGET, "{error}; reconnecting");
                        return Outcome::Retry { error, delay: Delay::Backoff };
                    }
                    watchdog.as_mut().reset(deadline);
                }
            }
        }
    }

    /// Bookkeeping for one decoded message, then hands it to the app.
    async fn handle(&mut self, ev: FeedEvent, last_rx: &mut Instant) -> Option<Outcome> {
        match &ev {
            FeedEvent::Acked { count } => {
                tracing::info!(target: TARGET, count, "subscriptions acknowledged");
                self.clear_failures();
            }
            FeedEvent::ServerError {
                code,
                message,
                queue_id,
            } => {
                tracing::warn!(target: TARGET, code = %code, message = %message, queue_id = ?queue_id, "server error");
                let queue = queue_id
                    .as_deref()
                    .map(|q| format!(" (queue {q})"))
                    .unwrap_or_default();
                self.status.last_error = Some(format!("server error {code}{queue}: {message}"));
                let status = FeedEvent::Status(self.status.clone());
                if let Some(out) = self.forward(status, last_rx).await {
                    return Some(out);
                }
            }
            FeedEvent::Malformed { reason } => {
                self.malformed += 1;
                tracing::warn!(target: TARGET, malformed_total = self.malformed, reason = %reason, "malformed message");
            }
            FeedEvent::Unknown { kind } => {
                self.unknown += 1;
                tracing::warn!(target: TARGET, unknown_total = self.unknown, kind = %kind, "message of unknown type");
            }
            _ => {}
        }
        // Open and subscribed: the server acked, or is already sending.
        let live = matches!(ev, FeedEvent::Acked { .. } | FeedEvent::Queue(_));
        if live
            && self.status.state != ConnState::Connected
            && let Some(out) = self.mark_connected(last_rx).await
        {
            return Some(out);
        }
        self.forward(ev, last_rx).await
    }

    async fn mark_connected(&mut self, last_rx: &mut Instant) -> Option<Outcome> {
        self.status.state = ConnState::Connected;
        self.forward(FeedEvent::Status(self.status.clone()), last_rx)
            .await
    }

    /// `send`, for the read loop: the silence we caused while blocked on
    /// the app does not count against the server.
    async fn forward(&mut self, ev: FeedEvent, last_rx: &mut Instant) -> Option<Outcome> {
        match self.send(ev).await {
            Sent::Now => None,
            Sent::AfterWait => {
                *last_rx = Instant::now();
                None
            }
            Sent::Quit => Some(Outcome::Quit),
            Sent::Gone => Some(Outcome::Gone),
        }
    }

    /// The socket ended: what the close-code table says to do.
    fn closed(&mut self, close: Option<CloseFrame>, err: Option<WsError>) -> Outcome {
        let code = close.as_ref().map(|f| u16::from(f.code));
        let reason = close
            .as_ref()
            .map(|f| f.reason.to_string())
            .unwrap_or_default();
        tracing::info!(target: TARGET, code = code.unwrap_or(1006), reason = %reason, "connection closed");
        let error = match (code, &err) {
            (Some(c), _) if reason.is_empty() => format!("closed by the server ({c})"),
            (Some(c), _) => format!("closed by the server ({c}: {reason})"),
            (None, Some(e)) => format!("connection lost (1006: {e})"),
            (None, None) => "connection lost (1006: no close frame)".to_string(),
        };
        match connect::close_action(code) {
            CloseAction::Backoff => Outcome::Retry {
                error,
                delay: Delay::Backoff,
            },
            CloseAction::AtOnce => Outcome::Retry {
                error,
                delay: Delay::AtOnce,
            },
            CloseAction::RefreshAtOnce => {
                self.auth.invalidate();
                Outcome::Retry {
                    error,
                    delay: Delay::NewToken,
                }
            }
            CloseAction::AtLeast(min) => Outcome::Retry {
                error,
                delay: Delay::AtLeast(min),
            },
            CloseAction::Stop => Outcome::Stop(format!(
                "the server refused the subscriptions ({}); fix the [[queue]] entries, then press r to reconnect",
                if reason.is_empty() {
                    "close 4008".to_string()
                } else {
                    format!("close 4008: {reason}")
                }
            )),
        }
    }

    fn handshake_failed(&mut self, e: WsError, token: &SecretString) -> Outcome {
        let WsError::Http(resp) = &e else {
            return Outcome::Retry {
                error: scrub(
                    format!("could not connect to the realtime server: {e}"),
                    token,
                ),
                delay: Delay::Backoff,
            };
        };
        let status = resp.status().as_u16();
        match status {
            401 => {
                self.auth.invalidate();
                Outcome::Retry {
                    error: "the realtime server rejected the token (HTTP 401); fetching a new one"
                        .into(),
                    delay: Delay::NewToken,
                }
            }
            429 => {
                let retry_after = resp
                    .headers()
                    .get("Retry-After")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| parse_retry_after(v, SystemTime::now()));
                let error = match retry_after {
                    Some(d) => format!(
                        "the realtime server is rate limiting connections (HTTP 429, retry after {} s)",
                        d.as_secs()
                    ),
                    None => "the realtime server is rate limiting connections (HTTP 429)".into(),
                };
                Outcome::Retry {
                    error,
                    delay: retry_after.map_or(Delay::Backoff, Delay::AtLeast),
                }
            }
            _ => Outcome::Retry {
                error: format!("the realtime server refused the connection (HTTP {status})"),
                delay: Delay::Backoff,
            },
        }
    }

    /// Closes the socket politely (1000) when the user quit or asked to
    /// reconnect; other outcomes leave with the socket as it is.
    async fn finish(&mut self, ws: &mut Socket, outcome: Outcome) -> Outcome {
        let reason = match outcome {
            Outcome::Quit => "queuetop is quitting",
            Outcome::Reconnect => "reconnect requested",
            Outcome::Retry { .. } | Outcome::Stop(_) | Outcome::Gone => return outcome,
        };
        let frame = CloseFrame {
            code: CloseCode::Normal,
            reason: reason.into(),
        };
        let polite = async {
            ws.close(Some(frame)).await?;
            // Wait for the server's close reply so the close is clean.
            while let Some(msg) = ws.next().await {
                msg?;
            }
            Ok::<(), WsError>(())
        };
        let _ = timeout(CLOSE_TIMEOUT, polite).await;
        tracing::info!(target: TARGET, code = 1000, reason, "connection closed");
        outcome
    }
}

/// Belt and braces: no message leaves with the token in it, raw or encoded.
fn scrub(msg: String, token: &SecretString) -> String {
    let raw = token.expose_secret();
    if raw.is_empty() {
        return msg;
    }
    let encoded = connect::socket_url("", token);
    let encoded = encoded.trim_start_matches("?access_token=");
    msg.replace(raw, "[redacted]")
        .replace(encoded, "[redacted]")
}
