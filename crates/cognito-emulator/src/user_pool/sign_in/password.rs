//! `USER_PASSWORD_AUTH` (and the admin `ADMIN_USER_PASSWORD_AUTH` / `ADMIN_NO_SRP_AUTH`):
//! the password itself, checked against the SRP verifier.

use serde_json::Value;

use super::after_password;
use crate::error::ApiError;
use crate::state::{AppClient, State};
use crate::user_pool::lookup::{ensure_enabled, incorrect_password, unknown_user, user};
use crate::user_pool::secret::check_secret_hash;
use crate::wire::StrMap;

/// `InitiateAuth` with `USERNAME` and `PASSWORD`.
pub(crate) fn start(st: &mut State, c: &AppClient, params: &StrMap) -> Result<Value, ApiError> {
    let username = params.get("USERNAME").map(String::as_str).unwrap_or("");
    let password = params.get("PASSWORD").map(String::as_str).unwrap_or("");
    if username.is_empty() || password.is_empty() {
        return Err(ApiError::invalid_parameter(
            "Missing required parameter USERNAME or PASSWORD",
        ));
    }
    check_secret_hash(
        c,
        &[username],
        params.get("SECRET_HASH").map(String::as_str),
    )?;
    // An alias or `UsernameAttributes` login names the user; tokens carry the username.
    let u = user(st, &c.pool_id, username).map_err(|_| unknown_user(c))?;
    ensure_enabled(u)?;
    let username = u.username.clone();
    if !u.verifier.matches(&c.pool_id, &username, password) {
        return Err(incorrect_password());
    }
    after_password(st, c, &username)
}
