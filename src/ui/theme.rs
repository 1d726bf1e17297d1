//! Colours and glyphs as data. Every meaning also has a non-colour carrier
//! (bold, reverse, a marker character), so the mono theme and `NO_COLOR`
//! lose nothing but colour.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::{bar, border};

use crate::config;

/// The styles the panels use, by meaning.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Theme {
    pub name: &'static str,
    /// The terminal backgrounds the theme is made for (it never paints
    /// the background itself): every colour below reaches 4.5:1 against
    /// each of them and against `header`'s background.
    pub backdrops: &'static [Color],
    pub text: Style,
    pub dim: Style,
    pub title: Style,
    pub border: Style,
    pub border_focus: Style,
    pub header: Style,
    /// The selected row: reverse video in every theme.
    pub selected: Style,
    pub ok: Style,
    pub warn: Style,
    pub alert: Style,
    /// Data that is not live (stale queue, disconnected feed).
    pub stale: Style,
    pub bar_fill: Style,
    pub bar_empty: Style,
    pub spark: Style,
    pub key: Style,
    pub paused: Style,
}

const B: Modifier = Modifier::BOLD;

// Colours from the 256-colour table (16..=255), whose values terminals
// agree on, rather than the 16 ANSI colours, which every palette paints
// differently (ANSI red on black is 3.6:1 in xterm's own palette).
const fn indexed(i: u8) -> Color {
    Color::Indexed(i)
}

/// Black, VS Code's #1e1e1e, gruvbox's #282828, Solarized dark #002b36.
const DARK_BACKDROPS: &[Color] = &[
    Color::Rgb(0, 0, 0),
    Color::Rgb(0x1e, 0x1e, 0x1e),
    Color::Rgb(0x28, 0x28, 0x28),
    Color::Rgb(0x00, 0x2b, 0x36),
];

/// White, #fafafa, Solarized light #fdf6e3.
const LIGHT_BACKDROPS: &[Color] = &[
    Color::Rgb(0xff, 0xff, 0xff),
    Color::Rgb(0xfa, 0xfa, 0xfa),
    Color::Rgb(0xfd, 0xf6, 0xe3),
];

pub const DARK: Theme = Theme {
    name: "dark",
    backdrops: DARK_BACKDROPS,
    text: Style::new(),
    // 247 #9e9e9e: quieter than the text, still 5:1 on every backdrop.
    dim: Style::new().fg(indexed(247)),
    // 81 #5fd7ff.
    title: Style::new().fg(indexed(81)).add_modifier(B),
    border: Style::new().fg(indexed(247)),
    border_focus: Style::new().fg(indexed(81)),
    // 255 #eeeeee on 235 #262626.
    header: Style::new().fg(indexed(255)).bg(indexed(235)),
    selected: Style::new()
        .add_modifier(Modifier::REVERSED)
        .add_modifier(B),
    // 114 #87d787.
    ok: Style::new().fg(indexed(114)),
    // 220 #ffd700.
    warn: Style::new().fg(indexed(220)).add_modifier(B),
    // 203 #ff5f5f.
    alert: Style::new().fg(indexed(203)).add_modifier(B),
    stale: Style::new().fg(indexed(247)).add_modifier(Modifier::ITALIC),
    bar_fill: Style::new().fg(indexed(114)),
    bar_empty: Style::new().fg(indexed(247)),
    spark: Style::new().fg(indexed(81)),
    key: Style::new().fg(indexed(81)).add_modifier(B),
    // 16 #000000 on 220 #ffd700.
    paused: Style::new()
        .fg(indexed(16))
        .bg(indexed(220))
        .add_modifier(B),
};

pub const LIGHT: Theme = Theme {
    name: "light",
    backdrops: LIGHT_BACKDROPS,
    text: Style::new(),
    // 241 #626262: ANSI 7 (#e5e5e5) on white was 1.3:1.
    dim: Style::new().fg(indexed(241)),
    // 25 #005faf.
    title: Style::new().fg(indexed(25)).add_modifier(B),
    border: Style::new().fg(indexed(241)),
    border_focus: Style::new().fg(indexed(25)),
    // 16 #000000 on 255 #eeeeee.
    header: Style::new().fg(indexed(16)).bg(indexed(255)),
    selected: Style::new()
        .add_modifier(Modifier::REVERSED)
        .add_modifier(B),
    // 22 #005f00.
    ok: Style::new().fg(indexed(22)),
    // 94 #875f00: yellow cannot be read on white.
    warn: Style::new().fg(indexed(94)).add_modifier(B),
    // 160 #d70000.
    alert: Style::new().fg(indexed(160)).add_modifier(B),
    stale: Style::new().fg(indexed(241)).add_modifier(Modifier::ITALIC),
    bar_fill: Style::new().fg(indexed(25)),
    bar_empty: Style::new().fg(indexed(241)),
    spark: Style::new().fg(indexed(25)),
    key: Style::new().fg(indexed(25)).add_modifier(B),
    // 231 #ffffff on 90 #870087.
    paused: Style::new()
        .fg(indexed(231))
        .bg(indexed(90))
        .add_modifier(B),
};

