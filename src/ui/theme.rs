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

pub const DARK: Theme = Theme {
    name: "dark",
    text: Style::new(),
    dim: Style::new().fg(Color::DarkGray),
    title: Style::new().fg(Color::Cyan).add_modifier(B),
    border: Style::new().fg(Color::DarkGray),
    border_focus: Style::new().fg(Color::Cyan),
    header: Style::new().fg(Color::White).bg(Color::Blue),
    selected: Style::new()
        .add_modifier(Modifier::REVERSED)
        .add_modifier(B),
    ok: Style::new().fg(Color::Green),
    warn: Style::new().fg(Color::Yellow).add_modifier(B),
    alert: Style::new().fg(Color::LightRed).add_modifier(B),
    stale: Style::new()
        .fg(Color::DarkGray)
        .add_modifier(Modifier::ITALIC),
    bar_fill: Style::new().fg(Color::Green),
    bar_empty: Style::new().fg(Color::DarkGray),
    spark: Style::new().fg(Color::Cyan),
    key: Style::new().fg(Color::Cyan).add_modifier(B),
    paused: Style::new()
        .fg(Color::Black)
        .bg(Color::Yellow)
        .add_modifier(B),
};

pub const LIGHT: Theme = Theme {
    name: "light",
    text: Style::new(),
    dim: Style::new().fg(Color::Gray),
    title: Style::new().fg(Color::Blue).add_modifier(B),
    border: Style::new().fg(Color::Gray),
    border_focus: Style::new().fg(Color::Blue),
    header: Style::new().fg(Color::Black).bg(Color::LightCyan),
    selected: Style::new()
        .add_modifier(Modifier::REVERSED)
        .add_modifier(B),
    ok: Style::new().fg(Color::Green),
    warn: Style::new().fg(Color::Magenta).add_modifier(B),
    alert: Style::new().fg(Color::Red).add_modifier(B),
    stale: Style::new().fg(Color::Gray).add_modifier(Modifier::ITALIC),
    bar_fill: Style::new().fg(Color::Blue),
    bar_empty: Style::new().fg(Color::Gray),
    spark: Style::new().fg(Color::Blue),
    key: Style::new().fg(Color::Blue).add_modifier(B),
    paused: Style::new()
        .fg(Color::White)
        .bg(Color::Magenta)
        .add_modifier(B),
};

/// No colour at all: bold, dim, reverse and markers carry the meaning.
pub const MONO: Theme = Theme {
    name: "mono",
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
