//! In-process device helpers of the [`Emulator`]: a pool's [`DeviceConfiguration`] and
//! the devices a user has, through the same state as `UpdateUserPool` and
//! `AdminListDevices`.

use serde_json::json;

use super::Emulator;
use crate::error::EmulatorError;
use crate::user_pool::{devices, lookup};

/// A user pool's `DeviceConfiguration` (device tracking on).
///
/// ```
/// use cognito_emulator::DeviceConfiguration;
/// let always = DeviceConfiguration::always();
/// assert!(!always.device_only_remembered_on_user_prompt);
/// assert!(DeviceConfiguration::user_opt_in().device_only_remembered_on_user_prompt);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceConfiguration {
    /// `ChallengeRequiredOnNewDevice`: a remembered device replaces the MFA step.
    pub challenge_required_on_new_device: bool,
    /// `DeviceOnlyRememberedOnUserPrompt`: confirmed devices are remembered only when
    /// `UpdateDeviceStatus` says so.
    pub device_only_remembered_on_user_prompt: bool,
}

impl DeviceConfiguration {
    /// "Always remember": every confirmed device is remembered, and a remembered
    /// device skips MFA.
    pub fn always() -> Self {
        Self {
            challenge_required_on_new_device: true,
            device_only_remembered_on_user_prompt: false,
        }
    }

    /// "User opt-in": confirmed devices are tracked, and remembered only when the
    /// user says so (`UpdateDeviceStatus`).
    pub fn user_opt_in() -> Self {
        Self {
            challenge_required_on_new_device: true,
            device_only_remembered_on_user_prompt: true,
        }
    }
}

impl Emulator {
    /// Turns device tracking on with `config`, or off with `None` (`UpdateUserPool`'s
    /// `DeviceConfiguration`).
    pub fn set_device_configuration(
        &self,
        pool_id: &str,
        config: Option<DeviceConfiguration>,
    ) -> Result<(), EmulatorError> {
        let req = match config {
            Some(c) => json!({"DeviceConfiguration": {
                "ChallengeRequiredOnNewDevice": c.challenge_required_on_new_device,
                "DeviceOnlyRememberedOnUserPrompt": c.device_only_remembered_on_user_prompt,
            }}),
            None => json!({}),
        };
        self.with_state(|st| {
            lookup::pool(st, pool_id)?;
            devices::configure_pool(st, pool_id, &req);
            Ok(())
        })
    }

    /// The keys of a user's confirmed devices, oldest first (what `AdminListDevices`
    /// lists), with whether each is remembered.
    pub fn devices(
        &self,
        pool_id: &str,
        username: &str,
    ) -> Result<Vec<(String, bool)>, EmulatorError> {
        self.with_state(|st| {
            lookup::user(st, pool_id, username)?;
            Ok(devices::list_of(st, pool_id, username)
                .into_iter()
                .map(|(k, d)| (k, d.remembered))
                .collect())
        })
    }

    /// `AdminForgetDevice`: the device is gone, as if forgotten on another machine.
    pub fn admin_forget_device(
        &self,
        pool_id: &str,
        username: &str,
        device_key: &str,
    ) -> Result<(), EmulatorError> {
        self.with_state(|st| {
            devices::device_of(st, pool_id, username, device_key)
                .ok_or_else(devices::device_not_found)?;
            devices::forget(st, device_key);
            Ok(())
        })
    }
}
