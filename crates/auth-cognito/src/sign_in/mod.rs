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
//! | `device_srp.rs`        | `DEVICE_SRP_AUTH` / `DEVICE_PASSWORD_VERIFIER`: the stored device proven |
//! | `device_confirm.rs`    | `ConfirmDevice` of a new device, after the tokens are installed |
//!
//! A stored device's key goes with every step (`DEVICE_KEY`); a device Cognito no
//! longer knows is forgotten and the sign-in retried once without it.
//!
//! Every path ends in
//! [`Orchestrator::complete_sign_in`](crate::orchestrator::Orchestrator::complete_sign_in),
//! which installs the tokens. `SECRET_HASH` is computed in `crate::idp`,
//! since refreshes send it too.

use auth_core::error::AuthError;
use auth_core::secret::SecretString;
use auth_core::types::{AuthFlowType, SignInDetails};

use crate::device_store::{self, DeviceSecrets};
use crate::devices::DeviceOutcome;
use crate::idp::AuthResponse;
use crate::orchestrator::Orchestrator;

mod challenge;
mod device_confirm;
mod device_srp;
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
    let mut use_device = true;
    loop {
        match attempt(session, pending, username, &password, &options, use_device).await {
            Err(Rejected::Device(device_user, e)) if use_device => {
                tracing::warn!(
                    code = e.service_code().unwrap_or("-"),
                    "Cognito no longer knows the remembered device: it is forgotten and the sign-in retried without it"
                );
                session.forget_stored_device(&device_user).await;
                use_device = false;
            }
            Err(Rejected::Device(_, e) | Rejected::Other(e)) => return Err(e),
            Ok(result) => return Ok(result),
        }
    }
}

/// Why a sign-in attempt failed: a stored device Cognito no longer knows (stored
/// for the user named), or anything else.
enum Rejected {
    Device(String, AuthError),
    Other(AuthError),
}

/// One sign-in attempt, with the stored device when `use_device`.
async fn attempt(
    session: &Orchestrator,
    pending: &Pending,
    username: &str,
    password: &SecretString,
    options: &SignInOptions,
    use_device: bool,
) -> Result<SignInResult, Rejected> {
    let other = Rejected::Other;
    let idp = session.idp().map_err(other)?;
    let app = AppClient {
        client_id: session.client_id().map_err(other)?,
        secret: session.config.client_secret(),
    };
    let flow = options.auth_flow_type.unwrap_or(AuthFlowType::UserSrpAuth);
    let details = SignInDetails::new(Some(username.to_owned()), flow);
    let (mut req, srp_client) =
        flows::initiate_auth_request(flow, username, password, &app, &options.client_metadata)
            .map_err(other)?;
    let mut device = match use_device {
        true => stored_device(session, username).await.map_err(other)?,
        false => None,
    };
    let mut device_user = username.to_owned();
    if let Some(d) = &device {
        req["AuthParameters"]["DEVICE_KEY"] = serde_json::json!(d.device_key);
    }
    let rejected = |user: &str, e: AuthError, sent: bool| {
        if sent && crate::devices::is_device_rejection(&e) {
            Rejected::Device(user.to_owned(), e)
        } else {
            Rejected::Other(e)
        }
    };
    tracing::debug!(flow = flow.as_str(), "sign-in started");
    let mut response: AuthResponse = match idp.call("InitiateAuth", &req).await {
        Ok(r) => r,
        Err(e) => return next_step_or(rejected(username, e, device.is_some())),
    };
    if response.challenge_name.as_deref() == Some("PASSWORD_VERIFIER") {
        let srp_client = srp_client
            .ok_or_else(|| missing("InitiateAuth", "an SRP client for PASSWORD_VERIFIER"))
            .map_err(other)?;
        let pool_id = session
            .config
            .user_pool_id()
            .ok_or(AuthError::NoUserPool)
            .map_err(other)?;
        // An alias signs in as another user id: its device is stored under that.
        if use_device
            && device.is_none()
            && let Some(user_id) = response.challenge_parameters.get("USER_ID_FOR_SRP")
            && user_id != username
        {
            device = stored_device(session, user_id).await.map_err(other)?;
            device_user = user_id.clone();
        }
        response = match password_verifier::answer(
            idp,
            &app,
            pool_id,
            session.clock.now_secs(),
            password_verifier::Proof {
                srp_client: &srp_client,
                password,
                device_key: device.as_ref().map(|d| d.device_key.as_str()),
            },
            response,
        )
        .await
        {
            Ok(r) => r,
            Err(e) => return next_step_or(rejected(&device_user, e, device.is_some())),
        };
    }
    let used_device = device.is_some();
    handle_auth_response(
        session,
        pending,
        "InitiateAuth",
        response,
        username,
        details,
    )
    .await
    .map_err(|e| rejected(&device_user, e, used_device))
}

