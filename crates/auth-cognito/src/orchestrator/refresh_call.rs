//! The refresh call: `GetTokensFromRefreshToken` (which supports
//! refresh-token rotation), falling back to `InitiateAuth`
//! `REFRESH_TOKEN_AUTH` on endpoints that do not know it (older emulators,
//! moto). Which one works is learnt once per plugin. Both send the key of
//! the user's remembered device; a device Cognito no longer knows is
//! forgotten and the call made once more without it.

use std::sync::atomic::{AtomicU8, Ordering};

use auth_core::error::AuthError;
use auth_core::secret::SecretString;
use serde_json::json;

use super::Orchestrator;
use super::classify::maybe_unknown_operation;
use crate::idp::{AuthResponse, AuthenticationResult, RefreshResponse, secret_hash};
use crate::session::UserTokens;

const UNKNOWN: u8 = 0;
const SUPPORTED: u8 = 1;
const UNSUPPORTED: u8 = 2;

/// Whether the endpoint knows `GetTokensFromRefreshToken`: not known yet,
/// yes, or no.
#[derive(Debug, Default)]
pub(super) struct RefreshOp(AtomicU8);

/// The refresh call.
impl Orchestrator {
    /// [`call_refresh`](Self::call_refresh) with the user's device key. When
    /// Cognito rejects the device (forgotten elsewhere), the device is dropped
    /// from storage and the call made once more without it, so a stale device
    /// never ends the session. Returns the device key the tokens go with.
    pub(super) async fn call_refresh_with_device(
        &self,
        user: &UserTokens,
        refresh: &SecretString,
    ) -> Result<(AuthenticationResult, Option<String>), AuthError> {
        let Some(device_key) = user.device_key.as_deref() else {
            return Ok((self.call_refresh(user, refresh, None).await?, None));
        };
        match self.call_refresh(user, refresh, Some(device_key)).await {
            Ok(result) => Ok((result, Some(device_key.to_owned()))),
            Err(e) if crate::devices::is_device_rejection(&e) => {
                tracing::warn!(
                    device_key,
                    code = e.service_code().unwrap_or("-"),
                    "Cognito no longer knows the remembered device: it is forgotten and the refresh retried without it"
                );
                self.forget_stored_device(&user.storage_username).await;
                Ok((self.call_refresh(user, refresh, None).await?, None))
            }
            Err(e) => Err(e),
        }
    }

    /// Removes `username`'s remembered device from storage; a storage failure
    /// is logged (the device is not used again in this process either way).
    pub(crate) async fn forget_stored_device(&self, username: &str) {
        let Ok(keys) = self.keys() else {
            return;
        };
        let changes = crate::device_store::clear_changes(keys, username);
        if let Err(e) = self.storage.apply(changes).await {
            tracing::warn!(error = %e, "could not remove the forgotten device from storage");
        }
    }

    /// Calls the refresh operation, falling back to `InitiateAuth`
    /// `REFRESH_TOKEN_AUTH` where `GetTokensFromRefreshToken` is unknown.
    pub(super) async fn call_refresh(
        &self,
        user: &UserTokens,
        refresh: &SecretString,
        device_key: Option<&str>,
    ) -> Result<AuthenticationResult, AuthError> {
        let idp = self.idp()?;
        let client_id = self.client_id()?;
        let secret = self.config.client_secret();
        let known = self.refresh_op.0.load(Ordering::Relaxed);
        if known != UNSUPPORTED {
            let mut req = json!({
                "ClientId": client_id,
                "RefreshToken": refresh.expose_secret(),
            });
            if let Some(s) = secret {
                req["ClientSecret"] = json!(s.expose_secret());
            }
            if let Some(d) = device_key {
                req["DeviceKey"] = json!(d);
            }
            match idp
                .call::<_, RefreshResponse>("GetTokensFromRefreshToken", &req)
                .await
            {
                Ok(r) => {
                    self.refresh_op.0.store(SUPPORTED, Ordering::Relaxed);
                    return r
                        .authentication_result
                        .ok_or_else(|| AuthError::InvalidResponse {
                            operation: "GetTokensFromRefreshToken".into(),
                            message: "no AuthenticationResult".into(),
                        });
                }
                Err(e) if known == UNKNOWN && maybe_unknown_operation(&e) => {
                    tracing::debug!(
                        "GetTokensFromRefreshToken not available; trying REFRESH_TOKEN_AUTH"
                    );
                    let result = self
                        .call_refresh_token_auth(user, refresh, device_key)
                        .await;
                    if result.is_ok() {
                        self.refresh_op.0.store(UNSUPPORTED, Ordering::Relaxed);
                    }
                    return result;
                }
                Err(e) => return Err(e),
            }
        }
        self.call_refresh_token_auth(user, refresh, device_key)
            .await
    }

    /// `InitiateAuth` with `REFRESH_TOKEN_AUTH`.
    async fn call_refresh_token_auth(
        &self,
        user: &UserTokens,
        refresh: &SecretString,
        device_key: Option<&str>,
    ) -> Result<AuthenticationResult, AuthError> {
        let idp = self.idp()?;
        let client_id = self.client_id()?;
        let secret = self.config.client_secret();
        let mut params = json!({ "REFRESH_TOKEN": refresh.expose_secret() });
        if let Some(s) = secret {
            // Cognito computes the refresh SECRET_HASH over the user's sub
            // when the username is an alias; the username works otherwise.
            params["SECRET_HASH"] = json!(secret_hash(s, &user.storage_username, client_id));
        }
        if let Some(d) = device_key {
            params["DEVICE_KEY"] = json!(d);
        }
        let req = json!({
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "ClientId": client_id,
            "AuthParameters": params,
        });
        let r: AuthResponse = idp.call("InitiateAuth", &req).await?;
        r.authentication_result
            .ok_or_else(|| AuthError::InvalidResponse {
                operation: "InitiateAuth".into(),
                message: "no AuthenticationResult for REFRESH_TOKEN_AUTH".into(),
            })
    }
}
