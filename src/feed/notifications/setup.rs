//! Start-up over REST: which queues (by id or by name), what the skills
//! are called, who the members are; then the topics to subscribe.

use std::collections::{HashMap, HashSet};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use secrecy::SecretString;

use super::mapping::{Mapper, Member};
use super::topics;
use crate::config::QueueConfig;
use crate::event::ServiceTarget;
use crate::feed::notifications::rest::{
    Named, OBSERVATION_QUEUES, QUEUES_PER_LOOKUP, RestClient, RestError,
};

/// Above this many queues to find by name, list every queue once (a page
/// per 100 queues) instead of asking about each name.
const LIST_ALL_ABOVE: usize = 20;
/// Member lists are fetched for the first this many queues only: each is
/// a REST call, and per-skill availability matters most on a short list.
pub const MEMBER_QUEUES: usize = 200;
/// REST calls of one kind (and channels being opened) in flight at once
/// during start-up. The rate budget is guarded by the client's pacing;
/// this only bounds the burst.
pub(super) const CONCURRENCY: usize = 32;
/// Queues missing from a batch lookup that are asked about one by one to
/// say why (not found, not visible, malformed id).
const EXPLAIN_MISSING: usize = 5;

/// A queue to monitor, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub id: String,
    pub name: Option<String>,
    /// The name came from the server (send it to the app).
    pub name_from_server: bool,
    /// The queue's service-level goal from its settings, when known.
    pub service_target: Option<ServiceTarget>,
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

/// Resolves every `[[queue]]` to an id and a name. Ids are looked up in
/// batches of `QUEUES_PER_LOOKUP`; a name is compared exactly: none or two
/// matches is a config error naming the queue. With `all_queues`, every
/// other queue the client can list follows them.
pub async fn resolve_queues(
    rest: &RestClient,
    token: &SecretString,
    cfg: &[QueueConfig],
    all_queues: bool,
) -> Result<Vec<Resolved>, SetupError> {
    let by_name = cfg.iter().filter(|queue| queue.id.is_none()).count();
    let all = if all_queues || by_name > LIST_ALL_ABOVE {
        let listed = rest.queues(token, None).await;
        Some(listed.map_err(|error| lookup_refused(error, "listing the queues"))?)
    } else {
        None
    };
    let mut known: HashMap<&str, &Named> = HashMap::new();
    for queue in all.iter().flatten() {
        known.insert(&queue.id, queue);
    }
    let mut wanted: Vec<&str> = Vec::new();
    for queue in cfg {
        // Named ones too: the queue's settings carry its service level.
        if let Some(id) = &queue.id
            && !known.contains_key(id.as_str())
            && !wanted.contains(&id.as_str())
        {
            wanted.push(id);
        }
    }
    let looked_up = by_ids(rest, token, &wanted).await?;
    for queue in &looked_up {
        known.insert(&queue.id, queue);
    }
    let mut out: Vec<Resolved> = Vec::with_capacity(cfg.len());
    let mut ids = HashSet::new();
    for queue in cfg {
        let resolved = match (&queue.id, &queue.name) {
            (Some(id), Some(name)) => Resolved {
                id: id.clone(),
                name: Some(name.clone()),
                name_from_server: false,
                service_target: known
                    .get(id.as_str())
                    .and_then(|queue| queue.service_target),
            },
            (Some(id), None) => match known.get(id.as_str()) {
                Some(found) => Resolved {
                    id: id.clone(),
                    name: (!found.name.is_empty()).then(|| found.name.clone()),
                    name_from_server: true,
                    service_target: found.service_target,
                },
                None => return Err(SetupError::Config(not_found(id))),
            },
            (None, Some(name)) => by_name_in(rest, token, name, all.as_deref()).await?,
            (None, None) => {
                return Err(SetupError::Config(
                    "a [[queue]] has neither id nor name; give it one".into(),
                ));
            }
        };
        // Two tables for one queue: monitor it once.
        if ids.insert(resolved.id.clone()) {
            out.push(resolved);
        }
    }
    if all_queues {
        for queue in all.iter().flatten() {
            if ids.insert(queue.id.clone()) {
                out.push(Resolved {
                    id: queue.id.clone(),
                    name: (!queue.name.is_empty()).then(|| queue.name.clone()),
                    name_from_server: true,
                    service_target: queue.service_target,
                });
            }
        }
    }
    Ok(out)
}