/// A refused sign-in that is a next step (`error_steps`: confirm the sign-up,
/// reset the password), or the rejection as it is.
fn next_step_or(rejected: Rejected) -> Result<SignInResult, Rejected> {
    match rejected {
        Rejected::Other(e) => error_steps::step_for(e).map_err(Rejected::Other),
        device => Err(device),
    }
}

/// The device stored for `username`, when a user pool is configured.
async fn stored_device(
    session: &Orchestrator,
    username: &str,
) -> Result<Option<DeviceSecrets>, AuthError> {
    device_store::load(session.storage.as_ref(), session.keys()?, username).await
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
    let mut req = respond::request(&waiting, entry, client_id, session.config.client_secret());
    let device = stored_device(session, &waiting.username)
        .await
        .ok()
        .flatten();
    if let Some(d) = &device {
        req["ChallengeResponses"]["DEVICE_KEY"] = serde_json::json!(d.device_key);
    }
    let mut result: Result<AuthResponse, AuthError> =
        session.idp()?.call("RespondToAuthChallenge", &req).await;
    if let Err(e) = &result
        && device.is_some()
        && crate::devices::is_device_rejection(e)
    {
        tracing::warn!(
            "Cognito no longer knows the remembered device: it is forgotten and the answer sent again without it"
        );
        session.forget_stored_device(&waiting.username).await;
        if let Some(responses) = req["ChallengeResponses"].as_object_mut() {
            responses.remove("DEVICE_KEY");
        }
        result = session.idp()?.call("RespondToAuthChallenge", &req).await;
    }
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

/// Finishes a sign-in with tokens, or records the challenge. A
/// `DEVICE_SRP_AUTH` is answered here, with the stored device, before either.
pub(crate) async fn handle_auth_response(
    session: &Orchestrator,
    pending: &Pending,
    operation: &'static str,
    mut response: AuthResponse,
    username: &str,
    details: SignInDetails,
) -> Result<SignInResult, AuthError> {
    let mut proven: Option<String> = None;
    if response.challenge_name.as_deref() == Some("DEVICE_SRP_AUTH") {
        let device_user = response
            .challenge_parameters
            .get("USERNAME")
            .cloned()
            .unwrap_or_else(|| username.to_owned());
        let device = stored_device(session, &device_user).await?.ok_or_else(|| {
            AuthError::InvalidState(
                "Cognito asked to prove a remembered device, and none is stored".into(),
            )
        })?;
        let app = AppClient {
            client_id: session.client_id()?,
            secret: session.config.client_secret(),
        };
        let now = session.clock.now_secs();
        response =
            device_srp::answer(session.idp()?, &app, &device_user, &device, now, response).await?;
        proven = Some(device.device_key);
    }
    if let Some(mut result) = response.authentication_result {
        let new_device = result.new_device_metadata.take();
        let proven_key = proven.clone();
        let outcome = session
            .complete_sign_in_then(
                operation,
                result,
                Some(details),
                || {
                    pending.clear()?;
                    if let Some(key) = &proven {
                        // Published in the transaction: the first refresh already
                        // sends the device key its refresh token is bound to.
                        session.set_device_key_of_current(key);
                    }
                    Ok(())
                },
                async |tokens| match (new_device, proven_key) {
                    (Some(meta), _) => {
                        Some(device_confirm::confirm_new_device(session, &tokens, meta).await)
                    }
                    (None, Some(device_key)) => Some(DeviceOutcome::Known { device_key }),
                    (None, None) => session
                        .adopt_stored_device(&tokens)
                        .await
                        .map(|device_key| DeviceOutcome::Known { device_key }),
                },
            )
            .await?;
        tracing::debug!("signed in");
        return Ok(SignInResult::done().with_device(outcome));
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
