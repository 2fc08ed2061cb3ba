//! The challenges sign-in can continue: which challenge name means which
//! next step for the user, and the challenge kept until `confirm_sign_in`.
//!
//! Adding a challenge is a local change: a variant of [`Challenge`], its
//! wire name and next step here, and its answer in `respond.rs`.

use std::collections::HashMap;
use std::fmt;

use auth_core::error::AuthError;
use auth_core::secret::SecretString;
use auth_core::types::SignInDetails;

use super::factor::AuthFactorType;
use super::types::{MfaType, SignInStep};

/// A challenge Cognito may answer a sign-in with, that this crate continues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Challenge {
    /// `NEW_PASSWORD_REQUIRED`.
    NewPassword,
    /// `SOFTWARE_TOKEN_MFA`.
    TotpMfa,
    /// `SMS_MFA`.
    SmsMfa,
    /// `SELECT_MFA_TYPE`.
    SelectMfaType,
    /// `EMAIL_OTP`: a `USER_AUTH` first factor, or email MFA.
    EmailOtp,
    /// `SMS_OTP`: a `USER_AUTH` first factor.
    SmsOtp,
    /// `SELECT_CHALLENGE`: `USER_AUTH`'s choice of a first factor.
    SelectFirstFactor,
    /// `SELECT_CHALLENGE` answered locally with `PASSWORD` (or, with `srp`,
    /// `PASSWORD_SRP`): the password is asked for before anything is sent.
    SelectedPassword {
        /// Whether the password is proven by SRP.
        srp: bool,
    },
    /// `MFA_SETUP`, as Cognito sent it (`sign_in::mfa_setup` decides the step).
    MfaSetup,
    /// `MFA_SETUP` for TOTP: the secret is associated, a code is awaited.
    MfaSetupTotp,
    /// `MFA_SETUP` offering several factors: a choice is awaited.
    MfaSetupSelection,
    /// `MFA_SETUP` for email: the address is awaited.
    MfaSetupEmail,
}

impl Challenge {
    /// The challenge named `name`, if this crate can continue it.
    pub(super) fn from_wire(name: &str) -> Option<Self> {
        match name {
            "NEW_PASSWORD_REQUIRED" => Some(Self::NewPassword),
            "SOFTWARE_TOKEN_MFA" => Some(Self::TotpMfa),
            "SMS_MFA" => Some(Self::SmsMfa),
            "SELECT_MFA_TYPE" => Some(Self::SelectMfaType),
            "EMAIL_OTP" => Some(Self::EmailOtp),
            "SMS_OTP" => Some(Self::SmsOtp),
            "SELECT_CHALLENGE" => Some(Self::SelectFirstFactor),
            "MFA_SETUP" => Some(Self::MfaSetup),
            _ => None,
        }
    }

