//! The MFA step of sign-in: after the password, the factors the user has (and the pool
//! allows) decide: one factor gives its challenge (`SOFTWARE_TOKEN_MFA`, `SMS_MFA`, or
//! `EMAIL_OTP` from `otp`), several give the preferred one or `SELECT_MFA_TYPE`, none
//! gives the tokens, or `MFA_SETUP` when the pool's `MfaConfiguration` is `ON`. TOTP codes
//! are checked on the emulator clock and never accepted twice; SMS codes are kept for the
//! test controls.

use serde_json::{Value, json};

use super::challenge::{self, Answer, Challenge, Responder};
use super::{mfa_setup, otp};
use crate::error::ApiError;
use crate::srp;
use crate::state::{AppClient, MfaKind, State};
use crate::totp::{self, TotpCheck};
use crate::user_pool::delivery;
use crate::user_pool::lookup::{pool, user, user_mut};
use crate::user_pool::pool_auth::MfaMode;
use crate::user_pool::tokens::{Family, issue_tokens, signed_in};

/// `SOFTWARE_TOKEN_MFA`: a TOTP code in `SOFTWARE_TOKEN_MFA_CODE`.
pub(crate) const SOFTWARE_TOKEN_MFA: Challenge = Challenge {
    name: "SOFTWARE_TOKEN_MFA",
    respond: Responder::Session(respond_totp),
};

/// `SMS_MFA`: the code "sent" by SMS in `SMS_MFA_CODE`.
pub(crate) const SMS_MFA: Challenge = Challenge {
    name: "SMS_MFA",
    respond: Responder::Session(respond_sms),
};

/// `SELECT_MFA_TYPE`: `ANSWER` is one of `MFAS_CAN_CHOOSE` (`SMS_MFA`,
/// `SOFTWARE_TOKEN_MFA`, `EMAIL_OTP`).
pub(crate) const SELECT_MFA_TYPE: Challenge = Challenge {
    name: "SELECT_MFA_TYPE",
    respond: Responder::Session(respond_select),
};

/// The wire name of a factor's challenge.
fn wire(kind: MfaKind) -> &'static str {
    match kind {
        MfaKind::Sms => "SMS_MFA",
        MfaKind::Totp => "SOFTWARE_TOKEN_MFA",
        MfaKind::Email => "EMAIL_OTP",
    }
}

/// The factors `username` must answer with, in the order Cognito lists them. With MFA
/// `ON`, a verified TOTP secret, a phone number (when SMS is allowed) or an email (when
/// email MFA is allowed) counts even when the user did not enable it.
fn factors(st: &State, c: &AppClient, username: &str) -> Result<Vec<MfaKind>, ApiError> {
    let auth = &pool(st, &c.pool_id)?.auth;
    if auth.mfa == MfaMode::Off {
        return Ok(Vec::new());
    }
    let m = auth.methods();
    let u = user(st, &c.pool_id, username)?;
    let on = auth.mfa == MfaMode::On;
    let has = |a: &str| u.attributes.get(a).is_some_and(|v| !v.is_empty());
    let mut out = Vec::new();
    if m.sms && (u.sms_enabled || (on && has("phone_number"))) {
        out.push(MfaKind::Sms);
    }
    if m.totp && u.totp_secret.is_some() && (u.totp_enabled || on) {
        out.push(MfaKind::Totp);
    }
    if m.email && (u.email_mfa_enabled || (on && has("email"))) {
        out.push(MfaKind::Email);
    }
    Ok(out)
}

/// After the password (and a new password, if one was required): the MFA challenge the
/// user's factors and the pool call for, or the tokens.
pub(crate) fn next_step(st: &mut State, c: &AppClient, username: &str) -> Result<Value, ApiError> {
    let factors = factors(st, c, username)?;
    let preferred = user(st, &c.pool_id, username)?.preferred_mfa;
    let on = pool(st, &c.pool_id)?.auth.mfa == MfaMode::On;
    match factors.as_slice() {
        [] if on => mfa_setup::issue(st, c, username),
        [] => signed_in(st, c, username),
        [only] => mfa_challenge(st, c, username, *only),
        several => match preferred.filter(|p| several.contains(p)) {
            Some(p) => mfa_challenge(st, c, username, p),
            None => {
                let names: Vec<&str> = several.iter().map(|k| wire(*k)).collect();
                let params = json!({
                    "MFAS_CAN_CHOOSE": json!(names).to_string(),
                    "USER_ID_FOR_SRP": username,
                });
                Ok(challenge::issue(st, c, username, &SELECT_MFA_TYPE, params))
            }
        },
    }
}

