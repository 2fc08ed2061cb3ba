//! The identity part of the session: the identity id, whose it is, the
//! cached credentials and the federation (persisted by `persist.rs`).

use std::fmt;
use std::sync::Arc;

use auth_core::secret::SecretString;
use auth_core::types::AwsCredentials;
use serde::{Deserialize, Serialize};

/// Whose identity id is cached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "sub", rename_all = "lowercase")]
pub(crate) enum IdOwner {
    /// An unauthenticated (guest) identity.
    Guest,
    /// The identity of the user-pool user with this `sub`.
    User(String),
    /// A federated identity (never persisted).
    Federated,
}

/// Which principal credentials were fetched for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PrincipalKey {
    Guest,
    /// The serial of the user's tokens: a refresh invalidates credentials.
    User(u64),
    /// The serial of the federation.
    Federated(u64),
}

/// Credentials with their validity, as integers for the hot path.
#[derive(Debug)]
pub(crate) struct CachedCreds {
    pub(crate) creds: AwsCredentials,
    /// When to fetch new credentials, in local ms: `Expiration` (corrected by
    /// the clock drift measured on the user's tokens) less the margin, or
    /// less half the lifetime for credentials shorter than twice the margin
    /// (so that 90-second credentials are not refetched on every call).
    /// `i64::MAX` when the service gave no expiration.
    pub(crate) refresh_at_ms: i64,
    pub(crate) principal: PrincipalKey,
}

/// A session federated with an external provider's token.
pub(crate) struct Federation {
    pub(super) provider: String,
    pub(super) token: SecretString,
    pub(super) serial: u64,
}

impl fmt::Debug for Federation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Federation")
            .field("provider", &self.provider)
            .finish_non_exhaustive()
    }
}

/// The identity part of the plugin's snapshot.
#[derive(Debug, Clone, Default)]
pub(crate) struct IdentityState {
    pub(crate) identity_id: Option<Arc<str>>,
    pub(crate) owner: Option<IdOwner>,
    pub(crate) creds: Option<Arc<CachedCreds>>,
    /// Bumped whenever credentials are installed (single-flight check).
    pub(crate) creds_serial: u64,
    pub(crate) federation: Option<Arc<Federation>>,
}

impl IdentityState {
    /// Forgets a signed-in user's identity id and every cached credential.
    pub(crate) fn clear_user_identity(&mut self) {
        if matches!(self.owner, Some(IdOwner::User(_))) {
            self.identity_id = None;
            self.owner = None;
        }
        self.creds = None;
    }
}
