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
use crate::session::{UserTokens, clear_changes};
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
    let user = snap.user.clone();
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

/// `GlobalSignOut`: every token of the user, on every device.
async fn global_sign_out(session: &Orchestrator, u: &UserTokens) -> Result<(), AuthError> {
    let req = json!({ "AccessToken": u.access.as_compact_str() });
    let _: serde_json::Value = session.idp()?.call("GlobalSignOut", &req).await?;
    Ok(())
}

/// `RevokeToken` of this session's refresh token.
async fn revoke(session: &Orchestrator, u: &UserTokens) -> Result<(), AuthError> {
    let Some(refresh) = &u.refresh else {
        return Ok(());
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