/// Stop the sign-in at the challenge of `kind`; `SMS_MFA` and `EMAIL_OTP` "send" a new code.
fn mfa_challenge(
    st: &mut State,
    c: &AppClient,
    username: &str,
    kind: MfaKind,
) -> Result<Value, ApiError> {
    let params = match kind {
        MfaKind::Email => return otp::issue_email(st, c, username),
        MfaKind::Sms => {
            let code = delivery::new_code();
            let u = user_mut(st, &c.pool_id, username)?;
            u.last_sms_code = Some(code);
            let phone = u
                .attributes
                .get("phone_number")
                .cloned()
                .unwrap_or_default();
            json!({
                "CODE_DELIVERY_DELIVERY_MEDIUM": "SMS",
                "CODE_DELIVERY_DESTINATION": delivery::mask(&phone),
                "USER_ID_FOR_SRP": username,
            })
        }
        MfaKind::Totp => json!({ "USER_ID_FOR_SRP": username }),
    };
    let which = match kind {
        MfaKind::Sms => &SMS_MFA,
        _ => &SOFTWARE_TOKEN_MFA,
    };
    Ok(challenge::issue(st, c, username, which, params))
}

fn code_mismatch() -> ApiError {
    ApiError::new("CodeMismatchException", "Invalid code received for user")
}

/// A TOTP code already used (in its window or a later one) is `ExpiredCodeException`.
pub(crate) fn totp_reused() -> ApiError {
    ApiError::new(
        "ExpiredCodeException",
        "Your software token has already been used once.",
    )
}

fn respond_totp(st: &mut State, answer: &Answer<'_>) -> Result<Value, ApiError> {
    let code = answer.get("SOFTWARE_TOKEN_MFA_CODE").unwrap_or("");
    let u = user_mut(st, &answer.session.pool_id, answer.username())?;
    let Some(secret) = u.totp_secret.as_ref() else {
        return Err(code_mismatch());
    };
    match totp::check(secret, code, answer.now, u.otp.totp_last_step) {
        TotpCheck::Fresh(step) => u.otp.totp_last_step = Some(step),
        TotpCheck::Reused => return Err(totp_reused()),
        TotpCheck::Wrong => return Err(code_mismatch()),
    }
    signed_in_at(st, answer)
}

fn respond_sms(st: &mut State, answer: &Answer<'_>) -> Result<Value, ApiError> {
    let code = answer.get("SMS_MFA_CODE").unwrap_or("");
    let ok = user(st, &answer.session.pool_id, answer.username())?
        .last_sms_code
        .as_deref()
        .is_some_and(|c| srp::ct_eq(c, code));
    if !ok {
        return Err(code_mismatch());
    }
    signed_in_at(st, answer)
}

/// The tokens of a sign-in that passed its last challenge; `auth_time` is when the answer
/// came in.
pub(crate) fn signed_in_at(st: &mut State, answer: &Answer<'_>) -> Result<Value, ApiError> {
    let result = issue_tokens(
        st,
        answer.client,
        answer.username(),
        answer.now,
        Family::New,
    )?;
    Ok(json!({ "ChallengeParameters": {}, "AuthenticationResult": result }))
}

fn respond_select(st: &mut State, answer: &Answer<'_>) -> Result<Value, ApiError> {
    let kind = match answer.get("ANSWER") {
        Some("SMS_MFA") => MfaKind::Sms,
        Some("SOFTWARE_TOKEN_MFA") => MfaKind::Totp,
        Some("EMAIL_OTP") => MfaKind::Email,
        _ => {
            return Err(ApiError::invalid_parameter(
                "Invalid ANSWER for SELECT_MFA_TYPE",
            ));
        }
    };
    if !factors(st, answer.client, answer.username())?.contains(&kind) {
        return Err(ApiError::invalid_parameter(
            "Invalid ANSWER for SELECT_MFA_TYPE",
        ));
    }
    mfa_challenge(st, answer.client, answer.username(), kind)
}
