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

    /// Whether it is still before `deadline`: always the same answer as
    /// `self.now_millis() < deadline.millis()`, which is the default. A
    /// clock may answer it more cheaply; [`SystemClock`] compares the system
    /// time with the deadline's precomputed [`SystemTime`], without the
    /// conversion to milliseconds (a plugin's cached-session check, once
    /// per call).
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
pub struct Deadline {
    millis: i64,
    /// The same instant, when it is after the epoch and representable.
    system: Option<SystemTime>,
}

impl Deadline {
    /// The deadline `millis` milliseconds after the Unix epoch.
    pub fn at_millis(millis: i64) -> Self {
        let system = u64::try_from(millis)
            .ok()
            .filter(|&ms| ms > 0)
            .and_then(|ms| UNIX_EPOCH.checked_add(Duration::from_millis(ms)));
        Self { millis, system }
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
    #[inline]
    fn is_before(&self, deadline: &Deadline) -> bool {
        match deadline.system {
            Some(at) => SystemTime::now() < at,
            None => self.now_millis() < deadline.millis,
        }
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
