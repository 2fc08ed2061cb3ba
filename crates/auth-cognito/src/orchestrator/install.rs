//! Installing tokens: the end of every sign-in, and of every refresh.

use std::sync::Arc;

use auth_core::error::AuthError;
use auth_core::events::{AuthEvent, AuthState};
use auth_core::types::SignInDetails;

use super::Orchestrator;
use crate::idp::AuthenticationResult;
use crate::session::{SignInOrigin, UserTokens, clear_changes, persist_changes};

/// Installing tokens.
impl Orchestrator {
    /// Where every sign-in path ends: SRP, password and the challenges that
    /// follow them today; the hosted UI, devices, `USER_AUTH` and auto
    /// sign-in next. Nothing else signs a user in.
    ///
    /// In order: builds the tokens from `result` (measuring the clock drift),
    /// verifies them when verification is on, then, as one transaction under
    /// `tx_lock`: refuses if someone signed in meanwhile, persists them (a
    /// sign-in that cannot be persisted fails as a whole, and the store is
    /// left as it was), publishes them, ends any identity-pool federation,
    /// sets the state to `SignedIn`, emits `SignedIn`, and last runs
    /// `in_transaction`, the caller's own bookkeeping (such as dropping its
    /// pending challenge). A guest identity id is kept, so that the next
    /// identity-pool call upgrades it with the user's logins.
    pub(crate) async fn complete_sign_in(
        &self,
        operation: &'static str,
        result: AuthenticationResult,
        details: Option<SignInDetails>,
        in_transaction: impl FnOnce() -> Result<(), AuthError>,
    ) -> Result<(), AuthError> {
        self.complete_sign_in_from(
            SignInOrigin::Api,
            operation,
            result,
            details,
            in_transaction,
        )
        .await
    }

    /// [`complete_sign_in`](Self::complete_sign_in) for a session that came
    /// from `origin` (the hosted UI records it, so that sign-out offers its
    /// `/logout`). The one body every sign-in runs.
    pub(crate) async fn complete_sign_in_from(
        &self,
        origin: SignInOrigin,
        operation: &'static str,
        result: AuthenticationResult,
        details: Option<SignInDetails>,
        in_transaction: impl FnOnce() -> Result<(), AuthError>,
    ) -> Result<(), AuthError> {
        let mut tokens = self.tokens_from_result(operation, result, None, details)?;
        tokens.origin = origin;
        self.verify(&tokens).await?;
        let _tx = self.tx_lock.lock().await;
        if self.state.load().user.is_some() {
            return Err(AuthError::AlreadySignedIn);
        }
        let event = AuthEvent::SignedIn {
            username: tokens.username.clone(),
        };
        self.install_tokens(tokens, event).await?;
        in_transaction()
    }

    /// [`complete_sign_in`](Self::complete_sign_in), then `after_install`: a step
    /// the sign-in passes in that runs once the tokens are installed, outside the
    /// transaction (it may call the service with the new access token, as
    /// confirming a new device does), and whose answer is returned.
    pub(crate) async fn complete_sign_in_then<R>(
        &self,
        operation: &'static str,
        result: AuthenticationResult,
        details: Option<SignInDetails>,
        in_transaction: impl FnOnce() -> Result<(), AuthError>,
        after_install: impl AsyncFnOnce(Arc<UserTokens>) -> R,
    ) -> Result<R, AuthError> {
        self.complete_sign_in(operation, result, details, in_transaction)
            .await?;
        let snap = self.state.load_full();
        let tokens = snap.user.clone().ok_or(AuthError::SignedOut)?;
        Ok(after_install(tokens).await)
    }

    /// Persists freshly received tokens, publishes them and emits `event`
    /// (`SignedIn` or `TokenRefresh`). The caller holds `tx_lock`.
    pub(super) async fn install_tokens(
        &self,
        tokens: UserTokens,
        event: AuthEvent,
    ) -> Result<Arc<UserTokens>, AuthError> {
        let keys = self.keys()?;
        let mut changes = Vec::new();
        let previous = self.state.load().user.clone();
        if let Some(prev) = &previous
            && prev.storage_username != tokens.storage_username
        {
            changes.extend(clear_changes(keys, &prev.storage_username));
        }
        changes.extend(persist_changes(keys, &tokens));
        let is_sign_in = matches!(event, AuthEvent::SignedIn { .. });
        let mut unsaved = None;
        let saved = if is_sign_in {
            // Nothing is published: a sign-in that cannot be persisted
            // fails as a whole, and the store is left as it was.
            self.storage.apply(changes).await?;
            true
        } else if !self.save_refreshed(changes).await {
            // Refreshed tokens are valid, and the old refresh token may have
            // been rotated away: serve them from memory and save them later
            // (shared.rs).
            unsaved = previous.map(|p| self.unsaved(tokens.serial, p));
            false
        } else {
            true
        };
        // Saved: the refresh token is read from the store when needed.
        let tokens = Arc::new(if saved { tokens.saved() } else { tokens });
        let new = tokens.clone();
        self.update(|s| {
            s.loaded = true;
            s.generation += 1;
            s.user = Some(new.clone());
            s.unsaved = unsaved.clone();
            s.expired = false;
            if is_sign_in && s.identity.federation.is_some() {
                s.identity_mut().federation = None;
            }
        });
        self.hub.set_state(AuthState::SignedIn);
        self.hub.emit(event);
        Ok(tokens)
    }
}
