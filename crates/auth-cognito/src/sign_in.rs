//! Sign-in: `USER_SRP_AUTH` (the default) and `USER_PASSWORD_AUTH`, the
//! challenges that follow, and `SECRET_HASH` for app clients with a secret.

use std::collections::HashMap;
use std::fmt;

use auth_core::error::AuthError;
use auth_core::events::AuthEvent;
use auth_core::secret::SecretString;
use auth_core::types::{AuthFlowType, SignInDetails};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::idp::AuthResponse;
use crate::plugin::CognitoAuthPlugin;
use crate::srp;

/// `SECRET_HASH` = base64(HMAC-SHA256(key = client secret, username + client id)).
pub(crate) fn secret_hash(secret: &SecretString, username: &str, client_id: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.expose_secret().as_bytes())
        .unwrap_or_else(|_| unreachable_hmac());
    mac.update(username.as_bytes());
    mac.update(client_id.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

#[cold]
fn unreachable_hmac() -> Hmac<Sha256> {
    // Keys of any length are valid for HMAC; keep a total function anyway.
    <Hmac<Sha256> as KeyInit>::new_from_slice(&[0u8; 32]).unwrap_or_else(|_| unreachable_hmac())
}

/// Options of [`CognitoAuthPlugin::sign_in`].
#[derive(Debug, Clone, Default)]
pub struct SignInOptions {
    /// The flow; `None` means `USER_SRP_AUTH`, as in Amplify.
    pub auth_flow_type: Option<AuthFlowType>,
    /// `ClientMetadata` passed to Lambda triggers.
    pub client_metadata: HashMap<String, String>,
}

impl SignInOptions {
    /// Options with the given flow.
    pub fn with_flow(flow: AuthFlowType) -> Self {
        Self {
            auth_flow_type: Some(flow),
            ..Self::default()
        }
    }
}

/// A second factor Cognito can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MfaType {
    /// A code sent by SMS.
    Sms,
    /// A code from an authenticator app (TOTP).
    Totp,
}

impl MfaType {
    fn wire(self) -> &'static str {
        match self {
            Self::Sms => "SMS_MFA",
            Self::Totp => "SOFTWARE_TOKEN_MFA",
        }
    }
}

/// What the user must do next (Amplify's `nextStep.signInStep`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignInStep {
    /// Signed in.
    Done,
    /// Choose a new password (`NEW_PASSWORD_REQUIRED`); answer with the new
    /// password in [`CognitoAuthPlugin::confirm_sign_in`].
    ConfirmSignInWithNewPassword {
        /// Attributes the pool requires to be set along with it.
        required_attributes: Vec<String>,
    },
    /// Enter the code from the authenticator app (`SOFTWARE_TOKEN_MFA`).
    ConfirmSignInWithTotpCode,
    /// Enter the code sent by SMS (`SMS_MFA`).
    ConfirmSignInWithSmsCode {
        /// Where the code went, masked by Cognito (for example `+*******1234`).
        destination: Option<String>,
    },
    /// Pick a second factor (`SELECT_MFA_TYPE`); answer with
    /// `"SMS_MFA"` or `"SOFTWARE_TOKEN_MFA"` (or `"SMS"` / `"TOTP"`).
    ContinueSignInWithMfaSelection {
        /// The factors to choose from.
        allowed: Vec<MfaType>,
    },
}

/// The result of `sign_in` and `confirm_sign_in`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInResult {
    /// Whether the user is now signed in.
    pub is_signed_in: bool,
    /// The next step.
    pub next_step: SignInStep,
}

/// A challenge waiting for `confirm_sign_in`.
pub(crate) struct PendingChallenge {
    name: String,
    session: Option<SecretString>,
    /// The username Cognito wants in `ChallengeResponses` (`USER_ID_FOR_SRP`).
    username: String,
    details: SignInDetails,
}

impl fmt::Debug for PendingChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingChallenge")
            .field("name", &self.name)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

fn missing(operation: &str, what: &str) -> AuthError {
    AuthError::InvalidResponse {
        operation: operation.into(),
        message: format!("missing {what}"),
    }
}

