//! `CognitoAuthPlugin`: the token orchestrator and the plugin's public API.
//!
//! The session lives in an [`ArcSwap`] snapshot. `fetch_auth_session` on
//! valid cached tokens and credentials loads that snapshot, compares two
//! integers with the clock and clones a few `Arc`s: no I/O and no lock.
//! Everything that changes the session (load, sign-in, refresh, sign-out)
//! runs as one transaction under `tx_lock`, so concurrent callers that need a
//! refresh cause exactly one network call, one storage write and one event.

use std::any::Any;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU8, Ordering};

use arc_swap::ArcSwap;
use async_trait::async_trait;
use auth_core::clock::{Clock, SystemClock};
use auth_core::error::AuthError;
use auth_core::events::{AuthEvent, AuthHub, AuthState};
use auth_core::jwt::JwtToken;
use auth_core::plugin::AuthPlugin;
use auth_core::secret::SecretString;
use auth_core::storage::{KeyValueStorage, StorageChange};
use auth_core::types::{
    AuthSession, AuthTokens, AuthUser, FetchAuthSessionOptions, SignOutOptions, SignOutResult,
};
use serde_json::json;
use tokio::sync::{Mutex, broadcast};

use crate::cognito_session::CognitoAuthSession;
use crate::config::CognitoConfig;
use crate::identity::{IdentityClient, IdentityState, Principal};
use crate::idp::{AuthenticationResult, IdpClient, RefreshResponse};
use crate::session::{Keys, UserTokens, clear_changes, load, load_expired, persist_changes};
use crate::sign_in::PendingChallenge;
use crate::verify::{JwksVerifier, TokenUse};

/// The key of the Cognito plugin (Amplify's `AWSCognitoAuthPlugin` key).
pub const PLUGIN_KEY: &str = "awsCognitoAuthPlugin";

/// What the plugin knows, swapped atomically as a whole.
#[derive(Clone, Default)]
pub(crate) struct Snapshot {
    /// Whether storage has been read.
    pub(crate) loaded: bool,
    /// Bumped whenever the user-pool tokens change (sign-in, refresh, sign-out).
    pub(crate) generation: u64,
    pub(crate) user: Option<Arc<UserTokens>>,
    /// The last session ended by a definitive refresh failure, and nobody
    /// has signed in since.
    pub(crate) expired: bool,
    pub(crate) identity: IdentityState,
}

/// Backoff after transient refresh failures, so that a dead network is not
/// hit in a hot loop.
#[derive(Debug, Default)]
struct Backoff {
    failures: u32,
    retry_at_ms: i64,
    last_error: Option<AuthError>,
}

pub(crate) struct Inner {
    pub(crate) config: CognitoConfig,
    pub(crate) idp: Option<IdpClient>,
    pub(crate) identity: Option<IdentityClient>,
    pub(crate) storage: Arc<dyn KeyValueStorage>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) hub: AuthHub,
    pub(crate) keys: Option<Keys>,
    pub(crate) state: ArcSwap<Snapshot>,
    /// Serializes session transactions (load, sign-in, refresh, sign-out).
    pub(crate) tx_lock: Mutex<()>,
    /// Serializes identity-pool transactions (GetId, GetCredentialsForIdentity).
    pub(crate) id_lock: Mutex<()>,
    pub(crate) pending: std::sync::Mutex<Option<PendingChallenge>>,
    backoff: std::sync::Mutex<Backoff>,
    /// Whether the endpoint knows `GetTokensFromRefreshToken`
    /// (`REFRESH_OP_*`).
    refresh_op: AtomicU8,
    pub(crate) token_margin_ms: i64,
    pub(crate) creds_margin_ms: i64,
    /// Verifies tokens received from the service, when enabled.
    verifier: Option<JwksVerifier>,
    /// The clock offset by the drift of the tokens being verified.
    verify_drift_ms: Arc<AtomicI64>,
}

/// The plugin's clock plus the drift measured on the tokens being verified,
/// so that a device whose clock is off does not reject fresh tokens.
#[derive(Debug)]
struct DriftClock {
    base: Arc<dyn Clock>,
    drift_ms: Arc<AtomicI64>,
}

impl Clock for DriftClock {
    fn now_millis(&self) -> i64 {
        self.base.now_millis() + self.drift_ms.load(Ordering::Relaxed)
    }
}

