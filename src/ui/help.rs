//! The help overlay, generated from `keys::KEYMAP`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::ui::Scene;
use crate::ui::keys::KEYMAP;

/// Width of the key column.
const KEYS_W: usize = 12;

pub fn render(frame: &mut Frame, area: Rect, scene: &Scene) {
    let t = scene.theme();
    let g = scene.glyphs();
    let ascii = g.ascii;
    let mut lines: Vec<Line> = KEYMAP
        .iter()
        .map(|b| {
            Line::from(vec![
                Span::styled(format!(" {:<KEYS_W$}", b.keys_label(ascii)), t.key),
                Span::raw(b.help),
            ])
        })
        .collect();
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
    let w = (lines.iter().map(|l| l.width()).max().unwrap_or(0) as u16 + 3).min(area.width);
    let h = (lines.len() as u16 + 2).min(area.height);
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
        ]),
        true,
    );
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(lines).block(block), r);
}

/// The keys table for the README: the same rows as the overlay.
pub fn markdown_table() -> String {
    let mut out = String::from("| keys | does |\n|---|---|\n");
    for b in KEYMAP {
        let keys: Vec<String> = b
            .keys
            .iter()
            .map(|k| format!("`{}`", k.label(false)))
            .collect();
        out.push_str(&format!("| {} | {} |\n", keys.join(" "), b.help));
    }
    out
}
