//! One connection on the realtime v1 feed: token, handshake, subscribe,
//! then read until the socket ends, the watchdog fires or the user acts.
//! Token, retry and backpressure are the `Link`'s.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;
use tokio::net::TcpStream;
use tokio::time::{Instant, sleep_until, timeout};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

use super::decode::{self, SubscriptionIndex};
use crate::auth::retry_after;
use crate::config::{Config, QueueConfig};
use crate::event::{ConnState, FeedEvent};
use crate::feed::TARGET;
use crate::feed::connect::{self, CloseAction};
use crate::feed::link::{Link, Outcome, Sent};
use crate::feed::retry::Delay;
use crate::redact::redact_url;
use crate::subscription::SubscriptionSet;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long TCP + TLS + the upgrade may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a polite close may take before we just drop the socket.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// What the realtime feed keeps between connections: the subscription
/// message, built once and resent unchanged on every reconnect.
pub(crate) struct Session {
    cfg: Arc<Config>,
    json: String,
    count: usize,
    index: SubscriptionIndex,
}

impl Session {
    /// Validates the configured queues with the subscription rules; a failure
    /// names every queue and rule that is wrong, and nothing is sent.
    pub(crate) fn new(cfg: Arc<Config>) -> Result<Session, String> {
        let (json, count, index) = payload(&cfg.queues, cfg.genesys.all_queues)?;
        Ok(Session {
            cfg,
            json,
            count,
            index,
        })
    }

    /// One connection, from the handshake until it ends.
    pub(crate) async fn attempt(&mut self, link: &mut Link) -> Outcome {
        if let Err(out) = link.set_state(ConnState::Connecting).await {
            return out;
        }
        // We are reconnecting anyway.
        link.take_reconnect();
        let token = match link.token().await {
            Ok(token) => token,
            Err(out) => return out,
        };
        let base = &self.cfg.genesys.realtime_url;
        let req = match connect::handshake_request(base, &token) {
            Ok(req) => req,
            Err(msg) => return Outcome::Stop(msg),
        };
        let connect = timeout(CONNECT_TIMEOUT, connect_async(req));
        let mut ws = match link.unless_command(connect).await {
            Err(out) => return out,
            Ok(Err(_elapsed)) => {
                return Outcome::Retry {
                    error: format!(
                        "the realtime server did not complete the handshake within {} s",
                        CONNECT_TIMEOUT.as_secs()
                    ),
                    delay: Delay::Backoff,
                };
            }
            Ok(Ok(Err(error))) => return handshake_failed(link, error, &token),
            Ok(Ok(Ok((ws, _response)))) => ws,
        };
        let connects = link.count_connect();
        tracing::info!(
            target: TARGET,
            url = %redact_url(&connect::socket_url(base, &token)),
            connects,
            "connection established"
        );

        let send = ws.send(Message::text(self.json.as_str()));
        match link.unless_command(send).await {
            Err(out) => return finish(&mut ws, out).await,
            Ok(Err(error)) => {
                return Outcome::Retry {
                    error: scrub(format!("could not send the subscriptions: {error}"), &token),
                    delay: Delay::Backoff,
                };
            }
            Ok(Ok(())) => {}
        }
        tracing::info!(target: TARGET, count = self.count, "subscriptions transmitted");
        let outcome = self.read(link, &mut ws).await;
        finish(&mut ws, outcome).await
    }

