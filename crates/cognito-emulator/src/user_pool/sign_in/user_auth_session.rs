//! `USER_AUTH` started with the `Session` of `ConfirmSignUp` (auto sign-in after
//! sign-up): the confirmation code was the first factor, so the user is signed in, or
//! stopped at the MFA step, without a password. The session is used up either way.
//! `sign_in::user_auth::start` comes here when the request has a `Session`.

use serde_json::Value;

use super::challenge::expired_session;
use super::mfa;
use crate::error::ApiError;
use crate::state::{AppClient, State, UserStatus};
use crate::user_pool::account::sessions::allows_user_auth;
use crate::user_pool::lookup::{ensure_enabled, user};
use crate::user_pool::secret::check_secret_hash;
use crate::wire::StrMap;

/// `USER_AUTH` with the `Session` of `ConfirmSignUp`.
pub(crate) fn sign_up_session(
    st: &mut State,
    c: &AppClient,
    params: &StrMap,
    session_id: &str,
) -> Result<Value, ApiError> {
    if !allows_user_auth(c) {
        return Err(ApiError::invalid_parameter(
            "USER_AUTH flow not enabled for this client",
        ));
    }
    let login = params.get("USERNAME").map(String::as_str).unwrap_or("");
    if login.is_empty() {
        return Err(ApiError::invalid_parameter(
            "Missing required parameter USERNAME",
        ));
    }
    check_secret_hash(c, &[login], params.get("SECRET_HASH").map(String::as_str))?;
    let now = st.now();
    let session = st
        .accounts
        .take(session_id, now)
        .ok_or_else(expired_session)?;
    let u = user(st, &c.pool_id, login).map_err(|_| expired_session())?;
    if session.client_id != c.id || session.username != u.username {
        return Err(expired_session());
    }
    ensure_enabled(u)?;
    if u.status != UserStatus::Confirmed {
        return Err(ApiError::new(
            "UserNotConfirmedException",
            "User is not confirmed.",
        ));
    }
    let username = u.username.clone();
    mfa::next_step(st, c, &username)
}