fn not_found(id: &str) -> String {
    format!("no queue has id {id}: check the [[queue]] id (or give its name instead)")
}

/// A 400 or 403 while looking queues up is the config's to fix (a
/// malformed id, a queue in a division the client may not see); asking
/// again cannot help. Anything else is the network's or the server's.
fn lookup_refused(e: RestError, what: &str) -> SetupError {
    match e.status() {
        Some(400) => SetupError::Config(format!(
            "{what}: the server refused the request as malformed ({e}): a queue id is a UUID such as 8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c1e; check the [[queue]] tables"
        )),
        Some(403) => SetupError::Config(format!(
            "{what}: this OAuth client may not see it ({e}): give the client's role routing:queue:view on the queue's division, or remove the [[queue]]"
        )),
        _ => SetupError::Rest(e),
    }
}

/// The queues with these ids, in batches, several at once. A batch the
/// server refuses (400, 403) is asked about queue by queue; ids missing
/// from the answers are asked about one by one, so the error names the
/// queue and the reason.
async fn by_ids(
    rest: &RestClient,
    token: &SecretString,
    ids: &[&str],
) -> Result<Vec<Named>, SetupError> {
    let mut found = Vec::with_capacity(ids.len());
    let mut suspects: Vec<&str> = Vec::new();
    let mut batches = ids.chunks(QUEUES_PER_LOOKUP);
    let mut running = FuturesUnordered::new();
    for batch in batches.by_ref().take(CONCURRENCY) {
        running.push(batch_of(rest, token, batch));
    }
    while let Some((batch, answer)) = running.next().await {
        if let Some(next) = batches.next() {
            running.push(batch_of(rest, token, next));
        }
        match answer {
            Ok(queues) => {
                let got: HashSet<&str> = queues.iter().map(|queue| queue.id.as_str()).collect();
                suspects.extend(batch.iter().filter(|id| !got.contains(**id)));
                found.extend(
                    queues
                        .into_iter()
                        .filter(|queue| batch.contains(&queue.id.as_str())),
                );
            }
            Err(error) if matches!(error.status(), Some(400 | 403)) => suspects.extend(batch),
            Err(error) => return Err(error.into()),
        }
    }
    let mut problems = Vec::new();
    for id in suspects.iter().take(EXPLAIN_MISSING) {
        match rest.queue(token, id).await {
            Ok(queue) => found.push(queue),
            Err(error) if error.status() == Some(404) => problems.push(not_found(id)),
            Err(error) => match lookup_refused(error, &format!("queue {id}")) {
                SetupError::Config(msg) => problems.push(msg),
                rest_error => return Err(rest_error),
            },
        }
    }
    if suspects.len() > EXPLAIN_MISSING && !problems.is_empty() {
        let more = suspects.len() - EXPLAIN_MISSING;
        problems.push(format!("and {more} more queue ids were not found"));
    }
    match problems.is_empty() {
        true => Ok(found),
        false => Err(SetupError::Config(problems.join("; "))),
    }
}

async fn batch_of<'a>(
    rest: &RestClient,
    token: &SecretString,
    batch: &'a [&'a str],
) -> (&'a [&'a str], Result<Vec<Named>, RestError>) {
    (batch, rest.queues_by_id(token, batch).await)
}

