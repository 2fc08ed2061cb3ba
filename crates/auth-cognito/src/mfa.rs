//! MFA after sign-in, as in Amplify: set up TOTP ([`setup_totp`], [`verify_totp_setup`]),
//! choose the enabled and preferred factors ([`update_mfa_preference`]) and read them
//! ([`fetch_mfa_preference`]). Each call runs as the signed-in user (its access token,
//! refreshed first when needed).

use auth_core::error::AuthError;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::orchestrator::Orchestrator;
use crate::sign_in::{DEFAULT_TOTP_ISSUER, MfaType, TotpSetupDetails};

/// A factor's place in the user's MFA settings (Amplify's `MFAPreference`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MfaPreference {
    /// Enabled, without changing which factor is preferred.
    Enabled,
    /// Turned off.
    Disabled,
    /// Enabled and preferred (the one Cognito asks for when several are enabled).
    Preferred,
    /// Enabled, and no longer preferred.
    NotPreferred,
}

impl MfaPreference {
    /// The `*MfaSettings` member of `SetUserMFAPreference`.
    fn settings(self) -> Value {
        match self {
            Self::Enabled => json!({ "Enabled": true }),
            Self::Disabled => json!({ "Enabled": false, "PreferredMfa": false }),
            Self::Preferred => json!({ "Enabled": true, "PreferredMfa": true }),
            Self::NotPreferred => json!({ "Enabled": true, "PreferredMfa": false }),
        }
    }
}

/// The changes of [`CognitoAuthPlugin::update_mfa_preference`](crate::CognitoAuthPlugin::update_mfa_preference);
/// a factor left `None` is unchanged.
///
/// ```
/// use auth_cognito::{MfaPreference, UpdateMfaPreference};
/// let change = UpdateMfaPreference::new()
///     .totp(MfaPreference::Preferred)
///     .sms(MfaPreference::Disabled);
/// assert_eq!(change.email, None);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UpdateMfaPreference {
    /// The authenticator app.
    pub totp: Option<MfaPreference>,
    /// Codes by SMS.
    pub sms: Option<MfaPreference>,
    /// Codes by email.
    pub email: Option<MfaPreference>,
}

impl UpdateMfaPreference {
    /// No change yet.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the TOTP preference.
    pub fn totp(mut self, p: MfaPreference) -> Self {
        self.totp = Some(p);
        self
    }
    /// Sets the SMS preference.
    pub fn sms(mut self, p: MfaPreference) -> Self {
        self.sms = Some(p);
        self
    }
    /// Sets the email preference.
    pub fn email(mut self, p: MfaPreference) -> Self {
        self.email = Some(p);
        self
    }
}

/// The user's MFA settings (Amplify's `fetchMFAPreference` output).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MfaPreferences {
    /// The enabled factors.
    pub enabled: Vec<MfaType>,
    /// The preferred factor, if any.
    pub preferred: Option<MfaType>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Associated {
    secret_code: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Verified {
    status: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UserMfa {
    #[serde(rename = "UserMFASettingList", default)]
    list: Vec<String>,
    preferred_mfa_setting: Option<String>,
}

fn missing(operation: &str, what: &str) -> AuthError {
    AuthError::InvalidResponse {
        operation: operation.into(),
        message: format!("missing {what}"),
    }
}

/// The signed-in user's access token and username.
async fn access(session: &Orchestrator) -> Result<(String, String), AuthError> {
    let tokens = session.current_tokens(false).await?;
    Ok((
        tokens.access.as_compact_str().to_owned(),
        tokens.username.clone(),
    ))
}

/// `AssociateSoftwareToken`: a new secret for the signed-in user, shown under `issuer`
/// (default [`DEFAULT_TOTP_ISSUER`]).
pub(crate) async fn setup_totp(
    session: &Orchestrator,
    issuer: Option<&str>,
) -> Result<TotpSetupDetails, AuthError> {
    let (token, username) = access(session).await?;
    let op = "AssociateSoftwareToken";
    let a: Associated = session
        .idp()?
        .call(op, &json!({ "AccessToken": token }))
        .await?;
    let secret = a.secret_code.ok_or_else(|| missing(op, "SecretCode"))?;
    Ok(TotpSetupDetails::new(
        secret,
        username,
        issuer.unwrap_or(DEFAULT_TOTP_ISSUER),
    ))
}

/// `VerifySoftwareToken` with a code of the secret from [`setup_totp`]. A wrong code is
/// [`AuthError::CodeMismatch`] and can be retried.
pub(crate) async fn verify_totp_setup(
    session: &Orchestrator,
    code: &str,
    friendly_device_name: Option<&str>,
) -> Result<(), AuthError> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AuthError::InvalidParameter {
            name: "code".into(),
            message: "expected the 6-digit code from the authenticator app".into(),
        });
    }
    let (token, _) = access(session).await?;
    let mut req = json!({ "AccessToken": token, "UserCode": code });
    if let Some(name) = friendly_device_name {
        req["FriendlyDeviceName"] = json!(name);
    }
    let v: Verified = session.idp()?.call("VerifySoftwareToken", &req).await?;
    match v.status.as_deref() {
        Some("SUCCESS") => Ok(()),
        _ => Err(AuthError::CodeMismatch {
            message: "the code was not accepted".into(),
        }),
    }
}

/// `SetUserMFAPreference` with the factors `change` names.
pub(crate) async fn update_mfa_preference(
    session: &Orchestrator,
    change: UpdateMfaPreference,
) -> Result<(), AuthError> {
    let (token, _) = access(session).await?;
    let mut req = json!({ "AccessToken": token });
    if let Some(p) = change.totp {
        req["SoftwareTokenMfaSettings"] = p.settings();
    }
    if let Some(p) = change.sms {
        req["SMSMfaSettings"] = p.settings();
    }
    if let Some(p) = change.email {
        req["EmailMfaSettings"] = p.settings();
    }
    let _: Value = session.idp()?.call("SetUserMFAPreference", &req).await?;
    Ok(())
}

/// `GetUser`'s `UserMFASettingList` and `PreferredMfaSetting`.
pub(crate) async fn fetch_mfa_preference(
    session: &Orchestrator,
) -> Result<MfaPreferences, AuthError> {
    let (token, _) = access(session).await?;
    let u: UserMfa = session
        .idp()?
        .call("GetUser", &json!({ "AccessToken": token }))
        .await?;
    Ok(MfaPreferences {
        enabled: u
            .list
            .iter()
            .filter_map(|m| MfaType::from_wire(m))
            .collect(),
        preferred: u
            .preferred_mfa_setting
            .as_deref()
            .and_then(MfaType::from_wire),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preferences_map_to_cognitos_settings() {
        assert_eq!(
            MfaPreference::Preferred.settings(),
            json!({"Enabled": true, "PreferredMfa": true})
        );
        assert_eq!(
            MfaPreference::Disabled.settings(),
            json!({"Enabled": false, "PreferredMfa": false})
        );
        assert_eq!(MfaPreference::Enabled.settings(), json!({"Enabled": true}));
    }
}
