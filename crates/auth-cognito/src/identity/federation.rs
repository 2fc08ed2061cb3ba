//! Federating an external provider's token (Google, Apple, SAML, OIDC) to
//! the identity pool, and ending that federation.

use std::sync::Arc;

use auth_core::error::AuthError;
use auth_core::events::{AuthEvent, AuthState};
use auth_core::secret::SecretString;

use super::state::{Federation, IdOwner, PrincipalKey};
use super::{FederateToIdentityPoolResult, IdentityPool, SessionAccess};
use crate::session::next_serial;

/// Federation.
impl IdentityPool {
    /// Refuses an empty provider name or token.
    pub(crate) fn check_federation_input(
        provider_name: &str,
        token: &str,
    ) -> Result<(), AuthError> {
        if provider_name.trim().is_empty() {
            return Err(AuthError::InvalidParameter {
                name: "provider_name".into(),
                message: "empty".into(),
            });
        }
        if token.is_empty() {
            return Err(AuthError::InvalidParameter {
                name: "token".into(),
                message: "empty".into(),
            });
        }
        Ok(())
    }

    /// Federates `token` of `provider_name`: the session then has an identity
    /// id and AWS credentials, but no user-pool tokens. The session must be
    /// loaded; a signed-in user-pool user is refused.
    pub(crate) async fn federate(
        &self,
        session: &impl SessionAccess,
        provider_name: &str,
        token: &str,
    ) -> Result<FederateToIdentityPoolResult, AuthError> {
        if session.view().user.is_some() {
            return Err(AuthError::InvalidState(
                "a user-pool user is signed in; sign out before federating to the identity pool"
                    .into(),
            ));
        }
        let _flight = self.flight.lock().await;
        let federation = Arc::new(Federation {
            provider: provider_name.to_owned(),
            token: SecretString::new(token),
            serial: next_serial(),
        });
        let logins = vec![(federation.provider.clone(), federation.token.clone())];
        let key = PrincipalKey::Federated(federation.serial);
        let mut state = (*session.view().identity).clone();
        if !matches!(state.owner, Some(IdOwner::Federated)) {
            // Another provider's, or a guest's, id is not reused.
            state.identity_id = None;
            state.owner = None;
        }
        let (identity_id, credentials) = self
            .fetch_and_install(session, &state, logins, IdOwner::Federated, key, 0)
            .await
            .map_err(|(_, e)| e)?;
        let fed = federation.clone();
        session.update_identity(|identity| identity.federation = Some(fed.clone()));
        session.hub().set_state(AuthState::Federated);
        session.hub().emit(AuthEvent::FederatedToIdentityPool);
        Ok(FederateToIdentityPoolResult {
            identity_id,
            credentials,
        })
    }

    /// Ends a federated session (Amplify's `clearFederationToIdentityPool`).
    pub(crate) async fn clear_federation(
        &self,
        session: &impl SessionAccess,
    ) -> Result<(), AuthError> {
        let _flight = self.flight.lock().await;
        if session.view().identity.federation.is_none() {
            return Err(AuthError::InvalidState(
                "the session is not federated to the identity pool".into(),
            ));
        }
        session.update_identity(|identity| {
            identity.federation = None;
            identity.creds = None;
            if matches!(identity.owner, Some(IdOwner::Federated)) {
                identity.identity_id = None;
                identity.owner = None;
            }
        });
        session.hub().set_state(AuthState::SignedOut);
        session.hub().emit(AuthEvent::FederationCleared);
        Ok(())
    }
}
