#!/usr/bin/env python3
"""A terminal capture with ANSI colours (`tmux capture-pane -e -p`) as an SVG.

Usage: ansi2svg.py CAPTURE.txt OUT.svg COLUMNS ROWS

Every run of cells in one style is a <text> placed at its column and
stretched to its cells (textLength), so box drawing and bars line up
whatever monospace font the viewer has (braille and block glyphs often
come from a fallback font with another advance). Python's standard
library only: the maintained converters (the anstyle-svg crate, Go's
ansisvg) would add a crate and a binary target, or a Go toolchain, to
the project for one documentation script.
"""

import re
import sys
from xml.sax.saxutils import escape

CELL_W = 8.4
CELL_H = 17
FONT = 14
PAD = 8
FG = "#d4d4d4"
BG = "#1e1e1e"
# xterm's 16 colours.
BASE16 = [
    "#000000", "#cd0000", "#00cd00", "#cdcd00", "#0000ee", "#cd00cd", "#00cdcd", "#e5e5e5",
    "#7f7f7f", "#ff0000", "#00ff00", "#ffff00", "#5c5cff", "#ff00ff", "#00ffff", "#ffffff",
]


def palette(n):
    if n < 16:
        return BASE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        r, g, b = steps[n // 36], steps[(n // 6) % 6], steps[n % 6]
        return f"#{r:02x}{g:02x}{b:02x}"
    v = 8 + 10 * (n - 232)
    return f"#{v:02x}{v:02x}{v:02x}"


class Style:
    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = None
        self.bg = None
        self.bold = self.dim = self.italic = self.underline = self.reverse = False

    def key(self):
        return (self.fg, self.bg, self.bold, self.dim, self.italic, self.underline, self.reverse)

    def apply(self, params):
        codes = [int(p) if p else 0 for p in params.split(";")] if params else [0]
        i = 0
        while i < len(codes):
            c = codes[i]
            if c == 0:
                self.reset()
            elif c == 1:
                self.bold = True
            elif c == 2:
                self.dim = True
            elif c == 3:
                self.italic = True
            elif c == 4:
                self.underline = True
            elif c == 7:
                self.reverse = True
            elif c == 22:
                self.bold = self.dim = False
            elif c == 23:
                self.italic = False
            elif c == 24:
                self.underline = False
            elif c == 27:
                self.reverse = False
            elif 30 <= c <= 37:
                self.fg = BASE16[c - 30]
            elif 90 <= c <= 97:
                self.fg = BASE16[c - 90 + 8]
            elif c == 39:
                self.fg = None
            elif 40 <= c <= 47:
                self.bg = BASE16[c - 40]
            elif 100 <= c <= 107:
                self.bg = BASE16[c - 100 + 8]
            elif c == 49:
                self.bg = None
            elif c in (38, 48) and i + 1 < len(codes):
                colour = None
                if codes[i + 1] == 5 and i + 2 < len(codes):
                    colour = palette(codes[i + 2])
                    i += 2
                elif codes[i + 1] == 2 and i + 4 < len(codes):
                    r, g, b = codes[i + 2:i + 5]
                    colour = f"#{r:02x}{g:02x}{b:02x}"
                    i += 4
                if c == 38:
                    self.fg = colour
                else:
                    self.bg = colour
            i += 1


SGR = re.compile(r"\x1b\[([0-9;]*)m")
OTHER = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|\][^\x07]*\x07|[()][0-9A-B])")


def parse(text, rows):
    """Lines of (style key, text) runs, one cell per character."""
    style = Style()
    lines = []
    for raw in text.split("\n")[:rows]:
        runs = []
        pos = 0
        for m in SGR.finditer(raw):
            chunk = OTHER.sub("", raw[pos:m.start()])
            if chunk:
                runs.append((style.key(), chunk))
            style.apply(m.group(1))
            pos = m.end()
        chunk = OTHER.sub("", raw[pos:])
        if chunk:
            runs.append((style.key(), chunk))
        lines.append(runs)
    return lines


def colours(key):
    fg, bg, bold, dim, italic, underline, reverse = key
    fg, bg = fg or FG, bg
    if reverse:
        fg, bg = (bg or BG), fg
    return fg, bg


def render(lines, cols, rows):
    width = cols * CELL_W + 2 * PAD
    height = rows * CELL_H + 2 * PAD
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}">',
        f'<rect width="100%" height="100%" rx="6" fill="{BG}"/>',
        f'<g font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="{FONT}" '
        'xml:space="preserve">',
    ]
    for y, runs in enumerate(lines):
        top = PAD + y * CELL_H
        base = top + CELL_H - 4
        # Backgrounds first, one rectangle per stretch of one colour (no
        # hairlines between cells).
        fills = []
        col = 0
        for key, chunk in runs:
            bg = colours(key)[1]
            if bg and fills and fills[-1][2] == bg and fills[-1][0] + fills[-1][1] == col:
                fills[-1][1] += len(chunk)
            elif bg:
                fills.append([col, len(chunk), bg])
            col += len(chunk)
        for start, n, bg in fills:
            out.append(
                f'<rect x="{PAD + start * CELL_W:.1f}" y="{top}" width="{n * CELL_W:.1f}" '
                f'height="{CELL_H}" fill="{bg}"/>'
            )
        col = 0
        for key, chunk in runs:
            n = len(chunk)
            x = PAD + col * CELL_W
            fg = colours(key)[0]
            if chunk.strip():
                attrs = [f'x="{x:.1f}"', f'y="{base}"', f'fill="{fg}"']
                attrs.append(f'textLength="{n * CELL_W:.1f}" lengthAdjust="spacingAndGlyphs"')
                if key[2]:
                    attrs.append('font-weight="bold"')
                if key[3]:
                    attrs.append('opacity="0.6"')
                if key[4]:
                    attrs.append('font-style="italic"')
                if key[5]:
                    attrs.append('text-decoration="underline"')
                out.append(f"<text {' '.join(attrs)}>{escape(chunk)}</text>")
            col += n
    out.append("</g></svg>")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: ansi2svg.py CAPTURE.txt OUT.svg COLUMNS ROWS")
    src, dst, cols, rows = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    with open(src, encoding="utf-8") as f:
        lines = parse(f.read(), rows)
    with open(dst, "w", encoding="utf-8") as f:
        f.write(render(lines, cols, rows))


if __name__ == "__main__":
    main()
