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
//! | `device_srp.rs`        | `DEVICE_SRP_AUTH` / `DEVICE_PASSWORD_VERIFIER`: the stored device proven |
//! | `device_confirm.rs`    | `ConfirmDevice` of a new device, after the tokens are installed |
//!
//! A stored device's key goes with the first call and with the answers to
//! `PASSWORD_VERIFIER` and to the challenges of [`confirm`] (`DEVICE_KEY`); a device
//! Cognito no longer knows is forgotten and the sign-in retried once without it.
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
    let attempt_of = Attempt {
        username,
        password: &password,
        options: &options,
        flow,
        preferred,
    };
    let mut use_device = true;
    loop {
        match attempt(session, pending, &attempt_of, use_device).await {
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

/// What every attempt of one sign-in shares.
struct Attempt<'a> {
    username: &'a str,
    password: &'a SecretString,
    options: &'a SignInOptions,
    flow: AuthFlowType,
    preferred: Option<AuthFactorType>,
}

/// One sign-in attempt, with the stored device when `use_device`.
async fn attempt(
    session: &Orchestrator,
    pending: &Pending,
    this: &Attempt<'_>,
    use_device: bool,
) -> Result<SignInResult, Rejected> {
    let Attempt {
        username,
        password,
        options,
        flow,
        preferred,
    } = *this;
    let other = Rejected::Other;
    let idp = session.idp().map_err(other)?;
    let app = AppClient {
        client_id: session.client_id().map_err(other)?,
        secret: session.config.client_secret(),
    };
    let details = SignInDetails::new(Some(username.to_owned()), flow);
    let (mut req, srp_client) = if flow == AuthFlowType::UserAuth {
        user_auth::initiate_request(
            username,
            password,
            preferred,
            &app,
            &options.client_metadata,
        )
    } else {
        flows::initiate_auth_request(flow, username, password, &app, &options.client_metadata)
            .map_err(other)?
    };
    let issuer = options
        .totp_issuer
        .clone()
        .unwrap_or_else(|| DEFAULT_TOTP_ISSUER.to_owned());
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
    let started = Started {
        username,
        details,
        issuer: &issuer,
    };
    handle_auth_response(session, pending, "InitiateAuth", response, started)
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
                answer_with_device(session, &call, &waiting.username, req)
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

/// Sends `req` (a `RespondToAuthChallenge`) with the stored device's `DEVICE_KEY`,
/// and once more without it when Cognito no longer knows the device.
async fn answer_with_device(
    session: &Orchestrator,
    call: &Call<'_>,
    username: &str,
    mut req: serde_json::Value,
) -> Result<AuthResponse, AuthError> {
    let device = stored_device(session, username).await.ok().flatten();
    if let Some(d) = &device {
        req["ChallengeResponses"]["DEVICE_KEY"] = serde_json::json!(d.device_key);
    }
    let result = call.idp.call("RespondToAuthChallenge", &req).await;
    match result {
        Err(e) if device.is_some() && crate::devices::is_device_rejection(&e) => {
            tracing::warn!(
                "Cognito no longer knows the remembered device: it is forgotten and the answer sent again without it"
            );
            session.forget_stored_device(username).await;
            if let Some(responses) = req["ChallengeResponses"].as_object_mut() {
                responses.remove("DEVICE_KEY");
            }
            call.idp.call("RespondToAuthChallenge", &req).await
        }
        other => other,
    }
}

/// Finishes a sign-in with tokens, or records the challenge. A
/// `DEVICE_SRP_AUTH` is answered here, with the stored device, before either.
pub(crate) async fn handle_auth_response(
    session: &Orchestrator,
    pending: &Pending,
    operation: &'static str,
    mut response: AuthResponse,
    started: Started<'_>,
) -> Result<SignInResult, AuthError> {
    let Started {
        username,
        details,
        issuer,
    } = started;
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
