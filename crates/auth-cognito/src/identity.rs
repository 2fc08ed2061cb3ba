//! Identity pools: the identity id and temporary AWS credentials, for guests,
//! signed-in users and federated sessions.
//!
//! `GetId` and `GetCredentialsForIdentity` go through
//! `aws-sdk-cognitoidentity` (both are unsigned, so no AWS credentials are
//! needed), with the SDK's own retries disabled: retrying is this crate's
//! decision. No SDK type leaves this module.
//!
//! The SDK's own tracing is silenced for these calls: at TRACE level it
//! prints the request (with the logins map, which holds the id token) and the
//! response (whose session token it does not redact). This module logs a
//! redacted summary of each call instead.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use auth_core::error::{AuthError, NetworkErrorKind};
use auth_core::events::{AuthEvent, AuthState};
use auth_core::secret::SecretString;
use auth_core::storage::{KeyValueStorage, StorageChange, StorageError};
use auth_core::types::AwsCredentials;
use aws_sdk_cognitoidentity::config::retry::RetryConfig;
use aws_sdk_cognitoidentity::config::timeout::TimeoutConfig;
use aws_sdk_cognitoidentity::config::{BehaviorVersion, Region};
use aws_sdk_cognitoidentity::error::{ProvideErrorMetadata, SdkError};
use serde::{Deserialize, Serialize};
use tracing::instrument::WithSubscriber as _;
use tracing::subscriber::NoSubscriber;

use crate::config::Tuning;
use crate::plugin::{CognitoAuthPlugin, Inner};
use crate::session::{UserTokens, next_serial};

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
    provider: String,
    token: SecretString,
    serial: u64,
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

#[derive(Serialize, Deserialize)]
struct StoredIdentity {
    id: String,
    owner: IdOwner,
}

fn storage_key(pool_id: &str) -> String {
    format!("com.amplify.Cognito.{pool_id}.identityId")
}

impl IdentityState {
    /// Reads the persisted identity id.
    pub(crate) async fn load(
        storage: &dyn KeyValueStorage,
        pool_id: &str,
    ) -> Result<Self, AuthError> {
        let Some(raw) = storage.get(&storage_key(pool_id)).await? else {
            return Ok(Self::default());
        };
        let stored: StoredIdentity = serde_json::from_str(&raw).map_err(|_| {
            AuthError::Storage(StorageError::Corrupt {
                detail: "stored identity id is not valid JSON".into(),
            })
        })?;
        Ok(Self {
            identity_id: Some(stored.id.into()),
            owner: Some(stored.owner),
            ..Self::default()
        })
    }

    /// Storage changes that forget a signed-in user's identity id (a guest
    /// id is kept: it stays stable across sessions).
    pub(crate) fn clear_user_identity_changes(&self, pool_id: Option<&str>) -> Vec<StorageChange> {
        match (pool_id, &self.owner) {
            (Some(pool), Some(IdOwner::User(_))) => vec![StorageChange::Remove(storage_key(pool))],
            _ => Vec::new(),
        }
    }

    /// Forgets a signed-in user's identity id and every cached credential.
    pub(crate) fn clear_user_identity(&mut self) {
        if matches!(self.owner, Some(IdOwner::User(_))) {
            self.identity_id = None;
            self.owner = None;
        }
        self.creds = None;
    }
}

/// The principal asking for credentials.
pub(crate) enum Principal {
    Guest,
    User(Arc<UserTokens>),
    Federated,
}

/// The identity-pool client.
#[derive(Clone)]
pub(crate) struct IdentityClient {
    client: aws_sdk_cognitoidentity::Client,
    pool_id: String,
}

impl fmt::Debug for IdentityClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityClient")
            .field("pool_id", &self.pool_id)
            .finish_non_exhaustive()
    }
}

fn sdk_error<E: ProvideErrorMetadata + std::error::Error + 'static>(
    operation: &str,
    e: SdkError<E, aws_sdk_cognitoidentity::config::http::HttpResponse>,
) -> AuthError {
    match e {
        SdkError::ServiceError(se) => {
            let status = se.raw().status().as_u16();
            let err = se.err();
            let code = err.code().unwrap_or("UnknownError").to_owned();
            let message = err
                .message()
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect();
            crate::idp::service_error(&code, message, status)
        }
        SdkError::TimeoutError(_) => AuthError::Network {
            kind: NetworkErrorKind::Timeout,
            message: format!("{operation} timed out"),
        },
        SdkError::DispatchFailure(d) => AuthError::Network {
            kind: if d.is_timeout() {
                NetworkErrorKind::Timeout
            } else if d.is_io() {
                NetworkErrorKind::Connect
            } else {
                NetworkErrorKind::Other
            },
            message: format!("{operation} could not be sent"),
        },
        SdkError::ResponseError(_) => AuthError::InvalidResponse {
            operation: operation.into(),
            message: "the response could not be parsed".into(),
        },
        _ => AuthError::InvalidResponse {
            operation: operation.into(),
            message: "the request failed".into(),
        },
    }
}

