//! Routing and analytics REST resources, read from the model: queues (with
//! the loose name match of the real API), skills, queue members, and the
//! queue observations query that gives a client its first snapshot.

use serde_json::{Value, json};

use super::http::{Body, json_response};
use super::model::MemberView;
use super::nframes;
use super::rest::{Query, bad_request, not_found, page};
use super::shared::{Shared, lock};
use hyper::{Response, StatusCode};

/// `GET /api/v2/routing/queues[?name=]`: `name` matches as a
/// case-insensitive prefix, like the real API's loose match, so a client
/// must compare names exactly itself.
pub(crate) fn queues(shared: &Shared, q: &Query) -> Response<Body> {
    let paging = match q.page() {
        Ok(p) => p,
        Err(m) => return bad_request(&m),
    };
    let wanted = q.get("name").map(str::to_lowercase);
    let hits: Vec<&(String, String)> = shared
        .queues
        .iter()
        .filter(|(_, name)| {
            wanted
                .as_deref()
                .is_none_or(|w| name.to_lowercase().starts_with(w))
        })
        .collect();
    let body = page(&hits, paging, |(id, name)| json!({"id": id, "name": name}));
    json_response(StatusCode::OK, &body)
}

pub(crate) fn queue(shared: &Shared, id: &str) -> Response<Body> {
    match shared.queue_index.get(id) {
        Some(&qi) => {
            let (id, name) = &shared.queues[qi];
            json_response(StatusCode::OK, &json!({"id": id, "name": name}))
        }
        None => not_found(&format!("queue {id} not found")),
    }
}

pub(crate) fn skills(shared: &Shared, q: &Query) -> Response<Body> {
    let paging = match q.page() {
        Ok(p) => p,
        Err(m) => return bad_request(&m),
    };
    let skills = lock(&shared.model).skills();
    let body = page(
        &skills,
        paging,
        |(id, name)| json!({"id": id, "name": name}),
    );
    json_response(StatusCode::OK, &body)
}

/// `GET .../queues/{id}/members?expand=skills,routingStatus`.
pub(crate) fn members(shared: &Shared, id: &str, q: &Query) -> Response<Body> {
    let paging = match q.page() {
        Ok(p) => p,
        Err(m) => return bad_request(&m),
    };
    let Some(&qi) = shared.queue_index.get(id) else {
        return not_found(&format!("queue {id} not found"));
    };
    let (members, (tick_ms, now_tick)) = {
        let model = lock(&shared.model);
        (model.members(qi), model.clock())
    };
    let now_ms = nframes::now_ms();
    let body = page(&members, paging, |m: &MemberView| {
        let skills: Vec<Value> = m
            .skills
            .iter()
            .map(|(id, name)| json!({"id": id, "name": name, "proficiency": 3.0}))
            .collect();
        let ago = i128::from(now_tick.saturating_sub(m.since_tick) * tick_ms);
        let status = json!({"status": m.status.as_str(),
            "startTime": nframes::stamp_ms(now_ms - ago)});
        json!({"id": m.user_id, "name": m.name,
            "user": {"id": m.user_id, "name": m.name, "skills": skills},
            "routingStatus": status, "joined": true})
    });
    json_response(StatusCode::OK, &body)
}

/// Queue ids named by `dimension == queueId` predicates anywhere in the
/// filter (`predicates` and nested `clauses`).
fn queue_ids(filter: &Value, out: &mut Vec<String>) {
    for p in filter["predicates"].as_array().into_iter().flatten() {
        if p["dimension"] == "queueId"
            && let Some(v) = p["value"].as_str()
        {
            out.push(v.to_string());
        }
    }
    for c in filter["clauses"].as_array().into_iter().flatten() {
        queue_ids(c, out);
    }
}

/// `POST /api/v2/analytics/queues/observations/query`: one result per queue
/// and media type that has interactions (at least one per queue).
pub(crate) fn observations(shared: &Shared, body: &Value) -> Response<Body> {
    if !body["filter"].is_object() {
        return bad_request("the query needs a filter with queueId predicates");
    }
    let mut ids = Vec::new();
    queue_ids(&body["filter"], &mut ids);
    if ids.is_empty() {
        return bad_request("the filter names no queueId");
    }
    let now_ms = nframes::now_ms();
    let model = lock(&shared.model);
    let mut results = Vec::new();
    for id in &ids {
        let Some(obs) = shared.queue_index.get(id).and_then(|&qi| model.observe(qi)) else {
            continue;
        };
        for m in &obs.media {
            results.push(
                json!({"group": {"queueId": obs.queue_id, "mediaType": m.media},
                "data": nframes::full_metrics(&obs, m, now_ms)}),
            );
        }
    }
    drop(model);
    json_response(StatusCode::OK, &json!({"results": results}))
}
