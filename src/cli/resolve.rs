//! The flags as one set of overrides: those after the subcommand win over
//! those before it, and a flag before the subcommand that it would ignore
//! is a usage error.

use std::path::PathBuf;

use super::{AccountArgs, Cli, Command, ConfigArg, NatsArg, ProtocolArg, ScreenArgs};
use crate::config::Overrides;

/// What a mode reads: the config file the flags name, and the overrides.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    pub config: Option<PathBuf>,
    pub overrides: Overrides,
    /// `--headless` (the monitor's, or replay's).
    pub headless: bool,
}

/// The flags of the subcommands that read the config to connect.
const CONNECTING: &[&str] = &["--config", "--protocol", "--environment", "--client-id"];
/// Those of the subcommands that may also read a relay's events.
const VIEWING: &[&str] = &[
    "--config",
    "--protocol",
    "--environment",
    "--client-id",
    "--nats",
];
/// Those of the subcommands that sign in but pick no protocol.
const SIGNING_IN: &[&str] = &["--config", "--environment", "--client-id"];
const DEMO: &[&str] = &[
    "--config",
    "--protocol",
    "--ascii",
    "--wallboard",
    "--metrics",
];
const REPLAY: &[&str] = &[
    "--config",
    "--headless",
    "--export",
    "--ascii",
    "--wallboard",
];

impl Cli {
    /// The flags that override the config file and the environment, those
    /// after the subcommand winning over those before it. A flag before
    /// the subcommand that it would ignore is a usage error (the message).
    pub fn resolve(&self) -> Result<Resolved, String> {
        let mut resolved = self.top_level();
        let Some(command) = &self.command else {
            return Ok(resolved);
        };
        let applies = resolved.take_command(command);
        let name = command.name();
        let ignored = self
            .given()
            .into_iter()
            .find(|(flag, on)| *on && !applies.contains(flag));
        if let Some((flag, _)) = ignored {
            return Err(format!(
                "{flag} does not apply to `queuetop {name}`; `queuetop {name} --help` lists what does"
            ));
        }
        Ok(resolved)
    }

    /// The flags given before the subcommand.
    fn given(&self) -> [(&'static str, bool); 11] {
        [
            ("--config", self.config.path.is_some()),
            ("--headless", self.headless),
            ("--export", self.export.is_some()),
            ("--ascii", self.screen.ascii),
            ("--wallboard", self.screen.wallboard),
            ("--protocol", self.protocol.protocol.is_some()),
            ("--environment", self.account.environment.is_some()),
            ("--client-id", self.account.client_id.is_some()),
            ("--print-example-config", self.print_example_config),
            ("--metrics", self.metrics.is_some()),
            ("--nats", self.nats.url.is_some()),
        ]
    }

    /// What the flags before the subcommand (or without one) ask for.
    fn top_level(&self) -> Resolved {
        Resolved {
            config: self.config.path.clone(),
            overrides: Overrides {
                protocol: self.protocol.protocol,
                environment: self.account.environment.clone(),
                client_id: self.account.client_id.clone(),
                ascii: self.screen.ascii,
                wallboard: self.screen.wallboard,
                export: self.export.clone(),
                metrics: self.metrics,
                nats: self.nats.url.clone(),
            },
            headless: self.headless,
        }
    }
}

impl Command {
    /// As typed on the command line.
    fn name(&self) -> &'static str {
        match self {
            Command::Demo { .. } => "demo",
            Command::Sim { .. } => "sim",
            Command::CheckConfig { .. } => "check-config",
            Command::Snapshot { .. } => "snapshot",
            Command::Relay { .. } => "relay",
            Command::Record { .. } => "record",
            Command::Replay { .. } => "replay",
            Command::Queues { .. } => "queues",
            Command::Init { .. } => "init",
            Command::Completions { .. } => "completions",
            Command::Man { .. } => "man",
        }
    }
}

impl Resolved {
    /// Takes the subcommand's own flags; returns the flags before it that
    /// it honours.
    fn take_command(&mut self, command: &Command) -> &'static [&'static str] {
        match command {
            Command::Demo {
                config,
                protocol,
                screen,
                metrics,
                relay: _,
            } => {
                self.take_config(config);
                self.take_protocol(protocol);
                self.take_screen(screen);
                self.overrides.metrics = metrics.or(self.overrides.metrics);
                DEMO
            }
            Command::Sim { protocol, .. } => {
                self.take_protocol(protocol);
                &["--protocol"]
            }
            Command::CheckConfig { .. } => self.take_check_config(command),
            Command::Snapshot {
                config,
                protocol,
                account,
                nats,
                ..
            }
            | Command::Relay {
                config,
                protocol,
                account,
                nats,
            } => {
                self.take_config(config);
                self.take_protocol(protocol);
                self.take_account(account);
                self.take_nats(nats);
                VIEWING
            }
            Command::Record {
                config, account, ..
            }
            | Command::Queues {
                config, account, ..
            }
            | Command::Init {
                config, account, ..
            } => {
                self.take_config(config);
                self.take_account(account);
                SIGNING_IN
            }
            Command::Replay { .. } => self.take_replay(command),
            Command::Completions { .. } | Command::Man { .. } => &[],
        }
    }

    /// `check-config [PATH]`: the path wins over `--config`.
    fn take_check_config(&mut self, command: &Command) -> &'static [&'static str] {
        if let Command::CheckConfig {
            path,
            config,
            protocol,
            account,
        } = command
        {
            self.take_config(config);
            if path.is_some() {
                self.config.clone_from(path);
            }
            self.take_protocol(protocol);
            self.take_account(account);
        }
        CONNECTING
    }

    /// `replay`: no connection, but the screen or the headless export.
    fn take_replay(&mut self, command: &Command) -> &'static [&'static str] {
        if let Command::Replay {
            config,
            headless,
            export,
            screen,
            ..
        } = command
        {
            self.take_config(config);
            self.headless |= *headless;
            if export.is_some() {
                self.overrides.export.clone_from(export);
            }
            self.take_screen(screen);
        }
        REPLAY
    }

    fn take_config(&mut self, config: &ConfigArg) {
        if config.path.is_some() {
            self.config.clone_from(&config.path);
        }
    }

    fn take_protocol(&mut self, protocol: &ProtocolArg) {
        if protocol.protocol.is_some() {
            self.overrides.protocol = protocol.protocol;
        }
    }

    fn take_screen(&mut self, screen: &ScreenArgs) {
        self.overrides.ascii |= screen.ascii;
        self.overrides.wallboard |= screen.wallboard;
    }

    fn take_nats(&mut self, nats: &NatsArg) {
        if nats.url.is_some() {
            self.overrides.nats.clone_from(&nats.url);
        }
    }

    fn take_account(&mut self, account: &AccountArgs) {
        if account.environment.is_some() {
            self.overrides.environment.clone_from(&account.environment);
        }
        if account.client_id.is_some() {
            self.overrides.client_id.clone_from(&account.client_id);
        }
    }
}
