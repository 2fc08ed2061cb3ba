//! The backoff after transient refresh failures, so that a dead network is
//! not hit in a hot loop: the first retry waits `retry_backoff`, each next
//! one twice as long, up to `max_retry_backoff`.

use auth_core::error::AuthError;

/// The failures since the last successful refresh.
#[derive(Debug, Default)]
pub(super) struct Backoff {
    failures: u32,
    retry_at_ms: i64,
    last_error: Option<AuthError>,
}

impl Backoff {
    /// `None` when a network attempt is allowed at `now_ms`; else the last
    /// error (if any), to hand to a caller whose token has really expired.
    pub(super) fn blocked(&self, now_ms: i64) -> Option<Option<AuthError>> {
        (now_ms < self.retry_at_ms).then(|| self.last_error.clone())
    }

    /// Whether the last failure was the store's (unreachable, unreadable)
    /// and its backoff still runs at `now_ms`.
    pub(super) fn blocked_by_storage(&self, now_ms: i64) -> bool {
        now_ms < self.retry_at_ms && matches!(self.last_error, Some(AuthError::Storage(_)))
    }

    /// Records a failure at `now_ms`; the next attempt waits
    /// `base_ms * 2^(failures - 1)`, at most `max_ms`.
    pub(super) fn record(&mut self, error: &AuthError, now_ms: i64, base_ms: i64, max_ms: i64) {
        self.failures = self.failures.saturating_add(1);
        let shift = self.failures.saturating_sub(1).min(16);
        self.retry_at_ms = now_ms + (base_ms << shift).min(max_ms);
        self.last_error = Some(error.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_doubles_the_wait_up_to_the_maximum() {
        let e = AuthError::InvalidState("x".into());
        let mut b = Backoff::default();
        assert!(b.blocked(0).is_none());
        let mut waits = Vec::new();
        for _ in 0..6 {
            b.record(&e, 1_000, 100, 1_500);
            waits.push(b.retry_at_ms - 1_000);
        }
        assert_eq!(waits, [100, 200, 400, 800, 1_500, 1_500]);
        assert!(matches!(b.blocked(2_499), Some(Some(_))));
        assert!(b.blocked(2_500).is_none());
    }
}
