//! Sign-in: the flows (`USER_SRP_AUTH`, the default, `USER_PASSWORD_AUTH` and
//! `USER_AUTH`), the challenges that follow them, and their answers.
//!
//! | file                   | what it holds                                           |
//! |------------------------|---------------------------------------------------------|
//! | `mod.rs`               | [`sign_in`] and [`confirm`]: the two entry points       |
//! | `types.rs`             | [`SignInOptions`], [`SignInResult`], [`SignInStep`], [`MfaType`] |
//! | `factor.rs`            | [`AuthFactorType`], [`TotpSetupDetails`]                |
//! | `flows.rs`             | the `InitiateAuth` request of each flow                 |
//! | `password_verifier.rs` | SRP's `PASSWORD_VERIFIER` answer                        |
//! | `user_auth.rs`         | `USER_AUTH`: the preferred factor, `SELECT_CHALLENGE`'s answers |
//! | `mfa_setup.rs`         | `MFA_SETUP`: TOTP (associate, verify) or email          |
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
mod factor;
mod flows;
mod mfa_setup;
mod password_verifier;
mod respond;
mod types;
mod user_auth;

pub(crate) use challenge::Pending;
pub use factor::{AuthFactorType, DEFAULT_TOTP_ISSUER, TotpSetupDetails};
pub use types::{MfaType, SignInOptions, SignInResult, SignInStep};

use challenge::{Challenge, PendingChallenge};
use flows::AppClient;

use crate::idp::IdpClient;

/// What answering a challenge needs besides the challenge.
struct Call<'a> {
    idp: &'a IdpClient,
    app: AppClient<'a>,
    pool_id: &'a str,
    now_secs: i64,
}

/// What an answer led to: Cognito's next answer, or a step taken locally (no call made,
/// or a call whose answer is a new pending state rather than a challenge).
enum Outcome {
    Response(AuthResponse),
    Local(PendingChallenge, SignInStep),
}

/// Cognito's "Invalid session for the user, session is expired." is the typed
/// [`AuthError::ChallengeExpired`].
fn challenge_error(e: AuthError) -> AuthError {
    match &e {
        AuthError::NotAuthorized { message } if message.contains("session is expired") => {
            AuthError::ChallengeExpired
        }
        _ => e,
    }
}

/// Whether the pending challenge can still be answered after `e`: a wrong or expired
/// code, a transient fault, or an answer refused before anything was sent.
fn keeps_challenge(e: &AuthError) -> bool {
    matches!(
        e,
        AuthError::CodeMismatch { .. }
            | AuthError::CodeExpired { .. }
            | AuthError::InvalidParameter { .. }
            | AuthError::Unsupported { .. }
    ) || e.is_transient()
}

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
    let flow = options.auth_flow_type.unwrap_or(AuthFlowType::UserSrpAuth);
    let preferred = match flow {
        AuthFlowType::UserAuth => {
            user_auth::preferred(options.preferred_challenge, session.config.passwordless())?
        }
        _ => None,
    };
    // USER_AUTH needs the password only for the password factors.
    let needs_password =
        flow != AuthFlowType::UserAuth || preferred.is_some_and(AuthFactorType::needs_password);
    if needs_password && password.is_empty() {
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
    let details = SignInDetails::new(Some(username.to_owned()), flow);
    let (req, srp_client) = if flow == AuthFlowType::UserAuth {
        user_auth::initiate_request(
            username,
            &password,
            preferred,
            &app,
            &options.client_metadata,
        )
    } else {
        flows::initiate_auth_request(flow, username, &password, &app, &options.client_metadata)?
    };
    let issuer = options
        .totp_issuer
        .unwrap_or_else(|| DEFAULT_TOTP_ISSUER.to_owned());
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
    let started = Started {
        username,
        details,
        issuer: &issuer,
    };
    handle_auth_response(session, pending, "InitiateAuth", response, started).await
}

/// Who is signing in, as the pending challenge will record it.
pub(crate) struct Started<'a> {
    username: &'a str,
    details: SignInDetails,
    issuer: &'a str,
}

impl<'a> Started<'a> {
    /// A sign-in by `username`, with the default TOTP issuer.
    pub(crate) fn new(username: &'a str, details: SignInDetails) -> Self {
        Self {
            username,
            details,
            issuer: DEFAULT_TOTP_ISSUER,
        }
    }
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
    let call = Call {
        idp: session.idp()?,
        app: AppClient {
            client_id: session.client_id()?,
            secret: session.config.client_secret(),
        },
        pool_id: session.config.user_pool_id().ok_or(AuthError::NoUserPool)?,
        now_secs: session.clock.now_secs(),
    };
    let outcome = match waiting.challenge {
        Challenge::SelectFirstFactor => {
            user_auth::choose(&call, &waiting, challenge_response).await
        }
        Challenge::SelectedPassword { srp } => {
            user_auth::password(&call, &waiting, srp, challenge_response).await
        }
        Challenge::MfaSetup
        | Challenge::MfaSetupTotp
        | Challenge::MfaSetupSelection
        | Challenge::MfaSetupEmail => mfa_setup::confirm(&call, &waiting, challenge_response).await,
        other => match respond::answer(other, challenge_response) {
            Ok(entry) => {
                let req = respond::request(&waiting, entry, call.app.client_id, call.app.secret);
                call.idp
                    .call("RespondToAuthChallenge", &req)
                    .await
                    .map(Outcome::Response)
            }
            Err(e) => Err(e),
        },
    };
    match outcome.map_err(challenge_error) {
        Ok(Outcome::Response(r)) => {
            let started = Started {
                username: &waiting.username,
                details: waiting.details.clone(),
                issuer: &waiting.totp_issuer,
            };
            handle_auth_response(session, pending, "RespondToAuthChallenge", r, started).await
        }
        Ok(Outcome::Local(next, step)) => {
            tracing::debug!(
                challenge = next.challenge.wire(),
                "sign-in step taken locally"
            );
            pending.put(next)?;
            Ok(SignInResult::next(step))
        }
        Err(e) => {
            // Where Cognito allows it, the same challenge can be answered again.
            if keeps_challenge(&e) {
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
    started: Started<'_>,
) -> Result<SignInResult, AuthError> {
    let Started {
        username,
        details,
        issuer,
    } = started;
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
        if name == "WEB_AUTHN" {
            return Err(AuthError::Unsupported {
                feature: "WEB_AUTHN (passkey) sign-in".into(),
            });
        }
        return Err(AuthError::InvalidState(format!(
            "the sign-in challenge {name} is not supported"
        )));
    };
    let params = response.challenge_parameters;
    let challenge_user = params
        .get("USERNAME")
        .or_else(|| params.get("USER_ID_FOR_SRP"))
        .cloned()
        .unwrap_or_else(|| username.to_owned());
    let cognito_session = response.session.map(SecretString::from);
    let (challenge, step, cognito_session) = if challenge == Challenge::MfaSetup {
        mfa_setup::begin(
            session.idp()?,
            cognito_session,
            &params,
            &challenge_user,
            issuer,
        )
        .await
        .map_err(challenge_error)?
    } else {
        let step = challenge.next_step(&params, &response.available_challenges);
        (challenge, step, cognito_session)
    };
    tracing::debug!(challenge = challenge.wire(), "sign-in waits for an answer");
    pending.put(PendingChallenge {
        challenge,
        session: cognito_session,
        username: challenge_user,
        details,
        totp_issuer: issuer.to_owned(),
    })?;
    Ok(SignInResult::next(step))
}
