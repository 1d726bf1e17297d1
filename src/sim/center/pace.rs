//! How fast the model contact center lives, and the numbers of a working
//! day: the demand curve over the hours, handle times by media, breaks.
//! Durations here are simulated seconds; `DayClock` turns them into ticks.

use crate::event::MediaType;

/// The dynamics of the model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// Every tick is a step: interactions last 10 to 40 ticks and agents
    /// change every few ticks. Busy on purpose, so tests see every kind of
    /// change within seconds.
    Fast,
    /// A working day: arrivals follow a day curve, handle times are
    /// minutes, agents take breaks and meals, one queue now and then has a
    /// surge. `speed` is simulated seconds per real second (1 = real
    /// time); the day starts at `start_minute` past midnight. The API
    /// reports in real time (waits, status times, the service-level
    /// target), so at speed 60 a five-minute call lasts five seconds and
    /// the 20 s target a third of a second.
    Day { speed: f64, start_minute: u32 },
}

impl Pace {
    /// Real time, starting mid-morning (the ramp done, lunch to come).
    pub const fn day() -> Pace {
        Pace::Day {
            speed: 1.0,
            start_minute: 10 * 60,
        }
    }
}

/// Fastest clock the day model accepts: a tick of 500 ms is then about
/// eight simulated minutes, as long as a call.
pub const MAX_SPEED: f64 = 1000.0;

/// The day model's clock: simulated seconds per tick and where the day began.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DayClock {
    /// Simulated seconds one tick stands for.
    pub dt_s: f64,
    /// Simulated second of the day at tick 0.
    pub start_s: f64,
}

const DAY_S: f64 = 86_400.0;

impl DayClock {
    pub(crate) fn new(speed: f64, start_minute: u32, tick_ms: u64) -> DayClock {
        let speed = if speed.is_finite() && speed > 0.0 {
            speed.min(MAX_SPEED)
        } else {
            1.0
        };
        DayClock {
            dt_s: tick_ms as f64 / 1000.0 * speed,
            start_s: f64::from(start_minute % 1440) * 60.0,
        }
    }

    /// How many ticks `seconds` of simulated time take (at least one).
    pub(crate) fn ticks(&self, seconds: f64) -> u64 {
        ((seconds / self.dt_s).round() as u64).max(1)
    }

    /// Simulated second of the day at tick `now`.
    pub(crate) fn second_of_day(&self, now: u64) -> f64 {
        (self.start_s + now as f64 * self.dt_s).rem_euclid(DAY_S)
    }

    /// The first tick at or after `now` that is `second` of a day.
    pub(crate) fn next_tick_at(&self, now: u64, second: f64) -> u64 {
        let ahead = (second - self.second_of_day(now)).rem_euclid(DAY_S);
        now + (ahead / self.dt_s).round() as u64
    }
}

/// Offered load through the day as a share of the peak, by hour: quiet at
/// night, a morning ramp from 7 to 10, the peak over lunch, a calmer
/// afternoon and an evening tail.
const CURVE: [(f64, f64); 12] = [
    (0.0, 0.04),
    (7.0, 0.06),
    (8.0, 0.35),
    (9.0, 0.65),
    (10.0, 0.8),
    (11.5, 0.9),
    (12.25, 1.0),
    (13.5, 1.0),
    (14.5, 0.8),
    (16.5, 0.75),
    (19.0, 0.3),
    (22.0, 0.04),
];

/// The day curve at `second` of the day, linear between the points.
pub(crate) fn demand(second: f64) -> f64 {
    let hour = second.rem_euclid(DAY_S) / 3600.0;
    let next = CURVE.iter().position(|p| p.0 > hour);
    match next {
        Some(0) => CURVE[0].1,
        Some(i) => {
            let ((h0, v0), (h1, v1)) = (CURVE[i - 1], CURVE[i]);
            v0 + (v1 - v0) * (hour - h0) / (h1 - h0)
        }
        // After the last point the night holds until midnight.
        None => CURVE[CURVE.len() - 1].1,
    }
}

/// Offered load at the peak, in Erlangs per joined member, before the
/// queue's own factor (0.45 to 0.75): a busy queue runs near full at lunch,
/// when a third of its people are at a meal or on a break.
pub(crate) const PEAK_LOAD: f64 = 0.85;

/// Mean handle time the arrival rate is planned on, seconds.
pub(crate) const PLANNED_HANDLE_S: f64 = 300.0;

