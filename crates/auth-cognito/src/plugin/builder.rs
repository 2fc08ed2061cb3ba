//! [`CognitoAuthPluginBuilder`]: storage, clock and token verification.

use std::fmt;
use std::sync::Arc;

use auth_core::clock::{Clock, SystemClock};
use auth_core::error::AuthError;
use auth_core::storage::KeyValueStorage;

use super::{CognitoAuthPlugin, Inner};
use crate::config::CognitoConfig;
use crate::identity::IdentityPool;
use crate::orchestrator::Orchestrator;
use crate::sign_in::Pending;

/// Builds a [`CognitoAuthPlugin`].
pub struct CognitoAuthPluginBuilder {
    config: CognitoConfig,
    storage: Option<Arc<dyn KeyValueStorage>>,
    clock: Arc<dyn Clock>,
    verify_tokens: bool,
    device_name: Option<String>,
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
    pub(super) fn new(config: CognitoConfig) -> Self {
        Self {
            config,
            storage: None,
            clock: Arc::new(SystemClock),
            verify_tokens: false,
            device_name: None,
        }
    }

    /// The name a new remembered device gets in `ConfirmDevice` (`DeviceName`, shown
    /// by [`fetch_devices`](CognitoAuthPlugin::fetch_devices)). Default: the host name.
    pub fn device_name(mut self, name: impl Into<String>) -> Self {
        self.device_name = Some(name.into());
        self
    }

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
    /// see [`JwksVerifier`](crate::JwksVerifier). Off by default: the tokens
    /// come over TLS straight from the configured endpoint, and verification
    /// adds a JWKS fetch and a failure mode to sign-in. Turn it on when the
    /// endpoint is a proxy or otherwise not fully trusted.
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
        let mut session =
            Orchestrator::new(self.config, storage.clone(), self.clock, self.verify_tokens)?;
        if let Some(name) = self.device_name.filter(|n| !n.trim().is_empty()) {
            session.device_name = Some(name);
        }
        let identity = IdentityPool::for_config(&session.config, storage);
        Ok(CognitoAuthPlugin {
            inner: Arc::new(Inner {
                session,
                identity,
                pending: Pending::default(),
                auto_sign_in: Default::default(),
                expired: Default::default(),
            }),
        })
    }
}
