//! The one redaction path for URLs and secrets.
//!
//! Works on the text itself rather than on a parsed `url::Url`, so that a
//! URL the parser rejects is still redacted (and never panics), and so the
//! rest of the URL is shown exactly as it was.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;

mod line;

pub use line::redact_line;

/// What replaces a secret value.
pub const REDACTED: &str = "REDACTED";

/// Parameter names containing one of these (case-insensitive, after
/// percent-decoding) have their value replaced.
const SECRET_WORDS: [&str; 4] = ["token", "secret", "password", "passwd"];

/// Strips `access_token` and every query or fragment parameter whose name
/// contains `token`, `secret` or `password` (also percent-encoded and in any
/// case), and the password of a `user:password@` userinfo. Control
/// characters are escaped so a log line cannot be forged through a URL.
pub fn redact_url(url: &str) -> String {
    let (before_fragment, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let (base, query) = match before_fragment.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (before_fragment, None),
    };
    let mut out = redact_userinfo(base);
    if let Some(q) = query {
        out.push('?');
        out.push_str(&redact_params(q));
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(&redact_params(f));
    }
    escape_controls(&out)
}

/// Replaces every occurrence of each secret (and its percent-encoded form)
/// in `text`. Empty secrets are ignored.
pub fn redact_text(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        out = out.replace(s, REDACTED);
        let encoded = percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
        if encoded != *s {
            out = out.replace(&encoded, REDACTED);
        }
    }
    out
}

/// True when a parameter name (raw, maybe percent-encoded) names a secret.
pub fn is_secret_name(raw: &str) -> bool {
    let mut name: Cow<'_, str> = Cow::Borrowed(raw);
    // Decode a few times: `%2561ccess_token` is `%61ccess_token` once decoded.
    for _ in 0..3 {
        let plus_free = name.replace('+', " ");
        let decoded = percent_decode_str(&plus_free)
            .decode_utf8_lossy()
            .into_owned();
        if decoded == name {
            break;
        }
        name = Cow::Owned(decoded);
    }
    let lower = name.to_lowercase();
    SECRET_WORDS.iter().any(|w| lower.contains(w))
}

/// Redacts the values of secret-named `name=value` pairs, separated by `&`
/// or `;`, keeping everything else byte for byte.
fn redact_params(params: &str) -> String {
    let mut out = String::with_capacity(params.len());
    let mut rest = params;
    loop {
        let end = rest.find(['&', ';']).unwrap_or(rest.len());
        let pair = &rest[..end];
        match pair.split_once('=') {
            Some((name, value)) if !value.is_empty() && is_secret_name(name) => {
                out.push_str(name);
                out.push('=');
                out.push_str(REDACTED);
            }
            _ => out.push_str(pair),
        }
        if end == rest.len() {
            return out;
        }
        out.push_str(&rest[end..end + 1]);
        rest = &rest[end + 1..];
    }
}

/// `scheme://user:password@host/...` → `scheme://user:REDACTED@host/...`.
fn redact_userinfo(base: &str) -> String {
    let Some(scheme_end) = base.find("://") else {
        return base.to_string();
    };
    let auth_start = scheme_end + 3;
    let rest = &base[auth_start..];
    let auth_len = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..auth_len];
    let Some(at) = authority.rfind('@') else {
        return base.to_string();
    };
    let userinfo = &authority[..at];
    let Some(colon) = userinfo.find(':') else {
        return base.to_string();
    };
    format!(
        "{}{}:{REDACTED}{}",
        &base[..auth_start],
        &userinfo[..colon],
        &base[auth_start + at..]
    )
}

