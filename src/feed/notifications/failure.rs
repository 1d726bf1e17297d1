//! What a failed REST call or channel opening during start-up means for
//! the attempt: a new token at once, a config error, or a retry.

use std::time::Duration;

use super::channel::OpenError;
use super::rest::RestError;
use crate::feed::link::{Link, Outcome};
use crate::feed::retry::Delay;

/// A REST failure during start-up.
pub(super) fn rest_failed(link: &mut Link, e: RestError) -> Outcome {
    match &e {
        RestError::Status { status: 401, .. } => {
            link.token_refused();
            Outcome::Retry {
                error: format!("{e} (the token was refused; fetching a new one)"),
                delay: Delay::NewToken,
            }
        }
        // A request that is wrong stays wrong: the message says what to
        // fix in the config.
        RestError::Refused(msg) => Outcome::Stop(msg.clone()),
        RestError::RateLimited { .. } => Outcome::Retry {
            error: e.to_string(),
            delay: Delay::AtLeast(Duration::from_secs(30)),
        },
        _ => Outcome::Retry {
            error: e.to_string(),
            delay: Delay::Backoff,
        },
    }
}

/// A channel that could not be opened during start-up.
pub(super) fn open_failed(link: &mut Link, e: OpenError) -> Outcome {
    match e {
        OpenError::Rest(e) => rest_failed(link, e),
        OpenError::Connect(error) => Outcome::Retry {
            error,
            delay: Delay::Backoff,
        },
    }
}
