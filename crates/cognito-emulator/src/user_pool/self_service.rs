//! What a signed-in user does with an access token: `GetUser` and `ChangePassword`.

use serde_json::{Map, Value, json};

use super::lookup::{incorrect_password, user, user_mut};
use super::tokens::access_user_of;
use super::{account, mfa};
use crate::error::ApiError;
use crate::srp::Verifier;
use crate::state::State;
use crate::wire::{Operation, attributes_json, req_str};

/// The operations of this module.
pub(crate) const OPERATIONS: &[Operation] = &[
    Operation::new("GetUser", get_user),
    Operation::new("ChangePassword", change_password),
];

fn get_user(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let who = access_user_of(st, req)?;
    let u = user(st, &who.pool_id, &who.username)?;
    let mut out = Map::new();
    out.insert("Username".into(), json!(u.username));
    out.insert("UserAttributes".into(), attributes_json(u));
    mfa::mfa_json(u, &mut out);
    Ok(Value::Object(out))
}

fn change_password(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let who = access_user_of(st, req)?;
    let prev = req_str(req, "PreviousPassword")?;
    let proposed = req_str(req, "ProposedPassword")?;
    let now = st.now();
    let u = user_mut(st, &who.pool_id, &who.username)?;
    if !u.verifier.matches(&who.pool_id, &who.username, prev) {
        return Err(incorrect_password());
    }
    account::check_password(st, &who.pool_id, proposed)?;
    let u = user_mut(st, &who.pool_id, &who.username)?;
    u.verifier = Verifier::new(&who.pool_id, &who.username, proposed);
    u.modified = now;
    Ok(json!({}))
}
