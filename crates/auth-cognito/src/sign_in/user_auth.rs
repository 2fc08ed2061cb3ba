//! `USER_AUTH`, choice-based sign-in: the `InitiateAuth` request (with the preferred first
//! factor, and the password or `SRP_A` it needs), and the answers to `SELECT_CHALLENGE`:
//! a code factor is sent at once; `PASSWORD` and `PASSWORD_SRP` first ask for the password
//! (nothing is sent), then answer the selection with it, SRP continuing with
//! `PASSWORD_VERIFIER` as in `USER_SRP_AUTH`.

use std::collections::HashMap;

use auth_core::error::AuthError;
use auth_core::secret::SecretString;
use serde_json::{Value, json};

use super::challenge::{Challenge, PendingChallenge};
use super::factor::AuthFactorType;
use super::flows::AppClient;
use super::types::SignInStep;
use super::{Call, Outcome, password_verifier, respond};
use crate::config::PasswordlessConfig;
use crate::idp::{AuthResponse, secret_hash};
use crate::srp::SrpClient;

/// The preferred first factor of a `USER_AUTH` sign-in: the option, else the config's
/// `preferred_challenge`. Refused, as in Amplify, when the config turns that factor off;
/// `WEB_AUTHN` is [`AuthError::Unsupported`].
pub(super) fn preferred(
    option: Option<AuthFactorType>,
    config: Option<&PasswordlessConfig>,
) -> Result<Option<AuthFactorType>, AuthError> {
    let Some(p) = option.or_else(|| config.and_then(|c| c.preferred_challenge)) else {
        return Ok(None);
    };
    let p = p.ensure_supported()?;
    if let Some(c) = config {
        let off = match p {
            AuthFactorType::EmailOtp => !c.email_otp_enabled,
            AuthFactorType::SmsOtp => !c.sms_otp_enabled,
            _ => false,
        };
        if off {
            return Err(AuthError::InvalidParameter {
                name: "preferred_challenge".into(),
                message: format!("{p} is not enabled in auth.passwordless"),
            });
        }
    }
    Ok(Some(p))
}

/// The `InitiateAuth` `USER_AUTH` request, and the SRP client when the preference is
/// `PASSWORD_SRP`. The password is sent only for `PASSWORD`.
pub(super) fn initiate_request(
    username: &str,
    password: &SecretString,
    preferred: Option<AuthFactorType>,
    app: &AppClient<'_>,
    client_metadata: &HashMap<String, String>,
) -> (Value, Option<SrpClient>) {
    let mut params = json!({ "USERNAME": username });
    if let Some(s) = app.secret {
        params["SECRET_HASH"] = json!(secret_hash(s, username, app.client_id));
    }
    let mut srp_client = None;
    if let Some(p) = preferred {
        params["PREFERRED_CHALLENGE"] = json!(p.as_str());
        match p {
            AuthFactorType::Password => params["PASSWORD"] = json!(password.expose_secret()),
            AuthFactorType::PasswordSrp => {
                let c = SrpClient::new(&mut rand::rng());
                params["SRP_A"] = json!(c.a_public_hex());
                srp_client = Some(c);
            }
            _ => {}
        }
    }
    let mut req = json!({
        "AuthFlow": "USER_AUTH",
        "ClientId": app.client_id,
        "AuthParameters": params,
    });
    if !client_metadata.is_empty() {
        req["ClientMetadata"] = json!(client_metadata);
    }
    (req, srp_client)
}

/// The answer to `SELECT_CHALLENGE`: the name of a first factor.
pub(super) async fn choose(
    call: &Call<'_>,
    waiting: &PendingChallenge,
    answer: &str,
) -> Result<Outcome, AuthError> {
    let factor: AuthFactorType = answer.parse()?;
    let factor = factor.ensure_supported()?;
    if factor.needs_password() {
        let srp = factor == AuthFactorType::PasswordSrp;
        let next = waiting.next(Challenge::SelectedPassword { srp }, waiting.session.clone());
        return Ok(Outcome::Local(next, SignInStep::ConfirmSignInWithPassword));
    }
    let req = respond::request_entries(
        waiting,
        &[("ANSWER", factor.as_str())],
        call.app.client_id,
        call.app.secret,
    );
    Ok(Outcome::Response(
        call.idp.call("RespondToAuthChallenge", &req).await?,
    ))
}