/// The Amazon Cognito auth plugin (Amplify's `AWSCognitoAuthPlugin`).
///
/// Cloning is cheap; clones share one session.
///
/// ```no_run
/// use std::sync::Arc;
/// use auth_cognito::{CognitoAuthPlugin, CognitoConfig};
/// use auth_core::prelude::*;
/// # async fn demo(storage: Arc<dyn KeyValueStorage>) -> Result<(), AuthError> {
/// let config = CognitoConfig::from_amplify_outputs_file("amplify_outputs.json")?;
/// let plugin = CognitoAuthPlugin::builder(config).storage(storage).build()?;
/// let auth = Auth::new(Arc::new(plugin));
///
/// let user = auth.get_current_user().await?;
/// println!("{} ({})", user.username, user.user_id);
///
/// let session = auth.fetch_auth_session(FetchAuthSessionOptions::default()).await?;
/// if let Some(tokens) = &session.tokens {
///     println!("access token expires at {:?}", tokens.access_token.expires_at());
/// }
///
/// // The Cognito view, with one result per field.
/// let cognito = auth.get_plugin::<CognitoAuthPlugin>().expect("registered");
/// let s = cognito.fetch_cognito_session(FetchAuthSessionOptions::force_refresh()).await;
/// match &s.identity_id_result {
///     Ok(id) => println!("identity id {id}"),
///     Err(why) => println!("no identity id: {why}"),
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct CognitoAuthPlugin {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for CognitoAuthPlugin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let snap = self.inner.state.load();
        f.debug_struct("CognitoAuthPlugin")
            .field("config", &self.inner.config)
            .field("signed_in", &snap.user.is_some())
            .finish_non_exhaustive()
    }
}

/// Builds a [`CognitoAuthPlugin`].
pub struct CognitoAuthPluginBuilder {
    config: CognitoConfig,
    storage: Option<Arc<dyn KeyValueStorage>>,
    clock: Arc<dyn Clock>,
    verify_tokens: bool,
}

impl fmt::Debug for CognitoAuthPluginBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoAuthPluginBuilder")
            .field("config", &self.config)
            .field("storage", &self.storage)
            .finish_non_exhaustive()
    }
}

impl CognitoAuthPluginBuilder {
    /// Where the session is persisted (required): for example
    /// `auth_storage::FileStorage` or `auth_storage::MemoryStorage`.
    pub fn storage(mut self, storage: Arc<dyn KeyValueStorage>) -> Self {
        self.storage = Some(storage);
        self
    }

    /// The clock (default: the system clock). Tests pass a `ManualClock`.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Verifies every token received from the service against the pool's
    /// JWKS before using it (signature, `iss`, `token_use`, audience, `exp`);
    /// see [`JwksVerifier`]. Off by default: the tokens come over TLS
    /// straight from the configured endpoint, and verification adds a JWKS
    /// fetch and a failure mode to sign-in. Turn it on when the endpoint is a
    /// proxy or otherwise not fully trusted.
    pub fn verify_tokens(mut self, enabled: bool) -> Self {
        self.verify_tokens = enabled;
        self
    }

    /// Builds the plugin. Storage is read lazily, on first use.
    pub fn build(self) -> Result<CognitoAuthPlugin, AuthError> {
        let storage = self.storage.ok_or_else(|| AuthError::InvalidConfig {
            field: "storage".into(),
            message: "a KeyValueStorage is required (for example auth_storage::FileStorage)".into(),
        })?;
        let config = self.config;
        let tuning = config.tuning().clone();
        let idp = match config.user_pool_id() {
            Some(_) => Some(IdpClient::new(config.user_pool_endpoint(), &tuning)?),
            None => None,
        };
        let identity = config.identity_pool_id().map(|id| {
            IdentityClient::new(
                id,
                config.region(),
                &config.identity_pool_endpoint(),
                &tuning,
            )
        });
        let keys = config.user_pool_client_id().map(Keys::new);
        let verify_drift_ms = Arc::new(AtomicI64::new(0));
        let verifier = if self.verify_tokens {
            Some(
                JwksVerifier::for_config(&config)?.with_clock(Arc::new(DriftClock {
                    base: self.clock.clone(),
                    drift_ms: verify_drift_ms.clone(),
                })),
            )
        } else {
            None
        };
        let ms = |d: std::time::Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        Ok(CognitoAuthPlugin {
            inner: Arc::new(Inner {
                idp,
                identity,
                storage,
                clock: self.clock,
                hub: AuthHub::new(16),
                keys,
                state: ArcSwap::from_pointee(Snapshot::default()),
                tx_lock: Mutex::new(()),
                id_lock: Mutex::new(()),
                pending: std::sync::Mutex::new(None),
                backoff: std::sync::Mutex::new(Backoff::default()),
                refresh_op: AtomicU8::new(REFRESH_OP_UNKNOWN),
                token_margin_ms: ms(tuning.token_expiry_margin),
                creds_margin_ms: ms(tuning.credentials_expiry_margin),
                verifier,
                verify_drift_ms,
                config,
            }),
        })
    }
}

