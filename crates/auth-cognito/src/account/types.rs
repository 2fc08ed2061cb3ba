//! The public types of the account flows: options, results and next steps,
//! named after Amplify's (`SignUpOutput`, `ResetPasswordOutput`,
//! `UpdateUserAttributesOutput`, `CodeDeliveryDetails`).

use std::collections::{BTreeMap, HashMap};

/// How a code was sent (Cognito's `DeliveryMedium`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryMedium {
    /// By e-mail (`EMAIL`).
    Email,
    /// By text message (`SMS`).
    Sms,
    /// A medium this crate does not know, as Cognito named it.
    Other(String),
}

impl DeliveryMedium {
    pub(super) fn from_wire(name: &str) -> Self {
        match name {
            "EMAIL" => Self::Email,
            "SMS" => Self::Sms,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// Where a code went (Amplify's `codeDeliveryDetails`). The destination is
/// masked by Cognito, for example `a***@example.com` or `+*******1234`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CodeDeliveryDetails {
    /// The masked e-mail address or phone number.
    pub destination: Option<String>,
    /// E-mail or SMS.
    pub delivery_medium: Option<DeliveryMedium>,
    /// The attribute the code verifies, for example `email`.
    pub attribute_name: Option<String>,
}

impl CodeDeliveryDetails {
    pub(super) fn new(
        destination: Option<String>,
        delivery_medium: Option<DeliveryMedium>,
        attribute_name: Option<String>,
    ) -> Self {
        Self {
            destination,
            delivery_medium,
            attribute_name,
        }
    }
}

/// Options of [`CognitoAuthPlugin::sign_up`](crate::CognitoAuthPlugin::sign_up).
///
/// ```
/// use auth_cognito::SignUpOptions;
/// let options = SignUpOptions::default()
///     .with_attribute("email", "alice@example.com")
///     .with_auto_sign_in(true);
/// assert_eq!(options.user_attributes["email"], "alice@example.com");
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct SignUpOptions {
    /// The user's attributes (`UserAttributes`), for example `email`.
    pub user_attributes: BTreeMap<String, String>,
    /// `ValidationData` for the pre-sign-up Lambda trigger.
    pub validation_data: BTreeMap<String, String>,
    /// `ClientMetadata` for the Lambda triggers.
    pub client_metadata: HashMap<String, String>,
    /// Sign the user in when the sign-up is confirmed (Amplify's
    /// `autoSignIn`): [`confirm_sign_up`](crate::CognitoAuthPlugin::confirm_sign_up)
    /// then answers [`SignUpStep::CompleteAutoSignIn`], and
    /// [`auto_sign_in`](crate::CognitoAuthPlugin::auto_sign_in) finishes it.
    pub auto_sign_in: bool,
}

impl SignUpOptions {
    /// Adds one user attribute.
    pub fn with_attribute(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.user_attributes.insert(name.into(), value.into());
        self
    }

    /// Adds one `ValidationData` entry.
    pub fn with_validation_data(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.validation_data.insert(name.into(), value.into());
        self
    }

    /// Adds one `ClientMetadata` entry.
    pub fn with_client_metadata(
        mut self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.client_metadata.insert(key.into(), value.into());
        self
    }

    /// Asks for auto sign-in after confirmation.
    pub fn with_auto_sign_in(mut self, auto_sign_in: bool) -> Self {
        self.auto_sign_in = auto_sign_in;
        self
    }
}

/// Options of [`CognitoAuthPlugin::confirm_sign_up`](crate::CognitoAuthPlugin::confirm_sign_up).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ConfirmSignUpOptions {
    /// Whether to prepare auto sign-in. `None` (the default) follows the
    /// `auto_sign_in` option of this plugin's `sign_up` of the same user;
    /// `Some(true)` asks for it even when the sign-up happened elsewhere
    /// (another process, another device).
    pub auto_sign_in: Option<bool>,
    /// `ForceAliasCreation`: when another account already uses this user's
    /// e-mail or phone number as a verified alias, move it to this one
    /// instead of failing with `AliasExists`.
    pub force_alias_creation: bool,
    /// `ClientMetadata` for the Lambda triggers.
    pub client_metadata: HashMap<String, String>,
}

impl ConfirmSignUpOptions {
    /// Asks for (or refuses) auto sign-in, whatever `sign_up` said.
    pub fn with_auto_sign_in(mut self, auto_sign_in: bool) -> Self {
        self.auto_sign_in = Some(auto_sign_in);
        self
    }