impl IdentityClient {
    pub(crate) fn new(pool_id: &str, region: &str, endpoint: &str, tuning: &Tuning) -> Self {
        // One SDK client (HTTP connector, TLS roots) per process and
        // endpoint, shared by every plugin.
        type Key = (String, String, std::time::Duration, std::time::Duration);
        static SHARED: std::sync::LazyLock<
            std::sync::Mutex<HashMap<Key, aws_sdk_cognitoidentity::Client>>,
        > = std::sync::LazyLock::new(Default::default);
        let key: Key = (
            region.to_owned(),
            endpoint.to_owned(),
            tuning.connect_timeout,
            tuning.request_timeout,
        );
        let mut shared = SHARED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(client) = shared.get(&key) {
            return Self {
                client: client.clone(),
                pool_id: pool_id.to_owned(),
            };
        }
        let conf = aws_sdk_cognitoidentity::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .endpoint_url(endpoint)
            .retry_config(RetryConfig::disabled())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(tuning.connect_timeout)
                    .operation_timeout(tuning.request_timeout)
                    .build(),
            )
            .build();
        let client = aws_sdk_cognitoidentity::Client::from_conf(conf);
        shared.insert(key, client.clone());
        Self {
            client,
            pool_id: pool_id.to_owned(),
        }
    }

    pub(crate) fn pool_id(&self) -> &str {
        &self.pool_id
    }

    fn logins_map(logins: &[(String, SecretString)]) -> Option<HashMap<String, String>> {
        if logins.is_empty() {
            None
        } else {
            Some(
                logins
                    .iter()
                    .map(|(k, v)| (k.clone(), v.expose_secret().to_owned()))
                    .collect(),
            )
        }
    }

    async fn get_id(&self, logins: &[(String, SecretString)]) -> Result<String, AuthError> {
        let out = self
            .client
            .get_id()
            .identity_pool_id(&self.pool_id)
            .set_logins(Self::logins_map(logins))
            .send()
            .with_subscriber(NoSubscriber::default())
            .await
            .map_err(|e| sdk_error("GetId", e))?;
        tracing::debug!("GetId ok");
        out.identity_id
            .filter(|s| !s.is_empty())
            .ok_or_else(|| AuthError::InvalidResponse {
                operation: "GetId".into(),
                message: "no IdentityId".into(),
            })
    }

    async fn get_credentials(
        &self,
        identity_id: &str,
        logins: &[(String, SecretString)],
    ) -> Result<(String, AwsCredentials), AuthError> {
        let out = self
            .client
            .get_credentials_for_identity()
            .identity_id(identity_id)
            .set_logins(Self::logins_map(logins))
            .send()
            .with_subscriber(NoSubscriber::default())
            .await
            .map_err(|e| sdk_error("GetCredentialsForIdentity", e))?;
        tracing::debug!("GetCredentialsForIdentity ok");
        let bad = |m: &str| AuthError::InvalidResponse {
            operation: "GetCredentialsForIdentity".into(),
            message: m.into(),
        };
        let c = out.credentials.ok_or_else(|| bad("no Credentials"))?;
        let creds = AwsCredentials {
            access_key_id: c
                .access_key_id
                .filter(|s| !s.is_empty())
                .ok_or_else(|| bad("no AccessKeyId"))?,
            secret_access_key: c
                .secret_key
                .filter(|s| !s.is_empty())
                .map(SecretString::from)
                .ok_or_else(|| bad("no SecretKey"))?,
            session_token: c.session_token.map(SecretString::from),
            expiration: c.expiration.map(|d| d.secs()),
        };
        let id = out
            .identity_id
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| identity_id.to_owned());
        Ok((id, creds))
    }
}

/// The result of [`CognitoAuthPlugin::federate_to_identity_pool`].
#[derive(Debug, Clone)]
pub struct FederateToIdentityPoolResult {
    /// The identity id.
    pub identity_id: String,
    /// The temporary AWS credentials.
    pub credentials: AwsCredentials,
}

fn is_rejected_identity(e: &AuthError) -> bool {
    matches!(e, AuthError::NotAuthorized { .. })
        || e.service_code() == Some("ResourceNotFoundException")
}

type IdentityResult = Result<(String, AwsCredentials), (Option<String>, AuthError)>;