/// The definitive refresh errors of BEHAVIOUR.md: the refresh token is no
/// good, so the session is over.
fn is_definitive(e: &AuthError) -> bool {
    match e {
        AuthError::NotAuthorized { .. }
        | AuthError::UserNotFound { .. }
        | AuthError::UserNotConfirmed { .. }
        | AuthError::PasswordResetRequired { .. } => true,
        AuthError::Service { code, .. } => matches!(
            code.as_str(),
            "TokenRevokedException" | "RefreshTokenReuseException"
        ),
        _ => false,
    }
}

impl Inner {
    pub(crate) fn now_ms(&self) -> i64 {
        self.clock.now_millis()
    }

    pub(crate) fn idp(&self) -> Result<&IdpClient, AuthError> {
        self.idp.as_ref().ok_or(AuthError::NoUserPool)
    }

    pub(crate) fn client_id(&self) -> Result<&str, AuthError> {
        self.config
            .user_pool_client_id()
            .ok_or(AuthError::NoUserPool)
    }

    pub(crate) fn keys(&self) -> Result<&Keys, AuthError> {
        self.keys.as_ref().ok_or(AuthError::NoUserPool)
    }

    /// Applies `f` to a copy of the snapshot and publishes it.
    pub(crate) fn update(&self, f: impl Fn(&mut Snapshot)) {
        self.state.rcu(|s| {
            let mut next = Snapshot::clone(s);
            f(&mut next);
            next
        });
    }

    /// Reads storage once. Callers hold `tx_lock`, or take it here.
    pub(crate) async fn ensure_loaded(&self) -> Result<(), AuthError> {
        if self.state.load().loaded {
            return Ok(());
        }
        let _tx = self.tx_lock.lock().await;
        self.load_locked().await
    }

    /// Reads storage; the caller holds `tx_lock`.
    pub(crate) async fn load_locked(&self) -> Result<(), AuthError> {
        if self.state.load().loaded {
            return Ok(());
        }
        let (user, expired) = match &self.keys {
            Some(keys) => {
                let user = load(self.storage.as_ref(), keys).await?;
                let expired = user.is_none() && load_expired(self.storage.as_ref(), keys).await?;
                (user, expired)
            }
            None => (None, false),
        };
        let identity = match &self.identity {
            Some(client) => IdentityState::load(self.storage.as_ref(), client.pool_id()).await?,
            None => IdentityState::default(),
        };
        let signed_in = user.is_some();
        self.update(|s| {
            if !s.loaded {
                s.loaded = true;
                s.user = user.clone().map(Arc::new);
                s.expired = expired;
                s.identity = identity.clone();
                s.generation += 1;
            }
        });
        self.hub.set_state(if signed_in {
            AuthState::SignedIn
        } else if expired {
            AuthState::SessionExpired
        } else {
            AuthState::SignedOut
        });
        Ok(())
    }

    /// Installs freshly received tokens: persists them, publishes them and
    /// emits `event`. The caller holds `tx_lock`.
    pub(crate) async fn install_tokens(
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
        if let Err(e) = self.storage.apply(changes).await {
            if is_sign_in {
                // Nothing is published: a sign-in that cannot be persisted
                // fails as a whole, and the store is left as it was.
                return Err(AuthError::Storage(e));
            }
            // Refreshed tokens are valid (and the old refresh token may have
            // been rotated away): keep them in memory; the next write retries.
            tracing::warn!(error = %e, "could not persist the refreshed session");
        }
        let tokens = Arc::new(tokens);
        let new = tokens.clone();
        self.update(|s| {
            s.loaded = true;
            s.generation += 1;
            s.user = Some(new.clone());
            s.expired = false;
            if is_sign_in {
                s.identity.federation = None;
            }
        });
        self.hub.set_state(AuthState::SignedIn);
        self.hub.emit(event);
        Ok(tokens)
    }

