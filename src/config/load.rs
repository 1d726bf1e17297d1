//! The layering: defaults < file < environment < flags (docs/CONFIG.md,
//! "Where the config comes from").

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use secrecy::SecretString;

use super::doc::{Doc, FileSpans};
use super::file;
use super::paths::expand_home;
use super::{Config, ConfigProblem, Protocol, Severity, api_url_for, check, login_url_for, values};

/// What the command line says; `None` leaves the lower layers alone.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub protocol: Option<Protocol>,
    pub environment: Option<String>,
    pub client_id: Option<String>,
    /// `--ascii` (only ever turns it on).
    pub ascii: bool,
    /// `--wallboard`: start on the wallboard.
    pub wallboard: bool,
    /// `--export PATH`.
    pub export: Option<String>,
    /// `--metrics ADDR`.
    pub metrics: Option<std::net::SocketAddr>,
    /// `--nats URL`: a relay's viewer, which needs no Genesys credentials.
    pub nats: Option<String>,
}

/// Everything `load` reads, so the layering is testable without touching
/// the process environment or the user's home.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// `--config PATH`.
    pub config_flag: Option<PathBuf>,
    /// The environment (`QUEUETOP_CONFIG`, `GENESYS_*`).
    pub env: HashMap<String, String>,
    /// `<config dir>/queuetop/config.toml`; used (when it exists) if neither
    /// the flag nor `QUEUETOP_CONFIG` names a file.
    pub default_config_file: Option<PathBuf>,
    /// `<data dir>/queuetop/audit.log`.
    pub default_audit_file: PathBuf,
    pub overrides: Overrides,
}

impl Sources {
    /// The real process environment and the platform directories.
    pub fn from_process(config_flag: Option<PathBuf>, overrides: Overrides) -> Sources {
        let dirs = directories::BaseDirs::new();
        Sources {
            config_flag,
            env: std::env::vars().collect(),
            default_config_file: dirs
                .as_ref()
                .map(|d| d.config_dir().join("queuetop").join("config.toml")),
            default_audit_file: default_audit_file(),
            overrides,
        }
    }

    /// The file to read, and whether it must exist.
    pub fn config_path(&self) -> Option<(PathBuf, bool)> {
        if let Some(p) = &self.config_flag {
            return Some((p.clone(), true));
        }
        if let Some(p) = self.env.get("QUEUETOP_CONFIG").filter(|p| !p.is_empty()) {
            return Some((PathBuf::from(p), true));
        }
        self.default_config_file.clone().map(|p| (p, false))
    }
}

/// `<data dir>/queuetop/audit.log`, or the temp dir when there is no home.
pub fn default_audit_file() -> PathBuf {
    directories::BaseDirs::new()
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(std::env::temp_dir)
        .join("queuetop")
        .join("audit.log")
}

/// A valid config and the warnings worth showing.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub warnings: Vec<ConfigProblem>,
}

/// Loads and validates. On failure, returns every problem found (errors and
/// warnings, in file order), not only the first.
pub fn load(sources: &Sources) -> Result<Loaded, Vec<ConfigProblem>> {
    load_keeping(sources, |_| true, false)
}

/// Where and as whom to connect, for `queuetop queues` and `init`: the
/// standard file may be missing (the environment and flags may say it
/// all) and no queue is needed yet, since listing them is the point.
pub fn load_connection(sources: &Sources) -> Result<Loaded, Vec<ConfigProblem>> {
    load_keeping(sources, |p| !p.key.starts_with("queue"), true)
}

/// Everything but the connection, for `queuetop demo --config` and
/// `replay` (the file is optional there): the
/// screen, thresholds and logs of the file, none of its rules about
/// credentials, hosts and queues (the demo brings its own).
pub fn load_except_connection(sources: &Sources) -> Result<Loaded, Vec<ConfigProblem>> {
    load_keeping(
        sources,
        |p| !(p.key.starts_with("genesys") || p.key.starts_with("queue")),
        true,
    )
}

