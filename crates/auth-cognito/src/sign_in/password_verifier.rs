//! SRP's second round: the answer to `PASSWORD_VERIFIER`, which proves the
//! password without sending it.

use auth_core::error::AuthError;
use auth_core::secret::SecretString;
use serde_json::json;

use super::flows::AppClient;
use super::missing;
use crate::idp::{AuthResponse, IdpClient, secret_hash};
use crate::srp::{self, PasswordVerifierChallenge, SrpClient};

/// What the answer proves and sends: the SRP exchange and the password, and the
/// key of the stored device (sent along as `DEVICE_KEY`), if any.
pub(super) struct Proof<'a> {
    pub(super) srp_client: &'a SrpClient,
    pub(super) password: &'a SecretString,
    pub(super) device_key: Option<&'a str>,
}

/// Answers the `PASSWORD_VERIFIER` challenge in `response` for the pool
/// `pool_id` at `now_secs`, and returns Cognito's next answer.
pub(super) async fn answer(
    idp: &IdpClient,
    app: &AppClient<'_>,
    pool_id: &str,
    now_secs: i64,
    proof: Proof<'_>,
    response: AuthResponse,
) -> Result<AuthResponse, AuthError> {
    let Proof {
        srp_client,
        password,
        device_key,
    } = proof;
    let op = "InitiateAuth";
    let p = &response.challenge_parameters;
    let get = |k: &str| {
        p.get(k)
            .map(String::as_str)
            .ok_or_else(|| missing(op, &format!("ChallengeParameters.{k}")))
    };
    let user_id = get("USER_ID_FOR_SRP")?;
    let salt = get("SALT")?;
    let srp_b = get("SRP_B")?;
    let secret_block = get("SECRET_BLOCK")?;
    let pool_name = pool_id.split_once('_').map(|(_, n)| n).unwrap_or(pool_id);
    let timestamp = srp::format_timestamp(now_secs);
    let challenge = PasswordVerifierChallenge::new(pool_name, user_id)
        .with_salt_hex(salt)
        .with_srp_b_hex(srp_b)
        .with_secret_block_b64(secret_block);
    let claim = srp_client
        .password_verifier(&challenge, password.expose_secret(), &timestamp)
        .map_err(|e| AuthError::InvalidResponse {
            operation: op.into(),
            message: format!("SRP challenge rejected: {e}"),
        })?;
    // The signature covers USER_ID_FOR_SRP; the response names the user
    // by the USERNAME Cognito returned (moto cannot look users up by sub).
    let username = p.get("USERNAME").map(String::as_str).unwrap_or(user_id);
    let mut responses = json!({
        "USERNAME": username,
        "PASSWORD_CLAIM_SECRET_BLOCK": secret_block,
        "PASSWORD_CLAIM_SIGNATURE": claim.signature_b64(),
        "TIMESTAMP": timestamp,
    });
    if let Some(s) = app.secret {
        responses["SECRET_HASH"] = json!(secret_hash(s, username, app.client_id));
    }
    if let Some(d) = device_key {
        responses["DEVICE_KEY"] = json!(d);
    }
    let mut req = json!({
        "ChallengeName": "PASSWORD_VERIFIER",
        "ClientId": app.client_id,
        "ChallengeResponses": responses,
    });
    if let Some(session) = &response.session {
        req["Session"] = json!(session);
    }
    idp.call("RespondToAuthChallenge", &req).await
}