async fn by_name_in(
    rest: &RestClient,
    token: &SecretString,
    name: &str,
    all: Option<&[Named]>,
) -> Result<Resolved, SetupError> {
    let candidates = match all {
        Some(all) => all.to_vec(),
        None => rest
            .queues(token, Some(name))
            .await
            .map_err(|error| lookup_refused(error, &format!("the queue named \"{name}\"")))?,
    };
    let exact: Vec<&Named> = candidates
        .iter()
        .filter(|queue| queue.name == name)
        .collect();
    match exact.as_slice() {
        [queue] => Ok(Resolved {
            id: queue.id.clone(),
            name: Some(queue.name.clone()),
            name_from_server: true,
            service_target: queue.service_target,
        }),
        [] => {
            let close = candidates
                .iter()
                .filter(|queue| queue.name.eq_ignore_ascii_case(name))
                .map(|queue| format!("\"{}\"", queue.name))
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
            let ids: Vec<&str> = many.iter().map(|queue| queue.id.as_str()).collect();
            Err(SetupError::Config(format!(
                "{} queues are named \"{name}\" (ids {}): give the [[queue]] an id to pick one",
                many.len(),
                ids.join(", ")
            )))
        }
    }
}

/// Fetches skill names and the members of the first `MEMBER_QUEUES`
/// queues into the mapper, at the same time. A queue whose members may
/// not be read (say, no permission) is logged and left without per-skill
/// counts; a refused token, a server error or a transport error fails the
/// whole start-up so it is retried.
pub async fn load_people(
    rest: &RestClient,
    token: &SecretString,
    queues: &[Resolved],
    mapper: &mut Mapper,
) -> Result<(), RestError> {
    if queues.len() > MEMBER_QUEUES {
        tracing::warn!(
            target: "queuetop::feed",
            queues = queues.len(),
            with_members = MEMBER_QUEUES,
            "many queues: per-skill availability only for the first {MEMBER_QUEUES}"
        );
    }
    let ids: Vec<&str> = queues.iter().map(|q| q.id.as_str()).collect();
    let (skills, members) =
        tokio::join!(rest.skills(token), load_members(rest, token, &ids, mapper));
    mapper.set_skill_names(skills?.into_iter().map(|s| (s.id, s.name)));
    members
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
    for id in pending.by_ref().take(CONCURRENCY) {
        fetches.push(members_of(rest, token, id));
    }
    while let Some((id, res)) = fetches.next().await {
        if let Some(next) = pending.next() {
            fetches.push(members_of(rest, token, next));
        }
        match res {
            Ok(members) => mapper.set_members(id, members),
            // The config's or the permissions' to fix: asking again does not
            // help. A 5xx the client's own tries did not get past fails the
            // attempt instead: skipping the queue would keep its roster as
            // it was, and who left it meanwhile on the screen.
            Err(error @ RestError::Status { status, .. })
                if (400..500).contains(&status) && status != 401 && status != 429 =>
            {
                tracing::warn!(target: "queuetop::feed", queue_id = %id, error = %error, "queue members unavailable; no per-skill counts for this queue");
            }
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// The observations query for every queue, `OBSERVATION_QUEUES` per call,
/// several calls at once; the answers in the order of `queue_ids`.
pub async fn observe(
    rest: &RestClient,
    token: &SecretString,
    queue_ids: &[String],
) -> Result<Vec<String>, RestError> {
    let mut chunks = queue_ids.chunks(OBSERVATION_QUEUES).enumerate();
    let mut bodies: Vec<Option<String>> = vec![None; queue_ids.len().div_ceil(OBSERVATION_QUEUES)];
    let mut running = FuturesUnordered::new();
    for (i, ids) in chunks.by_ref().take(CONCURRENCY) {
        running.push(observe_chunk(rest, token, i, ids));
    }
    while let Some((i, body)) = running.next().await {
        if let Some((n, ids)) = chunks.next() {
            running.push(observe_chunk(rest, token, n, ids));
        }
        if let Some(slot) = bodies.get_mut(i) {
            *slot = Some(body?);
        }
    }
    Ok(bodies.into_iter().flatten().collect())
}

async fn observe_chunk(
    rest: &RestClient,
    token: &SecretString,
    i: usize,
    ids: &[String],
) -> (usize, Result<String, RestError>) {
    (i, rest.observations(token, ids).await)
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
    // Membership changes of the queues whose members are followed.
    out.extend(
        queues
            .iter()
            .take(MEMBER_QUEUES)
            .map(|q| topics::membership_topic(&q.id)),
    );
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
