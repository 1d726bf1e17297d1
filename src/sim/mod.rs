//! The simulator: a model contact center served on loopback, behaving like
//! the real Genesys Cloud API where the public record says how.
//!
//! `center/` is the contact center (pure, seeded); `server` routes by
//! path; `http/` is what endpoints are built with (answers, the OAuth
//! token endpoint, and the one WebSocket loop both protocols' sockets run
//! in); `realtime/` is the realtime v1 protocol and `notifications/` the
//! Notifications API (REST side, channel sockets). Each protocol has its
//! own serializer (`realtime/frames`, `publish/`), written from the spec
//! and never with the client's decoders, so a decoding bug cannot hide
//! behind a matching encoding bug. `shared` is the state they share, over
//! the plain data of `store/`; `truth` is what the model holds, for
//! end-to-end tests. Faults are set up front in `SimOptions` or at run
//! time through `SimControl`. Arrows point down that list's layers:
//! server, protocols, http, shared, store and publish, center; never back
//! up (tests/architecture checks it).

mod center;
mod control;
mod http;
mod notifications;
mod publish;
mod realtime;
mod server;
mod shared;
mod store;
mod truth;

pub mod cli;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use center::{MAX_SPEED, Pace};
pub use cli::{
    CliRun, DEFAULT_SCENARIO, SCENARIOS, demo_options, run_cli, run_cli_protocol, run_cli_with,
};
pub use control::SimControl;
pub use truth::{QueueTruth, SkillTruth};

use shared::{Shared, lock};

/// How the simulator behaves. `Default` is a six-queue center on the fast
/// model tests use; `queuetop demo` and `sim` play `Pace::day()`.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Same seed, same queues, ids, agents and event sequence.
    pub seed: u64,
    pub queues: usize,
    pub agents_per_queue: usize,
    /// Each queue also has this many more members, in % of
    /// `agents_per_queue` (at least one when not 0), that are not joined:
    /// listed with `joined: false`, never routed the queue's interactions,
    /// absent from its observations. They are added on top (played by
    /// their own rng) so a seed's center plays the same with or without.
    pub unjoined_percent: u8,
    /// Waiting interactions detailed per queue and media type in an
    /// observations query answer with `detailMetrics: ["oWaiting"]`; past
    /// it the metric says `truncated: true` (the real API caps the detail).
    pub observation_detail_cap: usize,
    /// Model tick: how often the contact center changes.
    pub event_interval: Duration,
    /// The model's dynamics: a change every few ticks, or a working day.
    pub pace: Pace,
    /// false = scripted: only events pushed through `SimControl::push`.
    pub generate: bool,
    /// `expires_in` of issued tokens; a socket whose token expires is
    /// closed with 4001.
    pub token_lifetime_s: u64,
    /// Heartbeat on an idle realtime socket, and on every channel socket
    /// (docs/PROTOCOL.md: 30 s).
    pub heartbeat_interval: Duration,
    /// How long a notifications channel lives (24 h); at `expires` its
    /// socket is closed with 1000 and the channel forgotten.
    pub channel_lifetime: Duration,
    /// After `v2.system.socket_closing`, the socket is closed (1001) this
    /// much later unless the client closed it first.
    pub socket_closing_grace: Duration,
    /// Names for the first queues, in order, instead of the generated
    /// ones: names that differ only in case, or one name twice, as a
    /// client must expect when the real API's `?name=` matches loosely
    /// (a prefix, any case) and a `[[queue]]` gives only a name
    /// (docs/CONFIG.md, `[[queue]]`).
    pub queue_names: Vec<String>,
    pub client_id: String,
    pub client_secret: String,
    pub faults: Faults,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            seed: 1,
            queues: 6,
            agents_per_queue: 8,
            unjoined_percent: 10,
            observation_detail_cap: 100,
            event_interval: Duration::from_millis(500),
            pace: Pace::Fast,
            generate: true,
            token_lifetime_s: 86_400,
            heartbeat_interval: Duration::from_secs(30),
            channel_lifetime: Duration::from_secs(24 * 3600),
            socket_closing_grace: Duration::from_secs(60),
            queue_names: Vec::new(),
            client_id: "queuetop-sim".to_string(),
            client_secret: "sim-secret-not-for-production".to_string(),
            faults: Faults::default(),
        }
    }
}

