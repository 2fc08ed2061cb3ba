//! The public types of sign-in: options, results and next steps.

use std::collections::HashMap;

use auth_core::types::AuthFlowType;

use super::factor::{AuthFactorType, TotpSetupDetails};

/// Options of [`CognitoAuthPlugin::sign_in`](crate::CognitoAuthPlugin::sign_in).
///
/// ```
/// use auth_cognito::SignInOptions;
/// use auth_core::types::AuthFlowType;
/// let options = SignInOptions::with_flow(AuthFlowType::UserPasswordAuth)
///     .with_client_metadata("source", "cli");
/// assert_eq!(options.client_metadata["source"], "cli");
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct SignInOptions {
    /// The flow; `None` means `USER_SRP_AUTH`, as in Amplify.
    pub auth_flow_type: Option<AuthFlowType>,
    /// `ClientMetadata` passed to Lambda triggers.
    pub client_metadata: HashMap<String, String>,
    /// With `USER_AUTH`: the first factor to start with. `None` takes the config's
    /// `auth.passwordless.preferred_challenge`; without one either, Cognito offers a
    /// choice ([`SignInStep::ContinueSignInWithFirstFactorSelection`]).
    pub preferred_challenge: Option<AuthFactorType>,
    /// The issuer authenticator apps show for a TOTP set-up during sign-in
    /// (default [`DEFAULT_TOTP_ISSUER`](crate::DEFAULT_TOTP_ISSUER)).
    pub totp_issuer: Option<String>,
}

impl SignInOptions {
    /// Options with the given flow.
    pub fn with_flow(flow: AuthFlowType) -> Self {
        Self {
            auth_flow_type: Some(flow),
            ..Self::default()
        }
    }

    /// `USER_AUTH` (choice-based sign-in), starting with `preferred` when Cognito offers
    /// it, or with a choice when `None` (and the config has no preference either).
    ///
    /// ```
    /// use auth_cognito::{AuthFactorType, SignInOptions};
    /// let options = SignInOptions::user_auth(Some(AuthFactorType::EmailOtp));
    /// assert_eq!(options.preferred_challenge, Some(AuthFactorType::EmailOtp));
    /// ```
    ///
    /// Passwordless sign-in with a code by email, and a choice of first factor:
    ///
    /// ```no_run
    /// # use auth_cognito::{AuthFactorType, CognitoAuthPlugin, SignInOptions, SignInStep};
    /// # async fn demo(plugin: CognitoAuthPlugin, read_line: impl Fn() -> String, password: &str)
    /// #     -> Result<(), auth_core::error::AuthError> {
    /// // A code by email: no password is needed.
    /// let r = plugin
    ///     .sign_in("alice", "", SignInOptions::user_auth(Some(AuthFactorType::EmailOtp)))
    ///     .await?;
    /// if let SignInStep::ConfirmSignInWithEmailCode { destination } = &r.next_step {
    ///     println!("enter the code sent to {}", destination.as_deref().unwrap_or("your email"));
    ///     let done = plugin.confirm_sign_in(&read_line()).await?;
    ///     assert!(done.is_signed_in);
    /// }
    ///
    /// // No preference: Cognito lists the factors, the user picks one.
    /// let r = plugin.sign_in("alice", "", SignInOptions::user_auth(None)).await?;
    /// if let SignInStep::ContinueSignInWithFirstFactorSelection { available } = &r.next_step {
    ///     assert!(available.contains(&AuthFactorType::PasswordSrp));
    ///     let r = plugin.confirm_sign_in(AuthFactorType::PasswordSrp.as_str()).await?;
    ///     assert_eq!(r.next_step, SignInStep::ConfirmSignInWithPassword);
    ///     plugin.confirm_sign_in(password).await?; // an SRP proof; the password stays here
    /// }
    /// # Ok(()) }
    /// ```
    pub fn user_auth(preferred: Option<AuthFactorType>) -> Self {
        Self {
            auth_flow_type: Some(AuthFlowType::UserAuth),
            preferred_challenge: preferred,
            ..Self::default()
        }
    }

    /// The issuer named by the `otpauth://` URI of a TOTP set-up during this sign-in.
    pub fn with_totp_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.totp_issuer = Some(issuer.into());
        self
    }

    /// Adds one `ClientMetadata` entry for the Lambda triggers.
    pub fn with_client_metadata(
        mut self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.client_metadata.insert(key.into(), value.into());
        self
    }
}

/// A second factor Cognito can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MfaType {
    /// A code sent by SMS.
    Sms,
    /// A code from an authenticator app (TOTP).
    Totp,
    /// A code sent by email.
    Email,
}

impl MfaType {
    /// The wire name (`SMS_MFA`, `SOFTWARE_TOKEN_MFA`, `EMAIL_OTP`).
    pub fn as_str(self) -> &'static str {
        self.wire()
    }

    /// The wire name (`SMS_MFA`, `SOFTWARE_TOKEN_MFA`, `EMAIL_OTP`).
    pub(crate) fn wire(self) -> &'static str {
        match self {
            Self::Sms => "SMS_MFA",
            Self::Totp => "SOFTWARE_TOKEN_MFA",
            Self::Email => "EMAIL_OTP",
        }
    }

    /// The factor of a wire name, if this crate knows it.
    pub(crate) fn from_wire(name: &str) -> Option<Self> {
        match name {
            "SMS_MFA" => Some(Self::Sms),
            "SOFTWARE_TOKEN_MFA" => Some(Self::Totp),
            "EMAIL_OTP" => Some(Self::Email),
            _ => None,
        }
    }

    /// The factor of an answer: the wire name or Amplify's short name (`SMS`, `TOTP`,
    /// `EMAIL`), in any case.
    pub(crate) fn from_answer(answer: &str) -> Option<Self> {
        let a = answer.trim().to_ascii_uppercase();
        match a.as_str() {
            "SMS" => Some(Self::Sms),
            "TOTP" => Some(Self::Totp),
            "EMAIL" => Some(Self::Email),
            other => Self::from_wire(other),
        }
    }
}