    /// Reads until the connection ends; every frame is decoded and handed on.
    async fn read(&self, link: &mut Link, ws: &mut Socket) -> Outcome {
        let silence = Duration::from_secs(self.cfg.reconnect.heartbeat_timeout_s.clamp(1, 86_400));
        let mut last_rx = Instant::now();
        // Re-armed only when it fires, not per frame: a flood costs nothing.
        let watchdog = sleep_until(last_rx + silence);
        tokio::pin!(watchdog);
        let mut close: Option<CloseFrame> = None;
        loop {
            tokio::select! {
                biased;
                out = link.command() => return out,
                frame = ws.next() => {
                    let now = Instant::now();
                    last_rx = now;
                    let ev = match frame {
                        Some(Ok(Message::Text(text))) => decode::decode_with(
                            &text,
                            OffsetDateTime::now_utc(),
                            now,
                            Some(&self.index),
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
                        Some(Err(e)) => return closed(link, close, Some(e)),
                        None => return closed(link, close, None),
                    };
                    if let Err(outcome) = handle(link, ev, &mut last_rx).await {
                        return outcome;
                    }
                    if link.take_reconnect() {
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
}

/// Bookkeeping for one decoded message, then hands it to the app.
async fn handle(link: &mut Link, ev: FeedEvent, last_rx: &mut Instant) -> Result<(), Outcome> {
    match &ev {
        FeedEvent::Acked { count } => {
            tracing::info!(target: TARGET, count, "subscriptions acknowledged");
            link.accepted();
        }
        FeedEvent::ServerError {
            code,
            message,
            queue_id,
        } => {
            tracing::warn!(target: TARGET, code = %code, message = %message, queue_id = ?queue_id, "server error");
            let queue = queue_id
                .as_deref()
                .map(|id| format!(" (queue {id})"))
                .unwrap_or_default();
            let sent = link
                .report_error(format!("server error {code}{queue}: {message}"))
                .await?;
            waited(sent, last_rx);
        }
        FeedEvent::Malformed { reason } => {
            let total = link.count_malformed();
            tracing::warn!(target: TARGET, malformed_total = total, reason = %reason, "malformed message");
        }
        FeedEvent::Unknown { kind } => {
            let total = link.count_unknown();
            tracing::warn!(target: TARGET, unknown_total = total, kind = %kind, "message of unknown type");
        }
        _ => {}
    }
    // Open and subscribed: the server acked, or is already sending.
    let live = matches!(ev, FeedEvent::Acked { .. } | FeedEvent::Queue(_));
    if live && !link.is_connected() {
        waited(link.set_state(ConnState::Connected).await?, last_rx);
    }
    waited(link.send(ev).await?, last_rx);
    Ok(())
}

/// The silence we caused while blocked on the app does not count against
/// the server.
fn waited(sent: Sent, last_rx: &mut Instant) {
    if sent == Sent::AfterWait {
        *last_rx = Instant::now();
    }
}

/// The socket ended: what the close-code table says to do.
fn closed(link: &mut Link, close: Option<CloseFrame>, err: Option<WsError>) -> Outcome {
    let code = close.as_ref().map(|frame| u16::from(frame.code));
    let reason = close
        .as_ref()
        .map(|frame| frame.reason.to_string())
        .unwrap_or_default();
    tracing::info!(target: TARGET, code = code.unwrap_or(1006), reason = %reason, "connection closed");
    let error = match (code, &err) {
        (Some(number), _) if reason.is_empty() => format!("closed by the server ({number})"),
        (Some(number), _) => format!("closed by the server ({number}: {reason})"),
        (None, Some(cause)) => format!("connection lost (1006: {cause})"),
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
            link.token_refused();
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
            "the server refused the subscriptions ({}); fix the [[queue]] entries",
            if reason.is_empty() {
                "close 4008".to_string()
            } else {
                format!("close 4008: {reason}")
            }
        )),
    }
}

fn handshake_failed(link: &mut Link, error: WsError, token: &SecretString) -> Outcome {
    let WsError::Http(resp) = &error else {
        return Outcome::Retry {
            error: scrub(
                format!("could not connect to the realtime server: {error}"),
                token,
            ),
            delay: Delay::Backoff,
        };
    };
    let status = resp.status().as_u16();
    match status {
        401 => {
            link.token_refused();
            Outcome::Retry {
                error: "the realtime server rejected the token (HTTP 401); fetching a new one"
                    .into(),
                delay: Delay::NewToken,
            }
        }
        429 => {
            let retry_after = retry_after(resp.headers());
            let error = match retry_after {
                Some(delay) => format!(
                    "the realtime server is rate limiting connections (HTTP 429, retry after {} s)",
                    delay.as_secs()
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
async fn finish(ws: &mut Socket, outcome: Outcome) -> Outcome {
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

/// The subscription message, its size, and which queue each subscription
/// id stands for.
fn payload(
    queues: &[QueueConfig],
    all_queues: bool,
) -> Result<(String, usize, SubscriptionIndex), String> {
    let specs: Vec<_> = queues.iter().map(QueueConfig::subscription_spec).collect();
    let set = SubscriptionSet::for_queues(&specs, all_queues).map_err(|errors| {
        let all: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        format!(
            "the [[queue]] config makes no valid subscriptions: {}; fix it and restart",
            all.join("; ")
        )
    })?;
    let index = set
        .iter()
        .filter_map(|s| Some((s.id().to_string(), s.queue_id()?.to_string())))
        .collect();
    Ok((set.to_json(), set.len(), index))
}
