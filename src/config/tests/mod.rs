mod checks;
mod docs;
mod hosts;
mod notifications;
mod problems;

use std::collections::HashMap;
use std::path::PathBuf;

use secrecy::ExposeSecret;

use super::*;

const Q1: &str = "8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c1e";

pub(super) fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub(super) fn write(dir: &tempfile::TempDir, name: &str, text: &str, mode: u32) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    p
}

pub(super) fn sources(
    file: Option<PathBuf>,
    env: HashMap<String, String>,
    flags: Overrides,
) -> Sources {
    Sources {
        config_flag: file,
        env,
        default_config_file: None,
        default_audit_file: PathBuf::from("/tmp/queuetop-test/audit.log"),
        overrides: flags,
    }
}

pub(super) fn errors(text: &str) -> Vec<String> {
    match Config::from_toml_str(text, "c.toml", &HashMap::new()) {
        Ok(l) => panic!("accepted; warnings {:?}", l.warnings),
        Err(p) => p.iter().map(|p| p.to_string()).collect(),
    }
}

pub(super) fn ok(text: &str) -> Loaded {
    let e = env(&[("GENESYS_CLIENT_ID", "id"), ("GENESYS_CLIENT_SECRET", "s")]);
    match Config::from_toml_str(text, "c.toml", &e) {
        Ok(l) => l,
        Err(p) => panic!("{p:#?}"),
    }
}

pub(super) const QUEUE: &str = "[[queue]]\nid = \"8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c1e\"\n";

const FILE: &str = r#"
[genesys]
environment = "mypurecloud.ie"
protocol = "realtime"
client_id = "file-id"
client_secret = "file-secret"
realtime_url = "wss://gateway.example.com/events"

[ui]
ascii = false

[export]
path = "/tmp/file-export.ndjson"

[[queue]]
id = "8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c1e"
"#;

pub(super) fn creds() -> HashMap<String, String> {
    env(&[("GENESYS_CLIENT_ID", "id"), ("GENESYS_CLIENT_SECRET", "s")])
}

#[test]
fn defaults_under_a_minimal_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, "c.toml", QUEUE, 0o600);
    let l = load(&sources(Some(p), creds(), Overrides::default())).unwrap();
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    let c = l.config;
    assert_eq!(c.genesys.environment, "mypurecloud.com");
    assert_eq!(c.genesys.protocol, Protocol::Notifications);
    assert_eq!(c.genesys.login_url, "https://login.mypurecloud.com");
    assert_eq!(c.genesys.api_url, "https://api.mypurecloud.com");
    assert_eq!(
        c.genesys.realtime_url, "",
        "no default: not a Genesys endpoint"
    );
    assert_eq!(c.reconnect.max_attempts, 0);
    assert_eq!(
        c.log.audit_file,
        PathBuf::from("/tmp/queuetop-test/audit.log")
    );
}

#[test]
fn file_then_env_then_flags() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, "c.toml", FILE, 0o600);

    // File only.
    let c = load(&sources(Some(p.clone()), env(&[]), Overrides::default()))
        .unwrap()
        .config;
    assert_eq!(c.genesys.environment, "mypurecloud.ie");
    assert_eq!(c.genesys.api_url, "https://api.mypurecloud.ie");
    assert_eq!(c.genesys.protocol, Protocol::Realtime);
    assert_eq!(c.genesys.client_id, "file-id");
    assert_eq!(
        c.genesys.client_secret.as_ref().unwrap().expose_secret(),
        "file-secret"
    );
    assert!(!c.ui.ascii);
    assert_eq!(c.export_path.as_deref(), Some("/tmp/file-export.ndjson"));
    assert_eq!(c.source.as_deref(), Some(p.as_path()));

    // Environment beats the file.
    let e = env(&[
        ("GENESYS_ENVIRONMENT", "usw2.pure.cloud"),
        ("GENESYS_CLIENT_ID", "env-id"),
        ("GENESYS_CLIENT_SECRET", "env-secret"),
    ]);
    let c = load(&sources(Some(p.clone()), e.clone(), Overrides::default()))
        .unwrap()
        .config;
    assert_eq!(c.genesys.environment, "usw2.pure.cloud");
    assert_eq!(c.genesys.login_url, "https://login.usw2.pure.cloud");
    assert_eq!(c.genesys.realtime_url, "wss://gateway.example.com/events");
    assert_eq!(c.genesys.client_id, "env-id");
    assert_eq!(
        c.genesys.client_secret.as_ref().unwrap().expose_secret(),
        "env-secret"
    );

    // Flags beat both.
    let flags = Overrides {
        protocol: Some(Protocol::Notifications),
        environment: Some("mypurecloud.de".into()),
        client_id: Some("flag-id".into()),
        ascii: true,
        wallboard: true,
        export: Some("-".into()),
        ..Overrides::default()
    };
    let c = load(&sources(Some(p), e, flags)).unwrap().config;
    assert_eq!(c.genesys.environment, "mypurecloud.de");
    assert_eq!(c.genesys.api_url, "https://api.mypurecloud.de");
    assert_eq!(c.genesys.protocol, Protocol::Notifications);
    assert_eq!(c.genesys.client_id, "flag-id");
    assert!(c.ui.ascii);
    assert!(c.ui.wallboard);
    assert_eq!(c.export_path.as_deref(), Some("-"));
}

