//! `DEVICE_SRP_AUTH` and `DEVICE_PASSWORD_VERIFIER`: proving the remembered device
//! after the password, with no question to the user. The SRP is the user's, with the
//! device group key in place of the pool name, the device key as the user and the
//! device password (`srp::DeviceVerifier` made its verifier).

use auth_core::error::AuthError;
use serde_json::{Value, json};

use super::flows::AppClient;
use super::missing;
use crate::device_store::DeviceSecrets;
use crate::idp::{AuthResponse, IdpClient, secret_hash};
use crate::srp::{self, PasswordVerifierChallenge, SrpClient};

/// Adds `SECRET_HASH` for `username` to `responses` when the client has a secret.
fn with_secret_hash(mut responses: Value, app: &AppClient<'_>, username: &str) -> Value {
    if let Some(s) = app.secret {
        responses["SECRET_HASH"] = json!(secret_hash(s, username, app.client_id));
    }
    responses
}

/// Answers `DEVICE_SRP_AUTH` (in `response`) for `username` with `device`, then the
/// `DEVICE_PASSWORD_VERIFIER` that follows, at `now_secs`; returns Cognito's next
/// answer (the tokens, or an MFA challenge when the device is not remembered).
pub(super) async fn answer(
    idp: &IdpClient,
    app: &AppClient<'_>,
    username: &str,
    device: &DeviceSecrets,
    now_secs: i64,
    response: AuthResponse,
) -> Result<AuthResponse, AuthError> {
    let op = "RespondToAuthChallenge";
    let client = SrpClient::new(&mut rand::rng());
    let responses = with_secret_hash(
        json!({
            "USERNAME": username,
            "SRP_A": client.a_public_hex(),
            "DEVICE_KEY": device.device_key,
        }),
        app,
        username,
    );
    let mut req = json!({
        "ChallengeName": "DEVICE_SRP_AUTH",
        "ClientId": app.client_id,
        "ChallengeResponses": responses,
    });
    if let Some(s) = &response.session {
        req["Session"] = json!(s);
    }
    let verifier: AuthResponse = idp.call(op, &req).await?;
    if verifier.challenge_name.as_deref() != Some("DEVICE_PASSWORD_VERIFIER") {
        return Err(AuthError::InvalidResponse {
            operation: op.into(),
            message: "DEVICE_SRP_AUTH was not followed by DEVICE_PASSWORD_VERIFIER".into(),
        });
    }
    let p = &verifier.challenge_parameters;
    let get = |k: &str| {
        p.get(k)
            .map(String::as_str)
            .ok_or_else(|| missing(op, &format!("ChallengeParameters.{k}")))
    };
    let secret_block = get("SECRET_BLOCK")?;
    let timestamp = srp::format_timestamp(now_secs);
    let challenge =
        PasswordVerifierChallenge::new(device.group_key.expose_secret(), &device.device_key)
            .with_salt_hex(get("SALT")?)
            .with_srp_b_hex(get("SRP_B")?)
            .with_secret_block_b64(secret_block);
    let claim = client
        .password_verifier(&challenge, device.password.expose_secret(), &timestamp)
        .map_err(|e| AuthError::InvalidResponse {
            operation: op.into(),
            message: format!("device SRP challenge rejected: {e}"),
        })?;
    let username = p.get("USERNAME").map(String::as_str).unwrap_or(username);
    let responses = with_secret_hash(
        json!({
            "USERNAME": username,
            "PASSWORD_CLAIM_SECRET_BLOCK": secret_block,
            "PASSWORD_CLAIM_SIGNATURE": claim.signature_b64(),
            "TIMESTAMP": timestamp,
            "DEVICE_KEY": device.device_key,
        }),
        app,
        username,
    );
    let mut req = json!({
        "ChallengeName": "DEVICE_PASSWORD_VERIFIER",
        "ClientId": app.client_id,
        "ChallengeResponses": responses,
    });
    if let Some(s) = &verifier.session {
        req["Session"] = json!(s);
    }
    let next: AuthResponse = idp.call(op, &req).await?;
    tracing::debug!(device_key = %device.device_key, "device proven");
    Ok(next)
}
