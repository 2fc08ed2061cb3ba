//! Credentials from the snapshot when they are valid for the principal, else
//! fetched in single flight: concurrent callers cause one `GetId` (when no
//! id is known) and one `GetCredentialsForIdentity`, and a cached id the
//! service rejects is dropped and fetched again once.

use std::sync::Arc;

use auth_core::error::AuthError;
use auth_core::secret::SecretString;
use auth_core::types::AwsCredentials;

use super::persist::Fetched;
use super::state::{CachedCreds, IdOwner, IdentityState, PrincipalKey};
use super::{CredsTicket, IdentityPool, IdentityResult, Principal, SessionAccess, SessionView};
use crate::session::UserTokens;

fn is_rejected_identity(e: &AuthError) -> bool {
    matches!(e, AuthError::NotAuthorized { .. })
        || e.service_code() == Some("ResourceNotFoundException")
}

/// The same user's current tokens, when they replaced the caller's.
fn latest(principal: Principal, view: &SessionView) -> Principal {
    match (principal, &view.user) {
        (Principal::User(u), Some(current))
            if current.user_sub == u.user_sub && current.serial != u.serial =>
        {
            Principal::User(current.clone())
        }
        (p, _) => p,
    }
}

/// The key credentials for `principal` are cached under.
fn principal_key(principal: &Principal, view: &SessionView) -> PrincipalKey {
    match (principal, &view.identity.federation) {
        (Principal::User(u), _) => PrincipalKey::User(u.serial),
        (Principal::Federated, Some(f)) => PrincipalKey::Federated(f.serial),
        (Principal::Federated, None) | (Principal::Guest, _) => PrincipalKey::Guest,
    }
}

fn valid(c: &CachedCreds, key: PrincipalKey, now: i64) -> bool {
    c.principal == key && now < c.refresh_at_ms
}

