//! `NEW_PASSWORD_REQUIRED`: a user with a temporary password (`FORCE_CHANGE_PASSWORD`)
//! sets a permanent one, with optional `userAttributes.*` answers.

use serde_json::{Map, Value, json};

use super::challenge::{self, Answer, Challenge, Responder};
use crate::error::ApiError;
use crate::srp::Verifier;
use crate::state::{AppClient, State, UserStatus};
use crate::user_pool::lookup::{user, user_mut};

/// `NEW_PASSWORD_REQUIRED`, answered against its `Session`.
pub(crate) const NEW_PASSWORD_REQUIRED: Challenge = Challenge {
    name: "NEW_PASSWORD_REQUIRED",
    respond: Responder::Session(respond),
};

/// Stop the sign-in at `NEW_PASSWORD_REQUIRED`, listing the user's attributes.
pub(crate) fn issue(st: &mut State, c: &AppClient, username: &str) -> Result<Value, ApiError> {
    let attrs: Map<String, Value> = user(st, &c.pool_id, username)?
        .attributes
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let params = json!({
        "USER_ID_FOR_SRP": username,
        "requiredAttributes": "[]",
        "userAttributes": Value::Object(attrs).to_string(),
    });
    Ok(challenge::issue(
        st,
        c,
        username,
        &NEW_PASSWORD_REQUIRED,
        params,
    ))
}

fn respond(st: &mut State, answer: &Answer<'_>) -> Result<Value, ApiError> {
    let pw = answer
        .get("NEW_PASSWORD")
        .filter(|p| !p.is_empty())
        .ok_or_else(|| ApiError::invalid_parameter("Missing required parameter NEW_PASSWORD"))?;
    let extra: Vec<(String, String)> = answer
        .responses
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("userAttributes.")?.to_owned(), v.clone())))
        .collect();
    let (pool_id, username) = (&answer.session.pool_id, answer.username());
    crate::user_pool::account::check_password(st, pool_id, pw)?;
    let u = user_mut(st, pool_id, username)?;
    u.verifier = Verifier::new(pool_id, username, pw);
    u.status = UserStatus::Confirmed;
    u.modified = answer.now;
    u.attributes.extend(extra);
    super::device_srp::next_step(st, answer.client, username)
}
