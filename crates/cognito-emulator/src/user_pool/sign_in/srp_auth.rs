//! `USER_SRP_AUTH`: the server's half of SRP-6a. `InitiateAuth` sends `SRP_B`, the salt
//! and a `SECRET_BLOCK` that keys the exchange; `PASSWORD_VERIFIER` checks the client's
//! proof against the stored verifier (the maths is in `crate::srp`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};

use super::after_password;
use super::challenge::{Challenge, Responder, expired_session};
use crate::error::ApiError;
use crate::srp::{self, ClaimCheck};
use crate::state::{AppClient, SESSION_TTL_SECS, SrpSession, State};
use crate::user_pool::lookup::{ensure_enabled, incorrect_password, unknown_user, user};
use crate::user_pool::secret::check_secret_hash;
use crate::wire::StrMap;

/// `PASSWORD_VERIFIER`: answered with the `SECRET_BLOCK`, not a `Session`.
pub(crate) const PASSWORD_VERIFIER: Challenge = Challenge {
    name: "PASSWORD_VERIFIER",
    respond: Responder::Sessionless(password_verifier),
};

/// `InitiateAuth` `USER_SRP_AUTH`: `USERNAME` and `SRP_A` in, `PASSWORD_VERIFIER` out.
pub(crate) fn start(st: &mut State, c: &AppClient, params: &StrMap) -> Result<Value, ApiError> {
    let username = params.get("USERNAME").map(String::as_str).unwrap_or("");
    let srp_a = params.get("SRP_A").map(String::as_str).unwrap_or("");
    if username.is_empty() || srp_a.is_empty() {
        return Err(ApiError::invalid_parameter(
            "Missing required parameter USERNAME or SRP_A",
        ));
    }
    check_secret_hash(
        c,
        &[username],
        params.get("SECRET_HASH").map(String::as_str),
    )?;
    let a = srp::parse_a(srp_a).ok_or_else(|| ApiError::invalid_parameter("Invalid SRP_A"))?;
    // An alias or `UsernameAttributes` login names the user; SRP uses the username.
    let u = user(st, &c.pool_id, username).map_err(|_| unknown_user(c))?;
    ensure_enabled(u)?;
    let username = u.username.clone();
    let eph = srp::server_ephemeral(&u.verifier.v);
    let early = srp::EarlyPremaster::start(&a, &u.verifier.v, &u.verifier.powers, &eph);
    let salt_hex = u.verifier.salt.to_str_radix(16);
    let b_hex = eph.big_b.to_str_radix(16);
    // The secret block is opaque to clients: random bytes that key the SRP session.
    let secret_block = {
        let mut block = [0u8; 64];
        rand::Rng::fill_bytes(&mut rand::rng(), &mut block);
        B64.encode(block)
    };
    let expires_at = st.now() + SESSION_TTL_SECS;
    st.srp_sessions.insert(
        secret_block.clone(),
        SrpSession {
            pool_id: c.pool_id.clone(),
            client_id: c.id.clone(),
            username: username.clone(),
            a,
            eph,
            early,
            expires_at,
        },
    );
    Ok(json!({
        "ChallengeName": PASSWORD_VERIFIER.name,
        "ChallengeParameters": {
            "SALT": salt_hex,
            "SRP_B": b_hex,
            "SECRET_BLOCK": secret_block,
            "USER_ID_FOR_SRP": username,
            "USERNAME": username,
        },
    }))
}

/// `PASSWORD_VERIFIER`: the SRP session of the `PASSWORD_CLAIM_SECRET_BLOCK` (used up,
/// right or wrong), then the proof `PASSWORD_CLAIM_SIGNATURE` over `TIMESTAMP`.
fn password_verifier(st: &mut State, c: &AppClient, resp: &StrMap) -> Result<Value, ApiError> {
    let get = |k: &str| resp.get(k).map(String::as_str).unwrap_or("");
    let block_b64 = get("PASSWORD_CLAIM_SECRET_BLOCK");
    let now = st.now();
    let Some(session) = st.srp_sessions.remove(block_b64) else {
        return Err(expired_session());
    };
    if session.expires_at <= now || session.client_id != c.id {
        return Err(expired_session());
    }
    if get("USERNAME") != session.username {
        return Err(incorrect_password());
    }
    let u = user(st, &session.pool_id, &session.username).map_err(|_| unknown_user(c))?;
    ensure_enabled(u)?;
    let block = B64
        .decode(block_b64)
        .map_err(|_| ApiError::invalid_parameter("Invalid PASSWORD_CLAIM_SECRET_BLOCK"))?;
    let expected = srp::expected_signature(ClaimCheck {
        pool_name: srp::pool_name(&session.pool_id),
        user_id: &session.username,
        verifier: &u.verifier.v,
        verifier_powers: Some(&u.verifier.powers),
        a: &session.a,
        eph: &session.eph,
        early: session.early,
        secret_block: &block,
        timestamp: get("TIMESTAMP"),
    })
    .ok_or_else(incorrect_password)?;
    if !srp::ct_eq(&expected, get("PASSWORD_CLAIM_SIGNATURE")) {
        return Err(incorrect_password());
    }
    after_password(st, c, &session.username)
}
