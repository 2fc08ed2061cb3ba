//! The refresh transaction: tokens refreshed once for any number of callers
//! (single flight), tokens another process refreshed adopted, a still-valid
//! token served through a transient failure (soft refresh), and the session
//! ended on a definitive one.

use std::sync::Arc;

use auth_core::error::AuthError;
use auth_core::events::{AuthEvent, AuthState};
use auth_core::storage::{StorageChange, StorageError, StorageLock};

use super::classify::is_definitive;
use super::shared::StoreHolds;
use super::{Orchestrator, poisoned};
use crate::flight::Ticket;
use crate::identity::IdentityState;
use crate::session::{RefreshToken, UserTokens, clear_changes};

/// A refresh's answer, with the session generation it left behind (read
/// under the transaction lock): a caller adopting a completed refresh
/// checks that nothing (a sign-out, a new sign-in) changed the session since.
pub(crate) type Refreshed = (Result<Arc<UserTokens>, AuthError>, u64);

/// Taken when a forced `fetch_auth_session` is called, before it runs
/// (see `flight/mod.rs`).
pub(crate) type RefreshTicket<'a> = Ticket<'a, bool, Refreshed>;

/// What a caller gets after a transient refresh failure.
enum AfterTransient {
    /// The current token is still within its real `exp`: serve it.
    ServeCurrent,
    /// The token has really expired: the caller gets this error.
    Fail(AuthError),
}

/// Refreshing.
impl Orchestrator {
    /// The user-pool tokens, refreshed when expired or forced.
    pub(crate) async fn current_tokens(&self, force: bool) -> Result<Arc<UserTokens>, AuthError> {
        self.current_tokens_after(force, None).await
    }

