//! Flag groups shared by the monitor and the subcommands that take them:
//! each subcommand flattens only the groups that apply to it, so its help
//! lists nothing it would ignore.

use std::path::PathBuf;

use clap::Args;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};

use crate::config::Protocol;

/// `--config PATH`.
#[derive(Debug, Clone, Default, Args)]
pub struct ConfigArg {
    /// Config file to read (else $QUEUETOP_CONFIG, else ~/.config/queuetop/config.toml)
    #[arg(long = "config", id = "config", value_name = "PATH")]
    pub path: Option<PathBuf>,
}

/// `--protocol`.
#[derive(Debug, Clone, Default, Args)]
pub struct ProtocolArg {
    /// The feed to use (overrides genesys.protocol)
    #[arg(long, value_name = "PROTOCOL", value_parser = protocol_parser())]
    pub protocol: Option<Protocol>,
}

/// Where and as whom to connect: `--environment`, `--client-id`.
#[derive(Debug, Clone, Default, Args)]
pub struct AccountArgs {
    /// Genesys Cloud region domain, e.g. mypurecloud.ie (overrides GENESYS_ENVIRONMENT)
    #[arg(long, value_name = "DOMAIN")]
    pub environment: Option<String>,

    /// OAuth client id (overrides GENESYS_CLIENT_ID); the secret is never a flag
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
}

/// `--nats URL`.
#[derive(Debug, Clone, Default, Args)]
pub struct NatsArg {
    /// NATS server of a `queuetop relay` (overrides nats.url): read the
    /// relay's events from it instead of logging in to Genesys Cloud
    #[arg(long = "nats", id = "nats", value_name = "URL")]
    pub url: Option<String>,
}

/// `--ascii`, `--wallboard`.
#[derive(Debug, Clone, Default, Args)]
pub struct ScreenArgs {
    /// Plain ASCII: no box-drawing or braille characters
    #[arg(long)]
    pub ascii: bool,

    /// Start on the wallboard: every queue as a tile, for a wall screen (w toggles)
    #[arg(long)]
    pub wallboard: bool,
}

fn protocol_parser() -> impl TypedValueParser<Value = Protocol> {
    PossibleValuesParser::new(["notifications", "realtime"])
        .map(|s| Protocol::parse(&s).unwrap_or_default())
}

/// The simulator's scenarios, each with its one-line description, so
/// `sim --help` lists them and completions offer them.
pub fn scenario_parser() -> PossibleValuesParser {
    PossibleValuesParser::new(
        crate::sim::SCENARIOS
            .iter()
            .map(|(name, about)| PossibleValue::new(*name).help(*about)),
    )
}
