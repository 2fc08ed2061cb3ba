//! MFA settings of a user: TOTP association (`AssociateSoftwareToken`,
//! `VerifySoftwareToken`), preferences (`SetUserMFAPreference`,
//! `AdminSetUserMFAPreference`), their JSON shape, and the test controls that turn TOTP
//! or SMS MFA on directly. The MFA challenges of sign-in are in `sign_in::mfa`.

use serde_json::{Map, Value, json};

use super::lookup::user_mut;
use super::tokens::access_user_of;
use crate::error::ApiError;
use crate::state::{MfaKind, State, User};
use crate::totp;
use crate::wire::{Operation, req_str};

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

fn set_mfa_preference(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let who = access_user_of(st, req)?;
    apply_mfa_preference(user_mut(st, &who.pool_id, &who.username)?, req)?;
    Ok(json!({}))
}

fn admin_set_mfa_preference(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let pool_id = req_str(req, "UserPoolId")?.to_owned();
    let username = req_str(req, "Username")?.to_owned();
    apply_mfa_preference(user_mut(st, &pool_id, &username)?, req)?;
    Ok(json!({}))
}

fn associate_software_token(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let who = access_user_of(st, req)?;
    let mut secret = vec![0u8; 20];
    rand::Rng::fill_bytes(&mut rand::rng(), &mut secret);
    let code = totp::base32_encode(&secret);
    user_mut(st, &who.pool_id, &who.username)?.pending_totp_secret = Some(secret);
    Ok(json!({ "SecretCode": code }))
}

fn verify_software_token(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let who = access_user_of(st, req)?;
    let code = req_str(req, "UserCode")?.to_owned();
    let now = st.now();
    let u = user_mut(st, &who.pool_id, &who.username)?;
    let Some(secret) = u.pending_totp_secret.clone() else {
        return Err(ApiError::invalid_parameter(
            "No software token has been associated",
        ));
    };
    if !totp::verify(&secret, &code, now) {
        return Err(ApiError::new(
            "EnableSoftwareTokenMFAException",
            "Code mismatch and fail enable Software Token MFA",
        ));
    }
    u.totp_secret = Some(secret);
    u.pending_totp_secret = None;
    Ok(json!({ "Status": "SUCCESS" }))
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