fn load_keeping(
    sources: &Sources,
    keep: fn(&ConfigProblem) -> bool,
    file_optional: bool,
) -> Result<Loaded, Vec<ConfigProblem>> {
    let mut cfg = Config::defaults(sources.default_audit_file.clone());
    let path = sources.config_path();
    let mut text = None;
    if path.is_none() && !file_optional {
        return Err(vec![problem(
            "(no config file)",
            "(file)",
            "no config file given and no home directory to look in; pass --config PATH or set QUEUETOP_CONFIG".into(),
            "a config file names the queues; see docs/CONFIG.md",
        )]);
    }
    if let Some((config_path, required)) = &path {
        match std::fs::read_to_string(config_path) {
            Ok(read) => text = Some(read),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound && !required => {
                if !file_optional {
                    return Err(vec![no_file(config_path)]);
                }
            }
            Err(error) => {
                let from = if sources.config_flag.is_some() {
                    "--config"
                } else {
                    "$QUEUETOP_CONFIG"
                };
                let how = if error.kind() == std::io::ErrorKind::NotFound {
                    format!(
                        "(from {from}) not found; fix the path, or write it with `queuetop init --config {}`",
                        config_path.display()
                    )
                } else {
                    format!("(from {from}) cannot be read: {error}")
                };
                return Err(vec![problem(
                    &config_path.display().to_string(),
                    "(file)",
                    format!("{} {how}", config_path.display()),
                    "the config file must exist and be readable UTF-8; see docs/CONFIG.md",
                )]);
            }
        }
    }
    let file_path = text
        .as_ref()
        .and(path.as_ref())
        .map(|(config_path, _)| config_path.clone());
    let name = file_path
        .as_ref()
        .map_or("(no config file)".to_string(), |config_path| {
            config_path.display().to_string()
        });
    let mut doc = Doc {
        text: text.as_deref().unwrap_or(""),
        name,
        problems: Vec::new(),
    };
    let spans = match &text {
        Some(_) => match file::apply(&mut doc, &mut cfg) {
            Some(found) => found,
            None => return finish(doc.problems, cfg),
        },
        None => FileSpans::default(),
    };
    cfg.source = file_path.clone();
    layer(
        &mut doc,
        &mut cfg,
        &spans,
        &sources.env,
        &sources.overrides,
        file_path.as_deref(),
    );
    doc.problems.retain(keep);
    finish(doc.problems, cfg)
}

/// `Config::from_toml_str`: text in memory, no flags.
pub(super) fn load_text(
    text: &str,
    source_name: &str,
    env: &HashMap<String, String>,
) -> Result<Loaded, Vec<ConfigProblem>> {
    let mut cfg = Config::defaults(default_audit_file());
    let mut doc = Doc {
        text,
        name: source_name.to_string(),
        problems: Vec::new(),
    };
    let Some(spans) = file::apply(&mut doc, &mut cfg) else {
        return finish(doc.problems, cfg);
    };
    layer(&mut doc, &mut cfg, &spans, env, &Overrides::default(), None);
    finish(doc.problems, cfg)
}

fn layer(
    doc: &mut Doc<'_>,
    cfg: &mut Config,
    spans: &FileSpans,
    env: &HashMap<String, String>,
    flags: &Overrides,
    path: Option<&Path>,
) {
    let (environment_origin, env_secret) = overrides(cfg, env, flags);
    environment(doc, cfg, spans, environment_origin);
    realtime_url(doc, cfg, spans, flags);
    secret(doc, cfg, spans, env_secret, path);
    check::urls(doc, spans, cfg);
    check::queues(doc, spans, cfg);
    values::log_level(doc, spans, &cfg.log.level);
    values::thresholds(doc, spans, cfg);
    if let Some(message) = cfg.nats.as_ref().and_then(super::nats::problem) {
        let span = spans.values.get("nats.url").cloned().unwrap_or(0..0);
        doc.error(&span, "nats", message, "the [nats] table");
    }
    // A viewer of a relay holds no Genesys credentials, by design.
    let viewer = cfg.nats.is_some();
    if let Some(message) = cfg.credentials_problem().filter(|_| !viewer) {
        let name = doc.name.clone();
        doc.problems.push(problem(
            &name,
            "genesys",
            format!(
                "{message}; the {} feed signs in with an OAuth client (client credentials grant)",
                cfg.genesys.protocol.as_str()
            ),
            "credentials; see docs/CONFIG.md",
        ));
    }
}

