//! One notifications channel: create it, subscribe its topics, connect its
//! socket, and read that socket in a task of its own. Every frame goes to
//! the feed task through one bounded channel shared by all channels, so a
//! slow app slows every socket (TCP flow control) and nothing is buffered
//! without bound.

use std::time::Duration;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use secrecy::SecretString;
use time::OffsetDateTime;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::sync::oneshot;
use tokio::time::{Instant, sleep_until, timeout};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

use super::topics;
use crate::feed::TARGET;
use crate::feed::notifications::rest::{RestClient, RestError, TopicState};
use crate::recording::ChannelTap;
use crate::redact::redact_url;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long TCP + TLS + the upgrade may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a polite close may take before the socket is just dropped.
pub const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);
/// Frames in flight from all readers to the feed task.
pub const FRAME_CAPACITY: usize = 256;

/// Why a channel is rolled over.
pub const CHANNEL_EXPIRES: &str = "the channel expires soon";
pub const TOKEN_EXPIRES: &str = "the token that made the channel expires soon";

/// What a reader saw on its socket.
#[derive(Debug)]
pub enum Wire {
    Text(String),
    Binary,
    /// A ping or pong frame: proof of life, nothing to decode.
    Alive,
    /// The socket ended (close frame, error, or plain EOF).
    Ended {
        code: Option<u16>,
        reason: String,
        error: Option<String>,
    },
}

/// A frame and the channel generation it came from.
#[derive(Debug)]
pub struct Frame {
    pub generation: u64,
    pub wire: Wire,
}

/// An open, subscribed, connected channel.
pub struct Live {
    /// Which slice of the topics it carries.
    pub slot: usize,
    /// Unique per opened channel: frames name it.
    pub generation: u64,
    pub id: String,
    pub sink: SplitSink<Socket, Message>,
    /// Sent (or dropped) when we close: the reader then stops waiting for
    /// a silent server after `CLOSE_TIMEOUT`.
    closing: Option<oneshot::Sender<()>>,
    last_rx: Instant,
    /// A ping went out and nothing has arrived since.
    pinged: bool,
    /// When to roll it over: before it expires, or before the token that
    /// made it does (the server closes it then).
    rollover: Option<Instant>,
    /// Why `rollover` is when it is, for the log.
    rollover_why: &'static str,
}

#[derive(Debug)]
pub enum OpenError {
    Rest(RestError),
    Connect(String),
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::Rest(e) => write!(f, "{e}"),
            OpenError::Connect(e) => f.write_str(e),
        }
    }
}

