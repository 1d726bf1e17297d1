//! The config the simulator prints is one `check-config` and the loader
//! accept: what `queuetop sim` hands a user works as is.

use std::collections::HashMap;
use std::process::Command;

use queuetop::config::{Config, Protocol};
use queuetop::sim::{self, SimOptions};

#[tokio::test]
async fn the_simulators_config_is_valid_for_both_feeds() {
    let opts = SimOptions {
        generate: false,
        queues: 4,
        ..SimOptions::default()
    };
    let sim = sim::start("127.0.0.1:0".parse().unwrap(), opts)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (name, protocol) in [
        ("notifications", Protocol::Notifications),
        ("realtime", Protocol::Realtime),
    ] {
        let text = sim.config_toml(name);
        let loaded = Config::from_toml_str(&text, "sim.toml", &HashMap::new())
            .unwrap_or_else(|p| panic!("{p:#?}\n{text}"));
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
        let c = loaded.config;
        assert_eq!(c.genesys.protocol, protocol);
        assert_eq!(c.genesys.realtime_url, sim.realtime_url());
        assert_eq!(c.queues.len(), 4);
        assert!(c.credentials_problem().is_none());

        let path = dir.path().join(format!("{name}.toml"));
        std::fs::write(&path, &text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let out = Command::new(env!("CARGO_BIN_EXE_queuetop"))
            .args(["check-config", path.to_str().unwrap()])
            .env_remove("GENESYS_CLIENT_ID")
            .env_remove("GENESYS_CLIENT_SECRET")
            .env_remove("GENESYS_ENVIRONMENT")
            .env("HOME", dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert!(stderr.is_empty(), "{stderr}");
    }
    sim.shutdown().await;
}
