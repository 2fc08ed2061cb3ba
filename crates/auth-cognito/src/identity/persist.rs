//! How the identity part is persisted, so that a new process with a valid
//! stored session makes no identity-pool call:
//!
//! - `com.amplify.Cognito.<identityPoolId>.identityId`: the identity id and
//!   whose it is (`{"id": .., "owner": {"type": "guest" | "user", "sub": ..}}`);
//! - `com.amplify.Cognito.<identityPoolId>.awsCredentials`: the credentials
//!   with their `Expiration`, when to renew them, the identity id and owner
//!   they belong to, and for a user a digest of the id token they were
//!   fetched with (credentials follow the tokens, as in memory).
//!
//! Federated identities are never persisted. Both keys go on sign-out and on
//! a definitive refresh failure (a guest's identity id stays). The stored
//! credentials are a cache: a value that does not parse, or that belongs to
//! other tokens or another identity, is ignored (and replaced by the next
//! fetch), never an error. Their secret key and session token are as secret
//! as the refresh token stored beside them: nothing here prints them.

use std::sync::Arc;

use auth_core::error::AuthError;
use auth_core::secret::SecretString;
use auth_core::storage::{KeyValueStorage, StorageChange, StorageError};
use auth_core::types::AwsCredentials;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::state::{CachedCreds, IdOwner, IdentityState, PrincipalKey};
use crate::session::UserTokens;

#[derive(Serialize, Deserialize)]
struct StoredIdentity {
    id: String,
    owner: IdOwner,
}

/// Stored credentials. No `Debug`: it holds the secret key.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredCreds {
    access_key_id: String,
    secret_access_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    session_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expiration: Option<i64>,
    /// When to fetch new ones, local milliseconds (see [`CachedCreds`]).
    refresh_at_ms: i64,
    identity_id: String,
    owner: IdOwner,
    /// For a user: [`tokens_digest`] of the id token they were fetched with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tokens: Option<String>,
}

fn identity_key(pool_id: &str) -> String {
    format!("com.amplify.Cognito.{pool_id}.identityId")
}

fn credentials_key(pool_id: &str) -> String {
    format!("com.amplify.Cognito.{pool_id}.awsCredentials")
}

/// Names the id token credentials were fetched with, without revealing it:
/// the first 16 bytes of its SHA-256, base64url.
pub(super) fn tokens_digest(id_token: &str) -> String {
    URL_SAFE_NO_PAD.encode(&Sha256::digest(id_token.as_bytes())[..16])
}

/// What [`IdentityPool::fetch_and_install`](super::IdentityPool) persists
/// after a fetch: the identity id when it changed, and the credentials.
pub(super) struct Fetched<'a> {
    pub(super) pool_id: &'a str,
    pub(super) identity_id: &'a str,
    pub(super) owner: &'a IdOwner,
    pub(super) id_changed: bool,
    pub(super) creds: &'a AwsCredentials,
    pub(super) refresh_at_ms: i64,
    /// For a user: the id token the credentials were fetched with.
    pub(super) id_token: Option<&'a SecretString>,
}

impl Fetched<'_> {
    /// The storage changes: none for a federated identity.
    pub(super) fn changes(&self) -> Vec<StorageChange> {
        if *self.owner == IdOwner::Federated {
            return Vec::new();
        }
        let mut changes = Vec::with_capacity(2);
        if self.id_changed {
            let stored = StoredIdentity {
                id: self.identity_id.to_owned(),
                owner: self.owner.clone(),
            };
            if let Ok(json) = serde_json::to_string(&stored) {
                changes.push(StorageChange::Set(identity_key(self.pool_id), json));
            }
        }
        let stored = StoredCreds {
            access_key_id: self.creds.access_key_id.to_string(),
            secret_access_key: self.creds.secret_access_key.expose_secret().to_owned(),
            session_token: self
                .creds
                .session_token
                .as_ref()
                .map(|t| t.expose_secret().to_owned()),
            expiration: self.creds.expiration,
            refresh_at_ms: self.refresh_at_ms,
            identity_id: self.identity_id.to_owned(),
            owner: self.owner.clone(),
            tokens: self.id_token.map(|t| tokens_digest(t.expose_secret())),
        };
        if let Ok(json) = serde_json::to_string(&stored) {
            changes.push(StorageChange::Set(credentials_key(self.pool_id), json));
        }
        changes
    }
}

impl IdentityState {
    /// Reads the persisted identity id, and the persisted credentials when
    /// they belong to it and to `user`'s current tokens (or to a guest).
    pub(crate) async fn load(
        storage: &dyn KeyValueStorage,
        pool_id: &str,
        user: Option<&UserTokens>,
    ) -> Result<Self, AuthError> {
        let Some(raw) = storage.get(&identity_key(pool_id)).await? else {
            return Ok(Self::default());
        };
        let stored: StoredIdentity = serde_json::from_str(&raw).map_err(|_| {
            AuthError::Storage(StorageError::Corrupt {
                detail: "stored identity id is not valid JSON".into(),
            })
        })?;
        let creds = match storage.get(&credentials_key(pool_id)).await? {
            Some(raw) => restore_creds(&raw, &stored, user),
            None => None,
        };
        Ok(Self {
            identity_id: Some(stored.id.into()),
            owner: Some(stored.owner),
            creds,
            ..Self::default()
        })
    }

