//! `record --anonymize`: agent, queue and customer names become stable
//! pseudonyms ("Agent 3": the same name gets the same pseudonym within a
//! recording), contact details are removed, ids stay, so a recording can
//! be shared and still replays consistently.
//!
//! Which `name` is whose comes from where it sits: the REST path or the
//! frame's topic says what the document is about, and the key above an
//! object (`user`, `queue`, `division`) says what that object is. Skill
//! and language names are kept: they name no one and a deficit needs them.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::Header;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Queue,
    Agent,
    Customer,
    Division,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Queue => "Queue",
            Kind::Agent => "Agent",
            Kind::Customer => "Customer",
            Kind::Division => "Division",
        }
    }
}

/// Keys whose values are contact details or other personal data: removed.
const REMOVED: [&str; 18] = [
    "email",
    "username",
    "addresses",
    "primaryContactInfo",
    "images",
    "title",
    "department",
    "manager",
    "chat",
    "biography",
    "employerInfo",
    "certifications",
    "addressFrom",
    "addressTo",
    "addressOther",
    "addressSelf",
    "ani",
    "dnis",
];

#[derive(Default)]
pub struct Anonymizer {
    names: HashMap<(Kind, String), String>,
    counts: HashMap<Kind, u32>,
}

impl Anonymizer {
    /// The pseudonym of `name` as a `kind`: the same every time.
    pub fn pseudonym(&mut self, kind: Kind, name: &str) -> String {
        if let Some(p) = self.names.get(&(kind, name.to_string())) {
            return p.clone();
        }
        let n = self.counts.entry(kind).or_insert(0);
        *n += 1;
        let p = format!("{} {n}", kind.word());
        self.names.insert((kind, name.to_string()), p.clone());
        p
    }

    pub fn header(&mut self, h: &mut Header) {
        h.anonymized = true;
        for q in &mut h.queues {
            if let Some(n) = &q.name {
                q.name = Some(self.pseudonym(Kind::Queue, n));
            }
        }
    }

    /// A REST answer's body, its kind told by the path.
    pub fn rest_body(&mut self, path: &str, body: &mut Value) {
        let route = path.split('?').next().unwrap_or(path);
        let kind = if route.ends_with("/members") || route.contains("/users") {
            Some(Kind::Agent)
        } else if route.starts_with("/api/v2/routing/queues") {
            Some(Kind::Queue)
        } else {
            None
        };
        self.walk(body, kind);
    }

    /// A request body or any other document with no kind of its own.
    pub fn value(&mut self, v: &mut Value) {
        self.walk(v, None);
    }

    /// A socket frame: its topic says whose body it is. Text that is not
    /// JSON is kept as it is (it names no one we could recognise).
    pub fn frame(&mut self, text: String) -> String {
        let Ok(mut v) = serde_json::from_str::<Value>(&text) else {
            return text;
        };
        let topic = v
            .get("topicName")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let kind = if topic.starts_with("v2.users.") || topic.ends_with(".users") {
            Some(Kind::Agent)
        } else if topic.starts_with("v2.routing.queues.") {
            Some(Kind::Queue)
        } else {
            None
        };
        if let Some(body) = v.get_mut("eventBody") {
            self.walk(body, kind);
        }
        v.to_string()
    }

    fn walk(&mut self, v: &mut Value, kind: Option<Kind>) {
        match v {
            Value::Object(map) => self.object(map, kind),
            Value::Array(items) => {
                for x in items {
                    self.walk(x, kind);
                }
            }
            _ => {}
        }
    }

    fn object(&mut self, map: &mut Map<String, Value>, kind: Option<Kind>) {
        for k in REMOVED {
            map.remove(k);
        }
        for (key, child) in map.iter_mut() {
            let named = match key.as_str() {
                "name" | "displayName" => kind,
                "queueName" => Some(Kind::Queue),
                "userName" | "agentName" => Some(Kind::Agent),
                "participantName" | "customerName" => Some(Kind::Customer),
                _ => None,
            };
            match (named, child) {
                (Some(k), Value::String(s)) => *s = self.pseudonym(k, s),
                (_, child) => self.walk(child, child_kind(key, kind)),
            }
        }
    }
}