/// The environment, then the flags, over the file. Returns where
/// `environment` finally came from when not the file (to place a problem
/// with it), and the secret from the environment, read later by `secret`.
fn overrides(
    cfg: &mut Config,
    env: &HashMap<String, String>,
    flags: &Overrides,
) -> (Option<String>, Option<String>) {
    let get = |name: &str| env.get(name).filter(|value| !value.is_empty()).cloned();
    let genesys = &mut cfg.genesys;
    let mut environment_origin = None;
    if let Some(value) = get("GENESYS_ENVIRONMENT") {
        genesys.environment = value;
        environment_origin = Some("$GENESYS_ENVIRONMENT".into());
    }
    if let Some(value) = get("GENESYS_CLIENT_ID") {
        genesys.client_id = value;
    }
    if let Some(value) = &flags.environment {
        genesys.environment = value.clone();
        environment_origin = Some("command line (--environment)".into());
    }
    if let Some(value) = &flags.client_id {
        genesys.client_id = value.clone();
    }
    if let Some(protocol) = flags.protocol {
        genesys.protocol = protocol;
    }
    if flags.ascii {
        cfg.ui.ascii = true;
    }
    if flags.wallboard {
        cfg.ui.wallboard = true;
    }
    if let Some(export) = &flags.export {
        cfg.export_path = Some(export.clone());
    }
    if let Some(listen) = flags.metrics {
        cfg.metrics_listen = Some(listen);
    }
    if let Some(url) = &flags.nats {
        cfg.nats
            .get_or_insert_with(|| super::NatsConfig::new(url.clone()))
            .url
            .clone_from(url);
    }
    (environment_origin, get("GENESYS_CLIENT_SECRET"))
}

/// The environment as a region domain (a host or URL is read as its
/// region, with a warning), and the login and API URLs it implies unless
/// the file set them.
fn environment(doc: &mut Doc<'_>, cfg: &mut Config, spans: &FileSpans, origin: Option<String>) {
    let rule = "environment is a region domain";
    let file_span = spans.values.get("genesys.environment").cloned();
    if let Some(domain) = check::normalized_environment(&cfg.genesys.environment) {
        let message = format!(
            "`{}` read as the region domain `{domain}`; write environment = \"{domain}\"",
            crate::redact::redact_url(&cfg.genesys.environment)
        );
        match (&origin, &file_span) {
            (Some(origin), _) => {
                let mut warning = problem(origin, "genesys.environment", message, rule);
                warning.severity = Severity::Warning;
                doc.problems.push(warning);
            }
            (None, Some(span)) => doc.report(
                Severity::Warning,
                span.start,
                "genesys.environment",
                message,
                rule,
            ),
            (None, None) => {}
        }
        cfg.genesys.environment = domain;
    }
    if let Some(message) = check::environment_problem(&cfg.genesys.environment) {
        match (&origin, &file_span) {
            (Some(origin), _) => {
                doc.problems
                    .push(problem(origin, "genesys.environment", message, rule))
            }
            (None, Some(span)) => doc.error(span, "genesys.environment", message, rule),
            (None, None) => {}
        }
    }
    let genesys = &mut cfg.genesys;
    if !spans.values.contains_key("genesys.login_url") {
        genesys.login_url = login_url_for(&genesys.environment);
    }
    if !spans.values.contains_key("genesys.api_url") {
        genesys.api_url = api_url_for(&genesys.environment);
    }
}