#[test]
fn which_file_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        &dir,
        "a.toml",
        &format!("[genesys]\nenvironment = \"mypurecloud.jp\"\n{QUEUE}"),
        0o600,
    );
    let b = write(
        &dir,
        "b.toml",
        &format!("[genesys]\nenvironment = \"mypurecloud.de\"\n{QUEUE}"),
        0o600,
    );
    let mut via_env = creds();
    via_env.insert("QUEUETOP_CONFIG".into(), b.to_str().unwrap().into());
    // --config beats $QUEUETOP_CONFIG.
    let c = load(&sources(
        Some(a.clone()),
        via_env.clone(),
        Overrides::default(),
    ))
    .unwrap()
    .config;
    assert_eq!(c.genesys.environment, "mypurecloud.jp");
    let c = load(&sources(None, via_env, Overrides::default()))
        .unwrap()
        .config;
    assert_eq!(c.genesys.environment, "mypurecloud.de");
    // The default file is read when nothing names another.
    let mut s = sources(None, creds(), Overrides::default());
    s.default_config_file = Some(a);
    assert_eq!(
        load(&s).unwrap().config.genesys.environment,
        "mypurecloud.jp"
    );
    let missing = dir.path().join("nope.toml");
    let e = load(&sources(Some(missing), env(&[]), Overrides::default())).unwrap_err();
    assert!(
        e[0].to_string()
            .contains("nope.toml (from --config) not found"),
        "{}",
        e[0]
    );
}

#[cfg(unix)]
#[test]
fn secret_in_a_group_readable_file_warns() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, "c.toml", FILE, 0o644);
    let l = load(&sources(Some(p.clone()), env(&[]), Overrides::default())).unwrap();
    assert_eq!(l.warnings.len(), 1, "{:?}", l.warnings);
    let w = l.warnings[0].to_string();
    assert!(
        w.starts_with(&format!(
            "{}:6:17: warning: genesys.client_secret: ",
            p.display()
        )),
        "{w}"
    );
    assert!(
        w.contains("readable by group or others (mode 644); run `chmod 600"),
        "{w}"
    );

    let p = write(&dir, "d.toml", FILE, 0o600);
    let l = load(&sources(Some(p), env(&[]), Overrides::default())).unwrap();
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);

    // No secret in it: no warning, whatever the mode.
    let p = write(
        &dir,
        "e.toml",
        &format!("[genesys]\nclient_id = \"x\"\n{QUEUE}"),
        0o644,
    );
    let e = env(&[("GENESYS_CLIENT_SECRET", "s")]);
    assert!(
        load(&sources(Some(p), e, Overrides::default()))
            .unwrap()
            .warnings
            .is_empty()
    );
}

#[test]
fn client_secret_file_is_read_relative_to_the_config() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir, "secret.txt", "s3cret\n", 0o600);
    let p = write(
        &dir,
        "c.toml",
        &format!("[genesys]\nclient_id = \"x\"\nclient_secret_file = \"secret.txt\"\n{QUEUE}"),
        0o644,
    );
    let l = load(&sources(Some(p.clone()), env(&[]), Overrides::default())).unwrap();
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    assert_eq!(
        l.config.genesys.client_secret.unwrap().expose_secret(),
        "s3cret"
    );

    let p = write(
        &dir,
        "d.toml",
        "[genesys]\nclient_secret_file = \"nope.txt\"\n",
        0o600,
    );
    let e = load(&sources(Some(p), env(&[]), Overrides::default())).unwrap_err();
    assert!(
        e[0].to_string()
            .contains(":2:22: genesys.client_secret_file: "),
        "{}",
        e[0]
    );
}

