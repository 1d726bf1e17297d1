//! `queuetop replay FILE`: a recording as the feed of the monitor or of a
//! headless export. The config still gives the alert limits, the screen
//! settings and the audit log; its queues and credentials are not used
//! (the recording says which queues were watched).

use std::path::PathBuf;
use std::sync::Arc;

use color_eyre::eyre::eyre;

use crate::config::{self, Config, Protocol};
use crate::feed::replay::{AtEnd, ReplayOptions};
use crate::feed::source::Source;

pub struct ReplayArgs {
    pub file: PathBuf,
    pub speed: f64,
    pub headless: bool,
}

/// Checks the arguments, then plays the file into the TUI or the export.
pub async fn run(mut cfg: Config, args: ReplayArgs) -> color_eyre::Result<i32> {
    if !(args.speed >= 0.0 && args.speed.is_finite()) {
        return Err(eyre!(
            "--speed {} is not a speed: give 1 for real time, 10 for ten times faster, 0 for no waiting",
            args.speed
        ));
    }
    let shown = args.file.display().to_string();
    std::fs::File::open(&args.file)
        .map_err(|error| eyre!("cannot open the recording {shown}: {error}; check the path"))?;
    prepare(&mut cfg, &shown);
    let source = Source::Replay(ReplayOptions {
        path: args.file,
        speed: args.speed,
        at_end: if args.headless {
            AtEnd::Finish
        } else {
            AtEnd::Stay
        },
    });
    let cfg = Arc::new(cfg);
    if args.headless {
        super::headless::run_from(cfg, source).await
    } else {
        super::run_tui_from(cfg, source).await
    }
}

/// The config as a replay uses it: no configured queues (the recording's
/// come instead), and a header that says what is shown.
pub fn prepare(cfg: &mut Config, file: &str) {
    cfg.queues.clear();
    cfg.genesys.all_queues = false;
    cfg.genesys.protocol = Protocol::Notifications;
    cfg.genesys.environment = format!("replay of {file}");
    // The header names the environment when the URL is its usual one.
    cfg.genesys.api_url = config::api_url_for(&cfg.genesys.environment);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_names_the_replayed_file_and_no_configured_queue_is_kept() {
        let text = "[genesys]\nenvironment = \"mypurecloud.ie\"\nclient_id = \"c\"\nclient_secret = \"s\"\n\n[[queue]]\nid = \"8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c1e\"\n";
        let loaded = Config::from_toml_str(text, "t", &Default::default()).unwrap();
        let mut cfg = loaded.config;
        prepare(&mut cfg, "incident.ndjson");
        assert_eq!(cfg.genesys.server_label(), "replay of incident.ndjson");
        assert!(cfg.queues.is_empty());
    }
}
