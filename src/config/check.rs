//! Rules checked after layering: hosts, queues and subscriptions, file
//! permissions.

use std::path::Path;

use super::doc::{Doc, FileSpans};
use super::{Config, ConfigProblem, Protocol, QueueConfig, Severity};
use crate::filter::Filter;
use crate::subscription::{MAX_SUBSCRIPTIONS, SubscriptionError, is_queue_id};

const URL_RULE: &str = "http:// and ws:// only to loopback hosts";

/// Why `url` is refused, if it is: a scheme other than `secure` or `plain`,
/// or `plain` (`http`, `ws`) to a host that is not loopback (127.0.0.0/8,
/// ::1, localhost): credentials would cross the network in clear text.
pub fn url_problem(url: &str, secure: &str, plain: &str) -> Option<String> {
    let parsed = match url::Url::parse(url) {
        Ok(valid) => valid,
        Err(error) => {
            return Some(format!(
                "`{}` is not a URL: {error}",
                crate::redact::redact_url(url)
            ));
        }
    };
    let scheme = parsed.scheme();
    if scheme == secure {
        return parsed
            .host()
            .is_none()
            .then(|| format!("`{}` has no host", crate::redact::redact_url(url)));
    }
    if scheme != plain {
        return Some(format!(
            "the scheme must be {secure}:// (or {plain}:// to a loopback host), not {scheme}://"
        ));
    }
    let loopback = match parsed.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    (!loopback).then(|| {
        format!(
            "{plain}:// to `{}` would send credentials in clear text; use {secure}:// (plain {plain}:// is only for loopback: 127.0.0.0/8, ::1, localhost)",
            parsed.host_str().unwrap_or("")
        )
    })
}

/// Host prefixes people copy along with the region domain: the API, the
/// login page, the web app. The region is what follows them.
const HOST_PREFIXES: [&str; 3] = ["api.", "login.", "apps."];

/// The region domain an `environment` written as a host or a URL names,
/// when that is all it can mean: `api.mypurecloud.ie`,
/// `https://api.mypurecloud.ie/` and `apps.mypurecloud.ie` all name
/// `mypurecloud.ie` (the official SDKs read them the same way). None when
/// the value is already a region domain, or cannot be read as one (a URL
/// with a path or a port: `environment_problem` refuses those).
pub fn normalized_environment(env: &str) -> Option<String> {
    let mut s = env.trim();
    for scheme in ["https://", "http://"] {
        if s.len() > scheme.len() && s[..scheme.len()].eq_ignore_ascii_case(scheme) {
            s = &s[scheme.len()..];
        }
    }
    let s = s.strip_suffix('/').unwrap_or(s);
    let s = HOST_PREFIXES
        .iter()
        .find(|p| {
            s.len() > p.len() && s.is_char_boundary(p.len()) && s[..p.len()].eq_ignore_ascii_case(p)
        })
        .map_or(s, |p| &s[p.len()..]);
    let domain = s.to_ascii_lowercase();
    (domain != env && environment_problem(&domain).is_none()).then_some(domain)
}

/// Why an `environment` value is not a region domain, if it is not.
pub fn environment_problem(env: &str) -> Option<String> {
    if env.contains("://") {
        let host = url::Url::parse(env)
            .ok()
            .and_then(|parsed| parsed.host_str().map(str::to_ascii_lowercase));
        let region = host.as_deref().map(|name| {
            HOST_PREFIXES
                .iter()
                .find_map(|prefix| name.strip_prefix(prefix))
                .unwrap_or(name)
                .to_string()
        });
        let fix = match region {
            Some(domain) if !domain.contains("://") && environment_problem(&domain).is_none() => {
                format!("write environment = \"{domain}\"")
            }
            _ => "give the region domain only, such as mypurecloud.com".to_string(),
        };
        return Some(format!(
            "`{}` is a URL; {fix} (or set login_url/api_url/realtime_url for a gateway or proxy)",
            crate::redact::redact_url(env)
        ));
    }
    let ok = !env.is_empty()
        && env.contains('.')
        && !env.starts_with('.')
        && !env.ends_with('.')
        && env
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'.' || byte == b'-');
    (!ok).then(|| {
        format!("`{env}` is not a region domain such as mypurecloud.com or usw2.pure.cloud")
    })
}