#[test]
fn plain_http_and_ws_only_to_loopback() {
    for (url, key) in [
        ("http://127.0.0.1:8080", "api_url"),
        ("http://127.9.8.7", "login_url"),
        ("http://localhost:1", "api_url"),
        ("http://LOCALHOST", "api_url"),
        ("http://[::1]:9", "login_url"),
        ("ws://127.0.0.1:9/api/v2/realtime/events", "realtime_url"),
        ("https://gateway.example.com", "api_url"),
        ("wss://gateway.example.com/events", "realtime_url"),
    ] {
        ok(&format!("[genesys]\n{key} = \"{url}\"\n{QUEUE}"));
    }
    for (url, key) in [
        ("http://example.com", "api_url"),
        ("http://10.0.0.1", "login_url"),
        ("http://128.0.0.1", "login_url"),
        ("ws://gateway.example.com/events", "realtime_url"),
        ("ws://[::2]/x", "realtime_url"),
        ("http://localhost.example.com", "api_url"),
    ] {
        let e = errors(&format!("[genesys]\n{key} = \"{url}\"\n{QUEUE}"));
        assert_eq!(e.len(), 2, "{e:?}"); // plus the credentials warning
        assert!(
            e[0].starts_with(&format!("c.toml:2:{}: genesys.{key}: ", key.len() + 4)),
            "{}",
            e[0]
        );
        assert!(
            e[0].contains("would send credentials in clear text"),
            "{}",
            e[0]
        );
        assert!(
            e[0].ends_with("(http:// and ws:// only to loopback hosts)"),
            "{}",
            e[0]
        );
    }
    let e = errors("[genesys]\nrealtime_url = \"https://x.example.com\"\n");
    assert!(
        e[0].contains("the scheme must be wss:// (or ws:// to a loopback host), not https://"),
        "{}",
        e[0]
    );
}

#[test]
fn for_sim_builds_a_loopback_config() {
    let c = Config::for_sim(
        Protocol::Realtime,
        "http://127.0.0.1:5000",
        "http://127.0.0.1:5000",
        "ws://127.0.0.1:5000/api/v2/realtime/events",
        vec![],
        PathBuf::from("/tmp/a.log"),
    );
    assert!(c.credentials_problem().is_none());
    assert!(check::url_problem(&c.genesys.realtime_url, "wss", "ws").is_none());
}

#[test]
fn all_queues_needs_no_queue_table() {
    let l = ok(
        "[genesys]\nprotocol = \"realtime\"\nrealtime_url = \"wss://gw.example/e\"\nclient_id = \"c\"\nall_queues = true\n",
    );
    assert!(l.config.genesys.all_queues);
    assert!(l.config.queues.is_empty());
    assert!(
        !l.warnings
            .iter()
            .any(|w| w.to_string().contains("[[queue]]")),
        "{:?}",
        l.warnings
    );
    let e = errors("[genesys]\nall_queues = \"yes\"\n");
    assert!(e[0].contains("genesys.all_queues"), "{e:?}");
}

#[test]
fn the_header_names_the_server_actually_used() {
    let region = |env: &str| {
        ok(&format!(
            "[genesys]\nenvironment = \"{env}\"\nprotocol = \"notifications\"\nclient_id = \"c\"\nall_queues = true\n"
        ))
        .config
    };
    assert_eq!(
        region("mypurecloud.ie").genesys.server_label(),
        "mypurecloud.ie"
    );

    // A simulator on the default region: its address, not mypurecloud.com.
    let mut c = region("mypurecloud.com");
    c.genesys.api_url = "http://127.0.0.1:5000".into();
    assert_eq!(c.genesys.server_label(), "127.0.0.1:5000");
    // Only the feed's own URL counts.
    c.genesys.protocol = Protocol::Realtime;
    assert_eq!(c.genesys.server_label(), "mypurecloud.com");
    // A proxy in front of a chosen region: both.
    let mut c = region("mypurecloud.de");
    c.genesys.api_url = "https://proxy.corp.example".into();
    assert_eq!(
        c.genesys.server_label(),
        "mypurecloud.de proxy.corp.example"
    );
}

#[test]
fn the_audit_log_rotates_by_default_and_can_be_told_otherwise() {
    let d = ok(QUEUE).config.log;
    assert_eq!((d.max_size_mb, d.keep), (100, 5));
    let l = ok(&format!("{QUEUE}[log]\nmax_size_mb = 0\nkeep = 2\n"))
        .config
        .log;
    assert_eq!((l.max_size_mb, l.keep), (0, 2));
    let e = errors(&format!("{QUEUE}[log]\nkeep = 0\n"));
    assert!(e[0].contains("log.keep"), "{e:?}");
    let e = errors(&format!("{QUEUE}[log]\nmax_size_mb = -1\n"));
    assert!(e[0].contains("log.max_size_mb"), "{e:?}");
}
