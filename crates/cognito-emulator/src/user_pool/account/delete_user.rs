//! `DeleteUser`: a signed-in user deletes their own account; every sign-in of it is
//! revoked first, so its refresh tokens stop working too.

use serde_json::{Value, json};

use crate::error::ApiError;
use crate::state::State;
use crate::user_pool::lookup::pool_mut;
use crate::user_pool::revoke;
use crate::user_pool::tokens::access_user_of;

/// `DeleteUser`.
pub(super) fn delete_user(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let who = access_user_of(st, req)?;
    revoke::sign_out_user(st, &who.pool_id, &who.username);
    if let Some(o) = who.claims.get("origin_jti").and_then(Value::as_str) {
        st.revoked_origins.insert(o.to_owned());
    }
    pool_mut(st, &who.pool_id)?.users.remove(&who.username);
    Ok(json!({}))
}
