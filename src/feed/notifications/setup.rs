//! Start-up over REST: which queues (by id or by name), what the skills
//! are called, who the members are; then the topics to subscribe.

use std::collections::HashSet;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use secrecy::SecretString;

use super::mapping::{Mapper, Member};
use super::topics;
use crate::config::QueueConfig;
use crate::feed::rest::{Named, RestClient, RestError};

/// Above this many queues to resolve, list every queue once (a page per
/// 100 queues) instead of asking about each one.
const LIST_ALL_ABOVE: usize = 20;
/// Member lists are fetched for the first this many queues only: each is
/// a REST call, and per-skill availability matters most on a short list.
pub const MEMBER_QUEUES: usize = 200;
/// Member requests in flight at once.
const MEMBER_CONCURRENCY: usize = 4;

/// A queue to monitor, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub id: String,
    pub name: Option<String>,
    /// The name came from the server (send it to the app).
    pub name_from_server: bool,
}

#[derive(Debug)]
pub enum SetupError {
    /// The config names a queue that does not exist or is ambiguous.
    Config(String),
    Rest(RestError),
}

impl From<RestError> for SetupError {
    fn from(e: RestError) -> Self {
        SetupError::Rest(e)
    }
}

/// Resolves every `[[queue]]` to an id and a name. A name is compared
/// exactly: none or two matches is a config error naming the queue. With
/// `all_queues`, every other queue the client can list follows them.
pub async fn resolve_queues(
    rest: &RestClient,
    token: &SecretString,
    cfg: &[QueueConfig],
    all_queues: bool,
) -> Result<Vec<Resolved>, SetupError> {
    let lookups = cfg
        .iter()
        .filter(|q| q.id.is_none() || q.name.is_none())
        .count();
    let all = if all_queues || lookups > LIST_ALL_ABOVE {
        Some(rest.queues(token, None).await?)
    } else {
        None
    };
    let mut out: Vec<Resolved> = Vec::with_capacity(cfg.len());
    let mut ids = HashSet::new();
    for q in cfg {
        let r = match (&q.id, &q.name) {
            (Some(id), Some(name)) => Resolved {
                id: id.clone(),
                name: Some(name.clone()),
                name_from_server: false,
            },
            (Some(id), None) => by_id(rest, token, id, all.as_deref()).await?,
            (None, Some(name)) => by_name(rest, token, name, all.as_deref()).await?,
            (None, None) => {
                return Err(SetupError::Config(
                    "a [[queue]] has neither id nor name; give it one".into(),
                ));
            }
        };
        // Two tables for one queue: monitor it once.
        if ids.insert(r.id.clone()) {
            out.push(r);
        }
    }
    if all_queues {
        for q in all.iter().flatten() {
            if ids.insert(q.id.clone()) {
                out.push(Resolved {
                    id: q.id.clone(),
                    name: (!q.name.is_empty()).then(|| q.name.clone()),
                    name_from_server: true,
                });
            }
        }
    }
    Ok(out)
}

async fn by_id(
    rest: &RestClient,
    token: &SecretString,
    id: &str,
    all: Option<&[Named]>,
) -> Result<Resolved, SetupError> {
    let found = match all {
        Some(all) => all.iter().find(|q| q.id == id).cloned(),
        None => match rest.queue(token, id).await {
            Ok(q) => Some(q),
            Err(e) if e.status() == Some(404) => None,
            Err(e) => return Err(e.into()),
        },
    };
    match found {
        Some(q) => Ok(Resolved {
            id: id.to_string(),
            name: (!q.name.is_empty()).then_some(q.name),
            name_from_server: true,
        }),
        None => Err(SetupError::Config(format!(
            "no queue has id {id}: check the [[queue]] id (or give its name instead)"
        ))),
    }
}

