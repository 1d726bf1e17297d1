//! A last line of defence for log lines: secrets that slipped past
//! `redact_url` (a URL logged whole by a library, a token response logged
//! as JSON, an `Authorization` header) are cut out of the text itself.

use std::borrow::Cow;

use super::{REDACTED, is_secret_name};

/// Redacts, anywhere in `line`: the value of `name=value` when the name is
/// secret-like (query strings, form bodies), the string value of a JSON
/// `"name":"value"` pair with such a name, and `Bearer <token>` /
/// `Basic <credentials>`. Borrowed when nothing changed.
pub fn redact_line(line: &str) -> Cow<'_, str> {
    if !suspicious(line) {
        return Cow::Borrowed(line);
    }
    let assigned = assignments(line);
    let paired = json_pairs(&assigned);
    let redacted = auth_schemes(&paired);
    if redacted == line {
        Cow::Borrowed(line)
    } else {
        Cow::Owned(redacted)
    }
}

/// Could `line` hold a secret the passes below would cut? True when it
/// holds a secret-like word (any case) or a percent-encoded byte (which
/// could spell one). Every audit line comes here and almost none holds
/// anything, so this reuses one lowercase buffer per thread and lets
/// `str::contains` (SIMD-assisted) do the searching.
fn suspicious(line: &str) -> bool {
    const WORDS: [&str; 6] = ["token", "secret", "password", "passwd", "bearer ", "basic "];
    thread_local! {
        static LOWER: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    let has_word = |lower: &str| WORDS.iter().any(|w| lower.contains(w));
    let word = LOWER.with(|buf| match buf.try_borrow_mut() {
        Ok(mut lower) => {
            lower.clear();
            lower.push_str(line);
            lower.make_ascii_lowercase();
            has_word(&lower)
        }
        Err(_) => has_word(&line.to_ascii_lowercase()),
    });
    word || line.match_indices('%').any(|(i, _)| {
        line.as_bytes()
            .get(i + 1..i + 3)
            .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    })
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'%' | b'+')
}

fn value_end(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    while i < bytes.len()
        && !matches!(
            bytes[i],
            b'&' | b';' | b'#' | b'"' | b'\'' | b'\\' | b',' | b'}' | b')' | b']' | b'<' | b'>'
        )
        && !bytes[i].is_ascii_whitespace()
    {
        i += 1;
    }
    i
}

/// `name=value` with a secret-like name.
fn assignments(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'=' {
            let mut start = index;
            while start > 0 && is_name_byte(bytes[start - 1]) {
                start -= 1;
            }
            let end = value_end(bytes, index + 1);
            // All delimiters are ASCII, so these are char boundaries.
            if start < index
                && end > index + 1
                && is_secret_name(&text[start..index])
                && &text[index + 1..end] != REDACTED
            {
                out.push_str(&text[copied..=index]);
                out.push_str(REDACTED);
                copied = end;
                index = end;
                continue;
            }
        }
        index += 1;
    }
    out.push_str(&text[copied..]);
    out
}

/// `"name":"value"` (also with escaped quotes, as inside a JSON log field).
fn json_pairs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(colon) = rest.find(':') {
        let (before, after) = rest.split_at(colon);
        out.push_str(before);
        out.push(':');
        rest = &after[1..];
        // The key: `"name"` or `\"name\"` right before the colon.
        let key = before.trim_end();
        let Some(key) = key.strip_suffix('"') else {
            continue;
        };
        let key = key.strip_suffix('\\').unwrap_or(key);
        let name_start = key.rfind('"').map_or(0, |quote| quote + 1);
        if !is_secret_name(&key[name_start..]) {
            continue;
        }
        // The value: an opening quote (maybe escaped), then up to the closing one.
        let trimmed = rest.trim_start();
        let ws = rest.len() - trimmed.len();
        let (open, escaped) = if trimmed.starts_with("\\\"") {
            (2, true)
        } else if trimmed.starts_with('"') {
            (1, false)
        } else {
            continue;
        };
        let body = &trimmed[open..];
        let close = if escaped {
            body.find("\\\"")
        } else {
            body.find('"')
        };
        let Some(close) = close else { continue };
        if close == 0 || &body[..close] == REDACTED {
            continue;
        }
        out.push_str(&rest[..ws + open]);
        out.push_str(REDACTED);
        rest = &body[close..];
    }
    out.push_str(rest);
    out
}

/// `Bearer <token>` and `Basic <credentials>`, any case.
fn auth_schemes(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut index = 0;
    while index < text.len() {
        let hit = ["bearer ", "basic "]
            .iter()
            .find(|word| lower[index..].starts_with(*word));
        if let Some(word) = hit {
            let from = index + word.len();
            let end = value_end(text.as_bytes(), from);
            if end > from && &text[from..end] != REDACTED {
                out.push_str(&text[copied..from]);
                out.push_str(REDACTED);
                copied = end;
                index = end;
                continue;
            }
        }
        // Advance by one character, staying on char boundaries.
        index += text[index..].chars().next().map_or(1, char::len_utf8);
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_anywhere_in_a_line() {
        for (input, want) in [
            (
                r#"{"message":"GET wss://h/x?access_token=abc.def&v=1 failed"}"#,
                r#"{"message":"GET wss://h/x?access_token=REDACTED&v=1 failed"}"#,
            ),
            (
                "body grant_type=client_credentials&client_secret=s3 sent",
                "body grant_type=client_credentials&client_secret=REDACTED sent",
            ),
            (
                r#"{"access_token":"eyJ.x.y","token_type":"bearer","expires_in":86400}"#,
                r#"{"access_token":"REDACTED","token_type":"REDACTED","expires_in":86400}"#,
            ),
            (
                r#"{"fields":{"body":"{\"access_token\":\"eyJ\",\"x\":1}"}}"#,
                r#"{"fields":{"body":"{\"access_token\":\"REDACTED\",\"x\":1}"}}"#,
            ),
            (
                "authorization: Bearer eyJ.a.b, next",
                "authorization: Bearer REDACTED, next",
            ),
            (
                "Authorization: BASIC dXNlcjpwYXNz",
                "Authorization: BASIC REDACTED",
            ),
            ("%61ccess_token=zzz", "%61ccess_token=REDACTED"),
        ] {
            assert_eq!(redact_line(input), want, "{input}");
        }
    }

    #[test]
    fn harmless_lines_are_borrowed_and_garbage_is_safe() {
        let line = r#"{"message":"queue q1 updated","waiting":4}"#;
        assert!(matches!(redact_line(line), Cow::Borrowed(_)));
        assert!(matches!(redact_line("token count 3"), Cow::Borrowed(_)));
        let alert = r#"{"alert":"Sales: utilization 100.0% >= 90%"}"#;
        assert!(!suspicious(alert));
        for s in [
            "TOKEN", "x_Secret", "PassWd", "Bearer x", "basic x", "a%2Fb", "acc%65ss",
        ] {
            assert!(suspicious(s), "{s}");
        }
        for g in [
            "=",
            "token=",
            "\"token\":",
            "\"token\":\"",
            "bearer ",
            "é=é token=é",
            "\\\"secret\\\":\\\"",
        ] {
            let _ = redact_line(g);
        }
        assert_eq!(redact_line("token=é€"), "token=REDACTED");
    }
}
