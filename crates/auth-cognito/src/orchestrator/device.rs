//! The user's remembered device in the session: remembering one after
//! `ConfirmDevice`, dropping it, each as a transaction under `tx_lock`, so that a
//! refresh running at the same time never installs tokens with a stale device key.

use std::sync::Arc;

use auth_core::error::AuthError;

use super::Orchestrator;
use crate::device_store::{self, DeviceSecrets};
use crate::session::UserTokens;

/// The remembered device.
impl Orchestrator {
    /// Stores `device` for `username` and makes it the device the session's
    /// refreshes send.
    /// The caller holds `tx_lock`. The device is published even when the store
    /// fails (Cognito now binds the session's refresh token to it), and the store's
    /// error is returned.
    pub(crate) async fn set_device_locked(
        &self,
        username: &str,
        device: &DeviceSecrets,
    ) -> Result<(), AuthError> {
        self.set_device_key(username, Some(device.device_key.clone()));
        let changes = device_store::persist_changes(self.keys()?, username, device);
        self.storage.apply(changes).await?;
        Ok(())
    }

    /// Makes the device stored for the signed-in `tokens`' user the session's, and
    /// returns its key. For a sign-in whose last step proved no device: an MFA
    /// answer after `DEVICE_SRP_AUTH` (the device was proven a step earlier, and
    /// Cognito binds the refresh token to it), so that refreshes send the key, as
    /// Amplify's do (they read it from storage).
    pub(crate) async fn adopt_stored_device(&self, tokens: &UserTokens) -> Option<String> {
        let _tx = self.tx_lock.lock().await;
        let keys = self.keys().ok()?;
        let key = device_store::load_key(self.storage.as_ref(), keys, &tokens.storage_username)
            .await
            .ok()
            .flatten()?;
        self.set_device_key(&tokens.storage_username, Some(key.clone()));
        Some(key)
    }

    /// Forgets `username`'s device, in storage and in the session.
    pub(crate) async fn drop_device(&self, username: &str) {
        let _tx = self.tx_lock.lock().await;
        self.forget_stored_device(username).await;
        self.set_device_key(username, None);
    }

    /// Publishes the signed-in user's tokens with `device_key`. The caller holds
    /// `tx_lock` (the end of a sign-in, in its transaction).
    pub(crate) fn set_device_key_of_current(&self, device_key: &str) {
        if let Some(user) = self.state.load().user.clone() {
            self.set_device_key(&user.storage_username, Some(device_key.to_owned()));
        }
    }

    /// Publishes the session's tokens with `device_key`, when they are `username`'s.
    /// The caller holds `tx_lock`.
    fn set_device_key(&self, username: &str, device_key: Option<String>) {
        self.update(|s| {
            if let Some(user) = &s.user
                && user.storage_username == username
                && user.device_key != device_key
            {
                let mut tokens = UserTokens::clone(user);
                tokens.device_key = device_key.clone();
                s.user = Some(Arc::new(tokens));
            }
        });
    }
}