    /// The `ChallengeName`.
    pub(super) fn wire(self) -> &'static str {
        match self {
            Self::NewPassword => "NEW_PASSWORD_REQUIRED",
            Self::TotpMfa => "SOFTWARE_TOKEN_MFA",
            Self::SmsMfa => "SMS_MFA",
            Self::SelectMfaType => "SELECT_MFA_TYPE",
            Self::EmailOtp => "EMAIL_OTP",
            Self::SmsOtp => "SMS_OTP",
            Self::SelectFirstFactor | Self::SelectedPassword { .. } => "SELECT_CHALLENGE",
            Self::MfaSetup | Self::MfaSetupTotp | Self::MfaSetupSelection | Self::MfaSetupEmail => {
                "MFA_SETUP"
            }
        }
    }

    /// What the user must do next, from the `ChallengeParameters` and the
    /// `AvailableChallenges` of the answer. `MFA_SETUP` for TOTP alone is decided by
    /// `sign_in::mfa_setup`, which associates the secret first.
    pub(super) fn next_step(
        self,
        params: &HashMap<String, String>,
        available: &[String],
    ) -> SignInStep {
        let json_list = |key: &str| {
            params
                .get(key)
                .and_then(|s| serde_json::from_str::<Vec<String>>(s).ok())
                .unwrap_or_default()
        };
        match self {
            Self::NewPassword => SignInStep::ConfirmSignInWithNewPassword {
                required_attributes: json_list("requiredAttributes"),
            },
            Self::TotpMfa => SignInStep::ConfirmSignInWithTotpCode,
            Self::SmsMfa => SignInStep::ConfirmSignInWithSmsCode {
                destination: params.get("CODE_DELIVERY_DESTINATION").cloned(),
            },
            Self::SelectMfaType => SignInStep::ContinueSignInWithMfaSelection {
                allowed: factor_names(params, "MFAS_CAN_CHOOSE")
                    .filter_map(MfaType::from_wire)
                    .collect(),
            },
            Self::EmailOtp => SignInStep::ConfirmSignInWithEmailCode {
                destination: params.get("CODE_DELIVERY_DESTINATION").cloned(),
            },
            Self::SmsOtp => SignInStep::ConfirmSignInWithSmsCode {
                destination: params.get("CODE_DELIVERY_DESTINATION").cloned(),
            },
            Self::SelectFirstFactor => SignInStep::ContinueSignInWithFirstFactorSelection {
                available: available
                    .iter()
                    .filter_map(|a| AuthFactorType::from_wire(a))
                    .collect(),
            },
            Self::SelectedPassword { .. } => SignInStep::ConfirmSignInWithPassword,
            Self::MfaSetup | Self::MfaSetupSelection => {
                SignInStep::ContinueSignInWithMfaSetupSelection {
                    allowed: setup_factors(params),
                }
            }
            Self::MfaSetupEmail => SignInStep::ContinueSignInWithEmailSetup,
            // Only reached through `sign_in::mfa_setup`, which builds the step itself.
            Self::MfaSetupTotp => SignInStep::ConfirmSignInWithTotpCode,
        }
    }
}

/// The factor names of a list parameter (`MFAS_CAN_SETUP`, `MFAS_CAN_CHOOSE`): Cognito
/// sends a JSON array in a string (`["SOFTWARE_TOKEN_MFA"]`); moto sends Python's
/// spelling of a list (`['SOFTWARE_TOKEN_MFA']`). Both are read as the names between
/// the brackets, quotes and commas.
fn factor_names<'a>(
    params: &'a HashMap<String, String>,
    key: &str,
) -> impl Iterator<Item = &'a str> {
    params
        .get(key)
        .map(String::as_str)
        .unwrap_or_default()
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|name| !name.is_empty())
}

/// The factors of `MFAS_CAN_SETUP` this crate can set up at sign-in (TOTP, email).
pub(super) fn setup_factors(params: &HashMap<String, String>) -> Vec<MfaType> {
    factor_names(params, "MFAS_CAN_SETUP")
        .filter_map(MfaType::from_wire)
        .filter(|m| matches!(m, MfaType::Totp | MfaType::Email))
        .collect()
}

/// A challenge waiting for `confirm_sign_in`.
pub(super) struct PendingChallenge {
    pub(super) challenge: Challenge,
    pub(super) session: Option<SecretString>,
    /// The username Cognito wants in `ChallengeResponses` (`USER_ID_FOR_SRP`).
    pub(super) username: String,
    pub(super) details: SignInDetails,
    /// The issuer of a TOTP set-up's URI, from the sign-in's options.
    pub(super) totp_issuer: String,
}

impl PendingChallenge {
    /// The same sign-in, now waiting at `challenge` with `session`.
    pub(super) fn next(&self, challenge: Challenge, session: Option<SecretString>) -> Self {
        Self {
            challenge,
            session,
            username: self.username.clone(),
            details: self.details.clone(),
            totp_issuer: self.totp_issuer.clone(),
        }
    }
}

impl fmt::Debug for PendingChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingChallenge")
            .field("name", &self.challenge.wire())
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// The challenge waiting for `confirm_sign_in`, if any: one per plugin.
/// Boxed, so that the many plugins with none (every idle session) keep a
/// pointer, not the whole challenge, in their shared state.
#[derive(Debug, Default)]
pub(crate) struct Pending(std::sync::Mutex<Option<Box<PendingChallenge>>>);

