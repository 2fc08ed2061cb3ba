//! Answers to challenges: what the user typed, as the `ChallengeResponses`
//! of `RespondToAuthChallenge`.

use auth_core::error::AuthError;
use auth_core::secret::SecretString;
use serde_json::{Value, json};

use super::challenge::{Challenge, PendingChallenge};
use super::types::MfaType;
use crate::idp::secret_hash;

/// The `ChallengeResponses` entry that answers `challenge` with `response`,
/// or why `response` is no answer to it (the challenge then stays pending).
pub(super) fn answer(
    challenge: Challenge,
    response: &str,
) -> Result<(&'static str, String), AuthError> {
    Ok(match challenge {
        Challenge::NewPassword => ("NEW_PASSWORD", response.to_owned()),
        Challenge::TotpMfa => ("SOFTWARE_TOKEN_MFA_CODE", response.trim().to_owned()),
        Challenge::SmsMfa => ("SMS_MFA_CODE", response.trim().to_owned()),
        Challenge::EmailOtp => ("EMAIL_OTP_CODE", response.trim().to_owned()),
        Challenge::SmsOtp => ("SMS_OTP_CODE", response.trim().to_owned()),
        Challenge::SelectMfaType => {
            let Some(choice) = MfaType::from_answer(response) else {
                return Err(AuthError::InvalidParameter {
                    name: "challenge_response".into(),
                    message: format!(
                        "{} expects SMS_MFA, SOFTWARE_TOKEN_MFA or EMAIL_OTP",
                        challenge.wire()
                    ),
                });
            };
            ("ANSWER", choice.wire().to_owned())
        }
        // Answered in `user_auth.rs` and `mfa_setup.rs`, which need more than one entry.
        Challenge::SelectFirstFactor
        | Challenge::SelectedPassword { .. }
        | Challenge::MfaSetup
        | Challenge::MfaSetupTotp
        | Challenge::MfaSetupSelection
        | Challenge::MfaSetupEmail => {
            return Err(AuthError::InvalidState(format!(
                "{} is not answered with a single value",
                challenge.wire()
            )));
        }
    })
}

/// The `RespondToAuthChallenge` request that answers `pending` with
/// `key: value`, with `SECRET_HASH` for clients that have a secret.
pub(super) fn request(
    pending: &PendingChallenge,
    (key, value): (&str, String),
    client_id: &str,
    client_secret: Option<&SecretString>,
) -> Value {
    request_entries(pending, &[(key, &value)], client_id, client_secret)
}

/// The `RespondToAuthChallenge` request that answers `pending` with `entries` (and
/// `USERNAME`, and `SECRET_HASH` for clients that have a secret), in its `Session`.
pub(super) fn request_entries(
    pending: &PendingChallenge,
    entries: &[(&str, &str)],
    client_id: &str,
    client_secret: Option<&SecretString>,
) -> Value {
    let mut responses = json!({ "USERNAME": pending.username });
    for (k, v) in entries {
        responses[*k] = json!(v);
    }
    if let Some(s) = client_secret {
        responses["SECRET_HASH"] = json!(secret_hash(s, &pending.username, client_id));
    }
    let mut req = json!({
        "ChallengeName": pending.challenge.wire(),
        "ClientId": client_id,
        "ChallengeResponses": responses,
    });
    if let Some(s) = &pending.session {
        req["Session"] = json!(s.expose_secret());
    }
    req
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_trimmed_and_passwords_are_not() {
        assert_eq!(
            answer(Challenge::TotpMfa, " 123456\n").ok(),
            Some(("SOFTWARE_TOKEN_MFA_CODE", "123456".to_owned()))
        );
        assert_eq!(
            answer(Challenge::NewPassword, " pass word ").ok(),
            Some(("NEW_PASSWORD", " pass word ".to_owned()))
        );
    }

    #[test]
    fn mfa_selection_accepts_both_spellings_and_refuses_others() {
        assert_eq!(
            answer(Challenge::SelectMfaType, "TOTP").ok(),
            Some(("ANSWER", "SOFTWARE_TOKEN_MFA".to_owned()))
        );
        assert_eq!(
            answer(Challenge::SelectMfaType, "SMS_MFA").ok(),
            Some(("ANSWER", "SMS_MFA".to_owned()))
        );
        assert_eq!(
            answer(Challenge::SelectMfaType, "email").ok(),
            Some(("ANSWER", "EMAIL_OTP".to_owned()))
        );
        assert!(matches!(
            answer(Challenge::SelectMfaType, "PIGEON"),
            Err(AuthError::InvalidParameter { .. })
        ));
        assert_eq!(
            answer(Challenge::EmailOtp, " 123456 ").ok(),
            Some(("EMAIL_OTP_CODE", "123456".to_owned()))
        );
    }
}
