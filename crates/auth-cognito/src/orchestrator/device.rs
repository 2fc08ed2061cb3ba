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