impl Pending {
    /// Forgets the pending challenge (a sign-in finished, or a sign-out).
    pub(crate) fn clear(&self) -> Result<(), AuthError> {
        *self.0.lock().map_err(|_| lock_error())? = None;
        Ok(())
    }

    /// Takes the pending challenge, leaving none.
    pub(super) fn take(&self) -> Result<Option<PendingChallenge>, AuthError> {
        Ok(self.0.lock().map_err(|_| lock_error())?.take().map(|c| *c))
    }

    /// Makes `challenge` the pending one.
    pub(super) fn put(&self, challenge: PendingChallenge) -> Result<(), AuthError> {
        *self.0.lock().map_err(|_| lock_error())? = Some(Box::new(challenge));
        Ok(())
    }
}

fn lock_error() -> AuthError {
    AuthError::InvalidState("internal lock poisoned".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_challenge_round_trips_its_wire_name() {
        for c in [
            Challenge::NewPassword,
            Challenge::TotpMfa,
            Challenge::SmsMfa,
            Challenge::SelectMfaType,
            Challenge::EmailOtp,
            Challenge::SmsOtp,
            Challenge::SelectFirstFactor,
            Challenge::MfaSetup,
        ] {
            assert_eq!(Challenge::from_wire(c.wire()), Some(c));
        }
        assert_eq!(Challenge::from_wire("CUSTOM_CHALLENGE"), None);
    }

    #[test]
    fn user_auth_steps_carry_the_offered_factors_and_the_masked_destination() {
        let available = ["PASSWORD_SRP", "EMAIL_OTP", "CARRIER_PIGEON"].map(String::from);
        assert_eq!(
            Challenge::SelectFirstFactor.next_step(&HashMap::new(), &available),
            SignInStep::ContinueSignInWithFirstFactorSelection {
                available: vec![AuthFactorType::PasswordSrp, AuthFactorType::EmailOtp]
            }
        );
        let params = HashMap::from([(
            "CODE_DELIVERY_DESTINATION".to_owned(),
            "a***@example.com".to_owned(),
        )]);
        assert_eq!(
            Challenge::EmailOtp.next_step(&params, &[]),
            SignInStep::ConfirmSignInWithEmailCode {
                destination: Some("a***@example.com".into())
            }
        );
        let setup = HashMap::from([(
            "MFAS_CAN_SETUP".to_owned(),
            r#"["SMS_MFA","SOFTWARE_TOKEN_MFA","EMAIL_OTP"]"#.to_owned(),
        )]);
        assert_eq!(setup_factors(&setup), vec![MfaType::Totp, MfaType::Email]);
        // moto's spelling of the list.
        let moto = HashMap::from([(
            "MFAS_CAN_SETUP".to_owned(),
            "['SOFTWARE_TOKEN_MFA', 'SMS_MFA']".to_owned(),
        )]);
        assert_eq!(setup_factors(&moto), vec![MfaType::Totp]);
        assert_eq!(setup_factors(&HashMap::new()), Vec::<MfaType>::new());
    }

    #[test]
    fn mfa_selection_lists_only_known_factors() {
        let params = HashMap::from([(
            "MFAS_CAN_CHOOSE".to_owned(),
            r#"["SMS_MFA","EMAIL_OTP","SOFTWARE_TOKEN_MFA","WEB_AUTHN"]"#.to_owned(),
        )]);
        assert_eq!(
            Challenge::SelectMfaType.next_step(&params, &[]),
            SignInStep::ContinueSignInWithMfaSelection {
                allowed: vec![MfaType::Sms, MfaType::Email, MfaType::Totp]
            }
        );
        assert_eq!(
            Challenge::NewPassword.next_step(&HashMap::new(), &[]),
            SignInStep::ConfirmSignInWithNewPassword {
                required_attributes: Vec::new()
            }
        );
    }
}
