//! Sharing one session with other processes through the store.
//!
//! A refresh runs under the store's cross-process lock (a lock file, a Redis
//! lease). Under it, the refresh re-reads the store and adopts tokens that
//! another process already refreshed, or refreshes and writes back; then it
//! releases the lock at once, so that a short-lived process (a CLI) does not
//! leave a lease behind to expire. A store that cannot be locked or read is
//! a transient failure: a still-valid token is served, and the refresh token
//! is never presented without the lock and a fresh read of the store.
//!
//! With refresh-token rotation, the write after a refresh is the one write
//! that must not be lost: until it lands, the store holds a refresh token
//! that Cognito has retired, and the next process to present it ends the
//! session. So it is tried [`SAVE_ATTEMPTS`] times while the lock is held.
//! If every attempt fails, the new tokens are served from memory and marked
//! [`Unsaved`], and the write is tried again, under the lock:
//! - at the start of the next refresh transaction, before the re-read (which
//!   would otherwise adopt the replaced tokens back);
//! - when the session is next read, once `retry_backoff` has passed since
//!   the last attempt (doubling up to `max_retry_backoff`), by a caller that
//!   finds no transaction running (it never waits for one);
//! - by `CognitoAuthPlugin::save_session`, which a program calls before it
//!   exits.
//!
//! The unsaved tokens are written only while the store still holds the
//! tokens they replaced: a session that another process has since signed
//! out of, or signed in to anew, is left as it is.

use std::sync::Arc;

use auth_core::error::AuthError;
use auth_core::secret::SecretString;
use auth_core::storage::{StorageChange, StorageLock};
use subtle::ConstantTimeEq;

use super::snapshot::Unsaved;
use super::{Orchestrator, millis};
use crate::session::{UserTokens, load, persist_changes};

/// What the re-read under the store's lock found.
pub(super) enum StoreHolds {
    /// Other, still-valid tokens of the same user: another process refreshed.
    Refreshed(UserTokens),
    /// Nothing to adopt; the user's stored refresh token, if any.
    RefreshToken(Option<SecretString>),
}

/// How many times the write after a refresh is tried while the lock is held.
pub(super) const SAVE_ATTEMPTS: u32 = 3;

/// Whether `a` and `b` are the same tokens: the same user and the same
/// access token, compared in constant time.
pub(super) fn same_tokens(a: &UserTokens, b: &UserTokens) -> bool {
    a.storage_username == b.storage_username
        && bool::from(
            a.access
                .as_compact_str()
                .as_bytes()
                .ct_eq(b.access.as_compact_str().as_bytes()),
        )
}

/// The store, seen from a refresh.
impl Orchestrator {
    /// Re-reads the stored session; the caller holds the store's lock.
    /// [`StoreHolds::Refreshed`] when it holds other, still-valid tokens of
    /// the same user: another process refreshed, and the caller adopts
    /// them. Else the refresh token it holds for the user, which is the one
    /// to present when this process keeps none in memory.
    ///
    /// # Errors
    ///
    /// The store's error: the caller must not refresh.
    pub(super) async fn refreshed_elsewhere(
        &self,
        user: &UserTokens,
        now_ms: i64,
    ) -> Result<StoreHolds, AuthError> {
        let stored = load(self.storage.as_ref(), self.keys()?).await?;
        Ok(match stored {
            Some(s) if s.storage_username != user.storage_username => {
                StoreHolds::RefreshToken(None)
            }
            Some(s) if !same_tokens(&s, user) && !s.needs_refresh(now_ms, self.token_margin_ms) => {
                StoreHolds::Refreshed(s)
            }
            Some(s) => StoreHolds::RefreshToken(s.refresh.held().cloned()),
            None => StoreHolds::RefreshToken(None),
        })
    }

    /// Releases the store's lock now and waits for the store to confirm.
    /// A failure is logged: a lease then ends by itself when it expires.
    pub(super) async fn release(&self, lock: StorageLock) {
        if let Err(e) = lock.release().await {
            tracing::warn!(error = %e, "could not release the storage lock; it ends when its lease expires");
        }
    }

    /// Writes the changes of a refresh, up to [`SAVE_ATTEMPTS`] times while
    /// the caller holds the store's lock. Whether they were written.
    pub(super) async fn save_refreshed(&self, changes: Vec<StorageChange>) -> bool {
        for attempt in 1..=SAVE_ATTEMPTS {
            match self.storage.apply(changes.clone()).await {
                Ok(()) => return true,
                Err(e) => {
                    tracing::warn!(error = %e, attempt, "could not save the refreshed session");
                    if !e.is_transient() {
                        break;
                    }
                }
            }
        }
        false
    }