impl CognitoAuthPlugin {
    /// Signs a user in (Amplify's `signIn`).
    ///
    /// With `USER_SRP_AUTH` (the default) the password never leaves this
    /// process: only an SRP proof is sent. A wrong password is
    /// [`AuthError::NotAuthorized`]. When Cognito asks for more, the result's
    /// `next_step` says what, and [`confirm_sign_in`](Self::confirm_sign_in)
    /// continues.
    ///
    /// ```no_run
    /// # use auth_cognito::{CognitoAuthPlugin, SignInOptions, SignInStep};
    /// # async fn demo(plugin: CognitoAuthPlugin) -> Result<(), auth_core::error::AuthError> {
    /// let result = plugin.sign_in("alice", "correct horse", SignInOptions::default()).await?;
    /// if let SignInStep::ConfirmSignInWithTotpCode = result.next_step {
    ///     plugin.confirm_sign_in("123456").await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        options: SignInOptions,
    ) -> Result<SignInResult, AuthError> {
        let inner = &self.inner;
        if username.trim().is_empty() {
            return Err(AuthError::InvalidParameter {
                name: "username".into(),
                message: "empty".into(),
            });
        }
        if password.is_empty() {
            return Err(AuthError::InvalidParameter {
                name: "password".into(),
                message: "empty".into(),
            });
        }
        let password = SecretString::new(password);
        inner.ensure_loaded().await?;
        if inner.state.load().user.is_some() {
            return Err(AuthError::AlreadySignedIn);
        }
        let idp = inner.idp()?;
        let client_id = inner.client_id()?;
        let flow = options.auth_flow_type.unwrap_or(AuthFlowType::UserSrpAuth);
        let details = SignInDetails {
            login_id: Some(username.to_owned()),
            auth_flow_type: flow,
        };
        let secret = inner.config.client_secret();
        let mut params = serde_json::Map::new();
        params.insert("USERNAME".into(), json!(username));
        if let Some(s) = secret {
            params.insert(
                "SECRET_HASH".into(),
                json!(secret_hash(s, username, client_id)),
            );
        }
        let srp_client = match flow {
            AuthFlowType::UserSrpAuth | AuthFlowType::CustomWithSrp => {
                let c = srp::SrpClient::new(&mut rand::rng());
                params.insert("SRP_A".into(), json!(c.a_public_hex()));
                if flow == AuthFlowType::CustomWithSrp {
                    params.insert("CHALLENGE_NAME".into(), json!("SRP_A"));
                }
                Some(c)
            }
            AuthFlowType::UserPasswordAuth => {
                params.insert("PASSWORD".into(), json!(password.expose_secret()));
                None
            }
            other => {
                return Err(AuthError::InvalidParameter {
                    name: "auth_flow_type".into(),
                    message: format!("{other} is not supported by sign_in"),
                });
            }
        };
        let flow_name = match flow {
            AuthFlowType::CustomWithSrp => "CUSTOM_AUTH",
            other => other.as_str(),
        };
        let mut req = json!({
            "AuthFlow": flow_name,
            "ClientId": client_id,
            "AuthParameters": Value::Object(params),
        });
        if !options.client_metadata.is_empty() {
            req["ClientMetadata"] = json!(options.client_metadata);
        }
        tracing::debug!(flow = flow.as_str(), "sign-in started");
        let mut response: AuthResponse = idp.call("InitiateAuth", &req).await?;
        if response.challenge_name.as_deref() == Some("PASSWORD_VERIFIER") {
            let srp_client = srp_client
                .ok_or_else(|| missing("InitiateAuth", "an SRP client for PASSWORD_VERIFIER"))?;
            response = self
                .answer_password_verifier(&srp_client, &password, response)
                .await?;
        }
        drop(password);
        self.handle_auth_response("InitiateAuth", response, username, details)
            .await
    }

    async fn answer_password_verifier(
        &self,
        srp_client: &srp::SrpClient,
        password: &SecretString,
        response: AuthResponse,
    ) -> Result<AuthResponse, AuthError> {
        let inner = &self.inner;
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
        let pool_id = inner.config.user_pool_id().ok_or(AuthError::NoUserPool)?;
        let pool_name = pool_id.split_once('_').map(|(_, n)| n).unwrap_or(pool_id);
        let timestamp = srp::format_timestamp(inner.clock.now_secs());
        let claim = srp_client
            .password_verifier(
                &srp::PasswordVerifierChallenge {
                    pool_name,
                    user_id_for_srp: user_id,
                    salt_hex: salt,
                    srp_b_hex: srp_b,
                    secret_block_b64: secret_block,
                },
                password.expose_secret(),
                &timestamp,
            )
            .map_err(|e| AuthError::InvalidResponse {
                operation: op.into(),
                message: format!("SRP challenge rejected: {e}"),
            })?;
        let client_id = inner.client_id()?;
        // The signature covers USER_ID_FOR_SRP; the response names the user
        // by the USERNAME Cognito returned (moto cannot look users up by sub).
        let username = p.get("USERNAME").map(String::as_str).unwrap_or(user_id);
        let mut responses = json!({
            "USERNAME": username,
            "PASSWORD_CLAIM_SECRET_BLOCK": secret_block,
            "PASSWORD_CLAIM_SIGNATURE": claim.signature_b64(),
            "TIMESTAMP": timestamp,
        });
        if let Some(s) = inner.config.client_secret() {
            responses["SECRET_HASH"] = json!(secret_hash(s, username, client_id));
        }
        let mut req = json!({
            "ChallengeName": "PASSWORD_VERIFIER",
            "ClientId": client_id,
            "ChallengeResponses": responses,
        });
        if let Some(session) = &response.session {
            req["Session"] = json!(session);
        }
        inner.idp()?.call("RespondToAuthChallenge", &req).await
    }

    /// Finishes a sign-in with tokens, or records the challenge.
    async fn handle_auth_response(
        &self,
        operation: &'static str,
        response: AuthResponse,
        username: &str,
        details: SignInDetails,
    ) -> Result<SignInResult, AuthError> {
        let inner = &self.inner;
        if let Some(result) = response.authentication_result {
            let tokens = inner.tokens_from_result(operation, result, None, Some(details))?;
            inner.verify(&tokens).await?;
            let _tx = inner.tx_lock.lock().await;
            if inner.state.load().user.is_some() {
                return Err(AuthError::AlreadySignedIn);
            }
            let event = AuthEvent::SignedIn {
                username: tokens.username.clone(),
            };
            inner.install_tokens(tokens, event).await?;
            *inner.pending.lock().map_err(|_| lock_error())? = None;
            tracing::debug!("signed in");
            return Ok(SignInResult {
                is_signed_in: true,
                next_step: SignInStep::Done,
            });
        }
        let name = response
            .challenge_name
            .ok_or_else(|| missing(operation, "AuthenticationResult or ChallengeName"))?;
        let params = response.challenge_parameters;
        let step = match name.as_str() {
            "NEW_PASSWORD_REQUIRED" => SignInStep::ConfirmSignInWithNewPassword {
                required_attributes: params
                    .get("requiredAttributes")
                    .and_then(|s| serde_json::from_str::<Vec<String>>(s).ok())
                    .unwrap_or_default(),
            },
            "SOFTWARE_TOKEN_MFA" => SignInStep::ConfirmSignInWithTotpCode,
            "SMS_MFA" => SignInStep::ConfirmSignInWithSmsCode {
                destination: params.get("CODE_DELIVERY_DESTINATION").cloned(),
            },
            "SELECT_MFA_TYPE" => {
                let allowed = params
                    .get("MFAS_CAN_CHOOSE")
                    .and_then(|s| serde_json::from_str::<Vec<String>>(s).ok())
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|m| match m.as_str() {
                        "SMS_MFA" => Some(MfaType::Sms),
                        "SOFTWARE_TOKEN_MFA" => Some(MfaType::Totp),
                        _ => None,
                    })
                    .collect();
                SignInStep::ContinueSignInWithMfaSelection { allowed }
            }
            other => {
                return Err(AuthError::InvalidState(format!(
                    "the sign-in challenge {other} is not supported"
                )));
            }
        };
        let challenge_user = params
            .get("USERNAME")
            .or_else(|| params.get("USER_ID_FOR_SRP"))
            .cloned()
            .unwrap_or_else(|| username.to_owned());
        *inner.pending.lock().map_err(|_| lock_error())? = Some(PendingChallenge {
            name,
            session: response.session.map(SecretString::from),
            username: challenge_user,
            details,
        });
        Ok(SignInResult {
            is_signed_in: false,
            next_step: step,
        })
    }

    /// Answers the pending sign-in challenge (Amplify's `confirmSignIn`):
    /// a new password, a TOTP or SMS code, or an MFA choice.
    pub async fn confirm_sign_in(
        &self,
        challenge_response: &str,
    ) -> Result<SignInResult, AuthError> {
        let inner = &self.inner;
        let pending = inner
            .pending
            .lock()
            .map_err(|_| lock_error())?
            .take()
            .ok_or_else(|| {
                AuthError::InvalidState("no sign-in is waiting for confirmation".into())
            })?;
        let (key, value) = match pending.name.as_str() {
            "NEW_PASSWORD_REQUIRED" => ("NEW_PASSWORD", challenge_response.to_owned()),
            "SOFTWARE_TOKEN_MFA" => (
                "SOFTWARE_TOKEN_MFA_CODE",
                challenge_response.trim().to_owned(),
            ),
            "SMS_MFA" => ("SMS_MFA_CODE", challenge_response.trim().to_owned()),
            "SELECT_MFA_TYPE" => {
                let answer = match challenge_response.trim() {
                    "SMS" | "SMS_MFA" => MfaType::Sms.wire(),
                    "TOTP" | "SOFTWARE_TOKEN_MFA" => MfaType::Totp.wire(),
                    _ => {
                        let name = pending.name.clone();
                        *inner.pending.lock().map_err(|_| lock_error())? = Some(pending);
                        return Err(AuthError::InvalidParameter {
                            name: "challenge_response".into(),
                            message: format!("{name} expects SMS_MFA or SOFTWARE_TOKEN_MFA"),
                        });
                    }
                };
                ("ANSWER", answer.to_owned())
            }
            other => {
                return Err(AuthError::InvalidState(format!(
                    "the challenge {other} cannot be answered"
                )));
            }
        };
        let client_id = inner.client_id()?;
        let mut responses = json!({ "USERNAME": pending.username, key: value });
        if let Some(s) = inner.config.client_secret() {
            responses["SECRET_HASH"] = json!(secret_hash(s, &pending.username, client_id));
        }
        let mut req = json!({
            "ChallengeName": pending.name,
            "ClientId": client_id,
            "ChallengeResponses": responses,
        });
        if let Some(s) = &pending.session {
            req["Session"] = json!(s.expose_secret());
        }
        let result: Result<AuthResponse, AuthError> =
            inner.idp()?.call("RespondToAuthChallenge", &req).await;
        match result {
            Ok(r) => {
                let username = pending.username.clone();
                self.handle_auth_response("RespondToAuthChallenge", r, &username, pending.details)
                    .await
            }
            Err(e) => {
                // A wrong code can be retried within the same session.
                if matches!(e, AuthError::CodeMismatch { .. }) {
                    *inner.pending.lock().map_err(|_| lock_error())? = Some(pending);
                }
                Err(e)
            }
        }
    }
}

fn lock_error() -> AuthError {
    AuthError::InvalidState("internal lock poisoned".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_hash_matches_the_documented_construction() {
        // HMAC-SHA256(key="secret", "alice" + "client") computed independently
        // with Python: base64.b64encode(hmac.new(b"secret", b"aliceclient", hashlib.sha256).digest())
        let h = secret_hash(&SecretString::new("secret"), "alice", "client");
        assert_eq!(h, "RTsve+FQ659UKyESgvLg9GYmZEL+QjzQsW/OjL77/b0=");
    }
}
