//! Time, injectable: tests move a [`ManualClock`] instead of sleeping.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of wall-clock time, in milliseconds since the Unix epoch.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Milliseconds since the Unix epoch.
    fn now_millis(&self) -> i64;

    /// Whole seconds since the Unix epoch.
    fn now_secs(&self) -> i64 {
        self.now_millis().div_euclid(1000)
    }

    /// Whether it is still before `deadline`: the answer of
    /// `self.now_millis() < deadline.millis()`, which is the default. A
    /// clock may answer it more cheaply, as that comparison at an instant
    /// at most one clock tick earlier; [`SystemClock`] compares the system
    /// time with the deadline's precomputed [`SystemTime`], without the
    /// conversion to milliseconds, and far from the deadline reads only the
    /// kernel's coarse clock (a plugin's cached-session check, once per
    /// call).
    ///
    /// ```
    /// use auth_core::clock::{Clock, Deadline, ManualClock};
    /// let clock = ManualClock::at_millis(1_000);
    /// let deadline = Deadline::at_millis(1_500);
    /// assert!(clock.is_before(&deadline));
    /// clock.set_millis(1_500);
    /// assert!(!clock.is_before(&deadline));
    /// ```
    #[inline]
    fn is_before(&self, deadline: &Deadline) -> bool {
        self.now_millis() < deadline.millis()
    }
}

/// A time to compare the clock with, repeatedly: milliseconds since the
/// Unix epoch, with the same instant as a [`SystemTime`] made once
/// (see [`Clock::is_before`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Deadline {
    millis: i64,
    /// The same instant, when it is after the epoch and representable.
    system: Option<SystemTime>,
    /// [`COARSE_SAFETY`] before it, as the coarse clock's (seconds,
    /// nanoseconds): a coarse time before this proves the precise time is
    /// before the deadline.
    coarse_limit: (i64, i64),
}

impl Deadline {
    /// The deadline `millis` milliseconds after the Unix epoch.
    pub fn at_millis(millis: i64) -> Self {
        let system = u64::try_from(millis)
            .ok()
            .filter(|&ms| ms > 0)
            .and_then(|ms| UNIX_EPOCH.checked_add(Duration::from_millis(ms)));
        // COARSE_SAFETY is whole seconds; a limit at or before the epoch
        // is never proven (the clock is past it).
        let limit = millis.saturating_sub(COARSE_SAFETY_MILLIS);
        let coarse_limit = if limit > 0 {
            (limit.div_euclid(1000), limit.rem_euclid(1000) * 1_000_000)
        } else {
            (i64::MIN, 0)
        };
        Self {
            millis,
            system,
            coarse_limit,
        }
    }

    /// Milliseconds since the Unix epoch.
    #[inline]
    pub fn millis(&self) -> i64 {
        self.millis
    }
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
            Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
        }
    }

    /// For a deadline `D` ms after the epoch: `now_millis()` is the whole
    /// milliseconds since the epoch (rounded down), and for a whole `D`,
    /// `floor(t) < D` exactly when `t < D`; a time before the epoch is
    /// before `D` either way. Other deadlines take the default.
    ///
    /// On Linux a deadline more than [`COARSE_SAFETY`] away is first
    /// compared with the kernel's coarse clock (the time at the last tick,
    /// read without the TSC; a few nanoseconds instead of tens): it lags
    /// the precise time by at most one tick (4 ms here), so a coarse time
    /// that is still `COARSE_SAFETY` before the deadline proves the precise
    /// one is before it too. Near the deadline, or when the coarse clock
    /// says otherwise, the precise time decides. So the answer is the
    /// precise clock's at the kernel's last tick (after a VM pause, until
    /// the next tick, the last one before the pause: the same race as a
    /// check made just before the pause).
    #[inline]
    fn is_before(&self, deadline: &Deadline) -> bool {
        match deadline.system {
            Some(at) => coarse::certainly_before(deadline.coarse_limit) || SystemTime::now() < at,
            None => self.now_millis() < deadline.millis,
        }
    }
}

/// How far before a deadline the coarse clock must be for
/// [`SystemClock::is_before`] to trust it without reading the precise time:
/// far more than the coarse clock's lag (one kernel tick, 1 to 10 ms).
pub const COARSE_SAFETY: Duration = Duration::from_millis(COARSE_SAFETY_MILLIS.unsigned_abs());

/// [`COARSE_SAFETY`] in milliseconds.
const COARSE_SAFETY_MILLIS: i64 = 1000;