/// The realtime protocol has no default socket: the problem, placed on the
/// `protocol` line that asked for it, or on the flag.
fn realtime_url(doc: &mut Doc<'_>, cfg: &Config, spans: &FileSpans, flags: &Overrides) {
    let Some(message) = check::realtime_url_missing(cfg) else {
        return;
    };
    let rule = "realtime needs realtime_url";
    match spans.values.get("genesys.protocol") {
        Some(span) if flags.protocol.is_none() => {
            doc.error(span, "genesys.realtime_url", message, rule)
        }
        _ => {
            let origin = match flags.protocol {
                Some(_) => "command line (--protocol)".to_string(),
                None => doc.name.clone(),
            };
            doc.problems
                .push(problem(&origin, "genesys.realtime_url", message, rule));
        }
    }
}

fn secret(
    doc: &mut Doc<'_>,
    cfg: &mut Config,
    spans: &FileSpans,
    env_secret: Option<String>,
    path: Option<&Path>,
) {
    let secret_span = spans.values.get("genesys.client_secret").cloned();
    let file_span = spans.values.get("genesys.client_secret_file").cloned();
    if let (Some(_), Some(span)) = (&secret_span, &file_span) {
        doc.error(span, "genesys.client_secret_file", "both client_secret and client_secret_file are set; keep one (client_secret_file is safer)".into(), "one source for the secret");
    }
    if spans.has_client_secret
        && let (Some(config_path), Some(span)) = (path, &secret_span)
    {
        check::permissions(
            doc,
            config_path,
            span.start,
            "genesys.client_secret",
            "holds client_secret",
        );
    }
    if let (Some(written), Some(span)) = (&spans.client_secret_file, &file_span) {
        let mut secret_path = expand_home(written);
        if secret_path.is_relative()
            && let Some(dir) = path.and_then(Path::parent)
        {
            secret_path = dir.join(secret_path);
        }
        // The environment wins; the file is still checked so a broken path is found now.
        match std::fs::read_to_string(&secret_path) {
            Ok(contents) if contents.trim().is_empty() => {
                doc.error(
                    span,
                    "genesys.client_secret_file",
                    format!("{} is empty", secret_path.display()),
                    "client_secret_file holds the secret",
                );
            }
            Ok(contents) => {
                check::permissions(
                    doc,
                    &secret_path,
                    span.start,
                    "genesys.client_secret_file",
                    "holds the client secret",
                );
                cfg.genesys.client_secret = Some(SecretString::from(
                    contents.trim_end_matches(['\r', '\n']).to_string(),
                ));
            }
            Err(error) => doc.error(
                span,
                "genesys.client_secret_file",
                format!("{} cannot be read: {error}", secret_path.display()),
                "client_secret_file holds the secret",
            ),
        }
    }
    if let Some(value) = env_secret {
        cfg.genesys.client_secret = Some(SecretString::from(value));
    }
}

/// Without a file there is no queue to watch and no credentials to use:
/// say every place that was searched and how to get a file there.
fn no_file(default: &Path) -> ConfigProblem {
    problem(
        "(no config file)",
        "(file)",
        format!(
            "no config file found; looked in: --config (not given), $QUEUETOP_CONFIG (not set), {}; \
             run `queuetop init` to write one there, or copy config.example.toml \
             (`queuetop --print-example-config`) and pass --config PATH",
            default.display()
        ),
        "a config file names the queues; see docs/CONFIG.md",
    )
}

fn problem(file: &str, key: &str, message: String, rule: &str) -> ConfigProblem {
    ConfigProblem {
        severity: Severity::Error,
        file: file.to_string(),
        line: 0,
        col: 0,
        key: key.to_string(),
        message,
        rule: rule.to_string(),
    }
}

fn finish(mut problems: Vec<ConfigProblem>, config: Config) -> Result<Loaded, Vec<ConfigProblem>> {
    // File positions first, in order; then problems from elsewhere.
    problems.sort_by_key(|p| (p.line == 0, p.line, p.col));
    if problems.iter().any(|p| p.severity == Severity::Error) {
        Err(problems)
    } else {
        Ok(Loaded {
            config,
            warnings: problems,
        })
    }
}
