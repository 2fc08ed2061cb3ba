//! How a pool signs users in: its first factors (`Policies.SignInPolicy.AllowedFirstAuthFactors`
//! on `CreateUserPool` / `UpdateUserPool`) and its MFA configuration (`MfaConfiguration`,
//! `SetUserPoolMfaConfig` / `GetUserPoolMfaConfig`).

use serde_json::{Value, json};

use super::lookup::{pool, pool_mut};
use crate::error::ApiError;
use crate::state::State;
use crate::wire::{Operation, opt_str, req_str};

/// The operations of this module.
pub(crate) const OPERATIONS: &[Operation] = &[
    Operation::new("UpdateUserPool", update_user_pool),
    Operation::new("SetUserPoolMfaConfig", set_user_pool_mfa_config),
    Operation::new("GetUserPoolMfaConfig", get_user_pool_mfa_config),
];

/// A first factor of `USER_AUTH` a pool may allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FirstFactor {
    /// `PASSWORD`: the password, plainly (`PASSWORD`) or by SRP (`PASSWORD_SRP`).
    Password,
    /// `EMAIL_OTP`: a code sent to the user's email.
    EmailOtp,
    /// `SMS_OTP`: a code sent to the user's phone.
    SmsOtp,
    /// `WEB_AUTHN`: passkeys (accepted in the policy; never offered, as no user has one).
    WebAuthn,
}

impl FirstFactor {
    fn from_wire(s: &str) -> Option<Self> {
        match s {
            "PASSWORD" => Some(Self::Password),
            "EMAIL_OTP" => Some(Self::EmailOtp),
            "SMS_OTP" => Some(Self::SmsOtp),
            "WEB_AUTHN" => Some(Self::WebAuthn),
            _ => None,
        }
    }

    fn wire(self) -> &'static str {
        match self {
            Self::Password => "PASSWORD",
            Self::EmailOtp => "EMAIL_OTP",
            Self::SmsOtp => "SMS_OTP",
            Self::WebAuthn => "WEB_AUTHN",
        }
    }
}

/// `MfaConfiguration`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MfaMode {
    /// Never set: users with MFA enabled get their challenge, every method allowed (the
    /// emulator's behaviour before MFA configuration existed). Shown as `OPTIONAL`.
    Unset,
    /// `OFF`: no MFA challenges.
    Off,
    /// `OPTIONAL`: users who enabled a factor get its challenge.
    Optional,
    /// `ON`: every user must pass MFA; users without a factor get `MFA_SETUP`.
    On,
}

/// A pool's sign-in configuration.
#[derive(Debug, Clone)]
pub(crate) struct PoolAuth {
    /// `AllowedFirstAuthFactors` (default `["PASSWORD"]`).
    pub(crate) first_factors: Vec<FirstFactor>,
    /// `MfaConfiguration`.
    pub(crate) mfa: MfaMode,
    /// `SmsMfaConfiguration`, as set (its presence enables SMS MFA).
    pub(crate) sms_config: Option<Value>,
    /// `SoftwareTokenMfaConfiguration.Enabled`.
    pub(crate) totp_enabled: bool,
    /// `EmailMfaConfiguration`, as set (its presence enables email MFA).
    pub(crate) email_config: Option<Value>,
}

impl Default for PoolAuth {
    fn default() -> Self {
        Self {
            first_factors: vec![FirstFactor::Password],
            mfa: MfaMode::Unset,
            sms_config: None,
            totp_enabled: false,
            email_config: None,
        }
    }
}

/// The MFA methods a pool allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MfaMethods {
    pub(crate) sms: bool,
    pub(crate) totp: bool,
    pub(crate) email: bool,
}

impl PoolAuth {
    /// Whether `f` is an allowed first factor.
    pub(crate) fn allows(&self, f: FirstFactor) -> bool {
        self.first_factors.contains(&f)
    }

    /// The MFA methods the pool allows: all of them until MFA is configured.
    pub(crate) fn methods(&self) -> MfaMethods {
        if self.mfa == MfaMode::Unset {
            return MfaMethods {
                sms: true,
                totp: true,
                email: true,
            };
        }
        MfaMethods {
            sms: self.sms_config.is_some(),
            totp: self.totp_enabled,
            email: self.email_config.is_some(),
        }
    }

    fn mfa_wire(&self) -> &'static str {
        match self.mfa {
            MfaMode::Off => "OFF",
            MfaMode::On => "ON",
            MfaMode::Optional | MfaMode::Unset => "OPTIONAL",
        }
    }

    /// `Policies` as `DescribeUserPool` shows it.
    pub(crate) fn policies_json(&self) -> Value {
        let factors: Vec<&str> = self.first_factors.iter().map(|f| f.wire()).collect();
        json!({ "SignInPolicy": { "AllowedFirstAuthFactors": factors } })
    }

    /// `MfaConfiguration` as `DescribeUserPool` shows it.
    pub(crate) fn mfa_configuration(&self) -> &'static str {
        self.mfa_wire()
    }

    /// Applies the `Policies.SignInPolicy` and `MfaConfiguration` of a `CreateUserPool` or
    /// `UpdateUserPool` request; other members are left alone.
    pub(crate) fn apply_pool_request(&mut self, req: &Value) -> Result<(), ApiError> {
        if let Some(list) = req
            .pointer("/Policies/SignInPolicy/AllowedFirstAuthFactors")
            .and_then(Value::as_array)
        {
            let mut factors = Vec::new();
            for v in list {
                let f = v.as_str().and_then(FirstFactor::from_wire).ok_or_else(|| {
                    ApiError::invalid_parameter(format!(
                        "Invalid AllowedFirstAuthFactors value: {v}"
                    ))
                })?;
                if !factors.contains(&f) {
                    factors.push(f);
                }
            }
            if !factors.contains(&FirstFactor::Password) {
                return Err(ApiError::invalid_parameter(
                    "AllowedFirstAuthFactors must include PASSWORD",
                ));
            }
            self.first_factors = factors;
        }
        if let Some(m) = opt_str(req, "MfaConfiguration") {
            self.mfa = parse_mode(m)?;
        }
        Ok(())
    }
}