/// Fault knobs. Counts of handshakes are used up as they fire; the
/// per-connection event counts apply afresh to every connection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// Drop the TCP connection without a close frame after N events.
    pub drop_after_events: Option<u64>,
    /// Keep sockets open but behave hung: send nothing (no events,
    /// heartbeats, acks) and read nothing (so no pongs either).
    pub silent: bool,
    /// Answer this many handshakes with 401.
    pub reject_handshakes_401: u32,
    /// Answer `count` handshakes with 429 and `Retry-After: retry_after_s`.
    pub rate_limit_handshakes: Option<(u32, u64)>,
    /// Close with `code` (1000, 1001, 4001, 4008, 4029) after N events.
    pub close_after_events: Option<(u64, u16)>,
    /// Send a malformed frame before every Nth event.
    pub malformed_every: Option<u64>,
    /// Write pre-built frames as fast as the socket takes them.
    pub flood: bool,
    /// Refuse every subscription payload: `error`, then close 4008.
    pub refuse_subscriptions: bool,
    /// Answer `count` token requests with 429 and `Retry-After: retry_after_s`.
    pub rate_limit_tokens: Option<(u32, u64)>,
    /// Channel sockets: send `v2.system.socket_closing` this long after the
    /// socket opened (and again as long as it stays open), then close it
    /// after `SimOptions::socket_closing_grace`.
    pub socket_closing_every: Option<Duration>,
    /// Topics refused at subscription (state `Rejected`): a full topic name,
    /// or a queue or user id whose topics are all refused.
    pub reject_topics: Vec<String>,
    /// Topics the service does not take at all (a full topic name, or a
    /// queue or user id whose topics are all refused): a subscription
    /// naming one fails whole with 400 naming it, even with
    /// `ignoreErrors=true`, as the real API answers a topic it cannot
    /// parse. Stands for what no public document lists (a topic family
    /// the org lacks, an id the service will not take).
    pub invalid_topics: Vec<String>,
    /// Answer the next `count` REST calls with 429 and `Retry-After: retry_after_s`.
    pub rest_rate_limit: Option<(u32, u64)>,
    /// Added to every REST answer under `/api/v2/` (not the token
    /// endpoint): the round trip to a distant region, for start-up
    /// benchmarks.
    pub rest_latency: Option<Duration>,
    /// Answer the next `count` REST calls with `status` (502, 503 or 504),
    /// as the gateway does while a backend restarts. It answers before the
    /// token is looked at, as a gateway would.
    pub rest_transient: Option<(u32, u16)>,
    /// Notifications leave out qualified user metrics (`oOnQueueUsers`
    /// per routing status) whose count is 0, as the observations query
    /// does. Off by default, judged from the public record: the one
    /// captured real notification carries a zero count (`oWaiting` with
    /// `count: 0`), so the service does send zeros in notifications; and a
    /// notification reports a change, so leaving out a count that fell to
    /// 0 would leave every subscriber stale until its next query, while in
    /// a query answer (a full snapshot) absent unambiguously means 0. No
    /// capture settles it for qualified metrics; turn this on to test a
    /// client that must survive it (its periodic query corrects it).
    pub omit_zero_qualifiers_in_notifications: bool,
    /// Queue ids in a division the client may not see: 403 by id, left
    /// out of listings, their topics rejected.
    pub forbidden_queues: Vec<String>,
    /// Answer the next N REST calls with 401, as the real API answers a
    /// token it no longer takes: the client fetches a new token at once
    /// (docs/PROTOCOL.md, "OAuth client credentials"). Token calls are
    /// not counted.
    pub rest_unauthorized: u32,
    /// Every notification carries this `CorrelationId` instead of its own
    /// number, as every notification one request causes shares that
    /// request's id (docs/PROTOCOL.md, "Duplicates").
    pub shared_correlation_id: Option<String>,
    /// Every notification is sent twice, the same frame each time, on each
    /// socket subscribed to it: two changes can make the same message, and
    /// outside a handover neither may be dropped (docs/PROTOCOL.md,
    /// "Duplicates").
    pub notifications_twice: bool,
}

/// Counters for tests and the CLI. Everything the server did is here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimStats {
    pub token_requests: u64,
    pub tokens_refused: u64,
    /// WebSocket upgrade requests, accepted or not.
    pub handshakes: u64,
    pub handshakes_rejected: u64,
    pub connections_open: usize,
    pub connections_total: u64,
    /// Every subscription payload received, verbatim (the last 10 000).
    pub subscribe_payloads: Vec<String>,
    pub acks_sent: u64,
    pub errors_sent: u64,
    pub events_sent: u64,
    pub heartbeats_sent: u64,
    pub malformed_sent: u64,
    /// Close frames the server sent, and their codes in order (the last 10 000).
    pub closes_sent: u64,
    pub close_codes: Vec<u16>,
    /// Connections dropped without a close frame.
    pub drops: u64,
    /// Events (and notifications) a slow connection missed (its broadcast
    /// queue overflowed).
    pub events_lagged: u64,
    /// Notifications API: REST calls, refused for the token (or by the
    /// `rest_unauthorized` fault), or with 429.
    pub rest_requests: u64,
    pub rest_unauthorized: u64,
    pub rest_rate_limited: u64,
    /// REST calls answered 502/503/504 by the `rest_transient` fault.
    pub rest_transient: u64,
    pub channels_created: u64,
    /// Channels evicted by the 21st, and channels that reached `expires`.
    pub channels_evicted: u64,
    pub channels_expired: u64,
    /// Channel sockets closed because the token that created the channel
    /// expired or was revoked.
    pub channels_closed_with_token: u64,
    /// `v2.system.no_longer_subscribed` / `token_revoked` messages sent,
    /// and tokens revoked.
    pub system_messages_sent: u64,
    pub tokens_revoked: u64,
    pub channel_sockets_open: usize,
    pub channel_sockets_total: u64,
    pub topics_permitted: u64,
    /// Topics a subscription request named more than once: the channel
    /// holds each once, so a client that repeats one keeps a list longer
    /// than what it follows.
    pub topics_repeated: u64,
    pub topics_rejected: u64,
    /// Notifications made by the model (each numbered once), and the last
    /// number handed out (its `CorrelationId`).
    pub notifications_published: u64,
    pub last_correlation_id: u64,
    /// Notifications written to channel sockets (one per socket that got it).
    pub notifications_sent: u64,
    pub socket_closing_sent: u64,
    pub pongs_sent: u64,
}

