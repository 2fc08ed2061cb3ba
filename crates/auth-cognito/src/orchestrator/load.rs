//! Reading the stored session, once per process.

use std::sync::Arc;

use auth_core::error::AuthError;
use auth_core::events::AuthState;

use super::Orchestrator;
use crate::identity::IdentityState;
use crate::session::{load, load_expired};

/// Loading.
impl Orchestrator {
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
        let identity = match self.config.identity_pool_id() {
            Some(pool_id) => {
                IdentityState::load(self.storage.as_ref(), pool_id, user.as_ref()).await?
            }
            None => IdentityState::default(),
        };
        let identity = Arc::new(identity);
        let signed_in = user.is_some();
        // Read from the store, so saved there: no copy of the refresh token.
        let user = user.map(|u| Arc::new(u.saved()));
        self.update(|s| {
            if !s.loaded {
                s.loaded = true;
                s.user = user.clone();
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
}
