//! The MFA API of [`CognitoAuthPlugin`] after sign-in (`crate::mfa` does the work).

use auth_core::error::AuthError;

use super::CognitoAuthPlugin;
use crate::mfa::{self, MfaPreferences, UpdateMfaPreference};
use crate::sign_in::TotpSetupDetails;

/// MFA (`mfa.rs`), as the signed-in user.
impl CognitoAuthPlugin {
    /// Starts a TOTP set-up (Amplify's `setUpTOTP`): a new shared secret for an
    /// authenticator app, under the issuer [`DEFAULT_TOTP_ISSUER`](crate::DEFAULT_TOTP_ISSUER)
    /// (use [`TotpSetupDetails::setup_uri_for`] for another). Finish with
    /// [`verify_totp_setup`](Self::verify_totp_setup), then make TOTP a factor with
    /// [`update_mfa_preference`](Self::update_mfa_preference).
    ///
    /// ```no_run
    /// # use auth_cognito::{CognitoAuthPlugin, MfaPreference, UpdateMfaPreference};
    /// # async fn demo(plugin: CognitoAuthPlugin, code_from_app: &str) -> Result<(), auth_core::error::AuthError> {
    /// let setup = plugin.setup_totp().await?;
    /// let uri = setup.setup_uri_for("My App", setup.username()); // show it as a QR code
    /// # let _ = uri;
    /// plugin.verify_totp_setup(code_from_app).await?;
    /// plugin
    ///     .update_mfa_preference(UpdateMfaPreference::new().totp(MfaPreference::Preferred))
    ///     .await?;
    /// let prefs = plugin.fetch_mfa_preference().await?;
    /// println!("enabled {:?}, preferred {:?}", prefs.enabled, prefs.preferred);
    /// # Ok(()) }
    /// ```
    pub async fn setup_totp(&self) -> Result<TotpSetupDetails, AuthError> {
        mfa::setup_totp(&self.inner.session, None).await
    }

    /// Finishes a TOTP set-up with a code the authenticator app shows (Amplify's
    /// `verifyTOTPSetup`). A wrong code is [`AuthError::CodeMismatch`]; try again.
    pub async fn verify_totp_setup(&self, code: &str) -> Result<(), AuthError> {
        mfa::verify_totp_setup(&self.inner.session, code, None).await
    }

    /// [`verify_totp_setup`](Self::verify_totp_setup) naming the device
    /// (`FriendlyDeviceName`).
    pub async fn verify_totp_setup_with_device_name(
        &self,
        code: &str,
        friendly_device_name: &str,
    ) -> Result<(), AuthError> {
        mfa::verify_totp_setup(&self.inner.session, code, Some(friendly_device_name)).await
    }

    /// Enables, disables or prefers factors (Amplify's `updateMFAPreference`); factors
    /// left `None` are unchanged.
    pub async fn update_mfa_preference(
        &self,
        change: UpdateMfaPreference,
    ) -> Result<(), AuthError> {
        mfa::update_mfa_preference(&self.inner.session, change).await
    }

    /// The enabled and preferred factors (Amplify's `fetchMFAPreference`).
    pub async fn fetch_mfa_preference(&self) -> Result<MfaPreferences, AuthError> {
        mfa::fetch_mfa_preference(&self.inner.session).await
    }
}