/// Create, subscribe (`ignoreErrors=true`: the answer marks rejected
/// topics), connect, start reading. Returns the channel and the topics'
/// states. The socket URL carries no token; `token_expires` is when the
/// token expires, and the channel with it.
pub async fn open(
    rest: &RestClient,
    token: &SecretString,
    token_expires: Option<Instant>,
    slot: usize,
    generation: u64,
    topic_list: &[String],
    frames: mpsc::Sender<Frame>,
) -> Result<(Live, Vec<TopicState>), OpenError> {
    let ch = rest.create_channel(token).await.map_err(OpenError::Rest)?;
    tracing::info!(target: TARGET, channel = %ch.id, slot, "channel created");
    let states = rest
        .subscribe(token, &ch.id, topic_list)
        .await
        .map_err(OpenError::Rest)?;
    let rejected = states.iter().filter(|state| state.rejected()).count();
    tracing::info!(
        target: TARGET,
        channel = %ch.id,
        topics = topic_list.len(),
        rejected,
        "topics subscribed"
    );
    let url = redact_url(&ch.connect_uri);
    let mut req = ch
        .connect_uri
        .as_str()
        .into_client_request()
        .map_err(|error| {
            OpenError::Connect(format!("connectUri {url} is not a WebSocket URL ({error})"))
        })?;
    req.headers_mut().insert(
        "User-Agent",
        HeaderValue::from_static(concat!("queuetop/", env!("CARGO_PKG_VERSION"))),
    );
    let ws = match timeout(CONNECT_TIMEOUT, connect_async(req)).await {
        Err(_) => {
            return Err(OpenError::Connect(format!(
                "channel socket {url} did not open within {} s",
                CONNECT_TIMEOUT.as_secs()
            )));
        }
        Ok(Err(error)) => {
            return Err(OpenError::Connect(format!(
                "could not connect the channel socket {url}: {error}"
            )));
        }
        Ok(Ok((ws, _))) => ws,
    };
    tracing::info!(target: TARGET, channel = %ch.id, url = %url, "channel connected");
    let (sink, stream) = ws.split();
    let (closing, closed) = oneshot::channel();
    let tap = rest.recorder().map(|recorder| recorder.channel(&ch.id));
    tokio::spawn(read(generation, stream, frames, closed, tap));
    let now = Instant::now();
    let own = topics::rollover_at(ch.expires.as_deref(), OffsetDateTime::now_utc(), now);
    let of_token = token_expires.map(|expires| topics::token_rollover_at(expires, now));
    let (rollover, rollover_why) = match (own, of_token) {
        (Some(channel_rollover), Some(token_rollover)) if token_rollover < channel_rollover => {
            (Some(token_rollover), TOKEN_EXPIRES)
        }
        (None, Some(token_rollover)) => (Some(token_rollover), TOKEN_EXPIRES),
        (channel_rollover, _) => (channel_rollover, CHANNEL_EXPIRES),
    };
    let live = Live {
        slot,
        generation,
        rollover,
        rollover_why,
        id: ch.id,
        sink,
        closing: Some(closing),
        last_rx: now,
        pinged: false,
    };
    Ok((live, states))
}

/// Forwards every frame, ends after the socket does or when the feed task
/// stops listening. Once we close (or drop) the channel it still forwards
/// what arrives, so no event in flight on the old channel is lost, but a
/// server that sends nothing for `CLOSE_TIMEOUT` is not waited for.
async fn read(
    generation: u64,
    mut stream: SplitStream<Socket>,
    frames: mpsc::Sender<Frame>,
    mut closing: oneshot::Receiver<()>,
    tap: Option<ChannelTap>,
) {
    let mut close: Option<CloseFrame> = None;
    let mut give_up: Option<Instant> = None;
    loop {
        let item = tokio::select! {
            item = stream.next() => item,
            _ = &mut closing, if give_up.is_none() => {
                give_up = Some(Instant::now() + CLOSE_TIMEOUT);
                continue;
            }
            () = sleep_until(give_up.unwrap_or_else(Instant::now)), if give_up.is_some() => {
                let wire = ended(close.take(), None);
                if let Some(tap) = &tap {
                    record(tap, &wire).await;
                }
                let _ = frames.send(Frame { generation, wire }).await;
                return;
            }
        };
        if give_up.is_some() {
            give_up = Some(Instant::now() + CLOSE_TIMEOUT);
        }
        let wire = match item {
            Some(Ok(Message::Text(text))) => Wire::Text(text.as_str().to_owned()),
            Some(Ok(Message::Binary(_))) => Wire::Binary,
            Some(Ok(Message::Close(frame))) => {
                close = frame;
                continue;
            }
            Some(Ok(_)) => Wire::Alive,
            Some(Err(error)) => ended(close.take(), Some(error.to_string())),
            None => ended(close.take(), None),
        };
        if let Some(tap) = &tap {
            record(tap, &wire).await;
        }
        let last = matches!(wire, Wire::Ended { .. });
        if frames.send(Frame { generation, wire }).await.is_err() || last {
            return;
        }
    }
}