/// A running simulator. Dropping it stops it; `shutdown` also says goodbye
/// to open sockets with 1001.
pub struct SimHandle {
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
    driver: Option<JoinHandle<()>>,
}

/// Starts the simulator on `listen` (port 0 picks a free port).
pub async fn start(listen: SocketAddr, opts: SimOptions) -> std::io::Result<SimHandle> {
    let listener = TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let shared = Arc::new(Shared::new(addr, opts));
    let accept = tokio::spawn(server::serve(listener, shared.clone()));
    let driver = shared
        .opts
        .generate
        .then(|| tokio::spawn(shared::drive_model(shared.clone())));
    Ok(SimHandle {
        shared,
        accept,
        driver,
    })
}

impl SimHandle {
    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    fn base(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    pub fn login_url(&self) -> String {
        self.base()
    }

    pub fn api_url(&self) -> String {
        self.base()
    }

    pub fn realtime_url(&self) -> String {
        format!("ws://{}{}", self.shared.addr, server::REALTIME_PATH)
    }

    pub fn client_id(&self) -> &str {
        &self.shared.opts.client_id
    }

    pub fn client_secret(&self) -> &str {
        &self.shared.opts.client_secret
    }

    /// A complete config.toml pointing at this simulator, one `[[queue]]`
    /// per simulated queue.
    pub fn config_toml(&self, protocol: &str) -> String {
        // TOML basic strings, escaped by the toml crate.
        let quote = |text: &str| toml::Value::String(text.to_string()).to_string();
        let mut out = format!(
            "# queuetop simulator on {addr} (seed {seed}): simulator credentials, not real ones\n\
             [genesys]\n\
             protocol = {protocol}\n\
             client_id = {id}\n\
             client_secret = {secret}\n\
             login_url = {login}\n\
             api_url = {api}\n\
             realtime_url = {rt}\n",
            addr = self.shared.addr,
            seed = self.shared.opts.seed,
            protocol = quote(protocol),
            id = quote(self.client_id()),
            secret = quote(self.client_secret()),
            login = quote(&self.login_url()),
            api = quote(&self.api_url()),
            rt = quote(&self.realtime_url()),
        );
        for (id, name) in self.queues() {
            out.push_str(&format!(
                "\n[[queue]]\nid = {}\nname = {}\n\
                 events = [\"queue-summary\", \"queue-interaction\", \"agent-state\"]\n",
                quote(&id),
                quote(&name)
            ));
        }
        out
    }

    pub fn control(&self) -> SimControl {
        SimControl::new(self.shared.clone())
    }

    /// Every REST call taken, as `METHOD path?query` (the last 10 000).
    /// Not in `SimStats`, which tests clone while they poll.
    pub fn rest_calls(&self) -> Vec<String> {
        lock(&self.shared.rest_calls).iter().cloned().collect()
    }

    /// Every access token handed out (the last 10 000), for leak tests.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.shared.issued_tokens()
    }

    pub fn stats(&self) -> SimStats {
        self.shared.stats.borrow().clone()
    }

    /// Waits until `pred` holds for the stats, at most `timeout` (tokio time).
    pub async fn wait_for(&self, pred: impl Fn(&SimStats) -> bool, timeout: Duration) -> bool {
        self.shared.wait_for(pred, timeout).await
    }

    /// `(id, name)` of every simulated queue.
    pub fn queues(&self) -> Vec<(String, String)> {
        self.shared.queues.clone()
    }

    /// Closes open sockets (realtime and channel) with 1001, waiting up to
    /// a second for them to finish, then stops everything.
    pub async fn shutdown(self) {
        self.control().close_all(1001);
        self.shared
            .wait_for(
                |s| s.connections_open == 0 && s.channel_sockets_open == 0,
                Duration::from_secs(1),
            )
            .await;
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.accept.abort();
        if let Some(d) = &self.driver {
            d.abort();
        }
        self.shared.abort_tasks();
    }
}
