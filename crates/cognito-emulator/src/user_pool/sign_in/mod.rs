//! Sign-in: `InitiateAuth` / `AdminInitiateAuth` pick an auth flow from [`FLOWS`];
//! `RespondToAuthChallenge` / `AdminRespondToAuthChallenge` pick a responder from
//! [`CHALLENGES`]. A new flow or challenge is a module plus one line in its table. Every
//! path that proves the password continues in [`after_password`].

use serde_json::Value;

use super::lookup::{client, ensure_enabled, incorrect_password, user};
use super::refresh;
use super::secret::check_secret_hash;
use crate::error::ApiError;
use crate::state::{AppClient, State, UserStatus};
use crate::wire::{Operation, StrMap, opt_str, req_str, str_map};

pub(crate) mod challenge;
pub(crate) mod device_srp;
pub(crate) mod mfa;
pub(crate) mod mfa_setup;
pub(crate) mod new_password;
pub(crate) mod otp;
pub(crate) mod password;
pub(crate) mod srp_auth;
pub(crate) mod user_auth;
pub(crate) mod user_auth_session;

use challenge::{Answer, Challenge, Responder, expired_session};

/// The operations of this module.
pub(crate) const OPERATIONS: &[Operation] = &[
    Operation::new("InitiateAuth", |st, req| initiate_auth(st, req, false)),
    Operation::new("AdminInitiateAuth", |st, req| initiate_auth(st, req, true)),
    Operation::new("RespondToAuthChallenge", |st, req| {
        respond_to_auth_challenge(st, req, false)
    }),
    Operation::new("AdminRespondToAuthChallenge", |st, req| {
        respond_to_auth_challenge(st, req, true)
    }),
];

/// The start of an auth flow: the client, the `AuthParameters`; the first challenge or
/// the tokens out.
pub(crate) type StartFlow = fn(&mut State, &AppClient, &StrMap) -> Result<Value, ApiError>;

/// Every `AuthFlow` of `InitiateAuth` and `AdminInitiateAuth`.
const FLOWS: &[(&str, StartFlow)] = &[
    ("USER_SRP_AUTH", srp_auth::start),
    ("USER_PASSWORD_AUTH", password::start),
    ("ADMIN_USER_PASSWORD_AUTH", password::start),
    ("ADMIN_NO_SRP_AUTH", password::start),
    ("REFRESH_TOKEN_AUTH", refresh::refresh_token_auth),
    ("REFRESH_TOKEN", refresh::refresh_token_auth),
    ("USER_AUTH", user_auth::start),
];

/// Every challenge `RespondToAuthChallenge` answers.
const CHALLENGES: &[Challenge] = &[
    srp_auth::PASSWORD_VERIFIER,
    new_password::NEW_PASSWORD_REQUIRED,
    mfa::SOFTWARE_TOKEN_MFA,
    mfa::SMS_MFA,
    mfa::SELECT_MFA_TYPE,
    device_srp::DEVICE_SRP_AUTH,
    device_srp::DEVICE_PASSWORD_VERIFIER,
    user_auth::SELECT_CHALLENGE,
    otp::EMAIL_OTP,
    otp::SMS_OTP,
    mfa_setup::MFA_SETUP,
];

fn find_challenge(name: &str) -> Option<&'static Challenge> {
    CHALLENGES.iter().find(|c| c.name == name)
}

/// The client of an `(Admin)InitiateAuth` / `(Admin)RespondToAuthChallenge`; the admin
/// forms also name the pool, which must be the client's.
fn request_client(st: &State, req: &Value, admin: bool) -> Result<AppClient, ApiError> {
    let c = client(st, req_str(req, "ClientId")?)?;
    if admin && opt_str(req, "UserPoolId").is_some_and(|p| p != c.pool_id) {
        return Err(ApiError::resource_not_found(
            "User pool client does not exist in this pool.",
        ));
    }
    Ok(c)
}

fn initiate_auth(st: &mut State, req: &Value, admin: bool) -> Result<Value, ApiError> {
    let c = request_client(st, req, admin)?;
    let flow = req_str(req, "AuthFlow")?;
    let mut params = str_map(req, "AuthParameters");
    // The request's `Session` (from `ConfirmSignUp`) reaches the flow as `SESSION`.
    if let Some(session) = opt_str(req, "Session") {
        params.insert("SESSION".into(), session.to_owned());
    }
    match FLOWS.iter().find(|(name, _)| *name == flow) {
        Some((_, start)) => {
            device_srp::begin_initiate(st, &c, flow, &params)?;
            let out = start(st, &c, &params);
            device_srp::finish(st, &c, out)
        }
        None => Err(ApiError::invalid_parameter(format!(
            "1 validation error detected: Value '{flow}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set"
        ))),
    }
}

fn respond_to_auth_challenge(st: &mut State, req: &Value, admin: bool) -> Result<Value, ApiError> {
    let c = request_client(st, req, admin)?;
    device_srp::begin_respond(st, &c, req)?;
    let out = respond_with(st, &c, req);
    device_srp::finish(st, &c, out)
}

/// `RespondToAuthChallenge` for the client `c`: the sessionless responders, or the one
/// the `Session` waits for.
fn respond_with(st: &mut State, c: &AppClient, req: &Value) -> Result<Value, ApiError> {
    let c = c.clone();
    let name = req_str(req, "ChallengeName")?;
    let resp = str_map(req, "ChallengeResponses");
    let username = resp.get("USERNAME").map(String::as_str).unwrap_or("");
    check_secret_hash(&c, &[username], resp.get("SECRET_HASH").map(String::as_str))?;
    if let Some(Challenge {
        respond: Responder::Sessionless(respond),
        ..
    }) = find_challenge(name)
    {
        return respond(st, &c, &resp);
    }
    // Every other name, known or not, must match the challenge its session waits for.
    let session_id = req_str(req, "Session").map_err(|_| expired_session())?;
    let now = st.now();
    let session = match st.challenges.get(session_id) {
        Some(s) if s.expires_at > now && s.client_id == c.id => s.clone(),
        _ => return Err(expired_session()),
    };
    if session.challenge != name {
        return Err(ApiError::invalid_parameter(format!(
            "Invalid challenge name: expected {}",
            session.challenge
        )));
    }
    if !username.is_empty() && username != session.username {
        return Err(incorrect_password());
    }
    ensure_enabled(user(st, &session.pool_id, &session.username)?)?;
    let Some(Challenge {
        respond: Responder::Session(respond),
        ..
    }) = find_challenge(session.challenge)
    else {
        return Err(ApiError::internal(format!(
            "no responder for challenge {}",
            session.challenge
        )));
    };
    let answer = Answer {
        client: &c,
        session: &session,
        responses: &resp,
        now,
    };
    let next = respond(st, &answer)?;
    st.challenges.remove(session_id);
    Ok(next)
}

/// The password is right: check the user's status, then the next challenge or the tokens.
pub(crate) fn after_password(
    st: &mut State,
    c: &AppClient,
    username: &str,
) -> Result<Value, ApiError> {
    match user(st, &c.pool_id, username)?.status {
        UserStatus::Unconfirmed => Err(ApiError::new(
            "UserNotConfirmedException",
            "User is not confirmed.",
        )),
        UserStatus::ForceChangePassword => new_password::issue(st, c, username),
        UserStatus::ResetRequired => Err(ApiError::new(
            "PasswordResetRequiredException",
            "Password reset required for the user",
        )),
        UserStatus::Confirmed => device_srp::next_step(st, c, username),
        // A federated user signs in through its provider only.
        UserStatus::ExternalProvider => Err(super::lookup::incorrect_password()),
    }
}
