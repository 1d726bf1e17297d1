//! The queues an OAuth client can see, with what a supervisor recognises
//! them by: name, division, members. For `queuetop queues` and `init`.

use serde::{Deserialize, Serialize};

use crate::auth::TokenSource;
use crate::config::GenesysConfig;
use crate::feed::notifications::rest::RestClient;

/// One queue of the org, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgQueue {
    pub id: String,
    pub name: String,
    /// None when the server does not say.
    pub division: Option<String>,
    pub member_count: Option<u32>,
}

#[derive(Deserialize)]
struct Wire {
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    division: Option<Division>,
    #[serde(rename = "memberCount", default)]
    member_count: Option<u32>,
}

#[derive(Deserialize)]
struct Division {
    #[serde(default)]
    name: Option<String>,
}

/// Signs in and lists every queue (all pages), sorted by name.
pub async fn list_queues(cfg: &GenesysConfig) -> Result<Vec<OrgQueue>, String> {
    let mut auth = TokenSource::from_config(cfg);
    let token = auth.token().await.map_err(|e| e.to_string())?;
    let rest = RestClient::new(&cfg.api_url).map_err(|e| e.to_string())?;
    let wire: Vec<Wire> = rest
        .list("/api/v2/routing/queues", &token)
        .await
        .map_err(|e| e.to_string())?;
    let mut queues: Vec<OrgQueue> = wire
        .into_iter()
        .map(|w| OrgQueue {
            id: w.id,
            name: w.name,
            division: w.division.and_then(|d| d.name),
            member_count: w.member_count,
        })
        .collect();
    queues.sort_by_key(|q| q.name.to_lowercase());
    Ok(queues)
}

/// Whether `name` matches `pattern`: `*` matches any run of characters;
/// without a `*` the pattern matches anywhere in the name. Case is ignored.
pub fn name_matches(name: &str, pattern: &str) -> bool {
    let name = name.to_lowercase();
    let pattern = pattern.to_lowercase();
    if !pattern.contains('*') {
        return name.contains(&pattern);
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = name.as_str();
    for (index, part) in parts.iter().enumerate() {
        if index == 0 {
            let Some(after) = rest.strip_prefix(part) else {
                return false;
            };
            rest = after;
        } else if index == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::name_matches;

    #[test]
    fn patterns() {
        assert!(name_matches("Support EN", "support"));
        assert!(name_matches("Support EN", "Sup*"));
        assert!(name_matches("Support EN", "*EN"));
        assert!(name_matches("Support EN", "s*t*n"));
        assert!(!name_matches("Support EN", "Sup*ES"));
        assert!(!name_matches("Billing", "sup"));
        assert!(name_matches("Billing", "*"));
    }
}
