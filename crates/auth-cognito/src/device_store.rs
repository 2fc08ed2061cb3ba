//! The remembered device of each user, in storage under Amplify's keys:
//! `CognitoIdentityServiceProvider.<clientId>.<username>.deviceKey`, `.deviceGroupKey`
//! and `.randomPasswordKey`. The last two are secrets. The device survives sign-out
//! (the session's own fields are cleared, these are not), as in Amplify, and goes
//! with `forget_device` or when Cognito no longer knows it.

use std::fmt;

use auth_core::error::AuthError;
use auth_core::secret::SecretString;
use auth_core::storage::{KeyValueStorage, StorageChange};

use crate::session::Keys;

const DEVICE_KEY: &str = "deviceKey";
const GROUP_KEY: &str = "deviceGroupKey";
const PASSWORD_KEY: &str = "randomPasswordKey";

/// A remembered device: what `DEVICE_SRP_AUTH` needs.
#[derive(Clone)]
pub(crate) struct DeviceSecrets {
    /// The device key (`<region>_<uuid>`): an identifier, not a secret.
    pub(crate) device_key: String,
    /// The device group key. Secret.
    pub(crate) group_key: SecretString,
    /// The device password. Secret.
    pub(crate) password: SecretString,
}

impl fmt::Debug for DeviceSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceSecrets")
            .field("device_key", &self.device_key)
            .finish_non_exhaustive()
    }
}

/// The device remembered for `username`, if all three fields are stored (as Amplify
/// reads them: a partial device is no device). The three are read in one
/// [`KeyValueStorage::get_many`]: one snapshot, one read of a file store.
pub(crate) async fn load(
    storage: &dyn KeyValueStorage,
    keys: &Keys,
    username: &str,
) -> Result<Option<DeviceSecrets>, AuthError> {
    let names = [DEVICE_KEY, GROUP_KEY, PASSWORD_KEY].map(|f| keys.field(username, f));
    let wanted: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut values = storage.get_many(&wanted).await?.into_iter();
    let (Some(Some(device_key)), Some(Some(group)), Some(Some(password))) =
        (values.next(), values.next(), values.next())
    else {
        return Ok(None);
    };
    if device_key.is_empty() || group.is_empty() || password.is_empty() {
        return Ok(None);
    }
    Ok(Some(DeviceSecrets {
        device_key,
        group_key: SecretString::from(group),
        password: SecretString::from(password),
    }))
}

/// The device key alone, for the refresh (no secret is read).
pub(crate) async fn load_key(
    storage: &dyn KeyValueStorage,
    keys: &Keys,
    username: &str,
) -> Result<Option<String>, AuthError> {
    Ok(load(storage, keys, username).await?.map(|d| d.device_key))
}

/// The writes that remember `device` for `username`.
pub(crate) fn persist_changes(
    keys: &Keys,
    username: &str,
    device: &DeviceSecrets,
) -> Vec<StorageChange> {
    vec![
        StorageChange::Set(keys.field(username, DEVICE_KEY), device.device_key.clone()),
        StorageChange::Set(
            keys.field(username, GROUP_KEY),
            device.group_key.expose_secret().to_owned(),
        ),
        StorageChange::Set(
            keys.field(username, PASSWORD_KEY),
            device.password.expose_secret().to_owned(),
        ),
    ]
}

/// The removals that forget the device of `username`.
pub(crate) fn clear_changes(keys: &Keys, username: &str) -> Vec<StorageChange> {
    [DEVICE_KEY, GROUP_KEY, PASSWORD_KEY]
        .iter()
        .map(|f| StorageChange::Remove(keys.field(username, f)))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn device_secrets_never_print_their_secrets() {
        let d = DeviceSecrets {
            device_key: "us-east-1_abc".into(),
            group_key: SecretString::from("-GroupKey9"),
            password: SecretString::from("cGFzc3dvcmQgb2YgdGhlIGRldmljZQ=="),
        };
        let shown = format!("{d:?}");
        assert!(shown.contains("us-east-1_abc"));
        assert!(!shown.contains("GroupKey9") && !shown.contains("cGFzc3dvcmQ"));
        let keys = Keys::new("client");
        let changes = persist_changes(&keys, "alice", &d);
        assert_eq!(
            changes[2],
            StorageChange::Set(
                "CognitoIdentityServiceProvider.client.alice.randomPasswordKey".into(),
                "cGFzc3dvcmQgb2YgdGhlIGRldmljZQ==".into()
            )
        );
        assert!(!format!("{changes:?}").contains("GroupKey9"));
        assert_eq!(clear_changes(&keys, "alice").len(), 3);
    }
}