/// Median handle time (seconds) and the spread of its logarithm, by media.
pub(crate) fn handle_time(media: &MediaType) -> (f64, f64) {
    match media {
        MediaType::Voice => (270.0, 0.5),
        MediaType::Callback => (240.0, 0.5),
        MediaType::Chat => (360.0, 0.45),
        MediaType::Message => (330.0, 0.55),
        _ => (300.0, 0.6),
    }
}

/// Mean patience of a waiting customer before giving up, seconds (None:
/// never gives up, as an email does not).
pub(crate) fn patience(media: &MediaType) -> Option<f64> {
    match media {
        MediaType::Voice => Some(200.0),
        MediaType::Chat => Some(300.0),
        MediaType::Message => Some(900.0),
        MediaType::Callback => Some(1800.0),
        _ => None,
    }
}

/// A draw from the lognormal distribution with median `median` and log
/// spread `sigma`, clamped to 30 s .. 40 min.
pub(crate) fn lognormal(rng: &mut fastrand::Rng, median: f64, sigma: f64) -> f64 {
    // Box-Muller: two uniforms make one standard normal.
    let u1 = rng.f64().max(f64::MIN_POSITIVE);
    let u2 = rng.f64();
    let normal = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    (median * (sigma * normal).exp()).clamp(30.0, 2400.0)
}

/// A draw from the exponential distribution with mean `mean`.
pub(crate) fn exponential(rng: &mut fastrand::Rng, mean: f64) -> f64 {
    -mean * (1.0 - rng.f64()).ln()
}

/// A draw from the Poisson distribution with a small mean (Knuth's method,
/// bounded so a huge mean cannot spin).
pub(crate) fn poisson(rng: &mut fastrand::Rng, mean: f64) -> u32 {
    let limit = (-mean).exp();
    let mut p = rng.f64();
    let mut k = 0;
    while p > limit && k < 1000 {
        p *= rng.f64();
        k += 1;
    }
    k
}

/// A uniform draw between `lo` and `hi` seconds.
pub(crate) fn between(rng: &mut fastrand::Rng, lo: f64, hi: f64) -> f64 {
    lo + rng.f64() * (hi - lo)
}

/// A day-model agent has each of its queue's skills with this chance
/// (the fast model's 40 % leaves too many skills to too few people).
pub(crate) const SKILL_PERCENT: u8 = 60;

/// Breaks, meals and other time off queue, seconds.
pub(crate) mod off {
    /// Between the end of one break and the next.
    pub const BREAK_EVERY: (f64, f64) = (90.0 * 60.0, 150.0 * 60.0);
    pub const BREAK: (f64, f64) = (10.0 * 60.0, 15.0 * 60.0);
    /// Instead of a break, now and then: training or a team meeting.
    pub const TRAINING: (f64, f64) = (30.0 * 60.0, 60.0 * 60.0);
    pub const TRAINING_PERCENT: u8 = 8;
    /// Meals start between 11:00 and 15:00.
    pub const MEAL_WINDOW: (f64, f64) = (11.0 * 3600.0, 15.0 * 3600.0);
    pub const MEAL: (f64, f64) = (30.0 * 60.0, 40.0 * 60.0);
    /// After-call work (the agent stays INTERACTING).
    pub const WRAP_UP: (f64, f64) = (15.0, 75.0);
    /// A non-queue call (COMMUNICATING): how often per idle agent, how long.
    pub const PRIVATE_CALL_EVERY: f64 = 90.0 * 60.0;
    pub const PRIVATE_CALL: (f64, f64) = (2.0 * 60.0, 8.0 * 60.0);
    /// An offer rings this long before the agent answers.
    pub const RING: (f64, f64) = (3.0, 10.0);
    /// An unanswered offer is withdrawn after this, and the agent is
    /// NOT_RESPONDING until they notice.
    pub const ALERT_TIMEOUT: f64 = 15.0;
    pub const MISSED_PERCENT: u8 = 3;
    pub const NOT_RESPONDING: (f64, f64) = (30.0, 180.0);
    /// Routing drops an interaction's skill after this much waiting, as
    /// bullseye routing widens its ring.
    pub const SKILL_RELAXED_AFTER: f64 = 20.0;
}

/// Surges: how often one starts somewhere, how long, how strong.
pub(crate) mod surge {
    pub const EVERY: f64 = 120.0 * 60.0;
    pub const LASTS: (f64, f64) = (10.0 * 60.0, 25.0 * 60.0);
    pub const FACTOR: (f64, f64) = (1.8, 2.8);
}

/// The service-level target the day model answers against, seconds of
/// waiting (80 % in 20 s).
pub(crate) const SERVICE_TARGET_S: u64 = 20;
