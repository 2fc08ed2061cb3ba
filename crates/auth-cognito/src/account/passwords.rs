//! Passwords: a forgotten one (`ForgotPassword`, then
//! `ConfirmForgotPassword` with the code and the new password) and a
//! signed-in user's change (`ChangePassword`). Passwords and codes go only
//! into request bodies, which are never logged.

use auth_core::error::AuthError;
use auth_core::secret::SecretString;
use serde_json::{Value, json};

use super::types::{ResetPasswordResult, ResetPasswordStep};
use super::wire::{CodeDeliveryResponse, Ignored, client_request, required, user_request};
use crate::orchestrator::Orchestrator;

fn password_param(name: &str, value: &str) -> Result<SecretString, AuthError> {
    if value.is_empty() {
        return Err(AuthError::InvalidParameter {
            name: name.into(),
            message: "empty".into(),
        });
    }
    Ok(SecretString::new(value))
}

/// Sends a reset code (see `CognitoAuthPlugin::reset_password`).
pub(crate) async fn reset_password(
    session: &Orchestrator,
    username: &str,
) -> Result<ResetPasswordResult, AuthError> {
    let username = required("username", username)?;
    let req = client_request(session, username, &Default::default())?;
    let response: CodeDeliveryResponse = session
        .idp()?
        .call("ForgotPassword", &Value::Object(req))
        .await?;
    tracing::debug!("password reset code sent");
    Ok(ResetPasswordResult {
        is_password_reset: false,
        next_step: ResetPasswordStep::ConfirmResetPasswordWithCode {
            code_delivery_details: response.code_delivery_details.map(|d| d.into_details()),
        },
    })
}

/// Sets the new password with the code (see
/// `CognitoAuthPlugin::confirm_reset_password`).
pub(crate) async fn confirm_reset_password(
    session: &Orchestrator,
    username: &str,
    code: &str,
    new_password: &str,
) -> Result<(), AuthError> {
    let username = required("username", username)?;
    let code = SecretString::new(required("confirmation_code", code)?);
    let new_password = password_param("new_password", new_password)?;
    let mut req = client_request(session, username, &Default::default())?;
    req.insert("ConfirmationCode".into(), json!(code.expose_secret()));
    req.insert("Password".into(), json!(new_password.expose_secret()));
    let _: Ignored = session
        .idp()?
        .call("ConfirmForgotPassword", &Value::Object(req))
        .await?;
    tracing::debug!("password reset");
    Ok(())
}

/// Changes the signed-in user's password (see
/// `CognitoAuthPlugin::update_password`).
pub(crate) async fn update_password(
    session: &Orchestrator,
    old_password: &str,
    new_password: &str,
) -> Result<(), AuthError> {
    let old_password = password_param("old_password", old_password)?;
    let new_password = password_param("new_password", new_password)?;
    let mut req = user_request(session).await?;
    req.insert(
        "PreviousPassword".into(),
        json!(old_password.expose_secret()),
    );
    req.insert(
        "ProposedPassword".into(),
        json!(new_password.expose_secret()),
    );
    let _: Ignored = session
        .idp()?
        .call("ChangePassword", &Value::Object(req))
        .await?;
    tracing::debug!("password changed");
    Ok(())
}
