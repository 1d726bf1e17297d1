//! Issued tokens with their expiry on tokio time.

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;

use super::push_bounded;

/// Issued tokens. Random, not seeded: a token must never be guessable from
/// a seed printed on a screen.
pub(crate) struct Tokens {
    live: HashMap<String, Instant>,
    issued: Vec<String>,
    rng: fastrand::Rng,
}

impl Default for Tokens {
    fn default() -> Self {
        Tokens {
            live: HashMap::new(),
            issued: Vec::new(),
            rng: fastrand::Rng::new(),
        }
    }
}

const TOKEN_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

impl Tokens {
    pub(crate) fn issue(&mut self, lifetime: Duration) -> String {
        let now = Instant::now();
        self.live.retain(|_, exp| *exp > now);
        let token: String = (0..43)
            .map(|_| TOKEN_CHARS[self.rng.usize(..TOKEN_CHARS.len())] as char)
            .collect();
        // A silly lifetime (u64::MAX seconds) must not overflow the clock.
        let expiry = now
            .checked_add(lifetime)
            .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 86_400));
        self.live.insert(token.clone(), expiry);
        push_bounded(&mut self.issued, token.clone());
        token
    }

    /// When `token` expires, if it is known and still valid.
    pub(crate) fn expiry(&self, token: &str) -> Option<Instant> {
        self.live
            .get(token)
            .copied()
            .filter(|exp| *exp > Instant::now())
    }

    /// Refuses `token` from now on; false when it was not live.
    pub(crate) fn revoke(&mut self, token: &str) -> bool {
        self.live.remove(token).is_some()
    }

    /// Every token still valid.
    pub(crate) fn live(&self) -> Vec<String> {
        let now = Instant::now();
        self.live
            .iter()
            .filter(|(_, exp)| **exp > now)
            .map(|(t, _)| t.clone())
            .collect()
    }

    pub(crate) fn issued(&self) -> &[String] {
        &self.issued
    }
}