/// The password after `PASSWORD` or `PASSWORD_SRP` was chosen.
pub(super) async fn password(
    call: &Call<'_>,
    waiting: &PendingChallenge,
    srp: bool,
    password: &str,
) -> Result<Outcome, AuthError> {
    if password.is_empty() {
        return Err(AuthError::InvalidParameter {
            name: "password".into(),
            message: "empty".into(),
        });
    }
    let password = SecretString::new(password);
    if !srp {
        let req = respond::request_entries(
            waiting,
            &[
                ("ANSWER", "PASSWORD"),
                ("PASSWORD", password.expose_secret()),
            ],
            call.app.client_id,
            call.app.secret,
        );
        return Ok(Outcome::Response(
            call.idp.call("RespondToAuthChallenge", &req).await?,
        ));
    }
    let client = SrpClient::new(&mut rand::rng());
    let a = client.a_public_hex();
    let req = respond::request_entries(
        waiting,
        &[("ANSWER", "PASSWORD_SRP"), ("SRP_A", &a)],
        call.app.client_id,
        call.app.secret,
    );
    let response: AuthResponse = call.idp.call("RespondToAuthChallenge", &req).await?;
    if response.challenge_name.as_deref() != Some("PASSWORD_VERIFIER") {
        return Ok(Outcome::Response(response));
    }
    let response = password_verifier::answer(
        call.idp,
        &call.app,
        call.pool_id,
        call.now_secs,
        password_verifier::Proof {
            srp_client: &client,
            password: &password,
            device_key: None,
        },
        response,
    )
    .await?;
    Ok(Outcome::Response(response))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> AppClient<'static> {
        AppClient {
            client_id: "client",
            secret: None,
        }
    }

    #[test]
    fn the_password_goes_only_with_the_password_factor() {
        let pw = SecretString::new("pw-0123");
        let (req, srp) = initiate_request("alice", &pw, None, &app(), &HashMap::new());
        assert_eq!(req["AuthFlow"], "USER_AUTH");
        assert!(req["AuthParameters"].get("PREFERRED_CHALLENGE").is_none());
        assert!(!req.to_string().contains("pw-0123") && srp.is_none());
        let (req, srp) = initiate_request(
            "alice",
            &pw,
            Some(AuthFactorType::PasswordSrp),
            &app(),
            &HashMap::new(),
        );
        assert!(req["AuthParameters"]["SRP_A"].is_string() && srp.is_some());
        assert!(!req.to_string().contains("pw-0123"));
        let (req, _) = initiate_request(
            "alice",
            &pw,
            Some(AuthFactorType::Password),
            &app(),
            &HashMap::new(),
        );
        assert_eq!(req["AuthParameters"]["PASSWORD"], "pw-0123");
    }

    #[test]
    fn the_preference_follows_the_option_then_the_config() {
        let cfg = PasswordlessConfig::default()
            .with_email_otp(true)
            .with_preferred_challenge(Some(AuthFactorType::EmailOtp));
        assert_eq!(
            preferred(None, Some(&cfg)).ok().flatten(),
            Some(AuthFactorType::EmailOtp)
        );
        assert_eq!(
            preferred(Some(AuthFactorType::Password), Some(&cfg))
                .ok()
                .flatten(),
            Some(AuthFactorType::Password)
        );
        assert!(matches!(
            preferred(Some(AuthFactorType::SmsOtp), Some(&cfg)),
            Err(AuthError::InvalidParameter { .. })
        ));
        assert!(matches!(
            preferred(Some(AuthFactorType::WebAuthn), None),
            Err(AuthError::Unsupported { .. })
        ));
        assert_eq!(preferred(None, None).ok().flatten(), None);
    }
}
