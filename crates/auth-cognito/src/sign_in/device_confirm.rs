//! The device step at the end of a sign-in, run after the tokens are installed: a
//! `NewDeviceMetadata` is confirmed with `ConfirmDevice` (a verifier made from a new
//! random password) and stored; a device proven by `DEVICE_SRP_AUTH` is made the
//! session's. A failed `ConfirmDevice` never fails the sign-in: the user is signed in
//! without a device, as in Amplify, and the result says so.

use auth_core::secret::SecretString;
use serde::Deserialize;
use serde_json::json;

use crate::device_store::DeviceSecrets;
use crate::devices::DeviceOutcome;
use crate::idp::NewDeviceMetadata;
use crate::orchestrator::Orchestrator;
use crate::session::UserTokens;
use crate::srp::DeviceVerifier;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ConfirmDeviceResponse {
    #[serde(default)]
    user_confirmation_necessary: bool,
}

/// Confirms `metadata` for the signed-in `tokens` and stores the device.
pub(super) async fn confirm_new_device(
    session: &Orchestrator,
    tokens: &UserTokens,
    metadata: NewDeviceMetadata,
) -> DeviceOutcome {
    let not_confirmed = |reason: String| {
        tracing::warn!(
            reason = %reason,
            "ConfirmDevice failed: signed in without a remembered device"
        );
        DeviceOutcome::NotConfirmed { reason }
    };
    let (Some(device_key), Some(group_key)) = (
        metadata.device_key.filter(|k| !k.is_empty()),
        metadata.device_group_key.filter(|k| !k.is_empty()),
    ) else {
        return not_confirmed("NewDeviceMetadata has no DeviceKey or DeviceGroupKey".into());
    };
    let verifier = match DeviceVerifier::generate(&mut rand::rng(), &group_key, &device_key) {
        Ok(v) => v,
        Err(e) => return not_confirmed(format!("cannot make the device verifier: {e}")),
    };
    let Ok(idp) = session.idp() else {
        return not_confirmed("no user pool is configured".into());
    };
    let req = json!({
        "AccessToken": tokens.access.as_compact_str(),
        "DeviceKey": device_key,
        "DeviceName": session.device_name(),
        "DeviceSecretVerifierConfig": {
            "Salt": verifier.salt_b64(),
            "PasswordVerifier": verifier.password_verifier_b64(),
        },
    });
    // Held across the call: once Cognito has the device it binds the session's
    // refresh token to it, so no refresh may run before the session knows the key.
    let _tx = session.tx_lock.lock().await;
    let answer: ConfirmDeviceResponse = match idp.call("ConfirmDevice", &req).await {
        Ok(a) => a,
        Err(e) => return not_confirmed(e.to_string()),
    };
    let device = DeviceSecrets {
        device_key: device_key.clone(),
        group_key: SecretString::from(group_key),
        password: SecretString::new(verifier.password()),
    };
    if let Err(e) = session
        .set_device_locked(&tokens.storage_username, &device)
        .await
    {
        return not_confirmed(format!(
            "the device was confirmed but cannot be stored ({e}); it is used until the process ends"
        ));
    }
    tracing::debug!(device_key, "new device confirmed");
    if answer.user_confirmation_necessary {
        DeviceOutcome::CanBeRemembered { device_key }
    } else {
        DeviceOutcome::Remembered { device_key }
    }
}
