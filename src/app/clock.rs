//! The wall clock the screen shows: real time, or (in tests under paused
//! time) time derived from the tokio clock; in UTC or following the local
//! offset, which changes with daylight saving time.

use time::{OffsetDateTime, UtcOffset};
use tokio::time::Instant;

#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    /// Wall time at a tokio instant: later wall times follow the tokio
    /// clock from there.
    anchor: Option<(Instant, OffsetDateTime)>,
    /// Follow the local UTC offset instead of showing UTC.
    local: bool,
}

impl Clock {
    /// Shows local time instead of UTC.
    pub fn follow_local(&mut self) {
        self.local = true;
    }

    /// Derives wall time from the tokio clock, starting at `wall` now, so
    /// tests under paused time see one consistent clock.
    pub fn anchor_to_tokio(&mut self, wall: OffsetDateTime) {
        self.anchor = Some((Instant::now(), wall));
    }

    /// The wall time at `now`.
    pub fn wall(&self, now: Instant) -> OffsetDateTime {
        match self.anchor {
            Some((at, wall)) => wall + now.saturating_duration_since(at),
            None => OffsetDateTime::now_utc(),
        }
    }

    /// The offset to show times in now: None when showing UTC.
    pub fn offset(&self) -> Option<UtcOffset> {
        self.local.then(local_offset)
    }
}

/// The local UTC offset. `time` refuses to read it once threads exist, so
/// ask libc directly; UTC when that fails.
pub fn local_offset() -> UtcOffset {
    // SAFETY: time(NULL) and localtime_r with a zeroed, owned tm. The only
    // hazard is a concurrent setenv("TZ"), which queuetop never does.
    let gmtoff = unsafe {
        let now = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&now, &mut tm).is_null() {
            return UtcOffset::UTC;
        }
        tm.tm_gmtoff
    };
    UtcOffset::from_whole_seconds(gmtoff as i32).unwrap_or(UtcOffset::UTC)
}
