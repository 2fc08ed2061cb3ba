//! The public types of sign-in: options, results and next steps.

use std::collections::HashMap;

use auth_core::types::AuthFlowType;

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
}

impl SignInOptions {
    /// Options with the given flow.
    pub fn with_flow(flow: AuthFlowType) -> Self {
        Self {
            auth_flow_type: Some(flow),
            ..Self::default()
        }
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
}

impl MfaType {
    /// The wire name (`SMS_MFA`, `SOFTWARE_TOKEN_MFA`).
    pub(super) fn wire(self) -> &'static str {
        match self {
            Self::Sms => "SMS_MFA",
            Self::Totp => "SOFTWARE_TOKEN_MFA",
        }
    }

    /// The factor of a wire name, if this crate knows it.
    pub(super) fn from_wire(name: &str) -> Option<Self> {
        match name {
            "SMS_MFA" => Some(Self::Sms),
            "SOFTWARE_TOKEN_MFA" => Some(Self::Totp),
            _ => None,
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
    /// `"SMS_MFA"` or `"SOFTWARE_TOKEN_MFA"` (or `"SMS"` / `"TOTP"`).
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
