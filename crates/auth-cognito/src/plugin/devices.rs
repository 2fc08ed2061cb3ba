//! Remembered devices (`devices.rs`): Amplify's `rememberDevice`, `forgetDevice`
//! and `fetchDevices`.

use auth_core::error::AuthError;

use super::CognitoAuthPlugin;
use crate::devices::{self, AuthDevice};

/// Remembered devices (`devices.rs`).
impl CognitoAuthPlugin {
    /// Remembers this machine's device (Amplify's `rememberDevice`:
    /// `UpdateDeviceStatus` `remembered`), on pools that remember devices only when
    /// the user says so ([`DeviceOutcome::CanBeRemembered`](crate::DeviceOutcome)).
    ///
    /// Fails with [`AuthError::NoDevice`] when no device is stored for the user, and
    /// with [`AuthError::SignedOut`] when nobody is signed in.
    ///
    /// ```no_run
    /// # use auth_cognito::{CognitoAuthPlugin, DeviceOutcome, SignInOptions};
    /// # async fn demo(plugin: CognitoAuthPlugin) -> Result<(), auth_core::error::AuthError> {
    /// let result = plugin.sign_in("alice", "correct horse", SignInOptions::default()).await?;
    /// if let Some(DeviceOutcome::CanBeRemembered { .. }) = result.device {
    ///     // ask the user first
    ///     plugin.remember_device().await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn remember_device(&self) -> Result<(), AuthError> {
        devices::remember(&self.inner.session).await
    }

    /// Forgets a device (Amplify's `forgetDevice`: `ForgetDevice`): this machine's
    /// with `None`, or the one with that key (from
    /// [`fetch_devices`](Self::fetch_devices)). Forgetting this machine's device also
    /// drops it here, so the next sign-in makes a new one; a device Cognito no
    /// longer knows counts as forgotten. Device keys otherwise survive sign-out.
    pub async fn forget_device(&self, device_key: Option<&str>) -> Result<(), AuthError> {
        devices::forget(&self.inner.session, device_key).await
    }

    /// The signed-in user's devices (Amplify's `fetchDevices`: `ListDevices`, every
    /// page), with names, attributes and dates.
    ///
    /// ```no_run
    /// # async fn demo(plugin: auth_cognito::CognitoAuthPlugin) -> Result<(), auth_core::error::AuthError> {
    /// for device in plugin.fetch_devices().await? {
    ///     println!("{} {:?} remembered={}", device.id, device.name, device.is_remembered());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn fetch_devices(&self) -> Result<Vec<AuthDevice>, AuthError> {
        devices::fetch(&self.inner.session).await
    }

    /// The key of this machine's remembered device for the signed-in user, from
    /// memory (`None` when there is none, or nobody is signed in). In a new
    /// process the stored session is read lazily: call any session method first
    /// (for example `get_current_user`).
    pub fn current_device_key(&self) -> Option<String> {
        self.inner
            .session
            .state
            .load()
            .user
            .as_ref()
            .and_then(|u| u.device_key.clone())
    }
}