/// `protocol = "realtime"` has no URL of its own: the realtime v1 socket
/// is served by event gateways, not by Genesys Cloud.
pub(super) fn realtime_url_missing(cfg: &Config) -> Option<String> {
    (cfg.genesys.protocol == Protocol::Realtime && cfg.genesys.realtime_url.is_empty()).then(|| {
        "protocol = \"realtime\" has no default URL: the realtime v1 socket is served by event gateways, not by Genesys Cloud; set genesys.realtime_url = \"wss://<your gateway>/...\", or use protocol = \"notifications\" for a Genesys Cloud org".to_string()
    })
}

/// The URLs given in the file (derived ones are https/wss by construction).
pub(super) fn urls(doc: &mut Doc<'_>, spans: &FileSpans, cfg: &Config) {
    let genesys = &cfg.genesys;
    for (key, url, secure, plain) in [
        ("genesys.login_url", &genesys.login_url, "https", "http"),
        ("genesys.api_url", &genesys.api_url, "https", "http"),
        ("genesys.realtime_url", &genesys.realtime_url, "wss", "ws"),
    ] {
        if let Some(span) = spans.values.get(key)
            && let Some(msg) = url_problem(url, secure, plain)
        {
            doc.error(span, key, msg, URL_RULE);
        }
    }
}

/// Queue ids, filters, and for the realtime feed the subscription rules.
pub(super) fn queues(doc: &mut Doc<'_>, spans: &FileSpans, cfg: &Config) {
    let realtime = cfg.genesys.protocol == Protocol::Realtime;
    // A relay's viewer watches the queues the relay publishes.
    if cfg.queues.is_empty() && !cfg.genesys.all_queues && cfg.nats.is_none() {
        no_queues(doc, realtime);
        return;
    }
    let mut count = 0;
    let mut over_reported = false;
    let mut seen = Seen::default();
    for (position, queue) in cfg.queues.iter().enumerate() {
        let key = format!("queue[{}]", position + 1);
        let table = spans
            .queues
            .get(position)
            .map_or(0..0, |queue_spans| queue_spans.table.clone());
        let at = |name: &str| {
            spans
                .values
                .get(&format!("{key}.{name}"))
                .cloned()
                .unwrap_or(table.clone())
        };
        queue_id(doc, queue, realtime, &key, &table, &at);
        duplicates(doc, &mut seen, position, queue, &at);
        if let Some(text) = &queue.filter
            && let Err(error) = Filter::parse(text)
        {
            let span = spans
                .queues
                .get(position)
                .and_then(|queue_spans| queue_spans.filter.clone())
                .unwrap_or(table.clone());
            let offset = filter_offset(doc.text, &span, error.column);
            doc.report(
                Severity::Error,
                offset,
                &format!("{key}.filter"),
                error.to_string(),
                "filters parse and have at most 2048 characters",
            );
        }
        count += queue.events.len();
        if realtime && count > MAX_SUBSCRIPTIONS && !over_reported {
            over_reported = true;
            let total: usize = cfg.queues.iter().map(|queue| queue.events.len()).sum();
            let error = SubscriptionError::TooMany { count: total };
            let message = format!(
                "{error}; this queue brings the count past {MAX_SUBSCRIPTIONS}: monitor fewer queues or event types, or use protocol = \"notifications\""
            );
            doc.error(&table, &key, message, error.rule());
        }
    }
}

/// No queue to watch: said at the end of the file, where a [[queue]] would go.
fn no_queues(doc: &mut Doc<'_>, realtime: bool) {
    let message = "no [[queue]] tables: nothing to monitor; add one per queue (`queuetop queues` lists them; docs/CONFIG.md shows how)";
    let mut problem = ConfigProblem {
        severity: Severity::Error,
        file: doc.name.clone(),
        line: 0,
        col: 0,
        key: "queue".into(),
        message: message.into(),
        rule: if realtime {
            SubscriptionError::Empty.rule()
        } else {
            "queues to monitor, or genesys.all_queues = true"
        }
        .into(),
    };
    if !doc.text.is_empty() {
        let (line, col) = doc.position(doc.text.len());
        (problem.line, problem.col) = (line, col);
    }
    doc.problems.push(problem);
}

