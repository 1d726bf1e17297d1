//! The first-run screen (no config file anywhere it looked) and the
//! start-up notes overlay (config warnings printed before the screen
//! started would be hidden behind it until quit).

use std::path::PathBuf;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use crate::config::Sources;
use crate::ui::keys::{self, Key, Mode};
use crate::ui::{Scene, Theme};

/// The environment variables queuetop reads, as docs/CONFIG.md lists them.
pub const ENVIRONMENT: &[(&str, &str)] = &[
    ("QUEUETOP_CONFIG", "the config file to read"),
    ("GENESYS_ENVIRONMENT", "region domain, e.g. mypurecloud.ie"),
    ("GENESYS_CLIENT_ID", "OAuth client (client credentials)"),
    ("GENESYS_CLIENT_SECRET", "its secret"),
    ("NO_COLOR", "set and non-empty: no colour"),
];

/// Where the config was looked for and not found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Welcome {
    /// Each place, and what was found there.
    pub looked_in: Vec<(String, String)>,
}

impl Welcome {
    /// A first run: nothing names a config file and the standard one is
    /// missing (or there is no home directory to hold it). A file named by
    /// `--config` or `$QUEUETOP_CONFIG` that is missing is a mistake to
    /// report, not a first run.
    pub fn first_run(sources: &Sources) -> Option<Welcome> {
        let standard: Option<PathBuf> = match sources.config_path() {
            Some((_, true)) => return None,
            Some((p, false)) if p.exists() => return None,
            Some((p, false)) => Some(p),
            None => None,
        };
        let mut looked_in = vec![
            ("--config".to_string(), "not given".to_string()),
            ("$QUEUETOP_CONFIG".to_string(), "not set".to_string()),
        ];
        looked_in.push(match standard {
            Some(p) => (p.display().to_string(), "not found".to_string()),
            None => (
                "the standard path".to_string(),
                "no home directory to look in".to_string(),
            ),
        });
        Some(Welcome { looked_in })
    }

    /// The same, as one message for stderr (headless, after the screen).
    pub fn message(&self) -> String {
        let places: Vec<String> = self
            .looked_in
            .iter()
            .map(|(p, found)| format!("{p} ({found})"))
            .collect();
        format!(
            "queuetop: no config file found; looked in: {}. \
             Try `queuetop demo` (a simulated contact center, no account needed), \
             or run `queuetop init` to write a config; see docs/CONFIG.md",
            places.join(", ")
        )
    }
}

/// The first-run screen, centred; it wraps on narrow terminals.
pub fn render(frame: &mut Frame, welcome: &Welcome, theme: &Theme) {
    let area = frame.area();
    let mut lines = vec![
        Line::styled("Welcome to queuetop", theme.title),
        Line::raw(""),
        Line::raw("There is no config file yet, so there is nothing to watch. Looked in:"),
    ];
    for (place, found) in &welcome.looked_in {
        lines.push(Line::from(vec![
            Span::raw(format!("  {place}  ")),
            Span::styled(format!("({found})"), theme.dim),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::raw("Start with one of:"));
    for (cmd, what) in [
        (
            "queuetop demo",
            "a simulated contact center; no account needed",
        ),
        (
            "queuetop init",
            "write a config: region, credentials, pick your queues",
        ),
    ] {
        lines.push(Line::from(vec![
            Span::styled(format!("  {cmd:<15}"), theme.key),
            Span::raw(what),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::raw("Environment variables (see docs/CONFIG.md):"));
    for (name, what) in ENVIRONMENT {
        lines.push(Line::from(vec![
            Span::styled(format!("  {name:<23}"), theme.key),
            Span::styled(*what, theme.dim),
        ]));
    }
    lines.push(Line::raw(""));
    lines.extend(key_lines(theme));
    let width = lines
        .iter()
        .map(Line::width)
        .max()
        .unwrap_or(0)
        .min(usize::from(area.width.saturating_sub(2))) as u16;
    let height = (lines.len() as u16).min(area.height);
    let [_, mid, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(height),
        Constraint::Fill(1),
    ])
    .areas(area);
    let [_, column, _] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(width),
        Constraint::Fill(1),
    ])
    .areas(mid);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), column);
}

/// What the keys do, from the keymap: "q, Esc or Ctrl-C: quit", a line
/// per hint word.
fn key_lines(theme: &Theme) -> Vec<Line<'static>> {
    let mut words: Vec<(&str, Vec<Key>)> = Vec::new();
    for (binding, word) in keys::hints(Mode::Welcome) {
        match words.iter_mut().find(|(known, _)| *known == word) {
            Some((_, keys)) => keys.extend_from_slice(binding.keys),
            None => words.push((word, binding.keys.to_vec())),
        }
    }
    words
        .into_iter()
        .map(|(word, keys)| {
            let mut spans = Vec::new();
            for (index, key) in keys.iter().enumerate() {
                if index > 0 {
                    spans.push(Span::raw(if index + 1 == keys.len() {
                        " or "
                    } else {
                        ", "
                    }));
                }
                spans.push(Span::styled(key.label(false), theme.key));
            }
            spans.push(Span::raw(format!(": {word}")));
            Line::from(spans)
        })
        .collect()
}

/// The warnings the config gave at start-up, over the main screen until
/// `Esc` closes it.
pub fn render_notes(frame: &mut Frame, area: Rect, scene: &Scene) {
    let theme = scene.theme();
    let mut lines: Vec<Line> = scene
        .view
        .notes
        .iter()
        .map(|note| Line::raw(note.clone()))
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "`queuetop check-config` shows them again.",
        theme.dim,
    ));
    let width = area.width.saturating_sub(4).max(1);
    let height = (lines.len() as u16 + 2 + 2).min(area.height);
    let rect = super::centered(area, width, height);
    let block = scene.block(
        Line::from(vec![
            Span::styled(" Config warnings ", theme.warn),
            Span::styled(keys::leave_title(Mode::Notes), theme.dim),
        ]),
        true,
    );
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        rect,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Overrides;

    fn sources(flag: Option<&str>, env: &[(&str, &str)], standard: Option<PathBuf>) -> Sources {
        Sources {
            config_flag: flag.map(PathBuf::from),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            default_config_file: standard,
            default_audit_file: PathBuf::from("/tmp/audit.log"),
            overrides: Overrides::default(),
        }
    }

    #[test]
    fn only_a_missing_standard_file_is_a_first_run() {
        let dir = tempfile::tempdir().expect("temp dir");
        let standard = dir.path().join("queuetop").join("config.toml");
        let w =
            Welcome::first_run(&sources(None, &[], Some(standard.clone()))).expect("a first run");
        assert_eq!(w.looked_in.len(), 3);
        assert!(w.message().contains(&standard.display().to_string()));
        assert!(w.message().contains("queuetop demo") && w.message().contains("queuetop init"));
        let home_less = Welcome::first_run(&sources(None, &[], None)).expect("a first run");
        assert!(home_less.message().contains("no home directory"));
        // A file someone named is a mistake to report, not a first run.
        assert_eq!(
            Welcome::first_run(&sources(Some("/nope.toml"), &[], None)),
            None
        );
        let env = [("QUEUETOP_CONFIG", "/nope.toml")];
        assert_eq!(Welcome::first_run(&sources(None, &env, None)), None);
        std::fs::create_dir_all(dir.path().join("queuetop")).expect("mkdir");
        std::fs::write(&standard, "").expect("write");
        assert_eq!(
            Welcome::first_run(&sources(None, &[], Some(standard))),
            None
        );
    }
}