/// What the user must do next (Amplify's `nextStep.signInStep`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignInStep {
    /// Signed in.
    Done,
    /// Choose a new password (`NEW_PASSWORD_REQUIRED`); answer with the new
    /// password in [`CognitoAuthPlugin::confirm_sign_in`](crate::CognitoAuthPlugin::confirm_sign_in).
    ConfirmSignInWithNewPassword {
        /// Attributes the pool requires to be set along with it.
        required_attributes: Vec<String>,
    },
    /// Enter the code from the authenticator app (`SOFTWARE_TOKEN_MFA`).
    ConfirmSignInWithTotpCode,
    /// Enter the code sent by SMS (`SMS_MFA`).
    ConfirmSignInWithSmsCode {
        /// Where the code went, masked by Cognito (for example `+*******1234`).
        destination: Option<String>,
    },
    /// Pick a second factor (`SELECT_MFA_TYPE`); answer with
    /// `"SMS_MFA"`, `"SOFTWARE_TOKEN_MFA"` or `"EMAIL_OTP"` (or `"SMS"` / `"TOTP"` /
    /// `"EMAIL"`).
    ContinueSignInWithMfaSelection {
        /// The factors to choose from.
        allowed: Vec<MfaType>,
    },
    /// The user has not confirmed sign-up (Cognito's
    /// `UserNotConfirmedException`): confirm it with
    /// [`CognitoAuthPlugin::confirm_sign_up`](crate::CognitoAuthPlugin::confirm_sign_up)
    /// and the code sent at sign-up
    /// ([`resend_sign_up_code`](crate::CognitoAuthPlugin::resend_sign_up_code)
    /// sends another), then sign in again.
    ConfirmSignUp,
    /// The user must choose a new password (Cognito's
    /// `PasswordResetRequiredException`, after an administrator reset it):
    /// call [`CognitoAuthPlugin::reset_password`](crate::CognitoAuthPlugin::reset_password)
    /// and [`confirm_reset_password`](crate::CognitoAuthPlugin::confirm_reset_password),
    /// then sign in again.
    ResetPassword,
    /// Enter the code sent by email (`EMAIL_OTP`: a `USER_AUTH` first factor, or email
    /// MFA after the password).
    ConfirmSignInWithEmailCode {
        /// Where the code went, masked by Cognito (for example `a***@example.com`).
        destination: Option<String>,
    },
    /// Pick a first factor (`USER_AUTH`'s `SELECT_CHALLENGE`); answer with its name, for
    /// example `"EMAIL_OTP"` or `"PASSWORD_SRP"` (see [`AuthFactorType`]).
    ContinueSignInWithFirstFactorSelection {
        /// The factors Cognito offers this user.
        available: Vec<AuthFactorType>,
    },
    /// Enter the password: the first factor chosen was `PASSWORD` or `PASSWORD_SRP`.
    ConfirmSignInWithPassword,
    /// Set up TOTP (`MFA_SETUP`, when the pool requires MFA and the user has no factor):
    /// put the secret in an authenticator app (its URI as a QR code), then answer with
    /// a code it shows.
    ContinueSignInWithTotpSetup {
        /// The secret and its `otpauth://` URI.
        totp_setup_details: TotpSetupDetails,
    },
    /// Choose which factor to set up (`MFA_SETUP` offering several); answer with
    /// `"TOTP"` or `"EMAIL"`.
    ContinueSignInWithMfaSetupSelection {
        /// The factors that can be set up.
        allowed: Vec<MfaType>,
    },
    /// Enter the email address to receive MFA codes at (`MFA_SETUP` for email).
    ContinueSignInWithEmailSetup,
}

/// The result of `sign_in` and `confirm_sign_in`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignInResult {
    /// Whether the user is now signed in.
    pub is_signed_in: bool,
    /// The next step.
    pub next_step: SignInStep,
    /// On a pool that tracks devices, once signed in: whether this machine's device
    /// is remembered, can be remembered (ask the user, then
    /// [`remember_device`](crate::CognitoAuthPlugin::remember_device)), or could not
    /// be confirmed. `None` when the pool tracks no devices, or before the sign-in
    /// is done.
    pub device: Option<crate::DeviceOutcome>,
}

impl SignInResult {
    /// Signed in.
    pub(crate) fn done() -> Self {
        Self {
            is_signed_in: true,
            next_step: SignInStep::Done,
            device: None,
        }
    }

    /// Signed in, with what happened to the device.
    pub(super) fn with_device(mut self, device: Option<crate::DeviceOutcome>) -> Self {
        self.device = device;
        self
    }

    /// Waiting for `step`.
    pub(super) fn next(step: SignInStep) -> Self {
        Self {
            is_signed_in: false,
            next_step: step,
            device: None,
        }
    }
}
