//! clap definitions. OWNER: foundation helper.
//!
//! Names follow CONFIG.md ("Commands"); flags override the config file and
//! the environment.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Parser, Subcommand};

use crate::config::{Overrides, Protocol};

const MAIN_EXAMPLES: &str = "\
Examples:
  queuetop demo                                 # a live simulated contact center, no credentials
  queuetop                                      # monitor the queues of ~/.config/queuetop/config.toml
  queuetop --config ops.toml --ascii            # another config, plain characters for poor terminals
  queuetop --headless --export /var/lib/wfm/queues.ndjson
  queuetop check-config ops.toml                # validate a config, exit 0 only when valid

Configuration: defaults < config file (--config, $QUEUETOP_CONFIG, or
~/.config/queuetop/config.toml) < GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET,
GENESYS_ENVIRONMENT < flags. Exit codes: 0 ok, 2 usage or config error, 1 anything else.";

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

    /// Config file to read (else $QUEUETOP_CONFIG, else ~/.config/queuetop/config.toml)
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// No TUI: write export lines (to --export or stdout), logs to the audit file and stderr
    #[arg(long, global = true)]
    pub headless: bool,

    /// Append one JSON line per queue event to PATH ("-" for stdout)
    #[arg(long, global = true, value_name = "PATH")]
    pub export: Option<String>,

    /// Plain ASCII: no box-drawing or braille characters
    #[arg(long, global = true)]
    pub ascii: bool,

    /// The feed to use (overrides genesys.protocol)
    #[arg(long, global = true, value_name = "PROTOCOL", value_parser = protocol_parser())]
    pub protocol: Option<Protocol>,

    /// Genesys Cloud region domain, e.g. mypurecloud.ie (overrides GENESYS_ENVIRONMENT)
    #[arg(long, global = true, value_name = "DOMAIN")]
    pub environment: Option<String>,

    /// OAuth client id (overrides GENESYS_CLIENT_ID); the secret is never a flag
    #[arg(long, global = true, value_name = "ID")]
    pub client_id: Option<String>,

    /// NATS server of a `queuetop relay` (overrides nats.url): viewers read
    /// the relay's events from it instead of logging in to Genesys Cloud
    #[arg(long, global = true, value_name = "URL")]
    pub nats: Option<String>,
}

fn protocol_parser() -> impl TypedValueParser<Value = Protocol> {
    PossibleValuesParser::new(["notifications", "realtime"])
        .map(|s| Protocol::parse(&s).unwrap_or_default())
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the built-in simulator and the monitor against it: no credentials needed
    #[command(
        after_help = "Examples:\n  queuetop demo\n  queuetop demo --protocol realtime\n\n\
The simulator listens on 127.0.0.1 (a free port) in the same process; the monitor \
connects to it over the real network path. --protocol picks the feed it serves \
(notifications by default)."
    )]
    Demo {
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
    Relay,

    /// Run the simulator alone; prints its URLs and a ready config
    #[command(
        after_help = "Examples:\n  queuetop sim\n  queuetop sim --listen 127.0.0.1:8787 --scenario busy --seed 7 --queues 12\n  queuetop sim --queues 1000 --rest-latency-ms 150\n\n\
Then point a monitor at it with the printed config, or run tests and benchmarks against it."
    )]
    Sim {
        /// Address to listen on (loopback; port 0 picks a free one)
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
        listen: SocketAddr,
        /// Scenario to play
        #[arg(long, value_name = "NAME")]
        scenario: Option<String>,
        /// Random seed, for a reproducible run
        #[arg(long, value_name = "N")]
        seed: Option<u64>,
        /// Number of simulated queues
        #[arg(long, value_name = "N")]
        queues: Option<usize>,
        /// Milliseconds added to every REST answer (a distant region)
        #[arg(long, value_name = "MS")]
        rest_latency_ms: Option<u64>,
    },

    /// Load and validate a config; print every problem with file:line:col
    #[command(
        after_help = "Examples:\n  queuetop check-config\n  queuetop check-config ./config.example.toml\n  GENESYS_ENVIRONMENT=mypurecloud.de queuetop check-config ops.toml\n\n\
Runs the same layering as the monitor (file < environment < flags) and the subscription \
rules. Prints each problem as `file:line:col: key: message (rule)`, or a summary of what \
would be monitored. Exit 0 when valid, 2 when not."
    )]
    CheckConfig {
        /// The file to check (default: --config, $QUEUETOP_CONFIG, ~/.config/queuetop/config.toml)
        #[arg(value_name = "PATH")]
        path: Option<PathBuf>,
    },

    /// Connect, wait for the first summary of every queue (or a timeout), print it, exit
    #[command(
        after_help = "Examples:\n  queuetop snapshot\n  queuetop snapshot --json | jq '.[] | {queueName, interactionsWaiting}'"
    )]
    Snapshot {
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
        /// Seconds to wait for every queue's first summary
        #[arg(long, value_name = "SECONDS", default_value_t = 30)]
        timeout: u64,
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
    },
}

