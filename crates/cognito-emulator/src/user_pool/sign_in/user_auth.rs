//! `USER_AUTH`, choice-based sign-in: the pool's `AllowedFirstAuthFactors` and the user's
//! attributes decide which first factors are available (`PASSWORD`, `PASSWORD_SRP`,
//! `EMAIL_OTP`, `SMS_OTP`). A `PREFERRED_CHALLENGE` that is available starts at once;
//! otherwise `SELECT_CHALLENGE` lists `AvailableChallenges` and the answer's `ANSWER` picks.
//! Only clients with `ALLOW_USER_AUTH` may use the flow.

use serde_json::Value;

use super::challenge::{self, Answer, Challenge, Responder};
use super::{after_password, otp, srp_auth};
use crate::error::ApiError;
use crate::state::{AppClient, State, UserStatus};
use crate::user_pool::lookup::{ensure_enabled, incorrect_password, pool, unknown_user, user};
use crate::user_pool::pool_auth::FirstFactor;
use crate::user_pool::secret::check_secret_hash;
use crate::wire::StrMap;

/// `SELECT_CHALLENGE`: `ANSWER` names one of the `AvailableChallenges`, with `PASSWORD`
/// or `SRP_A` when it is `PASSWORD` or `PASSWORD_SRP`.
pub(crate) const SELECT_CHALLENGE: Challenge = Challenge {
    name: "SELECT_CHALLENGE",
    respond: Responder::Session(respond_select),
};

/// `InitiateAuth` `USER_AUTH`: `USERNAME`, optionally `PREFERRED_CHALLENGE` (with
/// `PASSWORD` or `SRP_A`), and `SECRET_HASH` for clients with a secret.
pub(crate) fn start(st: &mut State, c: &AppClient, params: &StrMap) -> Result<Value, ApiError> {
    // Auto sign-in after ConfirmSignUp: the request's `Session` (as `SESSION`).
    if let Some(session) = params.get("SESSION") {
        return super::user_auth_session::sign_up_session(st, c, params, session);
    }
    if !c.explicit_auth_flows.iter().any(|f| f == "ALLOW_USER_AUTH") {
        return Err(ApiError::invalid_parameter(
            "USER_AUTH flow not enabled for this client",
        ));
    }
    let username = params.get("USERNAME").map(String::as_str).unwrap_or("");
    if username.is_empty() {
        return Err(ApiError::invalid_parameter(
            "Missing required parameter USERNAME",
        ));
    }
    check_secret_hash(
        c,
        &[username],
        params.get("SECRET_HASH").map(String::as_str),
    )?;
    ensure_enabled(user(st, &c.pool_id, username).map_err(|_| unknown_user(c))?)?;
    let available = available(st, c, username)?;
    match params.get("PREFERRED_CHALLENGE") {
        Some(p) if available.contains(&p.as_str()) => begin(st, c, username, p, params),
        _ => select(st, c, username, &available),
    }
}

/// The first factors `username` can use: the pool's policy, and an email or phone number
/// for the codes. Never `WEB_AUTHN`: no user has a passkey here.
fn available(st: &State, c: &AppClient, username: &str) -> Result<Vec<&'static str>, ApiError> {
    let auth = &pool(st, &c.pool_id)?.auth;
    let u = user(st, &c.pool_id, username)?;
    let has = |attr: &str| u.attributes.get(attr).is_some_and(|v| !v.is_empty());
    let mut out = Vec::new();
    if auth.allows(FirstFactor::Password) {
        out.extend(["PASSWORD", "PASSWORD_SRP"]);
    }
    if auth.allows(FirstFactor::EmailOtp) && has("email") {
        out.push("EMAIL_OTP");
    }
    if auth.allows(FirstFactor::SmsOtp) && has("phone_number") {
        out.push("SMS_OTP");
    }
    Ok(out)
}

/// Stop at `SELECT_CHALLENGE` with the available first factors.
fn select(
    st: &mut State,
    c: &AppClient,
    username: &str,
    available: &[&str],
) -> Result<Value, ApiError> {
    let mut out = challenge::issue(st, c, username, &SELECT_CHALLENGE, serde_json::json!({}));
    if let Some(o) = out.as_object_mut() {
        o.insert("AvailableChallenges".into(), serde_json::json!(available));
    }
    Ok(out)
}

/// Start the first factor `choice` (one of [`available`]); `params` holds its inputs.
fn begin(
    st: &mut State,
    c: &AppClient,
    username: &str,
    choice: &str,
    params: &StrMap,
) -> Result<Value, ApiError> {
    match choice {
        "PASSWORD" => {
            let password = params.get("PASSWORD").map(String::as_str).unwrap_or("");
            if password.is_empty() {
                return Err(ApiError::invalid_parameter(
                    "Missing required parameter PASSWORD",
                ));
            }
            if !user(st, &c.pool_id, username)?
                .verifier
                .matches(&c.pool_id, username, password)
            {
                return Err(incorrect_password());
            }
            after_password(st, c, username)
        }
        // The same exchange as `USER_SRP_AUTH`: `SRP_A` in, `PASSWORD_VERIFIER` out.
        "PASSWORD_SRP" => srp_auth::start(st, c, params),
        "EMAIL_OTP" | "SMS_OTP" => {
            if user(st, &c.pool_id, username)?.status == UserStatus::Unconfirmed {
                return Err(ApiError::new(
                    "UserNotConfirmedException",
                    "User is not confirmed.",
                ));
            }
            if choice == "EMAIL_OTP" {
                otp::issue_email(st, c, username)
            } else {
                otp::issue_sms(st, c, username)
            }
        }
        other => Err(ApiError::invalid_parameter(format!(
            "Invalid challenge: {other}"
        ))),
    }
}

fn respond_select(st: &mut State, answer: &Answer<'_>) -> Result<Value, ApiError> {
    let choice = answer.get("ANSWER").unwrap_or("");
    let username = answer.username().to_owned();
    if !available(st, answer.client, &username)?.contains(&choice) {
        return Err(ApiError::invalid_parameter(format!(
            "The challenge {choice} is not available for the user"
        )));
    }
    let mut params = answer.responses.clone();
    params.insert("USERNAME".into(), username.clone());
    begin(st, answer.client, &username, choice, &params)
}