    /// Sets `ForceAliasCreation`.
    pub fn with_force_alias_creation(mut self, force: bool) -> Self {
        self.force_alias_creation = force;
        self
    }
}

/// What a sign-up needs next (Amplify's `signUpStep`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignUpStep {
    /// Enter the code that was sent, in
    /// [`confirm_sign_up`](crate::CognitoAuthPlugin::confirm_sign_up).
    ConfirmSignUp {
        /// Where the code went; `None` when the pool sends none (an
        /// administrator then confirms the user).
        code_delivery_details: Option<CodeDeliveryDetails>,
    },
    /// The account is confirmed and auto sign-in is ready: call
    /// [`auto_sign_in`](crate::CognitoAuthPlugin::auto_sign_in).
    CompleteAutoSignIn,
    /// The account is confirmed; sign in as usual.
    Done,
}

/// The result of `sign_up` and `confirm_sign_up` (Amplify's `SignUpOutput`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignUpResult {
    /// Whether the account is confirmed.
    pub is_sign_up_complete: bool,
    /// The new user's `sub` (from `sign_up` only).
    pub user_id: Option<String>,
    /// What to do next.
    pub next_step: SignUpStep,
    /// Auto sign-in was asked for and cannot happen: why. For example the
    /// app client does not allow `USER_AUTH`, which auto sign-in after
    /// confirmation uses. Sign in with
    /// [`sign_in`](crate::CognitoAuthPlugin::sign_in) instead.
    pub auto_sign_in_unavailable: Option<String>,
}

impl SignUpResult {
    pub(super) fn new(is_sign_up_complete: bool, next_step: SignUpStep) -> Self {
        Self {
            is_sign_up_complete,
            user_id: None,
            next_step,
            auto_sign_in_unavailable: None,
        }
    }
}

/// What a password reset needs next (Amplify's `resetPasswordStep`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResetPasswordStep {
    /// Enter the code that was sent and a new password, in
    /// [`confirm_reset_password`](crate::CognitoAuthPlugin::confirm_reset_password).
    ConfirmResetPasswordWithCode {
        /// Where the code went.
        code_delivery_details: Option<CodeDeliveryDetails>,
    },
    /// The password was reset.
    Done,
}

/// The result of [`reset_password`](crate::CognitoAuthPlugin::reset_password)
/// (Amplify's `ResetPasswordOutput`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResetPasswordResult {
    /// Whether the password is already reset (never, until the code is confirmed).
    pub is_password_reset: bool,
    /// What to do next.
    pub next_step: ResetPasswordStep,
}

/// What an updated attribute needs next (Amplify's `updateAttributeStep`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UpdateUserAttributeStep {
    /// A verification code was sent: enter it in
    /// [`confirm_user_attribute`](crate::CognitoAuthPlugin::confirm_user_attribute).
    ConfirmAttributeWithCode {
        /// Where the code went.
        code_delivery_details: CodeDeliveryDetails,
    },
    /// Updated; nothing to verify.
    Done,
}

/// The outcome for one attribute of
/// [`update_user_attributes`](crate::CognitoAuthPlugin::update_user_attributes).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UpdateUserAttributeResult {
    /// `true` when the update is complete; `false` while a code must
    /// confirm the new value (as in Amplify).
    pub is_updated: bool,
    /// What to do next.
    pub next_step: UpdateUserAttributeStep,
}
