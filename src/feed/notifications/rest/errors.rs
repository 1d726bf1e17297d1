//! What can go wrong with a REST call, as plain messages: never a URL
//! (those reach a log only through the redaction path), never a token.

use reqwest::{Method, StatusCode};

use super::entities::ErrorBody;

/// 429s in a row before a call gives up.
pub(super) const MAX_RATE_LIMITED: u32 = 5;

#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum RestError {
    /// The server answered with an error status.
    #[error("{method} {path}: HTTP {status}{}{}", code.as_ref().map(|c| format!(" {c}")).unwrap_or_default(), message.as_ref().map(|m| format!(": {m}")).unwrap_or_default())]
    Status {
        method: String,
        path: String,
        status: u16,
        code: Option<String>,
        message: Option<String>,
    },
    /// Still rate limited after several waits.
    #[error("{path}: still rate limited (429) after {0} tries", MAX_RATE_LIMITED)]
    RateLimited { path: String },
    /// Network trouble, timeout, or a body we could not read.
    #[error("{path}: {reason}")]
    Transport { path: String, reason: String },
    /// The request itself is wrong (a bad topic, say): asking again cannot
    /// help; the message names what to fix.
    #[error("{0}")]
    Refused(String),
}

impl RestError {
    pub fn status(&self) -> Option<u16> {
        match self {
            RestError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// A subscription refused with 400, as a message naming the topic the
/// server complained about (or the channel's first one) and the fix.
pub(super) fn refused_topics(e: &RestError, topics: &[String]) -> RestError {
    let said = match e {
        RestError::Status {
            message: Some(m), ..
        } => m.as_str(),
        _ => "",
    };
    let named: Vec<&str> = topics
        .iter()
        .filter(|t| !said.is_empty() && said.contains(t.as_str()))
        .map(String::as_str)
        .take(3)
        .collect();
    let which = if named.is_empty() {
        let first = topics.first().map_or("", String::as_str);
        format!("one of {} topics (the first is {first})", topics.len())
    } else {
        format!("topic {}", named.join(", "))
    };
    RestError::Refused(format!(
        "the server refused the subscription to {which} ({e}): the topic is made from a [[queue]] id or a member's id; check the ids in the config"
    ))
}

/// An error answer as a plain message: status, and the body's `code` and
/// `message` when it has them; a body that is not JSON contributes its
/// first line (short), so an HTML error page does not flood the screen.
pub(super) fn error_of(method: &Method, path: &str, status: StatusCode, text: &str) -> RestError {
    let (code, message) = match serde_json::from_str::<ErrorBody>(text) {
        Ok(eb) => (eb.code, eb.message),
        Err(_) => {
            let line = text.lines().next().unwrap_or("").trim();
            let short: String = line.chars().take(120).collect();
            (None, (!short.is_empty()).then_some(short))
        }
    };
    RestError::Status {
        method: method.to_string(),
        path: path.to_string(),
        status: status.as_u16(),
        code,
        message,
    }
}

/// reqwest's message without the URL: a URL never reaches a log or the
/// screen except through the redaction path.
pub(super) fn plain(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_decode() {
        "could not read the body"
    } else {
        "request failed"
    };
    let text = e.to_string();
    let text = match e.url() {
        Some(u) => text.replace(u.as_str(), "<url>"),
        None => text,
    };
    format!("{kind}: {text}")
}