/// The identity id and credentials for `principal`: from the snapshot when
/// valid, else fetched in single flight.
pub(crate) async fn credentials(
    inner: &Inner,
    principal: Principal,
    force: bool,
) -> IdentityResult {
    let Some(client) = &inner.identity else {
        return Err((None, AuthError::NoIdentityPool));
    };
    let snap = inner.state.load_full();
    // A caller holding tokens that were refreshed meanwhile asks for the
    // current tokens' credentials: stale callers then share them instead of
    // each fetching (and caching) credentials for tokens already replaced.
    let principal = latest(principal, &snap);
    let key = principal_key(&principal, &snap);
    let valid =
        |c: &CachedCreds, key: PrincipalKey, now: i64| c.principal == key && now < c.refresh_at_ms;
    if !force
        && let (Some(c), Some(id)) = (&snap.identity.creds, &snap.identity.identity_id)
        && valid(c, key, inner.now_ms())
    {
        return Ok((id.to_string(), c.creds.clone()));
    }
    let known_id = snap.identity.identity_id.as_deref().map(str::to_owned);
    if key == PrincipalKey::Guest && !inner.config.unauthenticated_identities_enabled() {
        let e = match &principal {
            Principal::Guest if snap.expired => AuthError::SessionExpired {
                reason: "the refresh token was rejected".into(),
            },
            _ => AuthError::GuestAccessDisabled,
        };
        return Err((None, e));
    }
    if let PrincipalKey::Federated(_) = key {
        // A federated session can only be renewed with a new provider token.
        // (Valid cached credentials were returned above.)
        return Err((known_id, AuthError::FederatedSessionCannotRefresh));
    }
    let seen_serial = snap.identity.creds_serial;
    let _flight = inner.id_lock.lock().await;
    let snap = inner.state.load_full();
    let principal = latest(principal, &snap);
    let key = principal_key(&principal, &snap);
    if let (Some(c), Some(id)) = (&snap.identity.creds, &snap.identity.identity_id)
        && (!force || snap.identity.creds_serial != seen_serial)
        && valid(c, key, inner.now_ms())
    {
        return Ok((id.to_string(), c.creds.clone()));
    }
    let (logins, owner) = match &principal {
        Principal::User(u) => {
            let Some(id_token) = &u.id else {
                return Err((
                    None,
                    AuthError::InvalidState(
                        "the session has no id token for the identity pool".into(),
                    ),
                ));
            };
            let provider = inner.config.user_pool_provider_name().unwrap_or_default();
            (
                vec![(provider, SecretString::new(id_token.as_compact_str()))],
                IdOwner::User(u.user_sub.clone()),
            )
        }
        _ => (Vec::new(), IdOwner::Guest),
    };
    let drift_ms = match &principal {
        Principal::User(u) => u.clock_drift_ms,
        _ => 0,
    };
    fetch_and_install(inner, client, &snap.identity, logins, owner, key, drift_ms).await
}

/// The same user's current tokens, when they replaced the caller's.
fn latest(principal: Principal, snap: &crate::plugin::Snapshot) -> Principal {
    match (principal, &snap.user) {
        (Principal::User(u), Some(current))
            if current.user_sub == u.user_sub && current.serial != u.serial =>
        {
            Principal::User(current.clone())
        }
        (p, _) => p,
    }
}

/// The key credentials for `principal` are cached under.
fn principal_key(principal: &Principal, snap: &crate::plugin::Snapshot) -> PrincipalKey {
    match (principal, &snap.identity.federation) {
        (Principal::User(u), _) => PrincipalKey::User(u.serial),
        (Principal::Federated, Some(f)) => PrincipalKey::Federated(f.serial),
        (Principal::Federated, None) | (Principal::Guest, _) => PrincipalKey::Guest,
    }
}

