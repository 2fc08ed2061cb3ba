//! Sign-out: the local session is cleared first, as one transaction; then,
//! outside every lock, the server-side step: `GlobalSignOut` for a global
//! sign-out, or `RevokeToken` of the refresh token when the access token
//! has `origin_jti` (as Amplify JS does). A failure of that step is
//! reported in the result and never keeps the local session.

use std::sync::Arc;

use auth_core::error::AuthError;
use auth_core::events::{AuthEvent, AuthState};
use auth_core::storage::{StorageChange, StorageError};
use auth_core::types::{SignOutOptions, SignOutResult};
use serde_json::json;

use crate::identity::{IdentityPool, IdentityState};
use crate::orchestrator::Orchestrator;
use crate::session::{RefreshToken, SignInOrigin, UserTokens, clear_changes};
use crate::sign_in::Pending;

/// Signs out (see `CognitoAuthPlugin::sign_out`).
pub(crate) async fn sign_out(
    session: &Orchestrator,
    identity: Option<&IdentityPool>,
    pending: &Pending,
    options: SignOutOptions,
) -> Result<SignOutResult, AuthError> {
    let (user, storage_result) = sign_out_locally(session, identity, pending).await?;
    // The remote step runs outside the session lock: a slow network
    // never delays other callers, who already see a signed-out session.
    let mut result = SignOutResult::default();
    let user_origin = user.as_ref().map(|u| u.origin);
    if let Some(u) = user {
        let remote = if options.global {
            Some(global_sign_out(session, &u).await)
        } else if u.access.claims().get("origin_jti").is_some() {
            Some(revoke(session, &u).await)
        } else {
            None
        };
        match remote {
            Some(Ok(())) => result = SignOutResult::remote_succeeded(),
            Some(Err(e)) => {
                tracing::debug!(error = %e, "server-side sign-out failed; the local session is cleared");
                result = SignOutResult::remote_failed(e);
            }
            None => {}
        }
    }
    storage_result?;
    if let Some(url) = hosted_ui_sign_out_url(session, user_origin) {
        result = result.with_sign_out_url(url);
    }
    Ok(result)
}

/// The local half of a sign-out, as one transaction: clears the stored and
/// in-memory session (the user's identity id and credentials too), drops a
/// pending challenge, sets the state to `SignedOut` and emits `SignedOut`.
/// Returns the user that was signed in, and the storage write's result.
/// `delete_user` ends here too, since its tokens died with the account.
pub(crate) async fn sign_out_locally(
    session: &Orchestrator,
    identity: Option<&IdentityPool>,
    pending: &Pending,
) -> Result<(Option<Arc<UserTokens>>, Result<(), StorageError>), AuthError> {
    let _tx = session.tx_lock.lock().await;
    let _flight = match identity {
        Some(pool) => Some(pool.hold().await),
        None => None,
    };
    // A corrupt store must not prevent signing out of the memory session.
    // An unreachable one that was never read leaves nothing to sign out
    // of here, and a stored session nobody could clear: retry later.
    if let Err(AuthError::Storage(e)) = session.load_locked().await
        && e.is_transient()
        && !session.state.load().loaded
    {
        return Err(AuthError::Storage(e));
    }
    pending.clear()?;
    let snap = session.state.load_full();
    let user = match snap.user.clone() {
        Some(u) => Some(with_stored_refresh(session, u).await),
        None => None,
    };
    let mut changes: Vec<StorageChange> = Vec::new();
    if let (None, true, Ok(keys)) = (&user, snap.expired, session.keys()) {
        changes.push(StorageChange::Remove(keys.session_expired()));
    }
    if let (Some(u), Ok(keys)) = (&user, session.keys()) {
        changes.extend(clear_changes(keys, &u.storage_username));
        changes.extend(IdentityState::clear_user_identity_changes(
            &snap.identity,
            session.config.identity_pool_id(),
        ));
    }
    let storage_result = if changes.is_empty() {
        Ok(())
    } else {
        session.storage.apply(changes).await
    };
    let had_user = user.is_some();
    session.update(|s| {
        s.loaded = true;
        s.generation += 1;
        s.user = None;
        s.expired = false;
        let identity = s.identity_mut();
        identity.federation = None;
        if had_user {
            identity.clear_user_identity();
        }
    });
    session.hub.set_state(AuthState::SignedOut);
    session.hub.emit(AuthEvent::SignedOut);
    Ok((user, storage_result))
}

/// `u` with its refresh token read from the store, when only the store
/// holds it: the remote step revokes it after the store is cleared. A
/// failed read leaves it there (and the revocation reports the failure).
async fn with_stored_refresh(session: &Orchestrator, u: Arc<UserTokens>) -> Arc<UserTokens> {
    if !matches!(u.refresh, RefreshToken::Stored) {
        return u;
    }
    let Ok(keys) = session.keys() else {
        return u;
    };
    match session
        .storage
        .get(&keys.field(&u.storage_username, "refreshToken"))
        .await
    {
        Ok(Some(token)) => {
            let mut held = UserTokens::clone(&u);
            held.refresh = RefreshToken::Held(token.into());
            Arc::new(held)
        }
        Ok(None) => u,
        Err(e) => {
            tracing::warn!(error = %e, "could not read the refresh token to revoke at sign-out");
            u
        }
    }
}

/// The hosted UI's `/logout` for a session that came from it, so that its
/// cookie does not sign the user straight back in.
fn hosted_ui_sign_out_url(session: &Orchestrator, origin: Option<SignInOrigin>) -> Option<String> {
    (origin == Some(SignInOrigin::HostedUi))
        .then(|| crate::hosted_ui::logout_url(&session.config))
        .flatten()
}

/// `GlobalSignOut`: every token of the user, on every device.
async fn global_sign_out(session: &Orchestrator, u: &UserTokens) -> Result<(), AuthError> {
    let req = json!({ "AccessToken": u.access.as_compact_str() });
    let _: serde_json::Value = session.idp()?.call("GlobalSignOut", &req).await?;
    Ok(())
}

/// `RevokeToken` of this session's refresh token.
async fn revoke(session: &Orchestrator, u: &UserTokens) -> Result<(), AuthError> {
    let refresh = match &u.refresh {
        RefreshToken::Held(token) => token,
        RefreshToken::None => return Ok(()),
        RefreshToken::Stored => {
            return Err(AuthError::Storage(StorageError::Unavailable {
                detail: "the refresh token was not found in storage (or could not be read) before the sign-out cleared it; it was not revoked".into(),
            }));
        }
    };
    let mut req = json!({
        "Token": refresh.expose_secret(),
        "ClientId": session.client_id()?,
    });
    if let Some(s) = session.config.client_secret() {
        req["ClientSecret"] = json!(s.expose_secret());
    }
    let _: serde_json::Value = session.idp()?.call("RevokeToken", &req).await?;
    Ok(())
}
