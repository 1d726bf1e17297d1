//! Every colour pair the themes draw reaches WCAG's 4.5:1 for text,
//! computed from the theme table: relative luminance of the xterm values
//! (the ANSI colours in xterm's default palette, the 256-colour cube and
//! grey ramp, or RGB).

use ratatui::style::{Color, Style};

use super::{DARK, LIGHT, MONO, Theme};

type Rgb = (u8, u8, u8);

/// xterm's default palette for the 16 ANSI colours.
const XTERM_ANSI: [Rgb; 16] = [
    (0x00, 0x00, 0x00),
    (0xcd, 0x00, 0x00),
    (0x00, 0xcd, 0x00),
    (0xcd, 0xcd, 0x00),
    (0x00, 0x00, 0xee),
    (0xcd, 0x00, 0xcd),
    (0x00, 0xcd, 0xcd),
    (0xe5, 0xe5, 0xe5),
    (0x7f, 0x7f, 0x7f),
    (0xff, 0x00, 0x00),
    (0x00, 0xff, 0x00),
    (0xff, 0xff, 0x00),
    (0x5c, 0x5c, 0xff),
    (0xff, 0x00, 0xff),
    (0x00, 0xff, 0xff),
    (0xff, 0xff, 0xff),
];

/// The colour as xterm paints it; None for the terminal's own default.
fn rgb(c: Color) -> Option<Rgb> {
    let ansi = |i: usize| Some(XTERM_ANSI[i]);
    match c {
        Color::Reset => None,
        Color::Black => ansi(0),
        Color::Red => ansi(1),
        Color::Green => ansi(2),
        Color::Yellow => ansi(3),
        Color::Blue => ansi(4),
        Color::Magenta => ansi(5),
        Color::Cyan => ansi(6),
        Color::Gray => ansi(7),
        Color::DarkGray => ansi(8),
        Color::LightRed => ansi(9),
        Color::LightGreen => ansi(10),
        Color::LightYellow => ansi(11),
        Color::LightBlue => ansi(12),
        Color::LightMagenta => ansi(13),
        Color::LightCyan => ansi(14),
        Color::White => ansi(15),
        Color::Rgb(r, g, b) => Some((r, g, b)),
        Color::Indexed(i @ 0..=15) => ansi(usize::from(i)),
        Color::Indexed(i @ 16..=231) => {
            let level = |n: u8| if n == 0 { 0 } else { 55 + 40 * n };
            let n = i - 16;
            Some((level(n / 36), level((n / 6) % 6), level(n % 6)))
        }
        Color::Indexed(i) => {
            let v = 8 + 10 * (i - 232);
            Some((v, v, v))
        }
    }
}

/// WCAG 2 relative luminance.
fn luminance((r, g, b): Rgb) -> f64 {
    let lin = |v: u8| {
        let s = f64::from(v) / 255.0;
        if s <= 0.039_28 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

fn ratio(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// Every (name, foreground, background) the theme can put on screen:
/// each text colour on each backdrop and on the header's background
/// (the header draws the panels' styles too); the header's and the
/// paused badge's own pairs.
fn pairs(t: &Theme) -> Vec<(String, Rgb, Rgb)> {
    let texts: [(&str, Style); 13] = [
        ("text", t.text),
        ("dim", t.dim),
        ("title", t.title),
        ("border", t.border),
        ("border_focus", t.border_focus),
        ("ok", t.ok),
        ("warn", t.warn),
        ("alert", t.alert),
        ("stale", t.stale),
        ("bar_fill", t.bar_fill),
        ("bar_empty", t.bar_empty),
        ("spark", t.spark),
        ("key", t.key),
    ];
    let mut grounds: Vec<(String, Color)> =
        t.backdrops.iter().map(|c| (format!("{c:?}"), *c)).collect();
    grounds.extend(t.header.bg.map(|c| ("header".to_string(), c)));
    let mut out = Vec::new();
    for (name, style) in texts {
        let Some(fg) = style.fg.and_then(rgb) else {
            continue;
        };
        for (ground, bg) in &grounds {
            if let Some(bg) = rgb(*bg) {
                out.push((format!("{name} on {ground}"), fg, bg));
            }
        }
    }
    for (name, style) in [("header", t.header), ("paused", t.paused)] {
        if let (Some(fg), Some(bg)) = (style.fg.and_then(rgb), style.bg.and_then(rgb)) {
            out.push((name.to_string(), fg, bg));
        }
    }
    out
}

#[test]
fn the_formula_matches_known_ratios() {
    assert!((ratio((0, 0, 0), (255, 255, 255)) - 21.0).abs() < 1e-9);
    // ANSI 7 on white, the light theme's old labels: about 1.3:1.
    let old = ratio(rgb(Color::Gray).unwrap_or_default(), (255, 255, 255));
    assert!((1.2..1.3).contains(&old), "{old}");
    assert_eq!(rgb(Color::Indexed(196)), Some((255, 0, 0)));
    assert_eq!(rgb(Color::Indexed(244)), Some((128, 128, 128)));
}

#[test]
fn every_pair_reaches_four_and_a_half_to_one() {
    for theme in [DARK, LIGHT] {
        assert!(!theme.backdrops.is_empty(), "{}", theme.name);
        let pairs = pairs(&theme);
        assert!(pairs.len() > 20, "{}: {}", theme.name, pairs.len());
        let poor: Vec<String> = pairs
            .iter()
            .map(|(name, fg, bg)| (name, ratio(*fg, *bg)))
            .filter(|(_, r)| *r < 4.5)
            .map(|(name, r)| format!("{name}: {r:.2}:1"))
            .collect();
        assert!(poor.is_empty(), "{}: {poor:#?}", theme.name);
    }
}

#[test]
fn light_never_draws_in_ansi_seven() {
    let styles = [
        LIGHT.text,
        LIGHT.dim,
        LIGHT.title,
        LIGHT.border,
        LIGHT.border_focus,
        LIGHT.header,
        LIGHT.ok,
        LIGHT.warn,
        LIGHT.alert,
        LIGHT.stale,
        LIGHT.bar_fill,
        LIGHT.bar_empty,
        LIGHT.spark,
        LIGHT.key,
        LIGHT.paused,
    ];
    for s in styles {
        for c in [s.fg, s.bg].into_iter().flatten() {
            assert!(!matches!(c, Color::Gray | Color::Indexed(7)), "{s:?}");
        }
    }
}

#[test]
fn mono_has_no_colour_to_check() {
    assert!(pairs(&MONO).is_empty());
}
