//! Plain data the server keeps in `Shared`: the tokens issued, the REST
//! rate window, the notification channels. None of it sees `Shared`: the
//! handlers lock it there and pass it in, so the state sits below them.

pub(crate) mod channels;
pub(crate) mod rate_window;
pub(crate) mod tokens;

/// How many subscription payloads, close codes and issued tokens the stats
/// keep: a simulator left running for days must not grow without bound.
pub(crate) const HISTORY: usize = 10_000;

/// Appends to a history list, dropping the oldest past `HISTORY`.
pub(crate) fn push_bounded<T>(list: &mut Vec<T>, item: T) {
    if list.len() >= HISTORY {
        list.drain(..HISTORY / 10);
    }
    list.push(item);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histories_stay_bounded_and_keep_the_newest() {
        let mut v = Vec::new();
        for i in 0..3 * HISTORY {
            push_bounded(&mut v, i);
        }
        assert!(v.len() <= HISTORY);
        assert_eq!(v.last(), Some(&(3 * HISTORY - 1)));
    }
}