async fn by_name(
    rest: &RestClient,
    token: &SecretString,
    name: &str,
    all: Option<&[Named]>,
) -> Result<Resolved, SetupError> {
    let candidates = match all {
        Some(all) => all.to_vec(),
        None => rest.queues(token, Some(name)).await?,
    };
    let exact: Vec<&Named> = candidates.iter().filter(|q| q.name == name).collect();
    match exact.as_slice() {
        [q] => Ok(Resolved {
            id: q.id.clone(),
            name: Some(q.name.clone()),
            name_from_server: true,
        }),
        [] => {
            let close = candidates
                .iter()
                .filter(|q| q.name.eq_ignore_ascii_case(name))
                .map(|q| format!("\"{}\"", q.name))
                .collect::<Vec<_>>();
            let hint = if close.is_empty() {
                String::new()
            } else {
                format!(" (names differ only in case: {})", close.join(", "))
            };
            Err(SetupError::Config(format!(
                "no queue is named \"{name}\"{hint}: check the [[queue]] name, or give its id"
            )))
        }
        many => {
            let ids: Vec<&str> = many.iter().map(|q| q.id.as_str()).collect();
            Err(SetupError::Config(format!(
                "{} queues are named \"{name}\" (ids {}): give the [[queue]] an id to pick one",
                many.len(),
                ids.join(", ")
            )))
        }
    }
}

/// Fetches skill names and the members of the first `MEMBER_QUEUES`
/// queues into the mapper. A queue whose members cannot be read (say, no
/// permission) is logged and left without per-skill counts; a refused
/// token or a transport error fails the whole start-up so it is retried.
pub async fn load_people(
    rest: &RestClient,
    token: &SecretString,
    queues: &[Resolved],
    mapper: &mut Mapper,
) -> Result<(), RestError> {
    let skills = rest.skills(token).await?;
    mapper.set_skill_names(skills.into_iter().map(|s| (s.id, s.name)));
    if queues.len() > MEMBER_QUEUES {
        tracing::warn!(
            target: "queuetop::feed",
            queues = queues.len(),
            with_members = MEMBER_QUEUES,
            "many queues: per-skill availability only for the first {MEMBER_QUEUES}"
        );
    }
    let ids: Vec<&str> = queues.iter().map(|q| q.id.as_str()).collect();
    load_members(rest, token, &ids, mapper).await
}

/// (Re)reads the members, with their routing status, of the first
/// `MEMBER_QUEUES` of `queue_ids` into the mapper: at start, and after a
/// reconnect, when status changes may have been missed.
pub async fn load_members(
    rest: &RestClient,
    token: &SecretString,
    queue_ids: &[&str],
    mapper: &mut Mapper,
) -> Result<(), RestError> {
    // FuturesUnordered fed by hand (a closure-built stream here trips the
    // compiler's Send check for the spawned feed task).
    let mut pending = queue_ids.iter().take(MEMBER_QUEUES);
    let mut fetches = FuturesUnordered::new();
    for id in pending.by_ref().take(MEMBER_CONCURRENCY) {
        fetches.push(members_of(rest, token, id));
    }
    while let Some((id, res)) = fetches.next().await {
        if let Some(next) = pending.next() {
            fetches.push(members_of(rest, token, next));
        }
        match res {
            Ok(members) => mapper.set_members(id, members),
            Err(e @ RestError::Status { status, .. }) if status != 401 && status != 429 => {
                tracing::warn!(target: "queuetop::feed", queue_id = %id, error = %e, "queue members unavailable; no per-skill counts for this queue");
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

async fn members_of<'a>(
    rest: &RestClient,
    token: &SecretString,
    id: &'a str,
) -> (&'a str, Result<Vec<Member>, RestError>) {
    (id, rest.members(token, id).await)
}

/// Every topic: one observations topic per queue, then one combined
/// routing-status topic per member (each user once).
pub fn all_topics(queues: &[Resolved], mapper: &Mapper) -> Vec<String> {
    let mut out: Vec<String> = queues.iter().map(|q| topics::queue_topic(&q.id)).collect();
    let mut users: Vec<&String> = mapper.member_ids().collect();
    users.sort();
    for u in users {
        match topics::user_topic(u) {
            Some(t) => out.push(t),
            None => {
                tracing::warn!(target: "queuetop::feed", "a user id is too long for a topic; its routing status is not followed")
            }
        }
    }
    out
}
