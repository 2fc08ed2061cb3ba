//! Finding pools, app clients and users in the state, and the errors sign-in answers
//! when it cannot (or when the password is wrong).

use super::account::aliases;
use crate::error::ApiError;
use crate::state::{AppClient, State, User, UserPool};

/// The pool `pool_id`, or `ResourceNotFoundException`.
pub(crate) fn pool<'a>(st: &'a State, pool_id: &str) -> Result<&'a UserPool, ApiError> {
    st.pools
        .get(pool_id)
        .ok_or_else(|| ApiError::resource_not_found(format!("User pool {pool_id} does not exist.")))
}

/// The pool `pool_id`, mutable, or `ResourceNotFoundException`.
pub(crate) fn pool_mut<'a>(st: &'a mut State, pool_id: &str) -> Result<&'a mut UserPool, ApiError> {
    st.pools
        .get_mut(pool_id)
        .ok_or_else(|| ApiError::resource_not_found(format!("User pool {pool_id} does not exist.")))
}

/// A copy of the app client `client_id`, or `ResourceNotFoundException`.
pub(crate) fn client(st: &State, client_id: &str) -> Result<AppClient, ApiError> {
    st.clients.get(client_id).cloned().ok_or_else(|| {
        ApiError::resource_not_found(format!("User pool client {client_id} does not exist."))
    })
}

/// The user `username` of `pool_id`, or `UserNotFoundException`. `username` may also be
/// the `sub` or a name the pool signs in with (an alias, see `account::aliases`).
pub(crate) fn user<'a>(st: &'a State, pool_id: &str, username: &str) -> Result<&'a User, ApiError> {
    let p = pool(st, pool_id)?;
    aliases::resolve(p, username)
        .and_then(|name| p.users.get(name))
        .ok_or_else(ApiError::user_not_found)
}

/// The user `username` of `pool_id`, mutable, or `UserNotFoundException`; `username` as
/// for [`user`].
pub(crate) fn user_mut<'a>(
    st: &'a mut State,
    pool_id: &str,
    username: &str,
) -> Result<&'a mut User, ApiError> {
    let p = pool_mut(st, pool_id)?;
    let name = if p.users.contains_key(username) {
        username.to_owned()
    } else {
        aliases::resolve(p, username)
            .ok_or_else(ApiError::user_not_found)?
            .to_owned()
    };
    p.users.get_mut(&name).ok_or_else(ApiError::user_not_found)
}

/// Unknown user during sign-in: `UserNotFoundException` (LEGACY) or, when the client has
/// `PreventUserExistenceErrors: ENABLED`, the same error as a wrong password.
pub(crate) fn unknown_user(c: &AppClient) -> ApiError {
    if c.prevent_user_existence_errors {
        incorrect_password()
    } else {
        ApiError::user_not_found()
    }
}

/// A wrong password (or SRP proof): `NotAuthorizedException`.
pub(crate) fn incorrect_password() -> ApiError {
    ApiError::not_authorized("Incorrect username or password.")
}

/// A disabled user: `NotAuthorizedException "User is disabled."`.
pub(crate) fn user_disabled() -> ApiError {
    ApiError::not_authorized("User is disabled.")
}

/// `Err(user_disabled())` unless `u` is enabled.
pub(crate) fn ensure_enabled(u: &User) -> Result<(), ApiError> {
    if u.enabled {
        Ok(())
    } else {
        Err(user_disabled())
    }
}