/// What an object under `key` is about, inside a document about `outer`.
fn child_kind(key: &str, outer: Option<Kind>) -> Option<Kind> {
    let k = key.to_ascii_lowercase();
    if k.contains("skill") || k.contains("language") || k.contains("presence") {
        return None;
    }
    match k.as_str() {
        "user" | "users" | "member" | "members" | "agent" => Some(Kind::Agent),
        "queue" | "queues" => Some(Kind::Queue),
        "division" => Some(Kind::Division),
        _ => outer,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn members_lose_names_and_contacts_but_keep_ids_and_skills() {
        let mut a = Anonymizer::default();
        let mut body = json!({"entities": [
            {"id": "u1", "name": "Ana Ruiz", "joined": true,
             "user": {"id": "u1", "name": "Ana Ruiz", "email": "ana@example.com",
                      "skills": [{"id": "s1", "name": "Spanish"}]}},
            {"id": "u2", "name": "Bo Li", "user": {"id": "u2", "name": "Bo Li"}}
        ]});
        a.rest_body("/api/v2/routing/queues/q1/members?pageSize=100", &mut body);
        let text = body.to_string();
        assert!(!text.contains("Ana") && !text.contains("Bo Li") && !text.contains("example.com"));
        assert_eq!(body["entities"][0]["name"], "Agent 1");
        assert_eq!(body["entities"][0]["user"]["name"], "Agent 1");
        assert_eq!(body["entities"][1]["user"]["name"], "Agent 2");
        assert_eq!(body["entities"][0]["user"]["id"], "u1");
        assert_eq!(body["entities"][0]["user"]["skills"][0]["name"], "Spanish");
    }

    #[test]
    fn queues_get_the_same_pseudonym_in_answers_frames_and_the_header() {
        let mut a = Anonymizer::default();
        let mut q =
            json!({"id": "q1", "name": "Support EN", "division": {"id": "d", "name": "Home"}});
        a.rest_body("/api/v2/routing/queues/q1", &mut q);
        assert_eq!(q["name"], "Queue 1");
        assert_eq!(q["division"]["name"], "Division 1");
        let mut h = Header {
            format: 1,
            queuetop: "t".into(),
            started: "s".into(),
            environment: "e".into(),
            api_host: "h".into(),
            protocol: "notifications".into(),
            anonymized: false,
            queues: vec![super::super::QueueRef {
                id: Some("q1".into()),
                name: Some("Support EN".into()),
            }],
        };
        a.header(&mut h);
        assert_eq!(h.queues[0].name.as_deref(), Some("Queue 1"));
        assert!(h.anonymized);
        let frame = json!({"topicName": "v2.routing.queues.q1.users",
            "eventBody": {"id": "u9", "name": "Cy Doe", "queueName": "Support EN"}})
        .to_string();
        let out: Value = serde_json::from_str(&a.frame(frame)).unwrap();
        assert_eq!(out["eventBody"]["name"], "Agent 1");
        assert_eq!(out["eventBody"]["queueName"], "Queue 1");
        assert_eq!(out["eventBody"]["id"], "u9");
    }

    #[test]
    fn waiting_customers_lose_name_and_number() {
        let mut a = Anonymizer::default();
        let mut body = json!({"results": [{"group": {"queueId": "q1"}, "data": [{"metric": "oWaiting",
            "observations": [{"participantName": "Dee Caller", "addressFrom": "tel:+15551234",
                              "requestedRoutingSkillIds": ["s1"]}]}]}]});
        a.rest_body("/api/v2/analytics/queues/observations/query", &mut body);
        let o = &body["results"][0]["data"][0]["observations"][0];
        assert_eq!(o["participantName"], "Customer 1");
        assert!(o.get("addressFrom").is_none());
        assert_eq!(o["requestedRoutingSkillIds"][0], "s1");
    }
}