/// The credentials cache.
impl IdentityPool {
    /// The identity id and credentials for `principal`: from the snapshot when
    /// valid, else fetched in single flight. A forced caller holding a
    /// `ticket` also adopts a forced flight for the same principal that
    /// started after it called and has completed.
    pub(crate) async fn credentials(
        &self,
        session: &impl SessionAccess,
        principal: Principal,
        force: bool,
        ticket: Option<CredsTicket<'_>>,
    ) -> IdentityResult {
        let view = session.view();
        // A caller holding tokens that were refreshed meanwhile asks for the
        // current tokens' credentials: stale callers then share them instead of
        // each fetching (and caching) credentials for tokens already replaced.
        let principal = latest(principal, &view);
        let key = principal_key(&principal, &view);
        if !force
            && let (Some(c), Some(id)) = (&view.identity.creds, &view.identity.identity_id)
            && valid(c, key, session.now_ms())
        {
            return Ok((id.to_string(), c.creds.clone()));
        }
        let known_id = view.identity.identity_id.as_deref().map(str::to_owned);
        if key == PrincipalKey::Guest && !self.guests_allowed {
            let e = match &principal {
                Principal::Guest if view.expired => AuthError::SessionExpired {
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
        let seen_serial = view.identity.creds_serial;
        // Callers for the same principal share one flight and wake together;
        // a forced caller adopts only a forced flight.
        self.creds_flight
            .run_after(
                ticket.filter(|_| force),
                (key, force),
                |(k, forced)| *k == key && (*forced || !force),
                |_| true,
                || self.fetch_for(session, principal, force, seen_serial),
            )
            .await
    }

    /// The leader of a credentials flight: under the flight lock (which
    /// sign-out and federation also take), checks the snapshot again, then
    /// fetches and installs.
    async fn fetch_for(
        &self,
        session: &impl SessionAccess,
        principal: Principal,
        force: bool,
        seen_serial: u64,
    ) -> IdentityResult {
        let _flight = self.flight.lock().await;
        let view = session.view();
        let principal = latest(principal, &view);
        let key = principal_key(&principal, &view);
        if let (Some(c), Some(id)) = (&view.identity.creds, &view.identity.identity_id)
            && (!force || view.identity.creds_serial != seen_serial)
            && valid(c, key, session.now_ms())
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
                (
                    vec![(
                        self.client.user_pool_provider(),
                        SecretString::new(id_token.as_compact_str()),
                    )],
                    IdOwner::User(u.user_sub.clone()),
                )
            }
            _ => (Vec::new(), IdOwner::Guest),
        };
        let drift_ms = match &principal {
            Principal::User(u) => u.clock_drift_ms,
            _ => 0,
        };
        self.fetch_and_install(session, &view.identity, logins, owner, key, drift_ms)
            .await
    }

    /// Resolves the identity id (reusing or upgrading a cached one), fetches the
    /// credentials, persists both (see `persist.rs`) and publishes them. The
    /// caller holds the flight lock.
    pub(super) async fn fetch_and_install(
        &self,
        session: &impl SessionAccess,
        state: &IdentityState,
        logins: Vec<(String, SecretString)>,
        owner: IdOwner,
        key: PrincipalKey,
        drift_ms: i64,
    ) -> IdentityResult {
        let client = &self.client;
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
        let now = session.now_ms();
        let refresh_at_ms = creds
            .expiration
            .map(|s| {
                let expires = s.saturating_mul(1000).saturating_sub(drift_ms);
                let lifetime = expires.saturating_sub(now).max(0);
                expires - self.creds_margin_ms.min(lifetime / 2)
            })
            .unwrap_or(i64::MAX);
        if let PrincipalKey::User(serial) = key {
            let current = session.view().user.as_ref().map(|u| u.serial);
            if current != Some(serial) {
                // The user signed out (or the tokens changed) meanwhile: hand
                // these credentials to this caller only, cache and persist nothing.
                return Ok((id, creds));
            }
        }
        let id_changed = state.identity_id.as_deref() != Some(id.as_str())
            || state.owner.as_ref() != Some(&owner);
        let fetched = Fetched {
            pool_id: client.pool_id(),
            identity_id: &id,
            owner: &owner,
            id_changed,
            creds: &creds,
            refresh_at_ms,
            // A user's logins hold the id token the credentials belong to.
            id_token: match owner {
                IdOwner::User(_) => logins.first().map(|(_, token)| token),
                _ => None,
            },
        };
        let changes = fetched.changes();
        if !changes.is_empty()
            && let Err(e) = self.storage.apply(changes).await
        {
            tracing::warn!(error = %e, "could not persist the identity id and credentials");
        }
        let cached = Arc::new(CachedCreds {
            creds: creds.clone(),
            refresh_at_ms,
            principal: key,
        });
        let new_id: Arc<str> = id.as_str().into();
        session.update_identity(|identity| {
            identity.identity_id = Some(new_id.clone());
            identity.owner = Some(owner.clone());
            identity.creds = Some(cached.clone());
            identity.creds_serial += 1;
        });
        Ok((id, creds))
    }
}

/// The identity fields of a session.
impl IdentityPool {
    /// The identity id and credentials for whoever `tokens` say is asking
    /// (see [`Principal::for_tokens`]); each result says why it is missing.
    pub(crate) async fn for_tokens(
        &self,
        session: &impl SessionAccess,
        tokens: &Result<Arc<UserTokens>, AuthError>,
        force: bool,
        ticket: Option<CredsTicket<'_>>,
    ) -> (Result<String, AuthError>, Result<AwsCredentials, AuthError>) {
        let principal = match Principal::for_tokens(tokens) {
            Ok(p) => p,
            Err(e) => return (Err(e.clone()), Err(e)),
        };
        // A user's credentials belong to the tokens they were fetched with
        // (a forced token refresh already invalidates them), so `force`
        // applies to guests only: concurrent forced callers then share one
        // credentials call, like their one token call.
        let force = force && !matches!(principal, Principal::User(_));
        match self.credentials(session, principal, force, ticket).await {
            Ok((id, creds)) => (Ok(id), Ok(creds)),
            Err((id, e)) => (id.ok_or_else(|| e.clone()), Err(e)),
        }
    }
}