    /// Storage changes that forget a signed-in user's identity id and every
    /// stored credential (a guest id is kept: it stays stable across
    /// sessions).
    pub(crate) fn clear_user_identity_changes(&self, pool_id: Option<&str>) -> Vec<StorageChange> {
        let Some(pool) = pool_id else {
            return Vec::new();
        };
        let mut changes = vec![StorageChange::Remove(credentials_key(pool))];
        if matches!(self.owner, Some(IdOwner::User(_))) {
            changes.push(StorageChange::Remove(identity_key(pool)));
        }
        changes
    }
}

/// The stored credentials as a cache entry, when they are for `identity`
/// and, for a user, for `user`'s current id token.
fn restore_creds(
    raw: &str,
    identity: &StoredIdentity,
    user: Option<&UserTokens>,
) -> Option<Arc<CachedCreds>> {
    let Ok(stored) = serde_json::from_str::<StoredCreds>(raw) else {
        tracing::warn!("stored AWS credentials do not parse; they will be fetched again");
        return None;
    };
    if stored.identity_id != identity.id || stored.owner != identity.owner {
        return None;
    }
    let principal = match (&stored.owner, user) {
        (IdOwner::Guest, _) => PrincipalKey::Guest,
        (IdOwner::User(sub), Some(u)) => {
            let id_token = u.id.as_ref()?;
            let same_tokens =
                stored.tokens.as_deref() == Some(tokens_digest(id_token.as_compact_str()).as_str());
            if *sub != u.user_sub || !same_tokens {
                return None;
            }
            PrincipalKey::User(u.serial)
        }
        _ => return None,
    };
    let mut creds = AwsCredentials::new(stored.access_key_id, stored.secret_access_key);
    if let Some(token) = stored.session_token {
        creds = creds.with_session_token(token);
    }
    if let Some(expiration) = stored.expiration {
        creds = creds.with_expiration(expiration);
    }
    Some(Arc::new(CachedCreds {
        creds,
        refresh_at_ms: stored.refresh_at_ms,
        principal,
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn the_digest_names_the_token_without_revealing_it() {
        let token = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1LTEifQ.c2ln";
        let d = tokens_digest(token);
        assert_eq!(d.len(), 22);
        assert_eq!(d, tokens_digest(token));
        assert_ne!(
            d,
            tokens_digest("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1LTIifQ.c2ln")
        );
        assert!(!token.contains(&d) && !d.contains("eyJ"));
    }

    #[test]
    fn federated_credentials_are_never_persisted() {
        let creds = AwsCredentials::new("ASIAFED", "secret");
        let fetched = Fetched {
            pool_id: "us-east-1:p",
            identity_id: "us-east-1:id",
            owner: &IdOwner::Federated,
            id_changed: true,
            creds: &creds,
            refresh_at_ms: 1,
            id_token: None,
        };
        assert!(fetched.changes().is_empty());
    }

    #[test]
    fn guest_credentials_round_trip_and_other_identities_are_ignored() {
        let creds = AwsCredentials::new("ASIAGUEST", "guest-secret")
            .with_session_token("guest-session")
            .with_expiration(1_900_000_000);
        let fetched = Fetched {
            pool_id: "us-east-1:p",
            identity_id: "us-east-1:guest",
            owner: &IdOwner::Guest,
            id_changed: false,
            creds: &creds,
            refresh_at_ms: 1_899_999_700_000,
            id_token: None,
        };
        let changes = fetched.changes();
        assert_eq!(changes.len(), 1, "the id did not change: credentials only");
        let StorageChange::Set(key, json) = &changes[0] else {
            panic!("a set");
        };
        assert_eq!(key, "com.amplify.Cognito.us-east-1:p.awsCredentials");
        let guest = StoredIdentity {
            id: "us-east-1:guest".into(),
            owner: IdOwner::Guest,
        };
        let restored = restore_creds(json, &guest, None).expect("restored");
        assert_eq!(restored.principal, PrincipalKey::Guest);
        assert_eq!(restored.refresh_at_ms, 1_899_999_700_000);
        assert_eq!(restored.creds.access_key_id, "ASIAGUEST");
        assert_eq!(
            restored.creds.secret_access_key.expose_secret(),
            "guest-secret"
        );
        assert_eq!(
            restored
                .creds
                .session_token
                .as_ref()
                .map(|t| t.expose_secret()),
            Some("guest-session")
        );
        assert_eq!(restored.creds.expiration, Some(1_900_000_000));
        let other = StoredIdentity {
            id: "us-east-1:other".into(),
            owner: IdOwner::Guest,
        };
        assert!(restore_creds(json, &other, None).is_none());
        assert!(restore_creds("{not json", &guest, None).is_none());
    }
}