    /// A ticket for a forced caller calling now: it will adopt a forced
    /// refresh that starts after this and has completed when it runs.
    pub(crate) fn refresh_ticket(&self) -> RefreshTicket<'_> {
        self.refresh_flight.ticket()
    }

    /// [`current_tokens`](Self::current_tokens) for a caller that took
    /// `ticket` when it called.
    pub(crate) async fn current_tokens_after(
        &self,
        force: bool,
        ticket: Option<RefreshTicket<'_>>,
    ) -> Result<Arc<UserTokens>, AuthError> {
        // The slow paths' futures are boxed: inline, they would make this
        // future (which `get_current_user` moves on every call) larger.
        let mut snap = self.state.load_full();
        if !snap.loaded {
            Box::pin(self.ensure_loaded()).await?;
            snap = self.state.load_full();
        }
        let Some(user) = snap.user.clone() else {
            if !self.has_user_pool() {
                return Err(AuthError::NoUserPool);
            }
            return Err(self.signed_out_error(&snap));
        };
        if !force && !user.needs_refresh(self.now_ms(), self.token_margin_ms) {
            if snap.unsaved.is_some() {
                Box::pin(self.save_if_due()).await;
            }
            return Ok(user);
        }
        if force && !user.refresh.exists() {
            return Err(AuthError::NoRefreshToken);
        }
        // A caller that arrives while a refresh is in flight adopts its
        // result, woken with every other waiter at once; a forced caller
        // adopts only a forced refresh (an unforced one may have been
        // answered from storage or held back by the backoff). A forced
        // caller with a ticket also adopts a forced refresh that started
        // after it called and has completed, while the session is still as
        // that refresh left it.
        let seen_generation = snap.generation;
        let ticket = ticket.filter(|_| force);
        let refresh = self.refresh_flight.run_after(
            ticket,
            force,
            |flight_forced| *flight_forced || !force,
            |(_, left)| *left == self.state.load().generation,
            || self.refresh_tokens(seen_generation, force),
        );
        Box::pin(refresh).await.0
    }

    /// The refresh transaction. `seen_generation` is the generation the
    /// caller saw when it decided to refresh: if another caller refreshed
    /// since, its result is used instead (single flight).
    async fn refresh_tokens(&self, seen_generation: u64, forced: bool) -> Refreshed {
        let _tx = self.tx_lock.lock().await;
        let result = self.refresh_locked(seen_generation, forced).await;
        (result, self.state.load().generation)
    }

    /// [`refresh_tokens`](Self::refresh_tokens) under the transaction lock.
    async fn refresh_locked(
        &self,
        seen_generation: u64,
        forced: bool,
    ) -> Result<Arc<UserTokens>, AuthError> {
        self.load_locked().await?;
        let snap = self.state.load_full();
        let Some(user) = snap.user.clone() else {
            return Err(self.signed_out_error(&snap));
        };
        let now = self.now_ms();
        if snap.generation != seen_generation
            && (forced || !user.needs_refresh(now, self.token_margin_ms))
        {
            return Ok(user);
        }
        if !forced && self.store_backing_off(&user, now)? {
            return Ok(user);
        }
        // Another process sharing the store may be refreshing, or may have
        // refreshed already: nothing is presented without its lock.
        let lock = match self.storage.lock().await {
            Ok(lock) => lock,
            Err(e) => {
                let e = AuthError::Storage(e);
                return self.transient_failure(&user, e, now).into_result(user);
            }
        };
        let result = self.refresh_holding(user, forced, now, &lock).await;
        self.release(lock).await;
        result
    }

    /// The refresh under the store's lock: saves tokens an earlier write
    /// could not, re-reads the store and adopts what another process
    /// refreshed, else calls Cognito and writes back.
    async fn refresh_holding(
        &self,
        user: Arc<UserTokens>,
        forced: bool,
        now: i64,
        lock: &StorageLock,
    ) -> Result<Arc<UserTokens>, AuthError> {
        if let Err(e) = self.save_unsaved_locked().await {
            return self.transient_failure(&user, e, now).into_result(user);
        }
        let stored_refresh = match self.refreshed_elsewhere(&user, now).await {
            Ok(StoreHolds::Refreshed(stored)) => {
                let adopted = Arc::new(stored.saved());
                let new = adopted.clone();
                self.update(|s| {
                    s.generation += 1;
                    s.user = Some(new.clone());
                    s.unsaved = None;
                });
                tracing::debug!("adopted tokens refreshed by another process");
                return Ok(adopted);
            }
            Ok(StoreHolds::RefreshToken(token)) => token,
            // The store could not be read: what it holds may be newer than
            // this process's refresh token, so that token is not presented.
            Err(e) => return self.transient_failure(&user, e, now).into_result(user),
        };
        // A token this process holds (not yet saved) first; else the one
        // the store holds for the user, just read under the lock.
        let refresh = match (&user.refresh, stored_refresh) {
            (RefreshToken::Held(token), _) => token.clone(),
            (RefreshToken::Stored, Some(token)) => token,
            (RefreshToken::Stored, None) => {
                tracing::warn!(
                    "the store no longer holds this session's refresh token (signed out elsewhere?); it is not refreshed"
                );
                return Err(AuthError::NoRefreshToken);
            }
            (RefreshToken::None, _) => return Err(AuthError::NoRefreshToken),
        };
        if !forced {
            let blocked = self.backoff.lock().map_err(|_| poisoned())?.blocked(now);
            if let Some(last_error) = blocked {
                if !user.is_really_expired(now) {
                    return Ok(user);
                }
                if let Some(e) = last_error {
                    return Err(e);
                }
            }
        }
        if !lock.is_held() {
            // A lease lost (Redis unreachable for a whole lease, or taken
            // over after a long pause): another process may be refreshing.
            let e = AuthError::Storage(StorageError::LockTimeout {
                detail: "the storage lock was lost before the refresh started; another process may hold it now".into(),
            });
            return self.transient_failure(&user, e, now).into_result(user);
        }
        match self.call_refresh_with_device(&user, &refresh).await {
            Ok((result, device_key)) => {
                let tokens = self.tokens_from_result(
                    "GetTokensFromRefreshToken",
                    result,
                    Some(refresh),
                    user.sign_in_details.clone(),
                );
                let tokens = match tokens {
                    Ok(mut t) if t.user_sub == user.user_sub => {
                        t.device_key = device_key;
                        t.origin = user.origin;
                        t
                    }
                    Ok(_) => {
                        return Err(AuthError::InvalidResponse {
                            operation: "GetTokensFromRefreshToken".into(),
                            message: "the refreshed tokens belong to another user".into(),
                        });
                    }
                    Err(e) => return self.transient_failure(&user, e, now).into_result(user),
                };
                if let Err(e) = self.verify(&tokens).await {
                    // Tokens that fail verification are never installed; the
                    // session keeps the ones it has.
                    return self.transient_failure(&user, e, now).into_result(user);
                }
                if let Ok(mut b) = self.backoff.lock() {
                    *b = Default::default();
                }
                self.install_tokens(tokens, AuthEvent::TokenRefresh).await
            }
            Err(e) if is_definitive(&e) => Err(self.expire_session(&user, &e).await),
            Err(e) => self.transient_failure(&user, e, now).into_result(user),
        }
    }

    /// Whether to serve `user` without touching the store: the last attempt
    /// failed on the store, its backoff runs, and the token is still valid.
    fn store_backing_off(&self, user: &UserTokens, now: i64) -> Result<bool, AuthError> {
        let backoff = self.backoff.lock().map_err(|_| poisoned())?;
        Ok(backoff.blocked_by_storage(now) && !user.is_really_expired(now))
    }

    /// Records a transient failure (backoff, `TokenRefreshFailure`) and
    /// says whether the still-valid token may be served.
    fn transient_failure(&self, user: &UserTokens, e: AuthError, now: i64) -> AfterTransient {
        let reason = e
            .service_code()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("{e}"));
        if let Ok(mut b) = self.backoff.lock() {
            let tuning = self.config.tuning();
            b.record(
                &e,
                now,
                millis_or_zero(tuning.retry_backoff),
                millis_or_zero(tuning.max_retry_backoff),
            );
        }
        self.hub.emit(AuthEvent::TokenRefreshFailure {
            reason,
            definitive: false,
        });
        tracing::debug!(error = %e, "token refresh failed transiently; the session is kept");
        if user.is_really_expired(now) {
            AfterTransient::Fail(e)
        } else {
            AfterTransient::ServeCurrent
        }
    }

    /// Clears the user-pool session after a definitive refresh failure and
    /// emits `TokenRefreshFailure` then `SessionExpired` (once).
    async fn expire_session(&self, user: &UserTokens, error: &AuthError) -> AuthError {
        let reason = error
            .service_code()
            .map(str::to_owned)
            .unwrap_or_else(|| error.to_string());
        if let Ok(keys) = self.keys() {
            let mut changes = clear_changes(keys, &user.storage_username);
            changes.push(StorageChange::Set(keys.session_expired(), reason.clone()));
            changes.extend(IdentityState::clear_user_identity_changes(
                &self.state.load().identity,
                self.config.identity_pool_id(),
            ));
            if let Err(e) = self.storage.apply(changes).await {
                tracing::warn!(error = %e, "could not clear the expired session from storage");
            }
        }
        self.update(|s| {
            s.generation += 1;
            s.user = None;
            s.unsaved = None;
            s.expired = true;
            s.identity_mut().clear_user_identity();
        });
        self.hub.emit(AuthEvent::TokenRefreshFailure {
            reason: reason.clone(),
            definitive: true,
        });
        self.hub.emit(AuthEvent::SessionExpired);
        self.hub.set_state(AuthState::SessionExpired);
        AuthError::SessionExpired { reason }
    }
}

impl AfterTransient {
    /// The caller's answer: `user` when it may be served, else the error.
    fn into_result(self, user: Arc<UserTokens>) -> Result<Arc<UserTokens>, AuthError> {
        match self {
            Self::ServeCurrent => Ok(user),
            Self::Fail(e) => Err(e),
        }
    }
}

/// `Duration` to whole milliseconds, 0 when it does not fit (as before).
fn millis_or_zero(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(0)
}
