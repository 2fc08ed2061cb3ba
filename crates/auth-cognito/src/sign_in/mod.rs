//! Sign-in: the flows (`USER_SRP_AUTH`, the default, and
//! `USER_PASSWORD_AUTH`), the challenges that follow them, and their answers.
//!
//! | file                   | what it holds                                           |
//! |------------------------|---------------------------------------------------------|
//! | `mod.rs`               | [`sign_in`] and [`confirm`]: the two entry points       |
//! | `types.rs`             | [`SignInOptions`], [`SignInResult`], [`SignInStep`], [`MfaType`] |
//! | `flows.rs`             | the `InitiateAuth` request of each flow                 |
//! | `password_verifier.rs` | SRP's `PASSWORD_VERIFIER` answer                        |
//! | `challenge.rs`         | challenge name → next step, and the pending challenge   |
//! | `respond.rs`           | the user's answer → `RespondToAuthChallenge`            |
//!
//! Every path ends in
//! [`Orchestrator::complete_sign_in`](crate::orchestrator::Orchestrator::complete_sign_in),
//! which installs the tokens. `SECRET_HASH` is computed in `crate::idp`,
//! since refreshes send it too.

use auth_core::error::AuthError;
use auth_core::secret::SecretString;
use auth_core::types::{AuthFlowType, SignInDetails};

use crate::idp::AuthResponse;
use crate::orchestrator::Orchestrator;

mod challenge;
mod error_steps;
mod flows;
mod password_verifier;
mod respond;
mod types;

pub(crate) use challenge::Pending;
pub use types::{MfaType, SignInOptions, SignInResult, SignInStep};

use challenge::{Challenge, PendingChallenge};
use flows::AppClient;

/// An answer that lacks `what`.
fn missing(operation: &str, what: &str) -> AuthError {
    AuthError::InvalidResponse {
        operation: operation.into(),
        message: format!("missing {what}"),
    }
}

/// Signs `username` in with `password` (see `CognitoAuthPlugin::sign_in`).
pub(crate) async fn sign_in(
    session: &Orchestrator,
    pending: &Pending,
    username: &str,
    password: &str,
    options: SignInOptions,
) -> Result<SignInResult, AuthError> {
    if username.trim().is_empty() {
        return Err(AuthError::InvalidParameter {
            name: "username".into(),
            message: "empty".into(),
        });
    }
    if password.is_empty() {
        return Err(AuthError::InvalidParameter {
            name: "password".into(),
            message: "empty".into(),
        });
    }
    let password = SecretString::new(password);
    session.ensure_loaded().await?;
    if session.state.load().user.is_some() {
        return Err(AuthError::AlreadySignedIn);
    }
    let idp = session.idp()?;
    let app = AppClient {
        client_id: session.client_id()?,
        secret: session.config.client_secret(),
    };
    let flow = options.auth_flow_type.unwrap_or(AuthFlowType::UserSrpAuth);
    let details = SignInDetails::new(Some(username.to_owned()), flow);
    let (req, srp_client) =
        flows::initiate_auth_request(flow, username, &password, &app, &options.client_metadata)?;
    tracing::debug!(flow = flow.as_str(), "sign-in started");
    let mut response: AuthResponse = match idp.call("InitiateAuth", &req).await {
        Ok(r) => r,
        Err(e) => return error_steps::step_for(e),
    };
    if response.challenge_name.as_deref() == Some("PASSWORD_VERIFIER") {
        let srp_client = srp_client
            .ok_or_else(|| missing("InitiateAuth", "an SRP client for PASSWORD_VERIFIER"))?;
        let pool_id = session.config.user_pool_id().ok_or(AuthError::NoUserPool)?;
        response = match password_verifier::answer(
            idp,
            &app,
            pool_id,
            session.clock.now_secs(),
            &srp_client,
            &password,
            response,
        )
        .await
        {
            Ok(r) => r,
            Err(e) => return error_steps::step_for(e),
        };
    }
    drop(password);
    handle_auth_response(
        session,
        pending,
        "InitiateAuth",
        response,
        username,
        details,
    )
    .await
}

/// Answers the pending challenge with `challenge_response` (see
/// `CognitoAuthPlugin::confirm_sign_in`).
pub(crate) async fn confirm(
    session: &Orchestrator,
    pending: &Pending,
    challenge_response: &str,
) -> Result<SignInResult, AuthError> {
    let waiting = pending
        .take()?
        .ok_or_else(|| AuthError::InvalidState("no sign-in is waiting for confirmation".into()))?;
    let entry = match respond::answer(waiting.challenge, challenge_response) {
        Ok(entry) => entry,
        Err(e) => {
            pending.put(waiting)?;
            return Err(e);
        }
    };
    let client_id = session.client_id()?;
    let req = respond::request(&waiting, entry, client_id, session.config.client_secret());
    let result: Result<AuthResponse, AuthError> =
        session.idp()?.call("RespondToAuthChallenge", &req).await;
    match result {
        Ok(r) => {
            let username = waiting.username.clone();
            handle_auth_response(
                session,
                pending,
                "RespondToAuthChallenge",
                r,
                &username,
                waiting.details,
            )
            .await
        }
        Err(e) => {
            // A wrong code can be retried within the same session.
            if matches!(e, AuthError::CodeMismatch { .. }) {
                pending.put(waiting)?;
            }
            Err(e)
        }
    }
}

/// Finishes a sign-in with tokens, or records the challenge.
pub(crate) async fn handle_auth_response(
    session: &Orchestrator,
    pending: &Pending,
    operation: &'static str,
    response: AuthResponse,
    username: &str,
    details: SignInDetails,
) -> Result<SignInResult, AuthError> {
    if let Some(result) = response.authentication_result {
        session
            .complete_sign_in(operation, result, Some(details), || pending.clear())
            .await?;
        tracing::debug!("signed in");
        return Ok(SignInResult::done());
    }
    let name = response
        .challenge_name
        .ok_or_else(|| missing(operation, "AuthenticationResult or ChallengeName"))?;
    let Some(challenge) = Challenge::from_wire(&name) else {
        return Err(AuthError::InvalidState(format!(
            "the sign-in challenge {name} is not supported"
        )));
    };
    let params = response.challenge_parameters;
    let step = challenge.next_step(&params);
    let challenge_user = params
        .get("USERNAME")
        .or_else(|| params.get("USER_ID_FOR_SRP"))
        .cloned()
        .unwrap_or_else(|| username.to_owned());
    pending.put(PendingChallenge {
        challenge,
        session: response.session.map(SecretString::from),
        username: challenge_user,
        details,
    })?;
    Ok(SignInResult::next(step))
}
