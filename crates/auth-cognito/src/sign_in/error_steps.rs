//! Errors that are next steps: Cognito refuses some sign-ins with an error
//! that tells the user what to do, as Amplify's `getSignInResultFromError`
//! reads it. `UserNotConfirmedException` becomes "confirm sign-up",
//! `PasswordResetRequiredException` becomes "reset the password".

use auth_core::error::AuthError;

use super::types::{SignInResult, SignInStep};

/// The sign-in result for an error that is a next step, or the error.
pub(super) fn step_for(e: AuthError) -> Result<SignInResult, AuthError> {
    match e {
        AuthError::UserNotConfirmed { .. } => {
            tracing::debug!("sign-in needs the sign-up confirmed");
            Ok(SignInResult::next(SignInStep::ConfirmSignUp))
        }
        AuthError::PasswordResetRequired { .. } => {
            tracing::debug!("sign-in needs a password reset");
            Ok(SignInResult::next(SignInStep::ResetPassword))
        }
        other => Err(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unconfirmed_users_and_required_resets_are_next_steps_and_the_rest_errors() {
        let step = |e| step_for(e).map(|r| (r.is_signed_in, r.next_step));
        assert_eq!(
            step(AuthError::UserNotConfirmed {
                message: "m".into()
            })
            .ok(),
            Some((false, SignInStep::ConfirmSignUp))
        );
        assert_eq!(
            step(AuthError::PasswordResetRequired {
                message: "m".into()
            })
            .ok(),
            Some((false, SignInStep::ResetPassword))
        );
        assert!(matches!(
            step(AuthError::NotAuthorized {
                message: "m".into()
            }),
            Err(AuthError::NotAuthorized { .. })
        ));
    }
}