/// A queue's id as its protocol needs it: a UUID for notifications, a
/// topic-safe id for realtime, which cannot resolve a name.
fn queue_id(
    doc: &mut Doc<'_>,
    queue: &QueueConfig,
    realtime: bool,
    key: &str,
    table: &std::ops::Range<usize>,
    at: &dyn Fn(&str) -> std::ops::Range<usize>,
) {
    match &queue.id {
        Some(id) if !realtime && !is_uuid(id) => doc.error(
            &at("id"),
            &format!("{key}.id"),
            format!(
                "`{id}` is not a queue UUID such as 8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c1e; Genesys Cloud names every queue by one (`queuetop queues` lists them), or give `name` alone"
            ),
            "notifications queue ids are UUIDs; see docs/CONFIG.md",
        ),
        Some(id) if !is_queue_id(id) => {
            let error = SubscriptionError::BadQueueId {
                queue_id: id.clone(),
            };
            doc.error(&at("id"), &format!("{key}.id"), error.to_string(), error.rule());
        }
        Some(_) => {}
        None if queue.name.is_none() => doc.error(
            table,
            key,
            "a queue needs `id` (a UUID) or `name`".into(),
            "each [[queue]] names its queue",
        ),
        None if realtime => {
            let error = SubscriptionError::QueueWithoutId;
            doc.error(table, key, error.to_string(), error.rule());
        }
        None => {}
    }
}

/// A Genesys Cloud id: a hyphenated UUID, as the API writes them.
fn is_uuid(s: &str) -> bool {
    s.len() == 36 && uuid::Uuid::try_parse(s).is_ok()
}

/// Ids and names already seen, with the queue (1-based) that had them.
#[derive(Default)]
struct Seen {
    ids: std::collections::HashMap<String, usize>,
    names: std::collections::HashMap<String, usize>,
}

/// The same queue twice would be watched twice and shown as two rows
/// (and, by name, resolve to the same queue): each is an error.
fn duplicates(
    doc: &mut Doc<'_>,
    seen: &mut Seen,
    index: usize,
    queue: &QueueConfig,
    at: &dyn Fn(&str) -> std::ops::Range<usize>,
) {
    let rule = "each queue once; see docs/CONFIG.md";
    if let Some(id) = &queue.id {
        match seen.ids.get(&id.to_ascii_lowercase()) {
            Some(first) => doc.error(
                &at("id"),
                &format!("queue[{}].id", index + 1),
                format!("queue id `{id}` is already queue[{first}]; remove one of the two"),
                rule,
            ),
            None => {
                seen.ids.insert(id.to_ascii_lowercase(), index + 1);
            }
        }
    }
    if let Some(name) = &queue.name {
        match seen.names.get(&name.to_lowercase()) {
            Some(first) => doc.error(
                &at("name"),
                &format!("queue[{}].name", index + 1),
                format!("queue name `{name}` is already queue[{first}]; remove one, or name each queue differently"),
                rule,
            ),
            None => {
                seen.names.insert(name.to_lowercase(), index + 1);
            }
        }
    }
}

/// Where column `col` of a filter string lies in the file: exact for a
/// one-line literal (`'...'`) or basic (`"..."`, escapes included) string;
/// the start of the string for multi-line ones.
fn filter_offset(text: &str, span: &std::ops::Range<usize>, col: usize) -> usize {
    let Some(raw) = text.get(span.clone()) else {
        return span.start;
    };
    let basic = raw.starts_with('"') && !raw.starts_with("\"\"\"");
    let literal = raw.starts_with('\'') && !raw.starts_with("'''");
    if !basic && !literal {
        return span.start;
    }
    // Walk the raw text after the quote; each escape is one decoded character.
    let inner = &raw[1..];
    let mut chars = inner.char_indices();
    let mut decoded = 1;
    while let Some((offset, letter)) = chars.next() {
        if decoded == col {
            return span.start + 1 + offset;
        }
        if basic && letter == '\\' {
            let extra = match chars.next() {
                Some((_, 'u')) => 4,
                Some((_, 'U')) => 8,
                Some((_, 'x')) => 2,
                _ => 0,
            };
            for _ in 0..extra {
                chars.next();
            }
        }
        decoded += 1;
    }
    // Past the end (e.g. "found end of filter"): the closing quote.
    span.start + raw.len().saturating_sub(1)
}

/// Warns (as ssh does) when a file holding a secret is readable by group or others.
pub(super) fn permissions(doc: &mut Doc<'_>, path: &Path, at: usize, key: &str, what: &str) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                let msg = format!(
                    "{} {what} and is readable by group or others (mode {mode:03o}); run `chmod 600 {}`",
                    path.display(),
                    path.display()
                );
                doc.report(
                    Severity::Warning,
                    at,
                    key,
                    msg,
                    "secrets are readable only by their owner",
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (doc, path, at, key, what);
}