/// When a channel next needs attention: a ping at half the silence limit,
/// death at the full limit (after the ping), its rollover.
fn due(last_rx: Instant, pinged: bool, rollover: Option<Instant>, silence: Duration) -> Instant {
    let quiet = if pinged {
        last_rx + silence
    } else {
        last_rx + silence / 2
    };
    rollover.map_or(quiet, |r| r.min(quiet))
}

/// A frame as a recording keeps it (pings and pongs are not kept).
async fn record(tap: &ChannelTap, wire: &Wire) {
    match wire {
        Wire::Text(t) => tap.text(t).await,
        Wire::Binary => tap.binary().await,
        Wire::Alive => {}
        Wire::Ended {
            code,
            reason,
            error,
        } => tap.ended(*code, reason, error.as_deref()).await,
    }
}

fn ended(close: Option<CloseFrame>, error: Option<String>) -> Wire {
    Wire::Ended {
        code: close.as_ref().map(|f| u16::from(f.code)),
        reason: close.map(|f| f.reason.to_string()).unwrap_or_default(),
        error,
    }
}

impl Live {
    /// A frame arrived: the channel is alive.
    pub fn heard(&mut self, now: Instant) {
        self.last_rx = now;
        self.pinged = false;
    }

    /// We were busy: the silence until `now` was ours, not the server's.
    pub fn excuse(&mut self, now: Instant) {
        self.last_rx = now;
    }

    /// Silent for the whole limit (a ping went unanswered): dead.
    pub fn dead(&self, now: Instant, silence: Duration) -> bool {
        now >= self.last_rx + silence
    }

    /// Quiet for half the limit and not pinged yet.
    pub fn needs_ping(&self, now: Instant, silence: Duration) -> bool {
        !self.pinged && now >= self.last_rx + silence / 2
    }

    /// Hand the channel over at `at` (None: not while a handover runs).
    pub fn roll_at(&mut self, at: Option<Instant>, why: &'static str) {
        self.rollover = at;
        self.rollover_why = why;
    }

    /// Why the channel is to be handed over now, when it is.
    pub fn rollover_due(&self, now: Instant) -> Option<&'static str> {
        self.rollover
            .is_some_and(|r| now >= r)
            .then_some(self.rollover_why)
    }

    /// When the channel next needs attention.
    pub fn due(&self, silence: Duration) -> Instant {
        due(self.last_rx, self.pinged, self.rollover, silence)
    }

    /// Sends `{"message":"ping"}`; the server answers with a pong.
    pub async fn ping(&mut self) -> Result<(), String> {
        self.pinged = true;
        timeout(
            CLOSE_TIMEOUT,
            self.sink.send(Message::text(r#"{"message":"ping"}"#)),
        )
        .await
        .map_err(|_| "the ping could not be sent".to_string())?
        .map_err(|e| format!("the ping could not be sent: {e}"))
    }

    /// Closes with 1000. The reader keeps forwarding what still arrives
    /// until the server's close reply, then reports `Ended`.
    pub async fn close(mut self, reason: &'static str) {
        let frame = CloseFrame {
            code: CloseCode::Normal,
            reason: reason.into(),
        };
        let _ = timeout(CLOSE_TIMEOUT, self.sink.send(Message::Close(Some(frame)))).await;
        if let Some(tx) = self.closing.take() {
            let _ = tx.send(());
        }
        tracing::info!(target: TARGET, channel = %self.id, code = 1000, reason, "channel closed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn ping_at_half_the_silence_then_dead_at_the_full() {
        let t0 = Instant::now();
        let silence = Duration::from_secs(75);
        assert_eq!(
            due(t0, false, None, silence),
            t0 + Duration::from_millis(37_500)
        );
        assert_eq!(due(t0, true, None, silence), t0 + silence);
        let soon = t0 + Duration::from_secs(10);
        assert_eq!(due(t0, false, Some(soon), silence), soon);
        let late = t0 + Duration::from_secs(86_000);
        assert_eq!(due(t0, true, Some(late), silence), t0 + silence);
    }
}
