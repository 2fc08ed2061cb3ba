//! The token orchestrator: the one owner of the user-pool session.
//!
//! The session lives in an [`ArcSwap`] [`Snapshot`]. A cached
//! `fetch_auth_session` reads a per-thread replica of it instead
//! (`snapshot_hot.rs`): no I/O, no lock and no write to memory shared
//! between threads. Everything that changes the session
//! (load, sign-in, refresh, sign-out) runs as one transaction under
//! `tx_lock`, so concurrent callers that need a refresh cause exactly one
//! network call, one storage write and one event.
//!
//! | file              | what it holds                                                   |
//! |-------------------|-----------------------------------------------------------------|
//! | `snapshot.rs`     | [`Snapshot`]                                                     |
//! | `snapshot_hot.rs` | the cached `fetch_auth_session`: per-thread replicas of the session |
//! | `replica.rs`      | per-thread replicas outdated by a version counter, and why       |
//! | `load.rs`         | reading the stored session once                                  |
//! | `install.rs`      | [`Orchestrator::complete_sign_in`], where every sign-in ends     |
//! | `received.rs`     | turning an `AuthenticationResult` into tokens, and verifying them |
//! | `refresh.rs`      | the refresh transaction: single flight, adoption, soft refresh, expiry |
//! | `refresh_call.rs` | `GetTokensFromRefreshToken`, with the `REFRESH_TOKEN_AUTH` fallback |
//! | `shared.rs`       | the store's cross-process lock, the re-read, refreshed tokens the store could not take |
//! | `classify.rs`     | which refresh errors end the session                             |
//! | `backoff.rs`      | the backoff after transient refresh failures                     |
//! | `device.rs`       | the remembered device's key in the session: set, dropped         |
//!
//! The identity pool reaches the session only through
//! [`SessionAccess`](crate::identity::SessionAccess), implemented here.

use std::sync::Arc;

use arc_swap::ArcSwap;
use auth_core::clock::Clock;
use auth_core::error::AuthError;
use auth_core::events::AuthHub;
use auth_core::storage::KeyValueStorage;
use tokio::sync::Mutex;

use crate::config::CognitoConfig;
use crate::flight::Flight;
use crate::identity::{IdentityState, SessionAccess, SessionView};
use crate::idp::IdpClient;
use crate::session::Keys;

mod backoff;
mod classify;
mod device;
mod install;
mod load;
mod received;
mod refresh;
mod refresh_call;
mod replica;
mod shared;
mod snapshot;
mod snapshot_hot;

pub(crate) use refresh::RefreshTicket;
pub(crate) use snapshot::Snapshot;

use backoff::Backoff;
use received::TokenVerifier;
use refresh_call::RefreshOp;

/// The user-pool session and everything that changes it.
pub(crate) struct Orchestrator {
    pub(crate) config: CognitoConfig,
    idp: Option<IdpClient>,
    pub(crate) storage: Arc<dyn KeyValueStorage>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) hub: AuthHub,
    keys: Option<Keys>,
    pub(crate) state: ArcSwap<Snapshot>,
    /// Per-thread replicas of the cached session, outdated by every
    /// [`update`](Self::update) (`replica.rs`, `snapshot_hot.rs`).
    hot: replica::Replicas<auth_core::types::AuthSession>,
    /// Serializes session transactions (load, sign-in, refresh, sign-out).
    pub(crate) tx_lock: Mutex<()>,
    /// The refresh in flight, keyed by whether it was forced: callers that
    /// need a refresh while one runs adopt its result (see `refresh.rs`).
    refresh_flight: Flight<bool, refresh::Refreshed>,
    backoff: std::sync::Mutex<Backoff>,
    /// Whether the endpoint knows `GetTokensFromRefreshToken`.
    refresh_op: RefreshOp,
    pub(crate) token_margin_ms: i64,
    /// The `DeviceName` of `ConfirmDevice`, when the builder set one; the
    /// default (the host name) is read when a device is confirmed, so that
    /// an idle plugin holds no copy of it.
    pub(crate) device_name: Option<String>,
    /// Verifies tokens received from the service, when enabled.
    verifier: Option<TokenVerifier>,
}