fn escape_controls(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "eyJhbGciOi.secret-token.value";

    #[test]
    fn access_token_first_middle_last() {
        let r = redact_url(&format!(
            "wss://api.example.com/api/v2/realtime/events?access_token={T}"
        ));
        assert_eq!(
            r,
            "wss://api.example.com/api/v2/realtime/events?access_token=REDACTED"
        );
        let r = redact_url(&format!("https://h/p?access_token={T}&a=1"));
        assert_eq!(r, "https://h/p?access_token=REDACTED&a=1");
        let r = redact_url(&format!("https://h/p?a=1&access_token={T}&b=2"));
        assert_eq!(r, "https://h/p?a=1&access_token=REDACTED&b=2");
        let r = redact_url(&format!("https://h/p?a=1&b=2&access_token={T}"));
        assert_eq!(r, "https://h/p?a=1&b=2&access_token=REDACTED");
        let r = redact_url(&format!("https://h/p?a=1;access_token={T};b=2"));
        assert_eq!(r, "https://h/p?a=1;access_token=REDACTED;b=2");
    }

    #[test]
    fn other_secret_names_any_case() {
        let r = redact_url(
            "https://h/p?ACCESS_TOKEN=x1&Client_Secret=x2&password=x3&refreshToken=x4&page=2",
        );
        assert_eq!(
            r,
            "https://h/p?ACCESS_TOKEN=REDACTED&Client_Secret=REDACTED&password=REDACTED&refreshToken=REDACTED&page=2"
        );
    }

    #[test]
    fn percent_encoded_names() {
        let r = redact_url(&format!("https://h/p?%61ccess_token={T}&x=1"));
        assert_eq!(r, "https://h/p?%61ccess_token=REDACTED&x=1");
        let r = redact_url(&format!("https://h/p?access%5Ftoken={T}"));
        assert_eq!(r, "https://h/p?access%5Ftoken=REDACTED");
        let r = redact_url(&format!("https://h/p?%2561ccess%255Ftoken={T}"));
        assert_eq!(r, "https://h/p?%2561ccess%255Ftoken=REDACTED");
        let r = redact_url(&format!("https://h/p?%54%4F%4B%45%4E={T}"));
        assert_eq!(r, "https://h/p?%54%4F%4B%45%4E=REDACTED");
    }

    #[test]
    fn fragment() {
        let r = redact_url(&format!(
            "https://h/cb#access_token={T}&token_type=bearer&expires_in=3600"
        ));
        assert_eq!(
            r,
            "https://h/cb#access_token=REDACTED&token_type=REDACTED&expires_in=3600"
        );
        let r = redact_url(&format!("https://h/cb?state=1#access_token={T}"));
        assert_eq!(r, "https://h/cb?state=1#access_token=REDACTED");
        // A token value that holds a `?` inside the fragment is still cut off.
        let r = redact_url(&format!("https://h/cb#x=1&access_token={T}?z"));
        assert!(!r.contains(T), "{r}");
    }

    #[test]
    fn userinfo_password() {
        assert_eq!(
            redact_url("https://alice:hunter2@h.example.com:8443/p?a=1"),
            "https://alice:REDACTED@h.example.com:8443/p?a=1"
        );
        assert_eq!(
            redact_url("https://al@ice:p@ss@h/p"),
            "https://al@ice:REDACTED@h/p"
        );
        assert_eq!(redact_url("https://alice@h/p"), "https://alice@h/p");
    }

    #[test]
    fn nothing_to_redact() {
        for u in [
            "wss://api.mypurecloud.com/api/v2/realtime/events",
            "https://h/p?page=2&name=Support%20EN",
            "http://127.0.0.1:8080/",
            "https://h/p?access_token",
            "https://h/p?access_token=",
            "",
        ] {
            assert_eq!(redact_url(u), u);
        }
    }

    #[test]
    fn garbage_is_safe() {
        let weird = [
            "not a url ?access_token=abc",
            "::::@@@@????####",
            "%%%%?%zz=1&token=abc",
            "\u{0}?token=abc\n",
            "https://[::1?token=abc",
            "://:abc@",
            "?&&==&=token&token==abc",
            "https://h/p?t\u{00e9}ken_\u{1F600}=1&secret=abc#\u{1F600}",
        ];
        for u in weird {
            let r = redact_url(u);
            assert!(!r.contains("abc"), "{u:?} -> {r:?}");
            assert!(!r.chars().any(char::is_control), "{r:?}");
        }
    }

    #[test]
    fn generated_urls_never_keep_the_secret() {
        let names = [
            "access_token",
            "%61ccess_token",
            "Token",
            "client_secret",
            "PASSWORD",
            "x%5Ftoken",
        ];
        let others = [
            "a=1",
            "page=2",
            "name=Support%20EN",
            "x",
            "=",
            "q=%zz",
            "é=ü",
        ];
        let mut rng = fastrand::Rng::with_seed(3);
        for _ in 0..2_000 {
            let mut params: Vec<String> = (0..rng.usize(0..4))
                .map(|_| others[rng.usize(..others.len())].to_string())
                .collect();
            let at = rng.usize(..=params.len());
            params.insert(
                at,
                format!("{}=SECRETVALUE", names[rng.usize(..names.len())]),
            );
            let sep = if rng.bool() { "&" } else { ";" };
            let (lead, tail) = if rng.bool() { ("?", "") } else { ("?x=1#", "") };
            let userinfo = if rng.bool() { "bob:SECRETVALUE@" } else { "" };
            let url = format!(
                "wss://{userinfo}api.example.com/p{lead}{}{tail}",
                params.join(sep)
            );
            let r = redact_url(&url);
            assert!(!r.contains("SECRETVALUE"), "{url} -> {r}");
        }
    }

    #[test]
    fn text_helper() {
        let s = "token a/b+c= and again a/b+c= encoded a%2Fb%2Bc%3D";
        assert_eq!(
            redact_text(s, &["a/b+c=", ""]),
            "token REDACTED and again REDACTED encoded REDACTED"
        );
    }
}