    /// Verifies freshly received tokens when verification is enabled.
    pub(crate) async fn verify(&self, tokens: &UserTokens) -> Result<(), AuthError> {
        let Some(verifier) = &self.verifier else {
            return Ok(());
        };
        self.verify_drift_ms
            .store(tokens.clock_drift_ms, Ordering::Relaxed);
        verifier
            .verify(tokens.access.as_compact_str(), TokenUse::Access)
            .await?;
        if let Some(id) = &tokens.id {
            verifier.verify(id.as_compact_str(), TokenUse::Id).await?;
        }
        Ok(())
    }

    /// Builds a [`UserTokens`] from an `AuthenticationResult`, keeping the
    /// previous refresh token when none is returned (no rotation).
    pub(crate) fn tokens_from_result(
        &self,
        operation: &'static str,
        result: AuthenticationResult,
        previous_refresh: Option<SecretString>,
        details: Option<auth_core::types::SignInDetails>,
    ) -> Result<UserTokens, AuthError> {
        let bad = |m: String| AuthError::InvalidResponse {
            operation: operation.into(),
            message: m,
        };
        let access = result
            .access_token
            .ok_or_else(|| bad("no AccessToken".into()))?;
        let access =
            JwtToken::parse(&access).map_err(|e| bad(format!("AccessToken is not a JWT: {e}")))?;
        let id = result
            .id_token
            .map(|t| JwtToken::parse(&t))
            .transpose()
            .map_err(|e| bad(format!("IdToken is not a JWT: {e}")))?;
        let refresh = result
            .refresh_token
            .filter(|r| !r.is_empty())
            .map(SecretString::from)
            .or(previous_refresh);
        // `iat` is whole seconds, so the server's clock read anywhere in
        // [iat, iat + 1 s) when it issued the token: take the end of that
        // second, so that the drift errs towards refreshing early and a
        // token is never sent after its real `exp`.
        let drift_ms = access
            .issued_at()
            .map(|iat| iat * 1000 + 999 - self.now_ms())
            .unwrap_or(0);
        UserTokens::from_parts(access, id, refresh, drift_ms, details).map_err(bad)
    }

    /// Calls the refresh operation, falling back to `InitiateAuth`
    /// `REFRESH_TOKEN_AUTH` where `GetTokensFromRefreshToken` is unknown.
    async fn call_refresh(
        &self,
        user: &UserTokens,
        refresh: &SecretString,
    ) -> Result<AuthenticationResult, AuthError> {
        let idp = self.idp()?;
        let client_id = self.client_id()?;
        let secret = self.config.client_secret();
        let known = self.refresh_op.load(Ordering::Relaxed);
        if known != REFRESH_OP_UNSUPPORTED {
            let mut req = json!({
                "ClientId": client_id,
                "RefreshToken": refresh.expose_secret(),
            });
            if let Some(s) = secret {
                req["ClientSecret"] = json!(s.expose_secret());
            }
            match idp
                .call::<_, RefreshResponse>("GetTokensFromRefreshToken", &req)
                .await
            {
                Ok(r) => {
                    self.refresh_op
                        .store(REFRESH_OP_SUPPORTED, Ordering::Relaxed);
                    return r
                        .authentication_result
                        .ok_or_else(|| AuthError::InvalidResponse {
                            operation: "GetTokensFromRefreshToken".into(),
                            message: "no AuthenticationResult".into(),
                        });
                }
                Err(e) if known == REFRESH_OP_UNKNOWN && maybe_unknown_operation(&e) => {
                    tracing::debug!(
                        "GetTokensFromRefreshToken not available; trying REFRESH_TOKEN_AUTH"
                    );
                    let result = self.call_refresh_token_auth(user, refresh).await;
                    if result.is_ok() {
                        self.refresh_op
                            .store(REFRESH_OP_UNSUPPORTED, Ordering::Relaxed);
                    }
                    return result;
                }
                Err(e) => return Err(e),
            }
        }
        self.call_refresh_token_auth(user, refresh).await
    }

