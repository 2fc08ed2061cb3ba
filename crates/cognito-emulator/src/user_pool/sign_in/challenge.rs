//! The challenge framework of sign-in: a [`Challenge`] names a `ChallengeName` and the
//! function that checks its answer; [`issue`] opens a `Session` for one, and
//! `RespondToAuthChallenge` (in the parent module) finds the responder in its table.

use serde_json::{Value, json};

use crate::error::ApiError;
use crate::state::{AppClient, ChallengeSession, State, random_token};
use crate::wire::StrMap;

/// What a responder of a challenge answered against a `Session` gets: the session (it is
/// valid, for this client, and its user exists and is enabled) and the responses.
#[derive(Debug)]
pub(crate) struct Answer<'a> {
    /// The app client of the request (the session's client).
    pub(crate) client: &'a AppClient,
    /// The pending session.
    pub(crate) session: &'a ChallengeSession,
    /// The `ChallengeResponses`.
    pub(crate) responses: &'a StrMap,
    /// The emulator clock when the request came in.
    pub(crate) now: i64,
}

impl Answer<'_> {
    /// One member of `ChallengeResponses`.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.responses.get(key).map(String::as_str)
    }

    /// The session's username.
    pub(crate) fn username(&self) -> &str {
        &self.session.username
    }
}

/// How a challenge is answered.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Responder {
    /// Against a `Session` that [`issue`] opened. On success the session is used up.
    Session(fn(&mut State, &Answer<'_>) -> Result<Value, ApiError>),
    /// Without a `Session`: the responses carry their own key (`PASSWORD_VERIFIER`'s
    /// `PASSWORD_CLAIM_SECRET_BLOCK`).
    Sessionless(fn(&mut State, &AppClient, &StrMap) -> Result<Value, ApiError>),
}

/// One challenge a sign-in can stop at.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Challenge {
    /// The `ChallengeName`, e.g. `SOFTWARE_TOKEN_MFA`.
    pub(crate) name: &'static str,
    /// What checks the answer.
    pub(crate) respond: Responder,
}

/// "Invalid session for the user, session is expired.", also for unknown sessions.
pub(crate) fn expired_session() -> ApiError {
    ApiError::not_authorized("Invalid session for the user, session is expired.")
}

/// Open a `Session` (valid for the client's `AuthSessionValidity`, 3 minutes by default)
/// for `challenge` and answer it with `params` as `ChallengeParameters`.
pub(crate) fn issue(
    st: &mut State,
    c: &AppClient,
    username: &str,
    challenge: &Challenge,
    params: Value,
) -> Value {
    let session = random_token(96);
    let expires_at = st.now() + c.auth_session_validity_mins * 60;
    st.challenges.insert(
        session.clone(),
        ChallengeSession {
            challenge: challenge.name,
            pool_id: c.pool_id.clone(),
            client_id: c.id.clone(),
            username: username.to_owned(),
            expires_at,
        },
    );
    json!({
        "ChallengeName": challenge.name,
        "Session": session,
        "ChallengeParameters": params,
    })
}

/// The live session `id` waiting for `challenge`, whatever its client (operations such as
/// `AssociateSoftwareToken` name no client).
pub(crate) fn live_session(st: &State, id: &str, challenge: &str) -> Option<ChallengeSession> {
    let now = st.now();
    st.challenges
        .get(id)
        .filter(|s| s.expires_at > now && s.challenge == challenge)
        .cloned()
}

/// Replace session `id` by a new id for the same challenge and expiry (Cognito hands out a
/// new `Session` after each step of a set-up); the old id stops working.
pub(crate) fn rekey(st: &mut State, id: &str) -> Option<String> {
    let s = st.challenges.remove(id)?;
    let new_id = random_token(96);
    st.challenges.insert(new_id.clone(), s);
    Some(new_id)
}
