//! The help overlay, generated from `keys::KEYMAP`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::ui::Scene;
use crate::ui::keys::{self, Binding, KEYMAP, Mode};

/// Width of the key column.
const KEYS_W: usize = 12;
/// Lines of the overlay's text: both contexts of the monitor, their
/// headings, the marks, the figures (the welcome's rows are not the
/// monitor's).
pub const LINES: usize = KEYMAP.len() - rows_in(Mode::Welcome) + 6;

/// How many rows of the table act in `mode`.
const fn rows_in(mode: Mode) -> usize {
    let (mut count, mut row) = (0, 0);
    while row < KEYMAP.len() {
        let modes = KEYMAP[row].modes;
        let mut index = 0;
        while index < modes.len() {
            if modes[index] as u8 == mode as u8 {
                count += 1;
                break;
            }
            index += 1;
        }
        row += 1;
    }
    count
}

pub fn render(frame: &mut Frame, area: Rect, scene: &Scene) {
    let theme = scene.theme();
    let glyphs = scene.glyphs();
    let ascii = glyphs.ascii;
    let row = |binding: &Binding| {
        Line::from(vec![
            Span::styled(
                format!(" {:<KEYS_W$}", binding.keys_label(ascii)),
                theme.key,
            ),
            Span::raw(binding.help),
        ])
    };
    let mut lines: Vec<Line> = on_screens().map(row).collect();
    lines.push(Line::styled(" In the filter prompt (/):", theme.dim));
    lines.extend(in_prompt().map(row));
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled(" Marks: ", theme.dim),
        Span::raw(format!(
            "> selected   stale: no update lately   {} cleared alert",
            glyphs.cleared
        )),
    ]));
    lines.push(Line::raw(
        "        !2 util: 2 active alerts, the worst about utilization",
    ));
    lines.push(Line::from(vec![
        Span::styled(" Figures: ", theme.dim),
        Span::raw("Idle/OnQ: agents idle / on queue"),
    ]));
    lines.push(Line::raw(
        "          Utilization: interacting / on queue; communicating not counted",
    ));
    debug_assert_eq!(lines.len(), LINES);
    let width = (lines.iter().map(Line::width).max().unwrap_or(0) as u16 + 3).min(area.width);
    let height = (lines.len() as u16 + 2).min(area.height);
    // Scrolled no further than the last line at the bottom.
    let shown = usize::from(height.saturating_sub(2));
    let scroll = scene
        .view
        .help_scroll
        .min(lines.len().saturating_sub(shown));
    let more = if scroll + shown < lines.len() {
        format!("(more: {}) ", keys::Key::Down.label(ascii))
    } else {
        String::new()
    };
    let overlay = super::centered(area, width, height);
    let block = scene.block(
        Line::from(vec![
            Span::styled(" Keys ", theme.title),
            Span::styled(keys::leave_title(Mode::Help), theme.dim),
            Span::styled(more, theme.dim),
        ]),
        true,
    );
    frame.render_widget(Clear, overlay);
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((scroll as u16, 0))
            .block(block),
        overlay,
    );
}

/// The modes with their own section: the rest are the monitor's screens.
const APART: [Mode; 2] = [Mode::Filter, Mode::Welcome];

/// The rows of the monitor's screens.
fn on_screens() -> impl Iterator<Item = &'static Binding> {
    KEYMAP
        .iter()
        .filter(|b| !APART.iter().any(|m| b.acts_in(*m)))
}

/// The rows of one of the modes kept `APART`.
fn rows_of(mode: Mode) -> impl Iterator<Item = &'static Binding> {
    KEYMAP.iter().filter(move |b| b.acts_in(mode))
}

fn in_prompt() -> impl Iterator<Item = &'static Binding> {
    rows_of(Mode::Filter)
}

/// Where a screen row acts, for docs/KEYS.md: "everywhere", or the modes.
fn modes_label(binding: &Binding) -> String {
    let screens: Vec<Mode> = Mode::ALL
        .into_iter()
        .filter(|m| !APART.contains(m))
        .collect();
    if screens.iter().all(|m| binding.acts_in(*m)) {
        return "everywhere".into();
    }
    // The alerts panel is the main screen with the focus on the alerts:
    // one name for both.
    let mut names: Vec<&str> = binding
        .modes
        .iter()
        .filter(|m| **m != Mode::AlertsPanel || !binding.acts_in(Mode::Main))
        .map(|m| m.label())
        .collect();
    names.dedup();
    names.join(", ")
}

/// The keys tables for docs/KEYS.md: the same rows as the overlay, with
/// where each screen key acts.
pub fn markdown_table() -> String {
    let mut out = String::from("### On the screens\n\n| keys | does | where |\n|---|---|---|\n");
    for binding in on_screens() {
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            doc_keys(binding),
            binding.help,
            modes_label(binding)
        ));
    }
    out.push_str("\n### In the filter prompt (`/`)\n\n| keys | does |\n|---|---|\n");
    for binding in in_prompt() {
        out.push_str(&format!("| {} | {} |\n", doc_keys(binding), binding.help));
    }
    out.push_str(
        "\n### On the welcome screen (first run, no config)\n\n| keys | does |\n|---|---|\n",
    );
    for binding in rows_of(Mode::Welcome) {
        out.push_str(&format!("| {} | {} |\n", doc_keys(binding), binding.help));
    }
    out.push('\n');
    out
}

fn doc_keys(binding: &Binding) -> String {
    let keys: Vec<String> = binding
        .keys
        .iter()
        .map(|k| format!("`{}`", k.label(false)))
        .collect();
    keys.join(" ")
}
