//! The challenge framework of sign-in: a [`Challenge`] names a `ChallengeName` and the
//! function that checks its answer; [`issue`] opens a `Session` for one, and
//! `RespondToAuthChallenge` (in the parent module) finds the responder in its table.

use serde_json::{Value, json};

use crate::error::ApiError;
use crate::state::{AppClient, ChallengeSession, SESSION_TTL_SECS, State, random_token};
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

/// Open a `Session` (valid [`SESSION_TTL_SECS`]) for `challenge` and answer it with
/// `params` as `ChallengeParameters`.
pub(crate) fn issue(
    st: &mut State,
    c: &AppClient,
    username: &str,
    challenge: &Challenge,
    params: Value,
) -> Value {
    let session = random_token(96);
    let expires_at = st.now() + SESSION_TTL_SECS;
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