impl Orchestrator {
    /// The orchestrator for `config`; storage is read lazily, on first use.
    pub(crate) fn new(
        config: CognitoConfig,
        storage: Arc<dyn KeyValueStorage>,
        clock: Arc<dyn Clock>,
        verify_tokens: bool,
    ) -> Result<Self, AuthError> {
        let tuning = config.tuning().clone();
        let idp = match config.user_pool_id() {
            Some(_) => Some(IdpClient::new(config.user_pool_endpoint(), &tuning)?),
            None => None,
        };
        let keys = Keys::for_config(&config);
        let verifier = if verify_tokens {
            Some(TokenVerifier::new(&config, clock.clone())?)
        } else {
            None
        };
        Ok(Self {
            idp,
            storage,
            clock,
            hub: AuthHub::new(16),
            keys,
            state: ArcSwap::from_pointee(Snapshot::default()),
            hot: replica::Replicas::default(),
            tx_lock: Mutex::new(()),
            refresh_flight: Flight::default(),
            backoff: std::sync::Mutex::new(Backoff::default()),
            refresh_op: RefreshOp::default(),
            token_margin_ms: millis(tuning.token_expiry_margin),
            device_name: None,
            verifier,
            config,
        })
    }

    /// The `DeviceName` sent by `ConfirmDevice`: the builder's, else the
    /// host name.
    pub(crate) fn device_name(&self) -> String {
        self.device_name
            .clone()
            .unwrap_or_else(crate::devices::default_device_name)
    }

    /// The injected clock, in milliseconds.
    pub(crate) fn now_ms(&self) -> i64 {
        self.clock.now_millis()
    }

    /// The user-pool client, or `NoUserPool`.
    pub(crate) fn idp(&self) -> Result<&IdpClient, AuthError> {
        self.idp.as_ref().ok_or(AuthError::NoUserPool)
    }

    /// Whether a user pool is configured.
    pub(crate) fn has_user_pool(&self) -> bool {
        self.idp.is_some()
    }

    /// The app client id, or `NoUserPool`.
    pub(crate) fn client_id(&self) -> Result<&str, AuthError> {
        self.config
            .user_pool_client_id()
            .ok_or(AuthError::NoUserPool)
    }

    /// The storage key names, or `NoUserPool`.
    pub(crate) fn keys(&self) -> Result<&Keys, AuthError> {
        self.keys.as_ref().ok_or(AuthError::NoUserPool)
    }

    /// Applies `f` to a copy of the snapshot and publishes it. Every change
    /// of the snapshot goes through here: the per-thread replicas of the
    /// cached session are outdated after the store, never before.
    pub(crate) fn update(&self, f: impl Fn(&mut Snapshot)) {
        self.state.rcu(|s| {
            let mut next = Snapshot::clone(s);
            f(&mut next);
            next
        });
        self.hot.bump();
    }

    /// Why there are no tokens in `snap`: federated, expired or signed out.
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
}

/// What the identity pool may see and change of the session.
impl SessionAccess for Orchestrator {
    fn view(&self) -> SessionView {
        let snap = self.state.load();
        SessionView {
            user: snap.user.clone(),
            expired: snap.expired,
            identity: snap.identity.clone(),
        }
    }

    fn update_identity(&self, f: impl Fn(&mut IdentityState)) {
        self.update(|s| f(s.identity_mut()));
    }

    fn now_ms(&self) -> i64 {
        Orchestrator::now_ms(self)
    }

    fn hub(&self) -> &AuthHub {
        &self.hub
    }
}

/// A duration in whole milliseconds, saturating.
pub(crate) fn millis(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The error for a poisoned internal lock.
pub(crate) fn poisoned() -> AuthError {
    AuthError::InvalidState("internal lock poisoned".into())
}