    /// `InitiateAuth` with `REFRESH_TOKEN_AUTH`.
    async fn call_refresh_token_auth(
        &self,
        user: &UserTokens,
        refresh: &SecretString,
    ) -> Result<AuthenticationResult, AuthError> {
        let idp = self.idp()?;
        let client_id = self.client_id()?;
        let secret = self.config.client_secret();
        let mut params = json!({ "REFRESH_TOKEN": refresh.expose_secret() });
        if let Some(s) = secret {
            // Cognito computes the refresh SECRET_HASH over the user's sub
            // when the username is an alias; the username works otherwise.
            params["SECRET_HASH"] = json!(crate::sign_in::secret_hash(
                s,
                &user.storage_username,
                client_id
            ));
        }
        let req = json!({
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "ClientId": client_id,
            "AuthParameters": params,
        });
        let r: crate::idp::AuthResponse = idp.call("InitiateAuth", &req).await?;
        r.authentication_result
            .ok_or_else(|| AuthError::InvalidResponse {
                operation: "InitiateAuth".into(),
                message: "no AuthenticationResult for REFRESH_TOKEN_AUTH".into(),
            })
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
                self.identity.as_ref().map(IdentityClient::pool_id),
            ));
            if let Err(e) = self.storage.apply(changes).await {
                tracing::warn!(error = %e, "could not clear the expired session from storage");
            }
        }
        self.update(|s| {
            s.generation += 1;
            s.user = None;
            s.expired = true;
            s.identity.clear_user_identity();
        });
        self.hub.emit(AuthEvent::TokenRefreshFailure {
            reason: reason.clone(),
            definitive: true,
        });
        self.hub.emit(AuthEvent::SessionExpired);
        self.hub.set_state(AuthState::SessionExpired);
        AuthError::SessionExpired { reason }
    }

    /// The refresh transaction. `seen_generation` is the generation the
    /// caller saw when it decided to refresh: if another caller refreshed
    /// since, its result is used instead (single flight).
    pub(crate) async fn refresh_tokens(
        &self,
        seen_generation: u64,
        forced: bool,
    ) -> Result<Arc<UserTokens>, AuthError> {
        let _tx = self.tx_lock.lock().await;
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
        // Another process sharing the store may have refreshed already.
        let _cross_process = self.storage.lock().await?;
        if let Some(stored) = load(self.storage.as_ref(), self.keys()?)
            .await
            .ok()
            .flatten()
            && stored.access.as_compact_str() != user.access.as_compact_str()
            && stored.storage_username == user.storage_username
            && !stored.needs_refresh(now, self.token_margin_ms)
        {
            let adopted = Arc::new(stored);
            let new = adopted.clone();
            self.update(|s| {
                s.generation += 1;
                s.user = Some(new.clone());
            });
            tracing::debug!("adopted tokens refreshed by another process");
            return Ok(adopted);
        }
        let Some(refresh) = user.refresh.clone() else {
            return Err(AuthError::NoRefreshToken);
        };
        if !forced {
            let b = self.backoff.lock().map_err(|_| poisoned())?;
            if now < b.retry_at_ms {
                let err = b.last_error.clone();
                drop(b);
                if !user.is_really_expired(now) {
                    return Ok(user);
                }
                if let Some(e) = err {
                    return Err(e);
                }
            }
        }
        match self.call_refresh(&user, &refresh).await {
            Ok(result) => {
                let tokens = self.tokens_from_result(
                    "GetTokensFromRefreshToken",
                    result,
                    Some(refresh),
                    user.sign_in_details.clone(),
                );
                let tokens = match tokens {
                    Ok(t) if t.user_sub == user.user_sub => t,
                    Ok(_) => {
                        return Err(AuthError::InvalidResponse {
                            operation: "GetTokensFromRefreshToken".into(),
                            message: "the refreshed tokens belong to another user".into(),
                        });
                    }
                    Err(e) => return Err(self.transient_failure(&user, e, now)),
                };
                if let Err(e) = self.verify(&tokens).await {
                    // Tokens that fail verification are never installed; the
                    // session keeps the ones it has.
                    return match self.transient_failure(&user, e, now) {
                        AuthError::InvalidState(_) => Ok(user),
                        e => Err(e),
                    };
                }
                if let Ok(mut b) = self.backoff.lock() {
                    *b = Backoff::default();
                }
                self.install_tokens(tokens, AuthEvent::TokenRefresh).await
            }
            Err(e) if is_definitive(&e) => Err(self.expire_session(&user, &e).await),
            Err(e) => match self.transient_failure(&user, e, now) {
                AuthError::InvalidState(_) => Ok(user),
                e => Err(e),
            },
        }
    }

    /// Records a transient failure; returns the error to give the caller, or
    /// `InvalidState` as a marker that the still-valid token may be served.
    fn transient_failure(&self, user: &UserTokens, e: AuthError, now: i64) -> AuthError {
        let reason = e
            .service_code()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("{e}"));
        if let Ok(mut b) = self.backoff.lock() {
            b.failures = b.failures.saturating_add(1);
            let base = i64::try_from(self.config.tuning().retry_backoff.as_millis()).unwrap_or(0);
            let max =
                i64::try_from(self.config.tuning().max_retry_backoff.as_millis()).unwrap_or(0);
            let shift = b.failures.saturating_sub(1).min(16);
            b.retry_at_ms = now + (base << shift).min(max);
            b.last_error = Some(e.clone());
        }
        self.hub.emit(AuthEvent::TokenRefreshFailure {
            reason,
            definitive: false,
        });
        tracing::debug!(error = %e, "token refresh failed transiently; the session is kept");
        if user.is_really_expired(now) {
            e
        } else {
            AuthError::InvalidState("soft refresh".into())
        }
    }

    pub(crate) fn signed_out_error(&self, snap: &Snapshot) -> AuthError {
        if snap.identity.federation.is_some() {
            AuthError::FederatedToIdentityPool
        } else if snap.expired {
            AuthError::SessionExpired {
                reason: "the refresh token was rejected".into(),
            }
        } else {
            AuthError::SignedOut
        }
    }

    /// The user-pool tokens, refreshed when expired or forced.
    pub(crate) async fn current_tokens(&self, force: bool) -> Result<Arc<UserTokens>, AuthError> {
        let mut snap = self.state.load_full();
        if !snap.loaded {
            self.ensure_loaded().await?;
            snap = self.state.load_full();
        }
        let Some(user) = snap.user.clone() else {
            if self.idp.is_none() {
                return Err(AuthError::NoUserPool);
            }
            return Err(self.signed_out_error(&snap));
        };
        if !force && !user.needs_refresh(self.now_ms(), self.token_margin_ms) {
            return Ok(user);
        }
        if force && user.refresh.is_none() {
            return Err(AuthError::NoRefreshToken);
        }
        self.refresh_tokens(snap.generation, force).await
    }
}

