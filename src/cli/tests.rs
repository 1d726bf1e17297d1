use clap::{CommandFactory, Parser};

use super::*;
use crate::config::Protocol;

const SUBCOMMANDS: [&str; 11] = [
    "relay",
    "record",
    "replay",
    "demo",
    "sim",
    "check-config",
    "snapshot",
    "queues",
    "init",
    "completions",
    "man",
];

#[test]
fn the_command_is_well_formed() {
    Cli::command().debug_assert();
}

fn resolve(args: &[&str]) -> Result<Resolved, String> {
    Cli::try_parse_from(args).unwrap().resolve()
}

#[test]
fn flags_parse_into_overrides() {
    let r = resolve(&[
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
    ])
    .unwrap();
    let o = r.overrides;
    assert_eq!(o.protocol, Some(Protocol::Realtime));
    assert_eq!(o.environment.as_deref(), Some("mypurecloud.ie"));
    assert_eq!(o.client_id.as_deref(), Some("abc"));
    assert!(o.ascii);
    assert_eq!(o.export.as_deref(), Some("-"));
    assert!(Cli::try_parse_from(["queuetop", "--protocol", "sse"]).is_err());
}

#[test]
fn flags_work_before_and_after_the_subcommand_where_they_apply() {
    // Before: still honoured; after: wins.
    let r = resolve(&[
        "queuetop",
        "--config",
        "a.toml",
        "--protocol",
        "realtime",
        "check-config",
        "--environment",
        "mypurecloud.de",
    ])
    .unwrap();
    assert_eq!(r.config.as_deref(), Some(std::path::Path::new("a.toml")));
    assert_eq!(r.overrides.protocol, Some(Protocol::Realtime));
    assert_eq!(r.overrides.environment.as_deref(), Some("mypurecloud.de"));
    let r = resolve(&["queuetop", "--config", "a.toml", "check-config", "b.toml"]).unwrap();
    assert_eq!(r.config.as_deref(), Some(std::path::Path::new("b.toml")));
    let r = resolve(&["queuetop", "demo", "--protocol", "notifications", "--ascii"]).unwrap();
    assert_eq!(r.overrides.protocol, Some(Protocol::Notifications));
    assert!(r.overrides.ascii);
}

#[test]
fn wallboard_is_a_screen_flag() {
    assert!(!resolve(&["queuetop"]).unwrap().overrides.wallboard);
    for args in [
        &["queuetop", "--wallboard"][..],
        &["queuetop", "demo", "--wallboard"],
        &["queuetop", "--wallboard", "demo"],
        &["queuetop", "replay", "f.ndjson", "--wallboard"],
    ] {
        assert!(resolve(args).unwrap().overrides.wallboard, "{args:?}");
    }
    assert!(resolve(&["queuetop", "--wallboard", "check-config"]).is_err());
}

#[test]
fn a_flag_the_subcommand_would_ignore_is_refused() {
    for (args, flag, sub) in [
        (&["queuetop", "--headless", "sim"][..], "--headless", "sim"),
        (
            &["queuetop", "--export", "-", "snapshot"],
            "--export",
            "snapshot",
        ),
        (
            &["queuetop", "--environment", "x.y", "demo"],
            "--environment",
            "demo",
        ),
        (
            &["queuetop", "--ascii", "check-config"],
            "--ascii",
            "check-config",
        ),
    ] {
        let e = resolve(args).unwrap_err();
        assert_eq!(
            e,
            format!(
                "{flag} does not apply to `queuetop {sub}`; `queuetop {sub} --help` lists what does"
            )
        );
    }
    // And after the subcommand clap itself refuses them.
    assert!(Cli::try_parse_from(["queuetop", "sim", "--headless"]).is_err());
    assert!(Cli::try_parse_from(["queuetop", "demo", "--client-id", "x"]).is_err());
}

fn sub_help(name: &str) -> String {
    let mut c = Cli::command();
    // Built, so the usage line reads `queuetop sim` as the binary prints it.
    c.build();
    let s = c.find_subcommand_mut(name).unwrap();
    s.render_long_help().to_string()
}

/// Help text is part of the interface: a change shows up in review.
#[test]
fn help_snapshots() {
    insta::assert_snapshot!("help", Cli::command().render_long_help().to_string());
    for sub in SUBCOMMANDS {
        insta::assert_snapshot!(format!("help_{sub}"), sub_help(sub));
    }
}

#[test]
fn subcommand_help_lists_only_what_applies() {
    let sim = sub_help("sim");
    for absent in [
        "--headless",
        "--export",
        "--config",
        "--ascii",
        "--client-id",
    ] {
        assert!(!sim.contains(absent), "sim: {absent}\n{sim}");
    }
    let snapshot = sub_help("snapshot");
    for absent in ["--headless", "--export", "--ascii"] {
        assert!(!snapshot.contains(absent), "snapshot: {absent}\n{snapshot}");
    }
    assert!(snapshot.contains("--client-id"), "{snapshot}");
}

#[test]
fn sim_help_lists_every_scenario_with_its_line() {
    let help = sub_help("sim");
    for (name, about) in crate::sim::SCENARIOS {
        let line = help
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("- {name}:")));
        assert!(
            line.is_some_and(|l| l.trim_end().ends_with(about)),
            "{name}\n{help}"
        );
    }
    assert!(Cli::try_parse_from(["queuetop", "sim", "--scenario", "chaos"]).is_err());
}

#[test]
fn every_help_has_an_example() {
    let help = Cli::command().render_long_help().to_string();
    assert!(help.contains("Examples:"), "{help}");
    for sub in SUBCOMMANDS {
        let help = sub_help(sub);
        assert!(help.contains("Examples:"), "{sub}: {help}");
        assert!(help.contains(&format!("queuetop {sub}")), "{sub}: {help}");
    }
}

#[test]
fn record_and_replay_parse() {
    let cli = Cli::try_parse_from([
        "queuetop",
        "record",
        "--minutes",
        "0.5",
        "--out",
        "x.ndjson",
        "--anonymize",
    ])
    .unwrap();
    assert!(matches!(
        cli.command,
        Some(Command::Record { minutes, anonymize: true, out: Some(_), .. }) if minutes == 0.5
    ));
    // --minutes has no default: a recording's length is a choice.
    assert!(Cli::try_parse_from(["queuetop", "record"]).is_err());
    let cli = Cli::try_parse_from([
        "queuetop",
        "replay",
        "f.ndjson",
        "--speed",
        "0",
        "--headless",
        "--export",
        "o",
    ])
    .unwrap();
    assert!(matches!(
        cli.command,
        Some(Command::Replay { speed, headless: true, export: Some(ref e), .. }) if speed == 0.0 && e == "o"
    ));
}
