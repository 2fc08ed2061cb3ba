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
}

impl Challenge {
    /// The challenge named `name`, if this crate can continue it.
    pub(super) fn from_wire(name: &str) -> Option<Self> {
        match name {
            "NEW_PASSWORD_REQUIRED" => Some(Self::NewPassword),
            "SOFTWARE_TOKEN_MFA" => Some(Self::TotpMfa),
            "SMS_MFA" => Some(Self::SmsMfa),
            "SELECT_MFA_TYPE" => Some(Self::SelectMfaType),
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
        }
    }

    /// What the user must do next, from the `ChallengeParameters`.
    pub(super) fn next_step(self, params: &HashMap<String, String>) -> SignInStep {
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
                allowed: json_list("MFAS_CAN_CHOOSE")
                    .iter()
                    .filter_map(|m| MfaType::from_wire(m))
                    .collect(),
            },
        }
    }
}

/// A challenge waiting for `confirm_sign_in`.
pub(super) struct PendingChallenge {
    pub(super) challenge: Challenge,
    pub(super) session: Option<SecretString>,
    /// The username Cognito wants in `ChallengeResponses` (`USER_ID_FOR_SRP`).
    pub(super) username: String,
    pub(super) details: SignInDetails,
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
#[derive(Debug, Default)]
pub(crate) struct Pending(std::sync::Mutex<Option<PendingChallenge>>);

impl Pending {
    /// Forgets the pending challenge (a sign-in finished, or a sign-out).
    pub(crate) fn clear(&self) -> Result<(), AuthError> {
        *self.0.lock().map_err(|_| lock_error())? = None;
        Ok(())
    }

    /// Takes the pending challenge, leaving none.
    pub(super) fn take(&self) -> Result<Option<PendingChallenge>, AuthError> {
        Ok(self.0.lock().map_err(|_| lock_error())?.take())
    }

    /// Makes `challenge` the pending one.
    pub(super) fn put(&self, challenge: PendingChallenge) -> Result<(), AuthError> {
        *self.0.lock().map_err(|_| lock_error())? = Some(challenge);
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
        ] {
            assert_eq!(Challenge::from_wire(c.wire()), Some(c));
        }
        assert_eq!(Challenge::from_wire("CUSTOM_CHALLENGE"), None);
    }

    #[test]
    fn mfa_selection_lists_only_known_factors() {
        let params = HashMap::from([(
            "MFAS_CAN_CHOOSE".to_owned(),
            r#"["SMS_MFA","EMAIL_OTP","SOFTWARE_TOKEN_MFA"]"#.to_owned(),
        )]);
        assert_eq!(
            Challenge::SelectMfaType.next_step(&params),
            SignInStep::ContinueSignInWithMfaSelection {
                allowed: vec![MfaType::Sms, MfaType::Totp]
            }
        );
        assert_eq!(
            Challenge::NewPassword.next_step(&HashMap::new()),
            SignInStep::ConfirmSignInWithNewPassword {
                required_attributes: Vec::new()
            }
        );
    }
}
