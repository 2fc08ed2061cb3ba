//! `MFA_SETUP` at sign-in: a pool that requires MFA makes a user without a factor set one
//! up before the tokens. TOTP: `AssociateSoftwareToken` with the challenge session gives
//! the shared secret (the next step carries it and its `otpauth://` URI); the code from the
//! app goes to `VerifySoftwareToken`, then `RespondToAuthChallenge` `MFA_SETUP` finishes.
//! Email: the address goes in `MFA_SETUP`'s `EMAIL`, and an `EMAIL_OTP` challenge follows.
//! Each call answers a new session, kept in the pending challenge.

use std::collections::HashMap;

use auth_core::error::AuthError;
use auth_core::secret::SecretString;
use serde::Deserialize;
use serde_json::json;

use super::challenge::{Challenge, PendingChallenge, setup_factors};
use super::factor::TotpSetupDetails;
use super::types::{MfaType, SignInStep};
use super::{Call, Outcome, missing, respond};
use crate::idp::IdpClient;

/// `AssociateSoftwareToken`'s answer.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Associated {
    secret_code: Option<String>,
    session: Option<String>,
}

/// `VerifySoftwareToken`'s answer.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Verified {
    status: Option<String>,
    session: Option<String>,
}

/// The first step of an `MFA_SETUP` Cognito just asked for: the TOTP set-up when TOTP is
/// the only factor to set up (the secret associated already), a choice, or the email.
/// Returns the pending state, its step and its session.
pub(super) async fn begin(
    idp: &IdpClient,
    session: Option<SecretString>,
    params: &HashMap<String, String>,
    username: &str,
    issuer: &str,
) -> Result<(Challenge, SignInStep, Option<SecretString>), AuthError> {
    match setup_factors(params).as_slice() {
        [MfaType::Totp] => {
            let (step, session) = associate(idp, session.as_ref(), username, issuer).await?;
            Ok((Challenge::MfaSetupTotp, step, Some(session)))
        }
        [MfaType::Email] => Ok((
            Challenge::MfaSetupEmail,
            SignInStep::ContinueSignInWithEmailSetup,
            session,
        )),
        [] => Err(AuthError::Unsupported {
            feature: format!(
                "MFA set-up at sign-in with {}",
                params
                    .get("MFAS_CAN_SETUP")
                    .map_or("no factor", String::as_str)
            ),
        }),
        several => Ok((
            Challenge::MfaSetupSelection,
            SignInStep::ContinueSignInWithMfaSetupSelection {
                allowed: several.to_vec(),
            },
            session,
        )),
    }
}

/// `AssociateSoftwareToken` with the challenge session: the set-up step and the new session.
async fn associate(
    idp: &IdpClient,
    session: Option<&SecretString>,
    username: &str,
    issuer: &str,
) -> Result<(SignInStep, SecretString), AuthError> {
    let session = session.ok_or_else(|| missing("InitiateAuth", "Session for MFA_SETUP"))?;
    let op = "AssociateSoftwareToken";
    let a: Associated = idp
        .call(op, &json!({ "Session": session.expose_secret() }))
        .await?;
    let secret = a.secret_code.ok_or_else(|| missing(op, "SecretCode"))?;
    let session = a.session.ok_or_else(|| missing(op, "Session"))?;
    let details = TotpSetupDetails::new(secret, username, issuer);
    Ok((
        SignInStep::ContinueSignInWithTotpSetup {
            totp_setup_details: details,
        },
        SecretString::from(session),
    ))
}

/// The answer to a pending `MFA_SETUP` step.
pub(super) async fn confirm(
    call: &Call<'_>,
    waiting: &PendingChallenge,
    answer: &str,
) -> Result<Outcome, AuthError> {
    match waiting.challenge {
        Challenge::MfaSetupSelection | Challenge::MfaSetup => match MfaType::from_answer(answer) {
            Some(MfaType::Totp) => {
                let (step, session) = associate(
                    call.idp,
                    waiting.session.as_ref(),
                    &waiting.username,
                    &waiting.totp_issuer,
                )
                .await?;
                let next = waiting.next(Challenge::MfaSetupTotp, Some(session));
                Ok(Outcome::Local(next, step))
            }
            Some(MfaType::Email) => Ok(Outcome::Local(
                waiting.next(Challenge::MfaSetupEmail, waiting.session.clone()),
                SignInStep::ContinueSignInWithEmailSetup,
            )),
            _ => Err(AuthError::InvalidParameter {
                name: "challenge_response".into(),
                message: "MFA set-up expects TOTP or EMAIL".into(),
            }),
        },
        Challenge::MfaSetupEmail => {
            let email = answer.trim();
            if !email.contains('@') {
                return Err(AuthError::InvalidParameter {
                    name: "challenge_response".into(),
                    message: "expected an email address".into(),
                });
            }
            let req = respond::request_entries(
                waiting,
                &[("EMAIL", email)],
                call.app.client_id,
                call.app.secret,
            );
            Ok(Outcome::Response(
                call.idp.call("RespondToAuthChallenge", &req).await?,
            ))
        }
        _ => verify_totp(call, waiting, answer).await,
    }
}

/// `VerifySoftwareToken` with the code, then `RespondToAuthChallenge` `MFA_SETUP` in the
/// session it answers. A wrong code leaves the set-up answerable.
async fn verify_totp(
    call: &Call<'_>,
    waiting: &PendingChallenge,
    code: &str,
) -> Result<Outcome, AuthError> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AuthError::InvalidParameter {
            name: "challenge_response".into(),
            message: "expected the 6-digit code from the authenticator app".into(),
        });
    }
    let op = "VerifySoftwareToken";
    let session = waiting
        .session
        .as_ref()
        .ok_or_else(|| missing(op, "Session"))?;
    let v: Verified = call
        .idp
        .call(
            op,
            &json!({ "Session": session.expose_secret(), "UserCode": code }),
        )
        .await?;
    if v.status.as_deref() != Some("SUCCESS") {
        return Err(AuthError::CodeMismatch {
            message: "the code was not accepted".into(),
        });
    }
    let session = v.session.map(SecretString::from);
    let verified = waiting.next(Challenge::MfaSetupTotp, session);
    let req = respond::request_entries(&verified, &[], call.app.client_id, call.app.secret);
    Ok(Outcome::Response(
        call.idp.call("RespondToAuthChallenge", &req).await?,
    ))
}