const RECORD_EXAMPLES: &str = "\
Examples:
  queuetop record --minutes 10 --anonymize      # attach the file to a bug report
  queuetop record --minutes 0.5 --out startup.ndjson

Runs the notifications feed with no screen and writes every REST answer and every channel \
frame, with timestamps, to one NDJSON file (docs/RECORDING.md). The token, the client \
secret and any Authorization value are never written.";

const REPLAY_EXAMPLES: &str = "\
Examples:
  queuetop replay incident.ndjson               # watch it again at recorded speed
  queuetop replay incident.ndjson --speed 10
  queuetop replay incident.ndjson --speed 0 --headless --export lines.ndjson

Needs no credentials: the recording says which queues were watched; the config still \
sets alert limits and screen settings. At the end the last state stays on screen (r \
plays it again); headless, the run exits 0.";

impl Cli {
    /// The flags that override the config file and the environment.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            protocol: self.protocol,
            environment: self.environment.clone(),
            client_id: self.client_id.clone(),
            ascii: self.ascii,
            export: self.export.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn flags_parse_into_overrides() {
        let cli = Cli::try_parse_from([
            "queuetop",
            "--protocol",
            "realtime",
            "--environment",
            "mypurecloud.ie",
            "--client-id",
            "abc",
            "--ascii",
            "--export",
            "-",
            "check-config",
            "x.toml",
        ])
        .unwrap();
        let o = cli.overrides();
        assert_eq!(o.protocol, Some(Protocol::Realtime));
        assert_eq!(o.environment.as_deref(), Some("mypurecloud.ie"));
        assert_eq!(o.client_id.as_deref(), Some("abc"));
        assert!(o.ascii);
        assert_eq!(o.export.as_deref(), Some("-"));
        assert!(matches!(
            cli.command,
            Some(Command::CheckConfig { path: Some(_) })
        ));
        // Global flags also work after the subcommand.
        let cli = Cli::try_parse_from(["queuetop", "demo", "--protocol", "notifications"]).unwrap();
        assert_eq!(cli.protocol, Some(Protocol::Notifications));
        assert!(Cli::try_parse_from(["queuetop", "--protocol", "sse"]).is_err());
    }

    /// Help text is part of the interface: a change shows up in review.
    #[test]
    fn help_snapshots() {
        insta::assert_snapshot!("help", Cli::command().render_long_help().to_string());
        for sub in ["demo", "sim", "check-config", "snapshot"] {
            let mut c = Cli::command();
            // Built, so the usage line reads `queuetop sim` as the binary prints it.
            c.build();
            let s = c.find_subcommand_mut(sub).unwrap();
            insta::assert_snapshot!(format!("help_{sub}"), s.render_long_help().to_string());
        }
    }

    #[test]
    fn every_help_has_an_example() {
        let mut cmd = Cli::command();
        let mut help = cmd.render_long_help().to_string();
        assert!(help.contains("Examples:"), "{help}");
        for sub in ["demo", "sim", "check-config", "snapshot"] {
            let mut c = Cli::command();
            let s = c.find_subcommand_mut(sub).unwrap();
            help = s.render_long_help().to_string();
            assert!(help.contains("Examples:"), "{sub}: {help}");
            assert!(help.contains(&format!("queuetop {sub}")), "{sub}: {help}");
        }
    }
}
