//! Identity pools: the identity id and temporary AWS credentials, for guests,
//! signed-in users and federated sessions.
//!
//! | file            | what it holds                                                 |
//! |-----------------|---------------------------------------------------------------|
//! | `mod.rs`        | [`IdentityPool`], and [`SessionAccess`], all it sees of the session |
//! | `state.rs`      | [`IdentityState`]: the id, its owner, cached credentials, the federation |
//! | `persist.rs`    | the identity id and the credentials in storage, so a new process makes no call |
//! | `client.rs`     | the `aws-sdk-cognitoidentity` calls (`GetId`, `GetCredentialsForIdentity`) |
//! | `cache.rs`      | credentials from the cache, else fetched in single flight      |
//! | `federation.rs` | federating an external provider's token, and ending it         |
//!
//! This module does not know the plugin or the token orchestrator. It reads
//! and changes the session only through [`SessionAccess`]: a view of the
//! signed-in user's tokens and of the identity part of the snapshot, a way
//! to publish a new identity part, the clock and the event hub.

use std::sync::Arc;

use auth_core::error::AuthError;
use auth_core::events::AuthHub;
use auth_core::storage::KeyValueStorage;
use auth_core::types::AwsCredentials;
use tokio::sync::{Mutex, MutexGuard};

use crate::config::CognitoConfig;
use crate::flight::{Flight, Ticket};
use crate::session::UserTokens;

mod cache;
mod client;
mod federation;
mod persist;
mod state;

use client::IdentityClient;
#[cfg(test)]
pub(crate) use state::CachedCreds;
pub(crate) use state::{IdentityState, PrincipalKey};

/// What the identity pool needs from the session, and nothing more. The
/// token orchestrator implements it.
pub(crate) trait SessionAccess {
    /// The session as of now, read without a lock.
    fn view(&self) -> SessionView;
    /// Publishes `f` applied to the identity part, atomically with the rest
    /// of the session.
    fn update_identity(&self, f: impl Fn(&mut IdentityState));
    /// The injected clock, in milliseconds.
    fn now_ms(&self) -> i64;
    /// Where state changes and events go.
    fn hub(&self) -> &AuthHub;
}

/// The parts of the session the identity pool reads.
pub(crate) struct SessionView {
    /// The signed-in user's tokens.
    pub(crate) user: Option<Arc<UserTokens>>,
    /// Whether the last session ended with its refresh token rejected.
    pub(crate) expired: bool,
    /// The identity part.
    pub(crate) identity: Arc<IdentityState>,
}

/// The principal asking for credentials.
pub(crate) enum Principal {
    Guest,
    User(Arc<UserTokens>),
    Federated,
}

impl Principal {
    /// Who asks, given the outcome of fetching the user-pool tokens: the
    /// user, a guest (signed out, expired, or no user pool), a federated
    /// session, or nobody (a transient token failure, which must not fall
    /// back to guest credentials for a signed-in user).
    pub(crate) fn for_tokens(
        tokens: &Result<Arc<UserTokens>, AuthError>,
    ) -> Result<Self, AuthError> {
        match tokens {
            Ok(user) => Ok(Self::User(user.clone())),
            Err(
                AuthError::SignedOut | AuthError::SessionExpired { .. } | AuthError::NoUserPool,
            ) => Ok(Self::Guest),
            Err(AuthError::FederatedToIdentityPool) => Ok(Self::Federated),
            Err(e) => Err(e.clone()),
        }
    }
}

/// The result of [`CognitoAuthPlugin::federate_to_identity_pool`](crate::CognitoAuthPlugin::federate_to_identity_pool).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FederateToIdentityPoolResult {
    /// The identity id.
    pub identity_id: String,
    /// The temporary AWS credentials.
    pub credentials: AwsCredentials,
}

/// The identity id and credentials, or the error with the identity id when
/// it is still known.
pub(crate) type IdentityResult = Result<(String, AwsCredentials), (Option<String>, AuthError)>;

/// Taken when a forced `fetch_auth_session` is called, before it runs
/// (see `flight/mod.rs`); used by guests, whose credentials call is forced.
pub(crate) type CredsTicket<'a> = Ticket<'a, (PrincipalKey, bool), IdentityResult>;

/// The configured identity pool: its client, the store the identity id is
/// persisted in, and the lock that makes its calls single flight.
pub(crate) struct IdentityPool {
    client: IdentityClient,
    storage: Arc<dyn KeyValueStorage>,
    /// Serializes identity-pool transactions (GetId, GetCredentialsForIdentity).
    flight: Mutex<()>,
    /// The credentials call in flight, by principal and whether it was
    /// forced: callers that arrive while it runs adopt its result.
    creds_flight: Flight<(PrincipalKey, bool), IdentityResult>,
    guests_allowed: bool,
    creds_margin_ms: i64,
}

impl IdentityPool {
    /// The identity pool of `config`, if one is configured.
    pub(crate) fn for_config(
        config: &CognitoConfig,
        storage: Arc<dyn KeyValueStorage>,
    ) -> Option<Self> {
        // No identity pool configured: no client.
        config.identity_pool_id()?;
        let tuning = config.tuning();
        Some(Self {
            client: IdentityClient::new(config),
            storage,
            flight: Mutex::new(()),
            creds_flight: Flight::default(),
            guests_allowed: config.unauthenticated_identities_enabled(),
            creds_margin_ms: i64::try_from(tuning.credentials_expiry_margin.as_millis())
                .unwrap_or(i64::MAX),
        })
    }

    /// A ticket for a forced caller calling now.
    pub(crate) fn creds_ticket(&self) -> CredsTicket<'_> {
        self.creds_flight.ticket()
    }

    /// Waits until no identity-pool call is in flight and holds off new
    /// ones: sign-out takes it, so that no call installs credentials for a
    /// session being cleared.
    pub(crate) async fn hold(&self) -> MutexGuard<'_, ()> {
        self.flight.lock().await
    }
}