/// Resolves the identity id (reusing or upgrading a cached one), fetches the
/// credentials, persists the id and publishes both.
async fn fetch_and_install(
    inner: &Inner,
    client: &IdentityClient,
    state: &IdentityState,
    logins: Vec<(String, SecretString)>,
    owner: IdOwner,
    key: PrincipalKey,
    drift_ms: i64,
) -> IdentityResult {
    // A guest id is upgraded at sign-in: passed with the logins.
    let reusable = match (&owner, &state.owner) {
        (IdOwner::Guest, Some(IdOwner::Guest)) => true,
        (IdOwner::User(sub), Some(IdOwner::User(cached))) => sub == cached,
        (IdOwner::User(_), Some(IdOwner::Guest)) => true,
        (IdOwner::Federated, Some(IdOwner::Federated)) => true,
        _ => false,
    };
    let mut fresh = false;
    let mut id = match state.identity_id.as_deref() {
        Some(id) if reusable => id.to_owned(),
        _ => {
            fresh = true;
            client.get_id(&logins).await.map_err(|e| (None, e))?
        }
    };
    let (id, creds) = loop {
        match client.get_credentials(&id, &logins).await {
            Ok(r) => break r,
            Err(e) if !fresh && is_rejected_identity(&e) => {
                tracing::debug!("cached identity id rejected; fetching a new one");
                fresh = true;
                id = client.get_id(&logins).await.map_err(|e| (None, e))?;
            }
            Err(e) => {
                let keep = (!is_rejected_identity(&e)).then_some(id);
                return Err((keep, e));
            }
        }
    };
    let now = inner.now_ms();
    let refresh_at_ms = creds
        .expiration
        .map(|s| {
            let expires = s.saturating_mul(1000).saturating_sub(drift_ms);
            let lifetime = expires.saturating_sub(now).max(0);
            expires - inner.creds_margin_ms.min(lifetime / 2)
        })
        .unwrap_or(i64::MAX);
    if let PrincipalKey::User(serial) = key {
        let current = inner.state.load().user.as_ref().map(|u| u.serial);
        if current != Some(serial) {
            // The user signed out (or the tokens changed) meanwhile: hand
            // these credentials to this caller only, cache and persist nothing.
            return Ok((id, creds));
        }
    }
    let changed =
        state.identity_id.as_deref() != Some(id.as_str()) || state.owner.as_ref() != Some(&owner);
    if changed && owner != IdOwner::Federated {
        let stored = StoredIdentity {
            id: id.clone(),
            owner: owner.clone(),
        };
        if let Ok(json) = serde_json::to_string(&stored)
            && let Err(e) = inner
                .storage
                .set(&storage_key(client.pool_id()), &json)
                .await
        {
            tracing::warn!(error = %e, "could not persist the identity id");
        }
    }
    let cached = Arc::new(CachedCreds {
        creds: creds.clone(),
        refresh_at_ms,
        principal: key,
    });
    let new_id: Arc<str> = id.as_str().into();
    inner.update(|s| {
        s.identity.identity_id = Some(new_id.clone());
        s.identity.owner = Some(owner.clone());
        s.identity.creds = Some(cached.clone());
        s.identity.creds_serial += 1;
    });
    Ok((id, creds))
}

impl CognitoAuthPlugin {
    /// Federates an external provider's token (Google, Apple, SAML, OIDC) to
    /// the identity pool (Amplify's `federateToIdentityPool`): the session
    /// then has an identity id and AWS credentials, but no user-pool tokens.
    ///
    /// `provider_name` is the identity pool's logins key, for example
    /// `accounts.google.com`. Allowed only when no user-pool user is signed
    /// in. The session cannot be refreshed without a new token: call this
    /// again when the credentials expire.
    pub async fn federate_to_identity_pool(
        &self,
        provider_name: &str,
        token: &str,
    ) -> Result<FederateToIdentityPoolResult, AuthError> {
        let inner = &self.inner;
        let client = inner.identity.as_ref().ok_or(AuthError::NoIdentityPool)?;
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
        inner.ensure_loaded().await?;
        if inner.state.load().user.is_some() {
            return Err(AuthError::InvalidState(
                "a user-pool user is signed in; sign out before federating to the identity pool"
                    .into(),
            ));
        }
        let _flight = inner.id_lock.lock().await;
        let federation = Arc::new(Federation {
            provider: provider_name.to_owned(),
            token: SecretString::new(token),
            serial: next_serial(),
        });
        let logins = vec![(federation.provider.clone(), federation.token.clone())];
        let key = PrincipalKey::Federated(federation.serial);
        let mut state = inner.state.load().identity.clone();
        if !matches!(state.owner, Some(IdOwner::Federated)) {
            // Another provider's, or a guest's, id is not reused.
            state.identity_id = None;
            state.owner = None;
        }
        let (identity_id, credentials) =
            fetch_and_install(inner, client, &state, logins, IdOwner::Federated, key, 0)
                .await
                .map_err(|(_, e)| e)?;
        let fed = federation.clone();
        inner.update(|s| s.identity.federation = Some(fed.clone()));
        inner.hub.set_state(AuthState::Federated);
        inner.hub.emit(AuthEvent::FederatedToIdentityPool);
        Ok(FederateToIdentityPoolResult {
            identity_id,
            credentials,
        })
    }

    /// Ends a federated session (Amplify's `clearFederationToIdentityPool`).
    pub async fn clear_federation_to_identity_pool(&self) -> Result<(), AuthError> {
        let inner = &self.inner;
        let _flight = inner.id_lock.lock().await;
        if inner.state.load().identity.federation.is_none() {
            return Err(AuthError::InvalidState(
                "the session is not federated to the identity pool".into(),
            ));
        }
        inner.update(|s| {
            s.identity.federation = None;
            s.identity.creds = None;
            if matches!(s.identity.owner, Some(IdOwner::Federated)) {
                s.identity.identity_id = None;
                s.identity.owner = None;
            }
        });
        inner.hub.set_state(AuthState::SignedOut);
        inner.hub.emit(AuthEvent::FederationCleared);
        Ok(())
    }
}
