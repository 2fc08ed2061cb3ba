//! MFA settings of a user: TOTP association (`AssociateSoftwareToken`,
//! `VerifySoftwareToken`, by access token or by an `MFA_SETUP` challenge session),
//! preferences (`SetUserMFAPreference`, `AdminSetUserMFAPreference`: TOTP, SMS, email),
//! their JSON shape, and the test controls that turn TOTP or SMS MFA on directly. The MFA
//! challenges of sign-in are in `sign_in::mfa` and `sign_in::mfa_setup`.

use serde_json::{Map, Value, json};

use super::lookup::user_mut;
use super::sign_in::challenge::{expired_session, live_session, rekey};
use super::sign_in::mfa::totp_reused;
use super::sign_in::mfa_setup::MFA_SETUP;
use super::tokens::access_user_of;
use crate::error::ApiError;
use crate::state::{MfaKind, State, User};
use crate::totp::{self, TotpCheck};
use crate::wire::{Operation, opt_str, req_str};

/// The operations of this module.
pub(crate) const OPERATIONS: &[Operation] = &[
    Operation::new("AssociateSoftwareToken", associate_software_token),
    Operation::new("VerifySoftwareToken", verify_software_token),
    Operation::new("SetUserMFAPreference", set_mfa_preference),
    Operation::new("AdminSetUserMFAPreference", admin_set_mfa_preference),
];

/// `UserMFASettingList` and `PreferredMfaSetting`, as `GetUser` and `AdminGetUser` show them.
pub(crate) fn mfa_json(u: &User, out: &mut Map<String, Value>) {
    let mut list = Vec::new();
    if u.sms_enabled {
        list.push("SMS_MFA");
    }
    if u.totp_enabled {
        list.push("SOFTWARE_TOKEN_MFA");
    }
    if u.email_mfa_enabled {
        list.push("EMAIL_OTP");
    }
    if !list.is_empty() {
        out.insert("UserMFASettingList".into(), json!(list));
    }
    match u.preferred_mfa {
        Some(MfaKind::Sms) => {
            out.insert("PreferredMfaSetting".into(), json!("SMS_MFA"));
        }
        Some(MfaKind::Totp) => {
            out.insert("PreferredMfaSetting".into(), json!("SOFTWARE_TOKEN_MFA"));
        }
        Some(MfaKind::Email) => {
            out.insert("PreferredMfaSetting".into(), json!("EMAIL_OTP"));
        }
        None => {}
    }
}

fn apply_mfa_preference(u: &mut User, req: &Value) -> Result<(), ApiError> {
    if let Some(s) = req.get("SoftwareTokenMfaSettings") {
        if let Some(en) = s.get("Enabled").and_then(Value::as_bool) {
            if en && u.totp_secret.is_none() {
                return Err(ApiError::invalid_parameter(
                    "User has not verified software token mfa",
                ));
            }
            u.totp_enabled = en;
            if !en && u.preferred_mfa == Some(MfaKind::Totp) {
                u.preferred_mfa = None;
            }
        }
        match s.get("PreferredMfa").and_then(Value::as_bool) {
            Some(true) => u.preferred_mfa = Some(MfaKind::Totp),
            Some(false) if u.preferred_mfa == Some(MfaKind::Totp) => u.preferred_mfa = None,
            _ => {}
        }
    }
    if let Some(s) = req.get("SMSMfaSettings") {
        if let Some(en) = s.get("Enabled").and_then(Value::as_bool) {
            u.sms_enabled = en;
            if !en && u.preferred_mfa == Some(MfaKind::Sms) {
                u.preferred_mfa = None;
            }
        }
        match s.get("PreferredMfa").and_then(Value::as_bool) {
            Some(true) => u.preferred_mfa = Some(MfaKind::Sms),
            Some(false) if u.preferred_mfa == Some(MfaKind::Sms) => u.preferred_mfa = None,
            _ => {}
        }
    }
    Ok(())
}

/// `EmailMfaSettings`: enabling needs an email address.
fn apply_email_preference(u: &mut User, req: &Value) -> Result<(), ApiError> {
    let Some(s) = req.get("EmailMfaSettings") else {
        return Ok(());
    };
    if let Some(en) = s.get("Enabled").and_then(Value::as_bool) {
        if en && u.attributes.get("email").is_none_or(|e| e.is_empty()) {
            return Err(ApiError::invalid_parameter(
                "User does not have an email address for email MFA",
            ));
        }
        u.email_mfa_enabled = en;
        if !en && u.preferred_mfa == Some(MfaKind::Email) {
            u.preferred_mfa = None;
        }
    }
    match s.get("PreferredMfa").and_then(Value::as_bool) {
        Some(true) => u.preferred_mfa = Some(MfaKind::Email),
        Some(false) if u.preferred_mfa == Some(MfaKind::Email) => u.preferred_mfa = None,
        _ => {}
    }
    Ok(())
}

