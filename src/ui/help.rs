//! The help overlay, generated from `keys::KEYMAP`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::ui::Scene;
use crate::ui::keys::{Binding, Context, KEYMAP};

/// Width of the key column.
const KEYS_W: usize = 12;
/// Lines of the overlay's text: both contexts, their headings, the marks,
/// the figures.
pub const LINES: usize = KEYMAP.len() + 6;

pub fn render(frame: &mut Frame, area: Rect, scene: &Scene) {
    let t = scene.theme();
    let g = scene.glyphs();
    let ascii = g.ascii;
    let row = |b: &Binding| {
        Line::from(vec![
            Span::styled(format!(" {:<KEYS_W$}", b.keys_label(ascii)), t.key),
            Span::raw(b.help),
        ])
    };
    let mut lines: Vec<Line> = in_context(Context::Screen).map(row).collect();
    lines.push(Line::styled(" In the filter prompt (/):", t.dim));
    lines.extend(in_context(Context::Filter).map(row));
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled(" Marks: ", t.dim),
        Span::raw(format!(
            "> selected   stale: no update lately   {} cleared alert",
            g.cleared
        )),
    ]));
    lines.push(Line::raw(
        "        !2 util: 2 active alerts, the worst about utilization",
    ));
    lines.push(Line::from(vec![
        Span::styled(" Figures: ", t.dim),
        Span::raw("Idle/OnQ: agents idle / on queue"),
    ]));
    lines.push(Line::raw(
        "          Utilization: interacting / on queue; communicating not counted",
    ));
    debug_assert_eq!(lines.len(), LINES);
    let w = (lines.iter().map(|l| l.width()).max().unwrap_or(0) as u16 + 3).min(area.width);
    let h = (lines.len() as u16 + 2).min(area.height);
    // Scrolled no further than the last line at the bottom.
    let shown = usize::from(h.saturating_sub(2));
    let scroll = scene
        .view
        .help_scroll
        .min(lines.len().saturating_sub(shown));
    let more = if scroll + shown < lines.len() {
        if ascii {
            "(more: Down) "
        } else {
            "(more: ↓) "
        }
    } else {
        ""
    };
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    let block = scene.block(
        Line::from(vec![
            Span::styled(" Keys ", t.title),
            Span::styled("(? or Esc: close) ", t.dim),
            Span::styled(more, t.dim),
        ]),
        true,
    );
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((scroll as u16, 0))
            .block(block),
        r,
    );
}

fn in_context(context: Context) -> impl Iterator<Item = &'static Binding> {
    KEYMAP.iter().filter(move |b| b.context == context)
}

/// The keys tables for docs/KEYS.md: the same rows as the overlay.
pub fn markdown_table() -> String {
    let mut out = String::new();
    for (context, title) in [
        (Context::Screen, "On the screens"),
        (Context::Filter, "In the filter prompt (`/`)"),
    ] {
        out.push_str(&format!("### {title}\n\n| keys | does |\n|---|---|\n"));
        for b in in_context(context) {
            let keys: Vec<String> = b
                .keys
                .iter()
                .map(|k| format!("`{}`", k.label(false)))
                .collect();
            out.push_str(&format!("| {} | {} |\n", keys.join(" "), b.help));
        }
        out.push('\n');
    }
    out
}