    /// The record of new tokens `serial` that could not replace `replaced`
    /// in the store.
    pub(super) fn unsaved(&self, serial: u64, replaced: Arc<UserTokens>) -> Unsaved {
        Unsaved {
            serial,
            replaced,
            failures: 1,
            retry_at_ms: self.now_ms().saturating_add(self.save_backoff_ms(1)),
        }
    }

    /// The pause after `failures` failed saves: `retry_backoff` doubled per
    /// failure after the first, at most `max_retry_backoff`.
    fn save_backoff_ms(&self, failures: u32) -> i64 {
        let tuning = self.config.tuning();
        let base = millis(tuning.retry_backoff);
        let max = millis(tuning.max_retry_backoff);
        let factor = 1_i64 << failures.saturating_sub(1).min(20);
        base.saturating_mul(factor).min(max)
    }

    /// Tries the unsaved write again when it is due and no transaction is
    /// running; never waits. A failure is recorded for the next attempt;
    /// the caller is served from memory either way.
    pub(crate) async fn save_if_due(&self) {
        let now = self.now_ms();
        let due = self
            .state
            .load()
            .unsaved
            .as_ref()
            .is_some_and(|u| now >= u.retry_at_ms);
        if !due {
            return;
        }
        let Ok(_tx) = self.tx_lock.try_lock() else {
            return;
        };
        if let Err(e) = self.save_unsaved().await {
            tracing::debug!(error = %e, "the refreshed session is still unsaved");
        }
    }

    /// Writes unsaved tokens now (`CognitoAuthPlugin::save_session`).
    pub(crate) async fn save_session(&self) -> Result<(), AuthError> {
        if self.state.load().unsaved.is_none() {
            return Ok(());
        }
        let _tx = self.tx_lock.lock().await;
        self.save_unsaved().await
    }

    /// Takes the store's lock, writes unsaved tokens, releases the lock.
    /// The caller holds `tx_lock`.
    async fn save_unsaved(&self) -> Result<(), AuthError> {
        if self.state.load().unsaved.is_none() {
            return Ok(());
        }
        let lock = match self.storage.lock().await {
            Ok(lock) => lock,
            Err(e) => {
                self.save_failed();
                return Err(AuthError::Storage(e));
            }
        };
        let result = self.save_unsaved_locked().await;
        self.release(lock).await;
        result
    }

    /// Writes the unsaved tokens if the store still holds the tokens they
    /// replaced. The caller holds `tx_lock` and the store's lock.
    ///
    /// # Errors
    ///
    /// The store's error; the tokens stay unsaved.
    pub(super) async fn save_unsaved_locked(&self) -> Result<(), AuthError> {
        let snap = self.state.load_full();
        let Some(unsaved) = snap.unsaved.clone() else {
            return Ok(());
        };
        let Some(user) = snap.user.clone().filter(|u| u.serial == unsaved.serial) else {
            // The session has other tokens (or none) since: nothing to save.
            self.clear_unsaved(unsaved.serial);
            return Ok(());
        };
        let keys = self.keys()?;
        let stored = match load(self.storage.as_ref(), keys).await {
            Ok(stored) => stored,
            Err(e) => {
                self.save_failed();
                return Err(e);
            }
        };
        match stored {
            Some(s) if same_tokens(&s, &unsaved.replaced) => {
                if let Err(e) = self.storage.apply(persist_changes(keys, &user)).await {
                    self.save_failed();
                    return Err(AuthError::Storage(e));
                }
                tracing::info!("saved the refreshed session that an earlier write could not");
                self.forget_saved_refresh(unsaved.serial);
            }
            // An earlier write that timed out had landed after all.
            Some(s) if same_tokens(&s, &user) => self.forget_saved_refresh(unsaved.serial),
            _ => tracing::warn!(
                "the stored session changed (signed out, or signed in anew, elsewhere); the refreshed tokens stay in this process only"
            ),
        }
        self.clear_unsaved(unsaved.serial);
        Ok(())
    }

    /// Drops tokens `serial`'s refresh token from memory, now that the
    /// store holds it (the tokens themselves stay the same).
    fn forget_saved_refresh(&self, serial: u64) {
        self.update(|s| {
            if let Some(u) = s.user.as_ref().filter(|u| u.serial == serial) {
                s.user = Some(Arc::new(UserTokens::clone(u).saved()));
            }
        });
    }

    /// Records a failed save: the next attempt waits longer.
    fn save_failed(&self) {
        let now = self.now_ms();
        self.update(|s| {
            if let Some(u) = s.unsaved.as_mut() {
                u.failures = u.failures.saturating_add(1);
                u.retry_at_ms = now.saturating_add(self.save_backoff_ms(u.failures));
            }
        });
    }

    /// Forgets the unsaved record of tokens `serial`, if it is the current one.
    fn clear_unsaved(&self, serial: u64) {
        self.update(|s| {
            if s.unsaved.as_ref().is_some_and(|u| u.serial == serial) {
                s.unsaved = None;
            }
        });
    }
}
