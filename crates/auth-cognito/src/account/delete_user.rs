//! Deleting the signed-in user's account (`DeleteUser`), then signing out
//! locally through the sign-out's own transaction, which emits `SignedOut`.
//! If the service refuses, nothing is cleared.

use auth_core::error::AuthError;
use serde_json::Value;

use super::wire::{Ignored, user_request};
use crate::identity::IdentityPool;
use crate::orchestrator::Orchestrator;
use crate::sign_in::Pending;
use crate::sign_out;

/// Deletes the account and clears the session (see `CognitoAuthPlugin::delete_user`).
pub(crate) async fn delete_user(
    session: &Orchestrator,
    identity: Option<&IdentityPool>,
    pending: &Pending,
) -> Result<(), AuthError> {
    let req = user_request(session).await?;
    let _: Ignored = session
        .idp()?
        .call("DeleteUser", &Value::Object(req))
        .await?;
    tracing::debug!("user deleted; signing out locally");
    let (_, stored) = sign_out::sign_out_locally(session, identity, pending).await?;
    stored?;
    Ok(())
}