fn set_mfa_preference(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let who = access_user_of(st, req)?;
    let u = user_mut(st, &who.pool_id, &who.username)?;
    apply_mfa_preference(u, req)?;
    apply_email_preference(u, req)?;
    Ok(json!({}))
}

fn admin_set_mfa_preference(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let pool_id = req_str(req, "UserPoolId")?.to_owned();
    let username = req_str(req, "Username")?.to_owned();
    let u = user_mut(st, &pool_id, &username)?;
    apply_mfa_preference(u, req)?;
    apply_email_preference(u, req)?;
    Ok(json!({}))
}

/// Whose software token a request sets up: the `AccessToken`'s user, or the user of an
/// `MFA_SETUP` challenge `Session` (with the session's id). Cognito takes one, not both.
fn token_owner(st: &State, req: &Value) -> Result<(String, String, Option<String>), ApiError> {
    match (opt_str(req, "AccessToken"), opt_str(req, "Session")) {
        (Some(_), Some(_)) => Err(ApiError::invalid_parameter(
            "Provide either an AccessToken or a Session, not both",
        )),
        (None, Some(id)) => {
            let s = live_session(st, id, MFA_SETUP.name).ok_or_else(expired_session)?;
            Ok((s.pool_id, s.username, Some(id.to_owned())))
        }
        _ => {
            let who = access_user_of(st, req)?;
            Ok((who.pool_id, who.username, None))
        }
    }
}

/// A new secret, pending until verified; by session, the answer carries a new `Session`.
fn associate_software_token(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let (pool_id, username, session) = token_owner(st, req)?;
    let mut secret = vec![0u8; 20];
    rand::Rng::fill_bytes(&mut rand::rng(), &mut secret);
    let code = totp::base32_encode(&secret);
    user_mut(st, &pool_id, &username)?.pending_totp_secret = Some(secret);
    let mut out = json!({ "SecretCode": code });
    if let Some(id) = session {
        out["Session"] = json!(rekey(st, &id).ok_or_else(expired_session)?);
    }
    Ok(out)
}

/// Verifies a code of the pending secret, which becomes the user's verified secret; by
/// session, the answer carries a new `Session` for `RespondToAuthChallenge` `MFA_SETUP`.
/// A wrong code leaves everything as it was, so it can be retried.
fn verify_software_token(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let (pool_id, username, session) = token_owner(st, req)?;
    let code = req_str(req, "UserCode")?.to_owned();
    let now = st.now();
    let u = user_mut(st, &pool_id, &username)?;
    let Some(secret) = u.pending_totp_secret.clone() else {
        return Err(ApiError::invalid_parameter(
            "No software token has been associated",
        ));
    };
    // A new secret starts its own replay history.
    let step = match totp::check(&secret, &code, now, None) {
        TotpCheck::Fresh(step) => step,
        TotpCheck::Reused => return Err(totp_reused()),
        TotpCheck::Wrong => {
            return Err(ApiError::new(
                "EnableSoftwareTokenMFAException",
                "Code mismatch and fail enable Software Token MFA",
            ));
        }
    };
    u.totp_secret = Some(secret);
    u.pending_totp_secret = None;
    u.otp.totp_last_step = Some(step);
    let mut out = json!({ "Status": "SUCCESS" });
    if let Some(id) = session {
        out["Session"] = json!(rekey(st, &id).ok_or_else(expired_session)?);
    }
    Ok(out)
}

/// Test control: give a user a verified TOTP secret (base32) and make
/// `SOFTWARE_TOKEN_MFA` its enabled, preferred MFA.
pub(crate) fn set_totp_secret(
    st: &mut State,
    pool_id: &str,
    username: &str,
    base32_secret: &str,
) -> Result<(), ApiError> {
    let secret = totp::base32_decode(base32_secret)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::invalid_parameter("secret is not valid base32"))?;
    let u = user_mut(st, pool_id, username)?;
    u.totp_secret = Some(secret);
    u.otp.totp_last_step = None;
    u.totp_enabled = true;
    u.preferred_mfa = Some(MfaKind::Totp);
    Ok(())
}

/// Test control: enable and prefer `SMS_MFA` for a user, giving it `phone` (default
/// `+15555550100`) as `phone_number` when it has none.
pub(crate) fn enable_sms_mfa(
    st: &mut State,
    pool_id: &str,
    username: &str,
    phone: Option<&str>,
) -> Result<(), ApiError> {
    let u = user_mut(st, pool_id, username)?;
    let phone = phone.unwrap_or("+15555550100");
    u.attributes
        .entry("phone_number".to_owned())
        .or_insert_with(|| phone.to_owned());
    u.sms_enabled = true;
    u.preferred_mfa = Some(MfaKind::Sms);
    Ok(())
}
