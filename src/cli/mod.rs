//! clap definitions: the monitor's flags, and each subcommand with only
//! the flags that apply to it (docs/CONFIG.md, "Commands"). Flags override
//! the config file and the environment.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

mod args;
pub mod generate;
mod help;
mod resolve;

pub use args::{AccountArgs, ConfigArg, NatsArg, ProtocolArg, ScreenArgs, scenario_parser};
use help::{RECORD_EXAMPLES, REPLAY_EXAMPLES};
pub use resolve::Resolved;

const MAIN_EXAMPLES: &str = "\
Examples:
  queuetop demo                                 # a live simulated contact center, no credentials
  queuetop                                      # monitor the queues of ~/.config/queuetop/config.toml
  queuetop --config ops.toml --ascii            # another config, plain characters for poor terminals
  queuetop --headless --export /var/lib/wfm/queues.ndjson
  queuetop check-config ops.toml                # validate a config, exit 0 only when valid

Configuration: defaults < config file (--config, $QUEUETOP_CONFIG, or
~/.config/queuetop/config.toml) < GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET,
GENESYS_ENVIRONMENT < flags; every key is in docs/CONFIG.md.
Exit codes: 0 ok, 2 usage or config error, 1 anything else.";

/// A terminal monitor for Genesys Cloud contact-center queues.
#[derive(Debug, Parser)]
#[command(
    name = "queuetop",
    version,
    about = "A terminal monitor for Genesys Cloud contact-center queues",
    long_about = "A terminal monitor for Genesys Cloud contact-center queues: agent \
utilization, waiting interactions, skill deficits, and the freshness and latency of the \
feed, live over a WebSocket. With no subcommand it runs the monitor (TUI).",
    after_help = MAIN_EXAMPLES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub config: ConfigArg,

    /// No TUI: write export lines (to --export or stdout), logs to the audit file and stderr
    #[arg(long)]
    pub headless: bool,

    /// Append one JSON line per queue event to PATH ("-" for stdout)
    #[arg(long, value_name = "PATH")]
    pub export: Option<String>,

    #[command(flatten)]
    pub screen: ScreenArgs,

    #[command(flatten)]
    pub protocol: ProtocolArg,

    #[command(flatten)]
    pub account: AccountArgs,

    #[command(flatten)]
    pub nats: NatsArg,

    /// Serve OpenMetrics on ADDR (http://ADDR/metrics), e.g. 127.0.0.1:9464
    #[arg(long, value_name = "ADDR")]
    pub metrics: Option<SocketAddr>,

    /// Print the example config (every key, commented) and exit
    #[arg(long)]
    pub print_example_config: bool,
}

