//! Writing numbers, times and JSON strings into a reused `String` without
//! `core::fmt`: the export line and the audit log write one of each per
//! event under a flood, and the formatting machinery was a tenth of it.

use time::OffsetDateTime;

pub fn push_u64(out: &mut String, v: u64) {
    out.push_str(itoa::Buffer::new().format(v));
}

pub fn push_i64(out: &mut String, v: i64) {
    out.push_str(itoa::Buffer::new().format(v));
}

/// A JSON number: shortest round-trip form with a fraction (`60.0`);
/// never NaN or infinity (those become 0.0).
pub fn push_f64(out: &mut String, v: f64) {
    let v = if v.is_finite() { v } else { 0.0 };
    out.push_str(ryu::Buffer::new().format_finite(v));
}

/// `v` in exactly `width` digits, zero-padded (`v` must fit).
fn push_padded(out: &mut String, v: u32, width: u32) {
    let mut div = 10u32.pow(width - 1);
    while div > 0 {
        out.push(char::from(b'0' + ((v / div) % 10) as u8));
        div /= 10;
    }
}

/// RFC 3339 in UTC with `frac` digits of the second (3 or 6), like
/// `2026-11-27T23:19:06.168Z`.
pub fn push_rfc3339(out: &mut String, t: OffsetDateTime, frac: u32) {
    let t = t.to_offset(time::UtcOffset::UTC);
    let year = t.year();
    if (0..=9999).contains(&year) {
        push_padded(out, year as u32, 4);
    } else {
        // Outside RFC 3339; written plainly rather than wrongly.
        push_i64(out, i64::from(year));
    }
    out.push('-');
    push_padded(out, u32::from(u8::from(t.month())), 2);
    out.push('-');
    push_padded(out, u32::from(t.day()), 2);
    out.push('T');
    push_padded(out, u32::from(t.hour()), 2);
    out.push(':');
    push_padded(out, u32::from(t.minute()), 2);
    out.push(':');
    push_padded(out, u32::from(t.second()), 2);
    out.push('.');
    let frac = frac.clamp(1, 9);
    push_padded(out, t.nanosecond() / 10u32.pow(9 - frac), frac);
    out.push('Z');
}

/// A JSON string literal with the escapes RFC 8259 requires.
pub fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    push_json_escaped(out, s);
    out.push('"');
}

/// The inside of a JSON string literal.
pub fn push_json_escaped(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    // Ids and names almost never need escaping: a branch-free scan (which
    // the compiler vectorises) finds that out before the byte loop.
    let plain = bytes.chunks(16).all(|chunk| {
        !chunk.iter().fold(false, |any, &byte| {
            any | (byte < 0x20) | (byte == b'"') | (byte == b'\\')
        })
    });
    if plain {
        out.push_str(text);
        return;
    }
    let mut start = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        let esc = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&text[start..index]);
        if esc.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xf)]));
        } else {
            out.push_str(esc);
        }
        start = index + 1;
    }
    out.push_str(&text[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_times_match_what_fmt_would_write() {
        let mut s = String::new();
        for v in [0.0, 60.0, 33.333333333333336, 153033.6242166236, 1e-7, 1e21] {
            s.clear();
            push_f64(&mut s, v);
            assert_eq!(s.parse::<f64>().unwrap(), v);
            assert!(s.contains('.') || s.contains('e'), "{s}");
        }
        s.clear();
        push_f64(&mut s, f64::NAN);
        assert_eq!(s, "0.0");
        s.clear();
        push_f64(&mut s, 60.0);
        assert_eq!(s, "60.0");

        let t = time::macros::datetime!(2026-03-04 05:06:07.089123 +02:00);
        s.clear();
        push_rfc3339(&mut s, t, 3);
        assert_eq!(s, "2026-03-04T03:06:07.089Z");
        s.clear();
        push_rfc3339(&mut s, t, 6);
        assert_eq!(s, "2026-03-04T03:06:07.089123Z");

        s.clear();
        push_u64(&mut s, u64::MAX);
        push_i64(&mut s, -5);
        assert_eq!(s, "18446744073709551615-5");
    }

    #[test]
    fn json_strings_round_trip() {
        let tricky = "a\"b\\c\nd\re\tf\u{1}g\u{1f}é✓";
        let mut s = String::new();
        push_json_str(&mut s, tricky);
        assert_eq!(serde_json::from_str::<String>(&s).unwrap(), tricky);
        assert!(s.contains("\\u0001") && s.contains("\\u001f"), "{s}");
    }
}
