//! The MFA step of sign-in: after the password, a user with TOTP or SMS MFA enabled gets
//! `SOFTWARE_TOKEN_MFA`, `SMS_MFA`, or (both enabled, no preference) `SELECT_MFA_TYPE`.
//! TOTP codes are checked on the emulator clock; SMS codes are kept for the test controls.

use serde_json::{Value, json};

use super::challenge::{self, Answer, Challenge, Responder};
use crate::error::ApiError;
use crate::srp;
use crate::state::{AppClient, MfaKind, State};
use crate::totp;
use crate::user_pool::delivery;
use crate::user_pool::lookup::user;
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

/// `SELECT_MFA_TYPE`: `ANSWER` is `SMS_MFA` or `SOFTWARE_TOKEN_MFA`.
pub(crate) const SELECT_MFA_TYPE: Challenge = Challenge {
    name: "SELECT_MFA_TYPE",
    respond: Responder::Session(respond_select),
};

/// After the password (and a new password, if one was required): the MFA challenge the
/// user's settings call for, or the tokens. The pool's `MfaConfiguration` is not consulted.
pub(crate) fn next_step(st: &mut State, c: &AppClient, username: &str) -> Result<Value, ApiError> {
    let u = user(st, &c.pool_id, username)?;
    let totp = u.totp_enabled && u.totp_secret.is_some();
    let sms = u.sms_enabled;
    let next = match (totp, sms, u.preferred_mfa) {
        (true, true, Some(MfaKind::Sms)) | (false, true, _) => Some(&SMS_MFA),
        (true, true, Some(MfaKind::Totp)) | (true, false, _) => Some(&SOFTWARE_TOKEN_MFA),
        (true, true, None) => Some(&SELECT_MFA_TYPE),
        (false, false, _) => None,
    };
    match next {
        None => signed_in(st, c, username),
        Some(next) => Ok(mfa_challenge(st, c, username, next)),
    }
}

/// Stop the sign-in at one of this module's challenges; `SMS_MFA` "sends" a new code.
fn mfa_challenge(st: &mut State, c: &AppClient, username: &str, which: &Challenge) -> Value {
    let params = match which.name {
        "SMS_MFA" => {
            let code = delivery::new_code();
            let phone = st
                .pools
                .get_mut(&c.pool_id)
                .and_then(|p| p.users.get_mut(username))
                .map(|u| {
                    u.last_sms_code = Some(code);
                    u.attributes
                        .get("phone_number")
                        .cloned()
                        .unwrap_or_default()
                })
                .unwrap_or_default();
            json!({
                "CODE_DELIVERY_DELIVERY_MEDIUM": "SMS",
                "CODE_DELIVERY_DESTINATION": delivery::mask(&phone),
                "USER_ID_FOR_SRP": username,
            })
        }
        "SELECT_MFA_TYPE" => json!({
            "MFAS_CAN_CHOOSE": "[\"SMS_MFA\",\"SOFTWARE_TOKEN_MFA\"]",
            "USER_ID_FOR_SRP": username,
        }),
        _ => json!({ "USER_ID_FOR_SRP": username }),
    };
    challenge::issue(st, c, username, which, params)
}

fn code_mismatch() -> ApiError {
    ApiError::new("CodeMismatchException", "Invalid code received for user")
}

fn respond_totp(st: &mut State, answer: &Answer<'_>) -> Result<Value, ApiError> {
    let code = answer.get("SOFTWARE_TOKEN_MFA_CODE").unwrap_or("");
    let ok = user(st, &answer.session.pool_id, answer.username())?
        .totp_secret
        .as_ref()
        .is_some_and(|s| totp::verify(s, code, answer.now));
    if !ok {
        return Err(code_mismatch());
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

/// The tokens of a sign-in that passed MFA; `auth_time` is when the answer came in.
fn signed_in_at(st: &mut State, answer: &Answer<'_>) -> Result<Value, ApiError> {
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
    let next = match answer.get("ANSWER") {
        Some("SMS_MFA") => &SMS_MFA,
        Some("SOFTWARE_TOKEN_MFA") => &SOFTWARE_TOKEN_MFA,
        _ => {
            return Err(ApiError::invalid_parameter(
                "Invalid ANSWER for SELECT_MFA_TYPE",
            ));
        }
    };
    Ok(mfa_challenge(st, answer.client, answer.username(), next))
}