/// No colour at all: bold, dim, reverse and markers carry the meaning.
pub const MONO: Theme = Theme {
    name: "mono",
    backdrops: &[],
    text: Style::new(),
    dim: Style::new().add_modifier(Modifier::DIM),
    title: Style::new().add_modifier(B),
    border: Style::new(),
    border_focus: Style::new().add_modifier(B),
    header: Style::new().add_modifier(Modifier::REVERSED),
    selected: Style::new()
        .add_modifier(Modifier::REVERSED)
        .add_modifier(B),
    ok: Style::new(),
    warn: Style::new().add_modifier(B),
    alert: Style::new().add_modifier(B),
    stale: Style::new().add_modifier(Modifier::DIM),
    bar_fill: Style::new(),
    bar_empty: Style::new().add_modifier(Modifier::DIM),
    spark: Style::new(),
    key: Style::new().add_modifier(B),
    paused: Style::new()
        .add_modifier(Modifier::REVERSED)
        .add_modifier(B),
};

impl Theme {
    /// How a figure with an alert limit is drawn: the alert style at or
    /// over the limit, the warning within 10 points of it, else plain.
    pub fn level(&self, value: f64, limit: f64) -> Style {
        if limit <= 0.0 {
            Style::default()
        } else if value >= limit {
            self.alert
        } else if value >= limit - 10.0 {
            self.warn
        } else {
            Style::default()
        }
    }
}

/// `NO_COLOR` set and non-empty (no-color.org) wins over the config.
pub fn no_color_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

pub fn select(theme: config::Theme, no_color: bool) -> &'static Theme {
    if no_color {
        return &MONO;
    }
    match theme {
        config::Theme::Dark => &DARK,
        config::Theme::Light => &LIGHT,
        config::Theme::Mono => &MONO,
    }
}

/// Characters that differ between a capable terminal and plain ASCII.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyphs {
    pub ascii: bool,
    pub border: border::Set<'static>,
    pub bar_full: &'static str,
    pub bar_empty: &'static str,
    pub spark: bar::Set<'static>,
    pub sep: &'static str,
    pub connected: &'static str,
    pub connecting: &'static str,
    pub reconnecting: &'static str,
    pub stopped: &'static str,
    pub ellipsis: &'static str,
    pub cleared: &'static str,
}

pub const UNICODE: Glyphs = Glyphs {
    ascii: false,
    border: border::ROUNDED,
    bar_full: "█",
    bar_empty: "░",
    spark: bar::NINE_LEVELS,
    sep: " │ ",
    connected: "●",
    connecting: "◌",
    reconnecting: "↻",
    stopped: "■",
    ellipsis: "…",
    cleared: "✓",
};

pub const ASCII: Glyphs = Glyphs {
    ascii: true,
    border: border::Set {
        top_left: "+",
        top_right: "+",
        bottom_left: "+",
        bottom_right: "+",
        vertical_left: "|",
        vertical_right: "|",
        horizontal_top: "-",
        horizontal_bottom: "-",
    },
    bar_full: "#",
    bar_empty: ".",
    spark: bar::Set {
        full: "#",
        seven_eighths: "#",
        three_quarters: "=",
        five_eighths: "=",
        half: "-",
        three_eighths: "-",
        one_quarter: "_",
        one_eighth: "_",
        empty: " ",
    },
    sep: " | ",
    connected: "*",
    connecting: "o",
    reconnecting: "~",
    stopped: "x",
    ellipsis: "~",
    cleared: "-",
};

pub fn glyphs(ascii: bool) -> &'static Glyphs {
    if ascii { &ASCII } else { &UNICODE }
}

#[cfg(test)]
#[path = "theme_tests.rs"]
mod contrast_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_forces_mono() {
        assert_eq!(select(config::Theme::Dark, true).name, "mono");
        assert_eq!(select(config::Theme::Light, false).name, "light");
    }

    #[test]
    fn selection_is_never_colour_only() {
        for t in [DARK, LIGHT, MONO] {
            assert!(t.selected.add_modifier.contains(Modifier::REVERSED));
            assert!(t.alert.add_modifier.contains(Modifier::BOLD));
        }
    }

    #[test]
    fn ascii_glyphs_are_ascii() {
        let g = ASCII;
        let all = [
            g.border.top_left,
            g.border.horizontal_top,
            g.border.vertical_left,
            g.bar_full,
            g.bar_empty,
            g.spark.full,
            g.spark.half,
            g.spark.one_eighth,
            g.sep,
            g.connected,
            g.connecting,
            g.reconnecting,
            g.stopped,
            g.ellipsis,
            g.cleared,
        ];
        assert!(all.iter().all(|s| s.is_ascii()), "{all:?}");
    }
}
