//! [`PasswordlessConfig`]: the `auth.passwordless` section of `amplify_outputs.json`, the
//! defaults of `USER_AUTH` sign-in.

use auth_core::error::AuthError;
use serde_json::Value;

use super::invalid;
use crate::sign_in::AuthFactorType;

/// Which passwordless first factors the backend enabled, and the one to prefer
/// (`auth.passwordless`: `email_otp_enabled`, `sms_otp_enabled`, `web_authn`,
/// `preferred_challenge`).
///
/// ```
/// use auth_cognito::config::{CognitoConfig, PasswordlessConfig};
/// use auth_cognito::AuthFactorType;
/// let json = r#"{"auth":{"user_pool_id":"us-east-1_AbC","user_pool_client_id":"c",
///     "passwordless":{"email_otp_enabled":true,"preferred_challenge":"EMAIL_OTP"}}}"#;
/// let config = CognitoConfig::from_amplify_outputs(json)?;
/// let p = config.passwordless().expect("section present");
/// assert!(p.email_otp_enabled && !p.sms_otp_enabled);
/// assert_eq!(p.preferred_challenge, Some(AuthFactorType::EmailOtp));
/// # Ok::<(), auth_core::error::AuthError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct PasswordlessConfig {
    /// `EMAIL_OTP` is enabled.
    pub email_otp_enabled: bool,
    /// `SMS_OTP` is enabled.
    pub sms_otp_enabled: bool,
    /// A `web_authn` section is present (passkeys; not supported by this crate yet).
    pub web_authn_enabled: bool,
    /// The first factor `USER_AUTH` starts with when the sign-in names none.
    pub preferred_challenge: Option<AuthFactorType>,
}

impl PasswordlessConfig {
    /// Enables or disables `EMAIL_OTP`.
    pub fn with_email_otp(mut self, enabled: bool) -> Self {
        self.email_otp_enabled = enabled;
        self
    }

    /// Enables or disables `SMS_OTP`.
    pub fn with_sms_otp(mut self, enabled: bool) -> Self {
        self.sms_otp_enabled = enabled;
        self
    }

    /// The default first factor of `USER_AUTH`.
    pub fn with_preferred_challenge(mut self, preferred: Option<AuthFactorType>) -> Self {
        self.preferred_challenge = preferred;
        self
    }

    /// Parses `auth.passwordless`.
    pub(super) fn parse(v: &Value) -> Result<Self, AuthError> {
        let obj = v
            .as_object()
            .ok_or_else(|| invalid("auth.passwordless", "expected an object"))?;
        let flag = |k: &str| -> Result<bool, AuthError> {
            match obj.get(k) {
                None | Some(Value::Null) => Ok(false),
                Some(Value::Bool(b)) => Ok(*b),
                Some(_) => Err(invalid(
                    &format!("auth.passwordless.{k}"),
                    "expected true or false",
                )),
            }
        };
        let preferred_challenge = match obj.get("preferred_challenge") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.parse().map_err(|_| {
                invalid(
                    "auth.passwordless.preferred_challenge",
                    format!(
                        "`{}` is not PASSWORD, PASSWORD_SRP, EMAIL_OTP, SMS_OTP or WEB_AUTHN",
                        s.escape_debug()
                    ),
                )
            })?),
            Some(_) => {
                return Err(invalid(
                    "auth.passwordless.preferred_challenge",
                    "expected a string",
                ));
            }
        };
        Ok(Self {
            email_otp_enabled: flag("email_otp_enabled")?,
            sms_otp_enabled: flag("sms_otp_enabled")?,
            web_authn_enabled: obj.get("web_authn").is_some_and(|w| !w.is_null()),
            preferred_challenge,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_sections_name_the_field() {
        let e = PasswordlessConfig::parse(&serde_json::json!({"email_otp_enabled": "yes"}))
            .expect_err("not a bool");
        assert!(
            e.to_string()
                .contains("auth.passwordless.email_otp_enabled"),
            "{e}"
        );
        let e = PasswordlessConfig::parse(&serde_json::json!({"preferred_challenge": "PIGEON"}))
            .expect_err("unknown factor");
        assert!(e.to_string().contains("preferred_challenge"), "{e}");
        assert!(PasswordlessConfig::parse(&serde_json::json!([])).is_err());
        let p = PasswordlessConfig::parse(&serde_json::json!({"sms_otp_enabled": true,
            "web_authn": {"relying_party_id": "example.com"}, "preferred_challenge": "sms_otp"}))
        .expect("valid");
        assert!(p.sms_otp_enabled && p.web_authn_enabled);
        assert_eq!(p.preferred_challenge, Some(AuthFactorType::SmsOtp));
    }
}
