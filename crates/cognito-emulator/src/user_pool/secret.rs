//! App-client secrets: `SECRET_HASH` (computed and checked, in constant time) and the
//! `ClientSecret` of `GetTokensFromRefreshToken`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::error::ApiError;
use crate::srp;
use crate::state::AppClient;

/// `SECRET_HASH` as Cognito defines it: base64(HMAC-SHA256(key = client secret,
/// msg = username + client id)).
pub fn secret_hash(client_secret: &str, username: &str, client_id: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(client_secret.as_bytes()) else {
        return String::new();
    };
    mac.update(username.as_bytes());
    mac.update(client_id.as_bytes());
    B64.encode(mac.finalize().into_bytes())
}

/// Check SECRET_HASH for any of `usernames` when the client has a secret.
pub(crate) fn check_secret_hash(
    c: &AppClient,
    usernames: &[&str],
    provided: Option<&str>,
) -> Result<(), ApiError> {
    let Some(secret) = &c.secret else {
        return Ok(());
    };
    let Some(provided) = provided else {
        return Err(ApiError::not_authorized(format!(
            "Client {} is configured with secret but SECRET_HASH was not received",
            c.id
        )));
    };
    if usernames
        .iter()
        .any(|u| srp::ct_eq(&secret_hash(secret, u, &c.id), provided))
    {
        Ok(())
    } else {
        Err(ApiError::not_authorized(format!(
            "Unable to verify secret hash for client {}",
            c.id
        )))
    }
}

/// Check the `ClientSecret` member when the client has a secret.
pub(crate) fn check_client_secret(c: &AppClient, provided: Option<&str>) -> Result<(), ApiError> {
    match (&c.secret, provided) {
        (None, _) => Ok(()),
        (Some(s), Some(p)) if srp::ct_eq(s, p) => Ok(()),
        (Some(_), None) => Err(ApiError::not_authorized(format!(
            "Client {} is configured with secret but ClientSecret was not received",
            c.id
        ))),
        (Some(_), Some(_)) => Err(ApiError::not_authorized(format!(
            "Unable to verify secret for client {}",
            c.id
        ))),
    }
}
