//! When to draw. The loop asks this struct, never a fixed render tick:
//! draw when something changed, at most `fps` times a second, and once a
//! second while a clock or countdown is on screen. Nothing changed and no
//! clock shown means no wake-ups and no draws.

use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug, Clone)]
pub struct RedrawPolicy {
    min_gap: Duration,
    dirty: bool,
    last_draw: Option<Instant>,
    /// When a clock or countdown on screen next changes.
    timed: Option<Instant>,
    draws: u64,
}

impl RedrawPolicy {
    /// `fps` is clamped to 1..=120.
    pub fn new(fps: u32) -> Self {
        RedrawPolicy {
            min_gap: Duration::from_secs(1) / fps.clamp(1, 120),
            dirty: true,
            last_draw: None,
            timed: None,
            draws: 0,
        }
    }

    /// Something visible changed.
    pub fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// Frames drawn so far.
    pub fn draws(&self) -> u64 {
        self.draws
    }

    /// When the next frame is due; `None`: not until something changes.
    pub fn next_draw(&self, now: Instant) -> Option<Instant> {
        let earliest = self.last_draw.map_or(now, |t| t + self.min_gap);
        let want = match (self.dirty, self.timed) {
            (true, _) => Some(now),
            (false, Some(t)) => Some(t),
            (false, None) => None,
        }?;
        Some(want.max(earliest))
    }

    /// True when a frame should be drawn now.
    pub fn due(&self, now: Instant) -> bool {
        self.next_draw(now).is_some_and(|t| t <= now)
    }

    /// A frame was drawn at `now`; `redraw_at`: when a clock or countdown
    /// it showed will read differently (None: nothing on screen ticks).
    pub fn drawn(&mut self, now: Instant, redraw_at: Option<Instant>) {
        self.dirty = false;
        self.last_draw = Some(now);
        self.draws += 1;
        self.timed = redraw_at;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn idle_without_a_clock_never_wakes() {
        let mut p = RedrawPolicy::new(20);
        let now = Instant::now();
        assert!(p.due(now), "the first frame is due at once");
        p.drawn(now, None);
        tokio::time::advance(Duration::from_secs(3600)).await;
        assert_eq!(p.next_draw(Instant::now()), None);
        assert!(!p.due(Instant::now()));
        assert_eq!(p.draws(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_clock_redraws_when_it_changes() {
        let mut p = RedrawPolicy::new(20);
        let now = Instant::now();
        p.drawn(now, Some(now + Duration::from_millis(705)));
        let next = p.next_draw(now).expect("a clock is shown");
        assert_eq!(next - now, Duration::from_millis(705));
        assert!(!p.due(now + Duration::from_millis(700)));
        assert!(p.due(now + Duration::from_millis(705)));
        // Never faster than fps, even for a clock.
        p.drawn(now, Some(now));
        assert_eq!(p.next_draw(now), Some(now + Duration::from_millis(50)));
    }

    #[tokio::test(start_paused = true)]
    async fn changes_are_rate_limited_to_fps() {
        let mut p = RedrawPolicy::new(10);
        let t0 = Instant::now();
        p.drawn(t0, None);
        p.mark_dirty();
        assert_eq!(p.next_draw(t0), Some(t0 + Duration::from_millis(100)));
        assert!(!p.due(t0 + Duration::from_millis(50)));
        assert!(p.due(t0 + Duration::from_millis(100)));
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_of_changes_costs_one_frame_per_gap() {
        let mut p = RedrawPolicy::new(20);
        let start = Instant::now();
        // 10,000 changes spread over 200 ms of paused time.
        for i in 0..10_000u64 {
            let now = start + Duration::from_micros(i * 20);
            p.mark_dirty();
            if p.due(now) {
                p.drawn(now, None);
            }
        }
        let end = start + Duration::from_millis(250);
        if p.due(end) {
            p.drawn(end, None);
        }
        assert!(p.draws() <= 6, "{} draws", p.draws());
        assert!(!p.is_dirty(), "the last change was drawn");
    }

    #[test]
    fn fps_zero_is_not_a_division_by_zero() {
        let p = RedrawPolicy::new(0);
        assert_eq!(p.min_gap, Duration::from_secs(1));
    }
}