fn parse_mode(m: &str) -> Result<MfaMode, ApiError> {
    match m {
        "OFF" => Ok(MfaMode::Off),
        "ON" => Ok(MfaMode::On),
        "OPTIONAL" => Ok(MfaMode::Optional),
        other => Err(ApiError::invalid_parameter(format!(
            "Invalid MfaConfiguration value: {other}"
        ))),
    }
}

/// `UpdateUserPool`: only `Policies.SignInPolicy`, `MfaConfiguration` and
/// `DeviceConfiguration` are applied, each when present; the other members are
/// accepted and ignored (real Cognito resets unspecified ones).
fn update_user_pool(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let pool_id = req_str(req, "UserPoolId")?.to_owned();
    let mut auth = pool(st, &pool_id)?.auth.clone();
    auth.apply_pool_request(req)?;
    pool_mut(st, &pool_id)?.auth = auth;
    if req.get("DeviceConfiguration").is_some() {
        super::devices::configure_pool(st, &pool_id, req);
    }
    Ok(json!({}))
}

fn mfa_config_json(auth: &PoolAuth) -> Value {
    let mut out = json!({
        "MfaConfiguration": auth.mfa_wire(),
        "SoftwareTokenMfaConfiguration": { "Enabled": auth.totp_enabled },
    });
    if let Some(o) = out.as_object_mut() {
        if let Some(sms) = &auth.sms_config {
            o.insert("SmsMfaConfiguration".into(), sms.clone());
        }
        if let Some(email) = &auth.email_config {
            o.insert("EmailMfaConfiguration".into(), email.clone());
        }
    }
    out
}

/// `SetUserPoolMfaConfig`: `MfaConfiguration` `OFF`, `ON` or `OPTIONAL`, and the methods
/// (`SoftwareTokenMfaConfiguration.Enabled`, `SmsMfaConfiguration`, `EmailMfaConfiguration`).
/// `ON` and `OPTIONAL` need at least one method.
fn set_user_pool_mfa_config(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let pool_id = req_str(req, "UserPoolId")?.to_owned();
    let mut auth = pool(st, &pool_id)?.auth.clone();
    if let Some(t) = req.get("SoftwareTokenMfaConfiguration") {
        auth.totp_enabled = t.get("Enabled").and_then(Value::as_bool).unwrap_or(false);
    }
    if let Some(sms) = req.get("SmsMfaConfiguration") {
        auth.sms_config = (!sms.is_null()).then(|| sms.clone());
    }
    if let Some(email) = req.get("EmailMfaConfiguration") {
        auth.email_config = (!email.is_null()).then(|| email.clone());
    }
    auth.mfa = match opt_str(req, "MfaConfiguration") {
        Some(m) => parse_mode(m)?,
        None if auth.mfa == MfaMode::Unset => MfaMode::Off,
        None => auth.mfa,
    };
    let m = auth.methods();
    if matches!(auth.mfa, MfaMode::On | MfaMode::Optional) && !(m.sms || m.totp || m.email) {
        return Err(ApiError::invalid_parameter(
            "At least one MFA method must be enabled when MfaConfiguration is ON or OPTIONAL",
        ));
    }
    let out = mfa_config_json(&auth);
    pool_mut(st, &pool_id)?.auth = auth;
    Ok(out)
}

fn get_user_pool_mfa_config(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let p = pool(st, req_str(req, "UserPoolId")?)?;
    Ok(mfa_config_json(&p.auth))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_policy_needs_password_and_known_factors() {
        let mut a = PoolAuth::default();
        let req = json!({"Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}}});
        a.apply_pool_request(&req).expect("valid policy");
        assert!(a.allows(FirstFactor::EmailOtp));
        assert!(!a.allows(FirstFactor::SmsOtp));
        let bad = json!({"Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["EMAIL_OTP"]}}});
        assert!(a.apply_pool_request(&bad).is_err());
        let bad = json!({"Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "CARRIER_PIGEON"]}}});
        assert!(a.apply_pool_request(&bad).is_err());
        assert!(
            a.allows(FirstFactor::EmailOtp),
            "a refused request changes nothing"
        );
    }

    #[test]
    fn unset_mfa_allows_every_method_and_configured_mfa_only_its_own() {
        let mut a = PoolAuth::default();
        assert_eq!(
            a.methods(),
            MfaMethods {
                sms: true,
                totp: true,
                email: true
            }
        );
        a.mfa = MfaMode::On;
        a.totp_enabled = true;
        assert_eq!(
            a.methods(),
            MfaMethods {
                sms: false,
                totp: true,
                email: false
            }
        );
    }
}
