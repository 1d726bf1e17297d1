//! Routing REST resources, read from the model: queues (with the loose name
//! match of the real API), skills and queue members.

use serde_json::{Value, json};

use crate::sim::center::{MemberView, Model, SERVICE_LEVEL_PERCENT};
use crate::sim::http::{Body, json_response};
use crate::sim::notifications::handling::{
    Query, bad_request, error, is_uuid, listing, malformed_id, not_found,
};
use crate::sim::publish::frames;
use crate::sim::shared::{Shared, lock};
use hyper::{Response, StatusCode};

/// Largest `pageSize` of the queue and member listings.
const MAX_PAGE: usize = 100;
/// The division every simulated queue is in.
const HOME_DIVISION: &str = "8a5e0b9c-6d1f-4c2a-9e3b-1f2d3c4b5a60";

fn forbidden(id: &str) -> Response<Body> {
    error(
        StatusCode::FORBIDDEN,
        "missing.division.permission",
        &format!(
            "you are not authorized to see queue {id} (its division is not granted to this client: fault)"
        ),
    )
}

/// A queue id the client may read, as its model index, or the error answer.
fn visible_queue(shared: &Shared, id: &str) -> Result<usize, Box<Response<Body>>> {
    if !is_uuid(id) {
        return Err(Box::new(malformed_id(id)));
    }
    let Some(&qi) = shared.queue_index.get(id) else {
        return Err(Box::new(not_found(&format!("queue {id} not found"))));
    };
    if shared.faults().forbidden_queues.iter().any(|f| f == id) {
        return Err(Box::new(forbidden(id)));
    }
    Ok(qi)
}

/// A queue as the real API shows it, with the service-level target of
/// each media type (the model has one target for all).
fn queue_entity(model: &Model, qi: usize) -> Value {
    let (id, name) = model.queue_name(qi);
    let (members, joined) = model.member_counts(qi);
    let level = json!({"percentage": SERVICE_LEVEL_PERCENT,
        "durationMs": model.service_target_ms()});
    let media = json!({"alertingTimeoutSeconds": 8, "enableAutoAnswer": false,
        "serviceLevel": level});
    json!({"id": id, "name": name,
        "division": {"id": HOME_DIVISION, "name": "Home"},
        "memberCount": members, "userMemberCount": members, "joinedMemberCount": joined,
        "mediaSettings": {"call": media, "callback": media, "chat": media,
            "email": media, "message": media},
        "selfUri": format!("/api/v2/routing/queues/{id}")})
}

/// `GET /api/v2/routing/queues[?name=][&id=A&id=B...]`: `name` matches as
/// a case-insensitive prefix, like the real API's loose match, so a client
/// must compare names exactly itself; `id` (repeated) picks queues by id.
/// Queues the client may not see are left out, also when asked for by id,
/// while a lookup of one of them by id answers 403. A choice: the SDK's
/// answer to this call is a `QueueEntityListing`, which has no place for a
/// refusal per id, so a batch could only fail whole or leave such a queue
/// out; and a listing of division-aware objects shows what the caller's
/// divisions grant. A client must therefore treat an id missing from a
/// batch as unknown and ask about it alone (the 403 or 404 names it).
pub(crate) fn queues(shared: &Shared, query: &Query, path: &str) -> Response<Body> {
    let paging = match query.page_upto(MAX_PAGE) {
        Ok(page) => page,
        Err(message) => return bad_request(&message),
    };
    let ids = query.all("id");
    if let Some(bad) = ids.iter().find(|id| !is_uuid(id)) {
        return malformed_id(bad);
    }
    let forbidden = shared.faults().forbidden_queues;
    let wanted = query.get("name").map(str::to_lowercase);
    let hits: Vec<usize> = (0..shared.queues.len())
        .filter(|&qi| {
            let (id, name) = &shared.queues[qi];
            wanted
                .as_deref()
                .is_none_or(|prefix| name.to_lowercase().starts_with(prefix))
                && (ids.is_empty() || ids.contains(&id.as_str()))
                && !forbidden.contains(id)
        })
        .collect();
    let model = lock(&shared.model);
    let body = listing(&hits, paging, query, path, |&qi| queue_entity(&model, qi));
    drop(model);
    json_response(StatusCode::OK, &body)
}

pub(crate) fn queue(shared: &Shared, id: &str) -> Response<Body> {
    match visible_queue(shared, id) {
        Ok(qi) => json_response(StatusCode::OK, &queue_entity(&lock(&shared.model), qi)),
        Err(resp) => *resp,
    }
}

pub(crate) fn skills(shared: &Shared, q: &Query, path: &str) -> Response<Body> {
    let paging = match q.page() {
        Ok(p) => p,
        Err(m) => return bad_request(&m),
    };
    let skills = lock(&shared.model).skills();
    let body = listing(
        &skills,
        paging,
        q,
        path,
        |(id, name)| json!({"id": id, "name": name}),
    );
    json_response(StatusCode::OK, &body)
}

/// `GET .../queues/{id}/members[?expand=skills,routingStatus][&joined=true]`:
/// paged by `nextUri` (absent on the last page) with no `pageCount`,
/// `total` or `lastUri`, as the real listing has none; `user.skills` and
/// `routingStatus` only when expanded.
pub(crate) fn members(shared: &Shared, id: &str, query: &Query, path: &str) -> Response<Body> {
    let paging = match query.page_upto(MAX_PAGE) {
        Ok(page) => page,
        Err(view) => return bad_request(&view),
    };
    let qi = match visible_queue(shared, id) {
        Ok(qi) => qi,
        Err(resp) => return *resp,
    };
    let joined = match query.get("joined") {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => return bad_request(&format!("joined must be true or false, not {other:?}")),
    };
    let expand = query.all("expand");
    let (with_skills, with_status) = (
        expand.contains(&"skills"),
        expand.contains(&"routingStatus"),
    );
    let (mut members, (tick_ms, now_tick)) = {
        let model = lock(&shared.model);
        (model.members(qi), model.clock())
    };
    if let Some(wanted) = joined {
        members.retain(|view| view.joined == wanted);
    }
    let now_ms = frames::now_ms();
    let (size, number) = paging;
    let start = (number - 1).saturating_mul(size).min(members.len());
    let end = start.saturating_add(size).min(members.len());
    let entities: Vec<Value> = members[start..end]
        .iter()
        .map(|view: &MemberView| {
            let mut user = json!({"id": view.user_id, "name": view.name,
                "selfUri": format!("/api/v2/users/{}", view.user_id)});
            if with_skills {
                let skills: Vec<Value> = view
                    .skills
                    .iter()
                    .map(|(id, name)| json!({"id": id, "name": name, "proficiency": 3.0, "state": "active"}))
                    .collect();
                user["skills"] = json!(skills);
            }
            let mut member = json!({"id": view.user_id, "name": view.name, "user": user,
                "ringNumber": 1, "joined": view.joined, "memberBy": "user"});
            if with_status {
                let ago = i128::from(now_tick.saturating_sub(view.since_tick) * tick_ms);
                member["routingStatus"] = json!({"userId": view.user_id, "status": view.status.as_str(),
                    "startTime": frames::stamp_ms(now_ms - ago)});
            }
            member
        })
        .collect();
    let mut body = json!({"entities": entities, "pageNumber": number, "pageSize": size,
        "firstUri": query.uri(path, 1), "selfUri": query.uri(path, number)});
    if end < members.len() {
        body["nextUri"] = json!(query.uri(path, number + 1));
    }
    if number > 1 {
        body["previousUri"] = json!(query.uri(path, number - 1));
    }
    json_response(StatusCode::OK, &body)
}