/// The kernel's coarse wall clock, where there is one.
mod coarse {
    /// Whether the coarse clock proves that it is before a deadline whose
    /// `limit` (seconds, nanoseconds) is [`COARSE_SAFETY`](super::COARSE_SAFETY)
    /// before it: the coarse time is before `limit`. `false` means "not
    /// proven", never "after".
    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[inline]
    pub(super) fn certainly_before(limit: (i64, i64)) -> bool {
        let ts = rustix::time::clock_gettime(rustix::time::ClockId::RealtimeCoarse);
        (ts.tv_sec, ts.tv_nsec) < limit
    }

    /// No coarse clock: never proven, the precise time decides.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    #[inline]
    pub(super) fn certainly_before(_limit: (i64, i64)) -> bool {
        false
    }
}

/// A clock that stands still until moved: the system time at creation plus
/// an offset that tests advance. Clones share the same time.
///
/// ```
/// use auth_core::clock::{Clock, ManualClock};
/// let clock = ManualClock::new();
/// let t0 = clock.now_secs();
/// clock.advance_secs(3600);
/// assert_eq!(clock.now_secs(), t0 + 3600);
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock {
    millis: Arc<AtomicI64>,
}

impl ManualClock {
    /// A clock set to the current system time.
    pub fn new() -> Self {
        Self::at_millis(SystemClock.now_millis())
    }

    /// A clock set to `millis` since the epoch.
    pub fn at_millis(millis: i64) -> Self {
        Self {
            millis: Arc::new(AtomicI64::new(millis)),
        }
    }

    /// Moves the clock forward (or back, with a negative value).
    pub fn advance_secs(&self, secs: i64) {
        self.millis.fetch_add(secs * 1000, Ordering::SeqCst);
    }

    /// Moves the clock by `millis`.
    pub fn advance_millis(&self, millis: i64) {
        self.millis.fetch_add(millis, Ordering::SeqCst);
    }

    /// Sets the clock.
    pub fn set_millis(&self, millis: i64) {
        self.millis.store(millis, Ordering::SeqCst);
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now_millis(&self) -> i64 {
        self.millis.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The system clock's comparison is the default's, at the millisecond
    /// on either side of now and for the deadlines it leaves to the default.
    #[test]
    fn the_system_clock_compares_as_its_milliseconds_do() {
        let clock = SystemClock;
        let now = clock.now_millis();
        for d in [now - 1000, now - 1, now + 1, now + 1000] {
            let deadline = Deadline::at_millis(d);
            assert!(deadline.system.is_some());
            assert_eq!(clock.is_before(&deadline), d > now, "deadline {d}");
        }
        assert!(!clock.is_before(&Deadline::at_millis(0)));
        assert!(!clock.is_before(&Deadline::at_millis(-5)));
        assert!(clock.is_before(&Deadline::at_millis(i64::MAX)));
        assert_eq!(Deadline::at_millis(-5).millis(), -5);
    }

    /// The coarse clock proves only what is true: a deadline beyond the
    /// safety margin is proven, a past or imminent one never is.
    #[test]
    fn the_coarse_clock_proves_only_deadlines_well_ahead() {
        let now = SystemClock.now_millis();
        let proven = |ms: i64| coarse::certainly_before(Deadline::at_millis(ms).coarse_limit);
        for past in [0, 1, 60_000] {
            assert!(!proven(now - past), "{past} ms ago");
        }
        assert!(!proven(now + 500), "within the safety margin");
        assert!(!proven(500), "a limit before the epoch");
        assert_eq!(
            proven(now + 2_000),
            cfg!(any(target_os = "linux", target_os = "android")),
            "a deadline 2 s ahead is proven where there is a coarse clock"
        );
        assert_eq!(Deadline::at_millis(3_250).coarse_limit, (2, 250_000_000));
    }

    /// The deadline's instant is the start of its millisecond.
    #[test]
    fn a_deadline_is_the_instant_its_millisecond_starts() {
        let d = Deadline::at_millis(1_700_000_000_123);
        let at = d.system.expect("representable");
        assert_eq!(
            at.duration_since(UNIX_EPOCH).ok(),
            Some(Duration::from_millis(1_700_000_000_123))
        );
        let m = ManualClock::at_millis(1_700_000_000_122);
        assert!(m.is_before(&d));
        m.advance_millis(1);
        assert!(!m.is_before(&d));
    }
}