fn poisoned() -> AuthError {
    AuthError::InvalidState("internal lock poisoned".into())
}

const REFRESH_OP_UNKNOWN: u8 = 0;
const REFRESH_OP_SUPPORTED: u8 = 1;
const REFRESH_OP_UNSUPPORTED: u8 = 2;

/// Whether the endpoint may not know the operation: it said so, or it
/// answered with a 5xx that is not a Cognito error at all (moto answers
/// unknown operations with an HTML 500 page). Only consulted until
/// `GetTokensFromRefreshToken` has worked once.
fn maybe_unknown_operation(e: &AuthError) -> bool {
    match e {
        AuthError::Service {
            code,
            status,
            message,
        } => {
            matches!(
                code.as_str(),
                "UnknownOperationException" | "InvalidAction" | "UnrecognizedClientException"
            ) || *status == 404
                || *status == 501
                || (*status >= 500 && message.is_empty())
        }
        _ => false,
    }
}

impl CognitoAuthPlugin {
    /// Starts building a plugin for `config`.
    pub fn builder(config: CognitoConfig) -> CognitoAuthPluginBuilder {
        CognitoAuthPluginBuilder {
            config,
            storage: None,
            clock: Arc::new(SystemClock),
            verify_tokens: false,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &CognitoConfig {
        &self.inner.config
    }

    /// A watch of the coarse auth state.
    pub fn watch_state(&self) -> tokio::sync::watch::Receiver<AuthState> {
        self.inner.hub.watch_state()
    }

    /// Whether a user-pool user is signed in, from memory (no I/O). Before
    /// the first call that reads storage this is `false`.
    pub fn is_signed_in_cached(&self) -> bool {
        self.inner.state.load().user.is_some()
    }

    /// The session with one result per field (Swift's and Kotlin's
    /// `AWSCognitoAuthSession`). It never fails as a whole: each field says
    /// why it is missing.
    pub async fn fetch_cognito_session(
        &self,
        options: FetchAuthSessionOptions,
    ) -> CognitoAuthSession {
        let inner = &self.inner;
        let was_expired = inner.state.load().expired;
        let tokens = inner.current_tokens(options.force_refresh).await;
        let expired_now = !was_expired && matches!(tokens, Err(AuthError::SessionExpired { .. }));
        let is_signed_in = inner.state.load().user.is_some();
        let (identity_id_result, aws_credentials_result) = match &inner.identity {
            None => (
                Err(AuthError::NoIdentityPool),
                Err(AuthError::NoIdentityPool),
            ),
            Some(_) => self.identity_for(&tokens, options.force_refresh).await,
        };
        let user_sub_result = tokens
            .as_ref()
            .map(|t| t.user_sub.clone())
            .map_err(Clone::clone);
        CognitoAuthSession {
            is_signed_in,
            user_sub_result,
            user_pool_tokens_result: tokens.map(|t| t.auth_tokens()),
            identity_id_result,
            aws_credentials_result,
            expired_now,
        }
    }

    /// Picks the identity-pool principal for the current state and returns
    /// its identity id and credentials.
    async fn identity_for(
        &self,
        tokens: &Result<Arc<UserTokens>, AuthError>,
        force: bool,
    ) -> (
        Result<String, AuthError>,
        Result<auth_core::types::AwsCredentials, AuthError>,
    ) {
        let inner = &self.inner;
        let principal = match tokens {
            Ok(user) => Principal::User(user.clone()),
            Err(
                AuthError::SignedOut | AuthError::SessionExpired { .. } | AuthError::NoUserPool,
            ) => Principal::Guest,
            Err(AuthError::FederatedToIdentityPool) => Principal::Federated,
            // A transient token failure: do not fall back to guest
            // credentials for a signed-in user.
            Err(e) => return (Err(e.clone()), Err(e.clone())),
        };
        // A user's credentials belong to the tokens they were fetched with
        // (a forced token refresh already invalidates them), so `force`
        // applies to guests only: concurrent forced callers then share one
        // credentials call, like their one token call.
        let force = force && !matches!(principal, Principal::User(_));
        match crate::identity::credentials(inner, principal, force).await {
            Ok((id, creds)) => (Ok(id), Ok(creds)),
            Err((id, e)) => (id.ok_or_else(|| e.clone()), Err(e)),
        }
    }

    /// Signs out: clears the local session first, then, for a global
    /// sign-out, calls `GlobalSignOut`; for a local one, revokes the refresh
    /// token when the access token has `origin_jti` (as Amplify JS does).
    /// A failure of the remote step is reported in the result and never
    /// keeps the local session.
    pub async fn sign_out(&self, options: SignOutOptions) -> Result<SignOutResult, AuthError> {
        let inner = &self.inner;
        let (user, storage_result) = {
            let _tx = inner.tx_lock.lock().await;
            let _flight = inner.id_lock.lock().await;
            // A corrupt store must not prevent signing out of the memory session.
            let _ = inner.load_locked().await;
            *inner.pending.lock().map_err(|_| poisoned())? = None;
            let snap = inner.state.load_full();
            let user = snap.user.clone();
            let mut changes: Vec<StorageChange> = Vec::new();
            if let (None, true, Ok(keys)) = (&user, snap.expired, inner.keys()) {
                changes.push(StorageChange::Remove(keys.session_expired()));
            }
            if let (Some(u), Ok(keys)) = (&user, inner.keys()) {
                changes.extend(clear_changes(keys, &u.storage_username));
                changes.extend(IdentityState::clear_user_identity_changes(
                    &snap.identity,
                    inner.identity.as_ref().map(IdentityClient::pool_id),
                ));
            }
            let storage_result = if changes.is_empty() {
                Ok(())
            } else {
                inner.storage.apply(changes).await
            };
            let had_user = user.is_some();
            inner.update(|s| {
                s.loaded = true;
                s.generation += 1;
                s.user = None;
                s.expired = false;
                s.identity.federation = None;
                if had_user {
                    s.identity.clear_user_identity();
                }
            });
            inner.hub.set_state(AuthState::SignedOut);
            inner.hub.emit(AuthEvent::SignedOut);
            (user, storage_result)
        };
        // The remote step runs outside the session lock: a slow network
        // never delays other callers, who already see a signed-out session.
        let mut result = SignOutResult::default();
        if let Some(u) = user {
            let remote = if options.global {
                Some(self.global_sign_out_call(&u).await)
            } else if u.access.claims().get("origin_jti").is_some() {
                Some(self.revoke_call(&u).await)
            } else {
                None
            };
            match remote {
                Some(Ok(())) => result.remote_signed_out = true,
                Some(Err(e)) => {
                    tracing::debug!(error = %e, "server-side sign-out failed; the local session is cleared");
                    result.remote_error = Some(e);
                }
                None => {}
            }
        }
        storage_result?;
        Ok(result)
    }

    async fn global_sign_out_call(&self, u: &UserTokens) -> Result<(), AuthError> {
        let inner = &self.inner;
        let req = json!({ "AccessToken": u.access.as_compact_str() });
        let _: serde_json::Value = inner.idp()?.call("GlobalSignOut", &req).await?;
        Ok(())
    }

    async fn revoke_call(&self, u: &UserTokens) -> Result<(), AuthError> {
        let inner = &self.inner;
        let Some(refresh) = &u.refresh else {
            return Ok(());
        };
        let mut req = json!({
            "Token": refresh.expose_secret(),
            "ClientId": inner.client_id()?,
        });
        if let Some(s) = inner.config.client_secret() {
            req["ClientSecret"] = json!(s.expose_secret());
        }
        let _: serde_json::Value = inner.idp()?.call("RevokeToken", &req).await?;
        Ok(())
    }

    /// The user-pool tokens only, refreshed first when they are within the
    /// margin of expiry (or always with `force_refresh`). Unlike
    /// [`fetch_cognito_session`](Self::fetch_cognito_session) it never calls
    /// the identity pool: use it when all you need is a bearer token.
    pub async fn fetch_user_pool_tokens(
        &self,
        options: FetchAuthSessionOptions,
    ) -> Result<AuthTokens, AuthError> {
        let tokens = self.inner.current_tokens(options.force_refresh).await?;
        Ok(tokens.auth_tokens())
    }

    /// The hot path, synchronously: the session when the signed-in user's
    /// tokens and credentials are loaded and valid, else `None` (take the
    /// general path). No I/O, no lock, one snapshot guard, one clock read.
    fn cached_auth_session(&self) -> Option<AuthSession> {
        let inner = &self.inner;
        inner.identity.as_ref()?;
        let snap = inner.state.load();
        if !snap.loaded || snap.expired {
            return None;
        }
        let user = snap.user.as_ref()?;
        let now = inner.now_ms();
        if user.needs_refresh(now, inner.token_margin_ms) {
            return None;
        }
        let creds = snap.identity.creds.as_ref()?;
        let id = snap.identity.identity_id.as_ref()?;
        if creds.principal != crate::identity::PrincipalKey::User(user.serial)
            || now >= creds.refresh_at_ms
        {
            return None;
        }
        Some(AuthSession {
            is_signed_in: true,
            tokens: Some(user.auth_tokens()),
            credentials: Some(creds.creds.clone()),
            identity_id: Some(id.to_string()),
            user_sub: Some(user.user_sub.clone()),
        })
    }

    /// The current user, from the tokens (refreshed first when expired).
    pub async fn get_current_user(&self) -> Result<AuthUser, AuthError> {
        let tokens = self.inner.current_tokens(false).await?;
        Ok(tokens.auth_user())
    }

    /// The portable session. Fails only when tokens or credentials that
    /// should exist cannot be obtained (a transient or service error);
    /// a signed-out or guest session is `Ok`.
    pub async fn fetch_auth_session(
        &self,
        options: FetchAuthSessionOptions,
    ) -> Result<AuthSession, AuthError> {
        if !options.force_refresh
            && let Some(session) = self.cached_auth_session()
        {
            return Ok(session);
        }
        // Boxed: the general path's future is large, and an unboxed one
        // would be copied into every call's future, the fast one included.
        Box::pin(self.fetch_cognito_session(options))
            .await
            .into_auth_session()
    }
}

#[async_trait]
impl AuthPlugin for CognitoAuthPlugin {
    fn key(&self) -> &'static str {
        PLUGIN_KEY
    }

    async fn get_current_user(&self) -> Result<AuthUser, AuthError> {
        CognitoAuthPlugin::get_current_user(self).await
    }

    async fn fetch_auth_session(
        &self,
        options: FetchAuthSessionOptions,
    ) -> Result<AuthSession, AuthError> {
        CognitoAuthPlugin::fetch_auth_session(self, options).await
    }

    async fn sign_out(&self, options: SignOutOptions) -> Result<SignOutResult, AuthError> {
        CognitoAuthPlugin::sign_out(self, options).await
    }

    fn subscribe(&self) -> broadcast::Receiver<AuthEvent> {
        self.inner.hub.subscribe()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
