//! `MFA_SETUP`: a pool with `MfaConfiguration: ON` makes a user without a factor set one
//! up during sign-in. TOTP: `AssociateSoftwareToken` and `VerifySoftwareToken` with the
//! challenge `Session` (each answers a new one, in `user_pool::mfa`), then
//! `RespondToAuthChallenge` `MFA_SETUP`. Email: the answer names the address in `EMAIL`,
//! and an `EMAIL_OTP` challenge follows.

use serde_json::{Value, json};

use super::challenge::{self, Answer, Challenge, Responder};
use super::mfa::signed_in_at;
use super::otp;
use crate::error::ApiError;
use crate::state::{AppClient, MfaKind, State};
use crate::user_pool::lookup::{pool, user, user_mut};

/// `MFA_SETUP`, answered against its `Session`.
pub(crate) const MFA_SETUP: Challenge = Challenge {
    name: "MFA_SETUP",
    respond: Responder::Session(respond),
};

/// Stop the sign-in at `MFA_SETUP`, listing in `MFAS_CAN_SETUP` the methods the pool allows.
pub(crate) fn issue(st: &mut State, c: &AppClient, username: &str) -> Result<Value, ApiError> {
    let m = pool(st, &c.pool_id)?.auth.methods();
    let mut can = Vec::new();
    if m.sms {
        can.push("SMS_MFA");
    }
    if m.totp {
        can.push("SOFTWARE_TOKEN_MFA");
    }
    if m.email {
        can.push("EMAIL_OTP");
    }
    let params = json!({
        "MFAS_CAN_SETUP": json!(can).to_string(),
        "USER_ID_FOR_SRP": username,
    });
    Ok(challenge::issue(st, c, username, &MFA_SETUP, params))
}

/// With `EMAIL`: email MFA for that address, then `EMAIL_OTP`. Without: the software
/// token verified with this session becomes the user's enabled, preferred factor.
fn respond(st: &mut State, answer: &Answer<'_>) -> Result<Value, ApiError> {
    let (pool_id, username) = (&answer.session.pool_id, answer.username());
    let methods = pool(st, pool_id)?.auth.methods();
    if let Some(email) = answer.get("EMAIL") {
        if !methods.email || !email.contains('@') {
            return Err(ApiError::invalid_parameter(
                "Email MFA cannot be set up with this answer",
            ));
        }
        let u = user_mut(st, pool_id, username)?;
        u.attributes.insert("email".into(), email.to_owned());
        u.email_mfa_enabled = true;
        u.preferred_mfa.get_or_insert(MfaKind::Email);
        return otp::issue_email(st, answer.client, username);
    }
    if !methods.totp || user(st, pool_id, username)?.totp_secret.is_none() {
        return Err(ApiError::invalid_parameter(
            "No software token has been verified for this session",
        ));
    }
    let u = user_mut(st, pool_id, username)?;
    u.totp_enabled = true;
    u.preferred_mfa.get_or_insert(MfaKind::Totp);
    signed_in_at(st, answer)
}
