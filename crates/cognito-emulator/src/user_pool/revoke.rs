//! Ending sessions: `GlobalSignOut`, `RevokeToken` (one refresh-token family) and the
//! revocation of every sign-in of a user that admin operations share.

use serde_json::{Value, json};

use super::lookup::client;
use super::tokens::access_user_of;
use crate::error::ApiError;
use crate::srp;
use crate::state::State;
use crate::wire::{Operation, opt_str, req_str};

/// The operations of this module.
pub(crate) const OPERATIONS: &[Operation] = &[
    Operation::new("GlobalSignOut", global_sign_out),
    Operation::new("RevokeToken", revoke_token),
];

/// Revoke every sign-in (origin_jti) of a user: its refresh tokens and access tokens.
pub(crate) fn sign_out_user(st: &mut State, pool_id: &str, username: &str) {
    let origins: Vec<String> = st
        .refresh_tokens
        .values()
        .filter(|r| r.pool_id == pool_id && r.username == username)
        .map(|r| r.origin_jti.clone())
        .collect();
    st.revoked_origins.extend(origins);
}

fn global_sign_out(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let who = access_user_of(st, req)?;
    sign_out_user(st, &who.pool_id, &who.username);
    if let Some(o) = who.claims.get("origin_jti").and_then(Value::as_str) {
        st.revoked_origins.insert(o.to_owned());
    }
    Ok(json!({}))
}

fn revoke_token(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let c = client(st, req_str(req, "ClientId")?)?;
    let token = req_str(req, "Token")?.to_owned();
    match (&c.secret, opt_str(req, "ClientSecret")) {
        (None, _) => {}
        (Some(s), Some(p)) if srp::ct_eq(s, p) => {}
        _ => {
            return Err(ApiError::new(
                "UnauthorizedException",
                "Invalid client secret",
            ));
        }
    }
    if !c.enable_token_revocation {
        return Err(ApiError::new(
            "UnsupportedOperationException",
            "Token revocation is not enabled for this client",
        ));
    }
    if token.split('.').count() == 3 {
        return Err(ApiError::new(
            "UnsupportedTokenTypeException",
            "Only refresh tokens can be revoked",
        ));
    }
    // Unknown tokens are accepted silently (RFC 7009 behaviour).
    if let Some(rec) = st.refresh_tokens.get(&token) {
        if rec.client_id != c.id {
            return Err(ApiError::new(
                "UnauthorizedException",
                "Token was not issued to this client",
            ));
        }
        let origin = rec.origin_jti.clone();
        st.revoked_origins.insert(origin);
    }
    Ok(json!({}))
}
