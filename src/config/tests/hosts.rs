//! Hosts: the region domain as people write it, and the realtime URL
//! that has no default.

use super::{QUEUE, env, errors, ok};
use crate::config::Config;
use crate::config::check;

#[test]
fn an_environment_written_as_a_host_or_url_is_read_as_its_region_with_a_warning() {
    for written in [
        "api.mypurecloud.ie",
        "https://api.mypurecloud.ie/",
        "HTTPS://API.mypurecloud.ie",
        "login.mypurecloud.ie",
        "apps.mypurecloud.ie",
    ] {
        let l = ok(&format!("{QUEUE}[genesys]\nenvironment = \"{written}\"\n"));
        let g = &l.config.genesys;
        assert_eq!(g.environment, "mypurecloud.ie", "{written}");
        assert_eq!(g.login_url, "https://login.mypurecloud.ie", "{written}");
        assert_eq!(g.api_url, "https://api.mypurecloud.ie", "{written}");
        let w: Vec<String> = l.warnings.iter().map(|w| w.to_string()).collect();
        assert_eq!(
            w,
            [format!(
                "c.toml:4:15: warning: genesys.environment: `{written}` read as the region domain `mypurecloud.ie`; write environment = \"mypurecloud.ie\" (environment is a region domain)"
            )],
            "{written}"
        );
    }
    // From the environment too, and a region domain is left alone.
    let e = env(&[
        ("GENESYS_ENVIRONMENT", "api.usw2.pure.cloud"),
        ("GENESYS_CLIENT_ID", "id"),
        ("GENESYS_CLIENT_SECRET", "s"),
    ]);
    let l = Config::from_toml_str(QUEUE, "c.toml", &e).unwrap();
    assert_eq!(l.config.genesys.environment, "usw2.pure.cloud");
    assert!(
        l.warnings[0]
            .to_string()
            .starts_with("$GENESYS_ENVIRONMENT: warning:"),
        "{:?}",
        l.warnings
    );
    assert_eq!(check::normalized_environment("mypurecloud.ie"), None);
    assert_eq!(
        check::normalized_environment("https://api.mypurecloud.ie:8443/"),
        None
    );
}

#[test]
fn realtime_without_realtime_url_is_an_error_that_asks_for_it() {
    let e = errors(&format!("[genesys]\nprotocol = \"realtime\"\n{QUEUE}"));
    assert_eq!(
        e[..1],
        [
            "c.toml:2:12: genesys.realtime_url: protocol = \"realtime\" has no default URL: the realtime v1 socket is served by event gateways, not by Genesys Cloud; set genesys.realtime_url = \"wss://<your gateway>/...\", or use protocol = \"notifications\" for a Genesys Cloud org (realtime needs realtime_url)"
        ]
    );
    let l = ok(&format!(
        "[genesys]\nprotocol = \"realtime\"\nrealtime_url = \"wss://gw.example/e\"\n{QUEUE}"
    ));
    assert_eq!(l.config.genesys.realtime_url, "wss://gw.example/e");
    assert_eq!(l.config.genesys.server_label(), "gw.example");
}
