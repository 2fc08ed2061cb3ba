//! A forgotten password: `ForgotPassword` sends a code to the user's verified e-mail
//! (or phone), `ConfirmForgotPassword` sets a new password with it, and
//! `AdminResetUserPassword` makes the user reset it (`RESET_REQUIRED`: sign-in answers
//! `PasswordResetRequiredException` until then).

use serde_json::{Value, json};

use super::codes::{self, Code, HOUR_SECS, is_verified};
use crate::error::ApiError;
use crate::srp::Verifier;
use crate::state::{State, UserStatus};
use crate::user_pool::lookup::{client, ensure_enabled, pool, unknown_user, user, user_mut};
use crate::user_pool::secret::check_secret_hash;
use crate::wire::{opt_str, req_str};

/// Sends a reset code to `username`; its `CodeDeliveryDetails`.
fn send_reset_code(st: &mut State, pool_id: &str, username: &str) -> Result<Value, ApiError> {
    let now = st.now();
    let u = user_mut(st, pool_id, username)?;
    let Some(attr) = codes::destination(u, |a| is_verified(u, a)) else {
        return Err(ApiError::invalid_parameter(
            "Cannot reset password for the user as there is no registered/verified email or phone_number",
        ));
    };
    u.codes.forgot_password = Some(Code::new(attr, now, HOUR_SECS));
    Ok(codes::delivery_json(u, attr))
}

/// `ForgotPassword`.
pub(super) fn forgot_password(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let c = client(st, req_str(req, "ClientId")?)?;
    let login = req_str(req, "Username")?;
    check_secret_hash(&c, &[login], opt_str(req, "SecretHash"))?;
    let username = match user(st, &c.pool_id, login) {
        Ok(u) => {
            ensure_enabled(u)?;
            u.username.clone()
        }
        // PreventUserExistenceErrors: answer as if a code went out.
        Err(_) if c.prevent_user_existence_errors => {
            return Ok(json!({"CodeDeliveryDetails": {
                "Destination": "***@***",
                "DeliveryMedium": "EMAIL",
                "AttributeName": "email",
            }}));
        }
        Err(_) => return Err(unknown_user(&c)),
    };
    let details = send_reset_code(st, &c.pool_id, &username)?;
    Ok(json!({ "CodeDeliveryDetails": details }))
}

/// `ConfirmForgotPassword`: the code is checked first, then the new password against
/// the policy; only when both pass is the code used up.
pub(super) fn confirm_forgot_password(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let c = client(st, req_str(req, "ClientId")?)?;
    let login = req_str(req, "Username")?;
    check_secret_hash(&c, &[login], opt_str(req, "SecretHash"))?;
    let code = req_str(req, "ConfirmationCode")?.to_owned();
    let password = req_str(req, "Password")?.to_owned();
    let now = st.now();
    let policy = pool(st, &c.pool_id)?.settings.password_policy.clone();
    let username = user(st, &c.pool_id, login)
        .map_err(|_| unknown_user(&c))?
        .username
        .clone();
    let u = user_mut(st, &c.pool_id, &username)?;
    codes::verify(u.codes.forgot_password.as_mut(), &code, now)?;
    policy.check(&password)?;
    if let Some(code) = u.codes.forgot_password.as_mut() {
        code.consume();
    }
    u.verifier = Verifier::new(&c.pool_id, &username, &password);
    if u.status == UserStatus::ResetRequired {
        u.status = UserStatus::Confirmed;
    }
    u.modified = now;
    Ok(json!({}))
}

/// `AdminResetUserPassword`: `RESET_REQUIRED`, and a reset code when the user has a
/// verified contact.
pub(super) fn admin_reset_user_password(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let pool_id = req_str(req, "UserPoolId")?.to_owned();
    let username = user(st, &pool_id, req_str(req, "Username")?)?
        .username
        .clone();
    let now = st.now();
    let u = user_mut(st, &pool_id, &username)?;
    u.status = UserStatus::ResetRequired;
    u.modified = now;
    // Without a verified contact there is nowhere to send the code; the user is still
    // made to reset (an administrator then sets a password).
    let _ = send_reset_code(st, &pool_id, &username);
    Ok(json!({}))
}
