//! Sign-up (`SignUp`), its confirmation (`ConfirmSignUp`) and a new code
//! (`ResendConfirmationCode`), each with `SecretHash` when the app client
//! has a secret. The confirmation prepares auto sign-in when it was asked
//! for, or says why it cannot happen.

use auth_core::error::AuthError;
use auth_core::secret::SecretString;
use serde_json::{Value, json};

use super::auto_sign_in::AutoSignIn;
use super::types::{
    CodeDeliveryDetails, ConfirmSignUpOptions, SignUpOptions, SignUpResult, SignUpStep,
};
use super::wire::{
    CodeDeliveryResponse, ConfirmSignUpResponse, SignUpResponse, attribute_list, client_request,
    required,
};
use crate::orchestrator::Orchestrator;

/// Why auto sign-in cannot follow a confirmation that returned no session.
const NO_SESSION: &str = "the service returned no sign-in session with the confirmation: \
     auto sign-in needs an app client that allows USER_AUTH (ALLOW_USER_AUTH) in a pool \
     with choice-based sign-in; sign in with the password instead";

/// Registers `username` (see `CognitoAuthPlugin::sign_up`).
pub(crate) async fn sign_up(
    session: &Orchestrator,
    auto: &AutoSignIn,
    username: &str,
    password: &str,
    options: SignUpOptions,
) -> Result<SignUpResult, AuthError> {
    let username = required("username", username)?;
    if password.is_empty() {
        return Err(AuthError::InvalidParameter {
            name: "password".into(),
            message: "empty".into(),
        });
    }
    let password = SecretString::new(password);
    let mut req = client_request(session, username, &options.client_metadata)?;
    req.insert("Password".into(), json!(password.expose_secret()));
    if !options.user_attributes.is_empty() {
        req.insert(
            "UserAttributes".into(),
            attribute_list(&options.user_attributes),
        );
    }
    if !options.validation_data.is_empty() {
        req.insert(
            "ValidationData".into(),
            attribute_list(&options.validation_data),
        );
    }
    let response: SignUpResponse = session.idp()?.call("SignUp", &Value::Object(req)).await?;
    auto.clear()?;
    tracing::debug!(confirmed = response.user_confirmed, "signed up");
    let mut result = if response.user_confirmed {
        if options.auto_sign_in {
            auto.ready_with_password(username, password)?;
            SignUpResult::new(true, SignUpStep::CompleteAutoSignIn)
        } else {
            SignUpResult::new(true, SignUpStep::Done)
        }
    } else {
        if options.auto_sign_in {
            auto.request(username)?;
        }
        SignUpResult::new(
            false,
            SignUpStep::ConfirmSignUp {
                code_delivery_details: response.code_delivery_details.map(|d| d.into_details()),
            },
        )
    };
    result.user_id = response.user_sub;
    Ok(result)
}

/// Confirms `username` with `code` (see `CognitoAuthPlugin::confirm_sign_up`).
pub(crate) async fn confirm_sign_up(
    session: &Orchestrator,
    auto: &AutoSignIn,
    username: &str,
    code: &str,
    options: ConfirmSignUpOptions,
) -> Result<SignUpResult, AuthError> {
    let username = required("username", username)?;
    let code = SecretString::new(required("confirmation_code", code)?);
    let mut req = client_request(session, username, &options.client_metadata)?;
    req.insert("ConfirmationCode".into(), json!(code.expose_secret()));
    if options.force_alias_creation {
        req.insert("ForceAliasCreation".into(), json!(true));
    }
    let response: ConfirmSignUpResponse = session
        .idp()?
        .call("ConfirmSignUp", &Value::Object(req))
        .await?;
    tracing::debug!("sign-up confirmed");
    let wanted = match options.auto_sign_in {
        Some(wanted) => wanted,
        None => auto.requested_for(username)?,
    };
    if !wanted {
        return Ok(SignUpResult::new(true, SignUpStep::Done));
    }
    match response.session.filter(|s| !s.is_empty()) {
        Some(s) => {
            auto.ready_with_session(username, SecretString::from(s))?;
            Ok(SignUpResult::new(true, SignUpStep::CompleteAutoSignIn))
        }
        None => {
            auto.clear()?;
            tracing::debug!("auto sign-in is unavailable: no session");
            let mut result = SignUpResult::new(true, SignUpStep::Done);
            result.auto_sign_in_unavailable = Some(NO_SESSION.to_owned());
            Ok(result)
        }
    }
}

/// Sends a new confirmation code (see `CognitoAuthPlugin::resend_sign_up_code`).
pub(crate) async fn resend_sign_up_code(
    session: &Orchestrator,
    username: &str,
) -> Result<Option<CodeDeliveryDetails>, AuthError> {
    let username = required("username", username)?;
    let req = client_request(session, username, &Default::default())?;
    let response: CodeDeliveryResponse = session
        .idp()?
        .call("ResendConfirmationCode", &Value::Object(req))
        .await?;
    Ok(response.code_delivery_details.map(|d| d.into_details()))
}