/// The example config, built in so an installed binary has it.
pub const EXAMPLE_CONFIG: &str = include_str!("../../config.example.toml");

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the built-in simulator and the monitor against it: no credentials needed
    #[command(
        after_help = "Examples:\n  queuetop demo\n  queuetop demo --protocol realtime\n  queuetop demo --config ops.toml      # your theme and thresholds\n\n\
The simulator listens on 127.0.0.1 (a free port) in the same process; the monitor \
connects to it over the real network path. --protocol picks the feed it serves \
(notifications by default). --config is honoured for everything but the connection."
    )]
    Demo {
        #[command(flatten)]
        config: ConfigArg,
        #[command(flatten)]
        protocol: ProtocolArg,
        #[command(flatten)]
        screen: ScreenArgs,
        /// Serve OpenMetrics on ADDR (http://ADDR/metrics), e.g. 127.0.0.1:9464
        #[arg(long, value_name = "ADDR")]
        metrics: Option<SocketAddr>,
        /// Also start a local nats-server and a relay, and watch through them
        #[arg(long)]
        relay: bool,
    },

    /// Run the feed headless and publish its events to NATS JetStream for viewers
    #[command(
        after_help = "Examples:\n  queuetop relay --nats nats://broker:4222\n  queuetop relay --config relay.toml\n\n\
The relay is the one process that holds the Genesys credentials. Supervisors run \
`queuetop --nats nats://broker:4222` (or set [nats] in their config) and need none. \
See README, \"Many supervisors\"."
    )]
    Relay {
        #[command(flatten)]
        config: ConfigArg,
        #[command(flatten)]
        protocol: ProtocolArg,
        #[command(flatten)]
        account: AccountArgs,
        #[command(flatten)]
        nats: NatsArg,
    },

    /// Run the simulator alone; prints its URLs and a ready config
    #[command(
        after_help = "Examples:\n  queuetop sim\n  queuetop sim --listen 127.0.0.1:8787 --scenario busy --seed 7 --queues 12\n\n\
Then point a monitor at it with the printed config, or run tests and benchmarks against it."
    )]
    Sim {
        /// Address to listen on (loopback; port 0 picks a free one)
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
        listen: SocketAddr,
        /// Scenario to play
        #[arg(long, value_name = "NAME", value_parser = scenario_parser())]
        scenario: Option<String>,
        /// Random seed, for a reproducible run
        #[arg(long, value_name = "N")]
        seed: Option<u64>,
        /// Number of simulated queues
        #[arg(long, value_name = "N")]
        queues: Option<usize>,
        #[command(flatten)]
        protocol: ProtocolArg,
        /// Milliseconds added to every REST answer (a distant region)
        #[arg(long, value_name = "MS")]
        rest_latency_ms: Option<u64>,
        /// Simulated seconds per real second of the working day (scenario steady; 1 = real time)
        #[arg(long, value_name = "X")]
        speed: Option<f64>,
    },

    /// Load and validate a config; print every problem with file:line:col
    #[command(
        after_help = "Examples:\n  queuetop check-config\n  queuetop check-config ./config.example.toml\n  GENESYS_ENVIRONMENT=mypurecloud.de queuetop check-config ops.toml\n\n\
Runs the same layering as the monitor (file < environment < flags) and the subscription \
rules. Prints each problem as `file:line:col: key: message (rule)`, or a summary of what \
would be monitored. Exit 0 when valid, 2 when not. The rules are in docs/CONFIG.md."
    )]
    CheckConfig {
        /// The file to check (default: --config, $QUEUETOP_CONFIG, ~/.config/queuetop/config.toml)
        #[arg(value_name = "PATH")]
        path: Option<PathBuf>,
        #[command(flatten)]
        config: ConfigArg,
        #[command(flatten)]
        protocol: ProtocolArg,
        #[command(flatten)]
        account: AccountArgs,
    },

    /// Connect, wait for the first summary of every queue (or a timeout), print it, exit
    #[command(
        after_help = "Examples:\n  queuetop snapshot\n  queuetop snapshot --json | jq '.[] | {queueName, interactionsWaiting}'\n\n\
Exit 0 when every queue reported; 2 when there is nothing to show (the reason on stderr); \
1 when some queues reported and others did not."
    )]
    Snapshot {
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
        /// Seconds to wait for every queue's first summary
        #[arg(long, value_name = "SECONDS", default_value_t = 30)]
        timeout: u64,
        #[command(flatten)]
        config: ConfigArg,
        #[command(flatten)]
        protocol: ProtocolArg,
        #[command(flatten)]
        account: AccountArgs,
        #[command(flatten)]
        nats: NatsArg,
    },

    /// List the queues the OAuth client can see: number, name, division, members, id
    #[command(
        after_help = "Examples:\n  queuetop queues\n  queuetop queues 'Support*'\n  queuetop queues --json | jq -r '.[].id'\n\n\
Reads the credentials like the monitor (config file if any, environment, flags); \
writes nothing. PATTERN matches names, ignoring case: `*` for any run of characters, \
else anywhere in the name. Exit 2 when nothing matches."
    )]
    Queues {
        /// Only queues whose name matches (`Support*`, `billing`)
        #[arg(value_name = "PATTERN")]
        pattern: Option<String>,
        /// Print JSON (id, name, division, memberCount) instead of a table
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        config: ConfigArg,
        #[command(flatten)]
        account: AccountArgs,
    },

    /// Write a commented config (mode 600), picking queues from the org's list
    #[command(
        after_help = "Examples:\n  queuetop init                                   # asks for region, client id, secret, queues\n  GENESYS_CLIENT_ID=... GENESYS_CLIENT_SECRET=... queuetop init --environment mypurecloud.ie --queues 'Support*'\n  queuetop init --config ops.toml --queues 1,3-5\n\n\
Writes ~/.config/queuetop/config.toml (or --config PATH), creating the directory. \
Without a terminal, everything comes from the environment and flags. A secret typed \
in is kept in client_secret next to the config (mode 600); one from \
GENESYS_CLIENT_SECRET stays in the environment."
    )]
    Init {
        #[command(flatten)]
        config: ConfigArg,
        #[command(flatten)]
        account: AccountArgs,
        /// Queues to watch: numbers and ranges of the list (1,3-5), a name pattern, or all
        #[arg(long, value_name = "SELECTION")]
        queues: Option<String>,
        /// Token server, for a gateway or the simulator (default https://login.{environment})
        #[arg(long, value_name = "URL")]
        login_url: Option<String>,
        /// API server, for a gateway or the simulator (default https://api.{environment})
        #[arg(long, value_name = "URL")]
        api_url: Option<String>,
        /// Replace an existing file
        #[arg(long)]
        force: bool,
    },

    /// Print a shell completion script
    #[command(
        after_help = "Examples:\n  queuetop completions bash > ~/.local/share/bash-completion/completions/queuetop\n  queuetop completions zsh > ~/.zfunc/_queuetop\n  queuetop completions fish > ~/.config/fish/completions/queuetop.fish\n  source <(queuetop completions bash)"
    )]
    Completions {
        /// The shell to complete for
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },

    /// Print the man page (roff), every subcommand and flag included
    #[command(
        after_help = "Examples:\n  queuetop man > queuetop.1 && man ./queuetop.1\n  queuetop man --out /usr/local/share/man/man1"
    )]
    Man {
        /// Write DIR/queuetop.1 instead of printing it
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },

    /// Record every REST answer and socket frame of the notifications feed, secrets removed
    #[command(after_help = RECORD_EXAMPLES)]
    Record {
        /// How long to record, in minutes (0.5 is 30 seconds)
        #[arg(long, value_name = "N")]
        minutes: f64,
        /// The file to write [default: queuetop-recording-<UTC time>.ndjson]; never overwritten
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Agent, queue and customer names become stable pseudonyms; contact details are left out
        #[arg(long)]
        anonymize: bool,
        #[command(flatten)]
        config: ConfigArg,
        #[command(flatten)]
        account: AccountArgs,
    },

    /// Play a recording through the same mapping into the monitor (or --headless --export)
    #[command(after_help = REPLAY_EXAMPLES)]
    Replay {
        /// A file written by `queuetop record`
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// 1 plays as recorded, 10 ten times faster, 0 as fast as possible
        #[arg(long, value_name = "X", default_value_t = 1.0)]
        speed: f64,
        #[command(flatten)]
        config: ConfigArg,
        /// No TUI: write export lines (to --export or stdout)
        #[arg(long)]
        headless: bool,
        /// Append one JSON line per queue event to PATH ("-" for stdout)
        #[arg(long, value_name = "PATH")]
        export: Option<String>,
        #[command(flatten)]
        screen: ScreenArgs,
    },
}

#[cfg(test)]
mod tests;
