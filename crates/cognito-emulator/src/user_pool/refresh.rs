//! Refreshing a session: `GetTokensFromRefreshToken` (with refresh-token rotation and its
//! grace period) and the `REFRESH_TOKEN_AUTH` flow of `InitiateAuth`.

use serde_json::{Value, json};

use super::devices;
use super::lookup::{client, ensure_enabled, user};
use super::secret::{check_client_secret, check_secret_hash};
use super::tokens::{Family, Grant, issue_tokens_for};
use crate::error::ApiError;
use crate::state::{AppClient, State};
use crate::wire::{Operation, StrMap, opt_str, req_str};

/// The operations of this module.
pub(crate) const OPERATIONS: &[Operation] = &[Operation::new(
    "GetTokensFromRefreshToken",
    get_tokens_from_refresh_token,
)];

/// The counter of refresh tokens presented after rotation retired them (within the
/// grace period or not): `GET /_emulator/counters` shows it under this name, so a test
/// of concurrent refreshes can assert that no client presented a retired token.
pub(crate) const RETIRED_PRESENTED_COUNTER: &str = "refresh_token.retired_presented";

fn invalid_refresh() -> ApiError {
    ApiError::not_authorized("Invalid Refresh Token")
}

/// New tokens from a refresh token. With `rotate` (GetTokensFromRefreshToken on a client
/// with rotation) a new refresh token is issued and the old one dies after the grace period.
/// `device_key` is the device the client says it is on (see `devices::check_refresh`).
pub(crate) fn refresh(
    st: &mut State,
    c: &AppClient,
    token: &str,
    rotate: bool,
    device_key: Option<&str>,
) -> Result<Value, ApiError> {
    let now = st.now();
    let rec = st
        .refresh_tokens
        .get(token)
        .cloned()
        .ok_or_else(invalid_refresh)?;
    if rec.client_id != c.id {
        return Err(invalid_refresh());
    }
    if rec.invalid_after.is_some() {
        *st.counters
            .entry(RETIRED_PRESENTED_COUNTER.to_owned())
            .or_insert(0) += 1;
    }
    if st.revoked_origins.contains(&rec.origin_jti) {
        return Err(ApiError::not_authorized("Refresh Token has been revoked"));
    }
    if rec.expires_at <= now {
        return Err(ApiError::not_authorized("Refresh Token has expired"));
    }
    if rec.invalid_after.is_some_and(|t| now > t) {
        return Err(ApiError::new(
            "RefreshTokenReuseException",
            "Refresh token has already been used and was replaced by rotation.",
        ));
    }
    ensure_enabled(user(st, &rec.pool_id, &rec.username)?)?;
    devices::check_refresh(st, &rec, device_key)?;
    let rotating = rotate && c.rotation_grace.is_some();
    if rotating && rec.invalid_after.is_none() {
        let grace = c.rotation_grace.unwrap_or(0);
        // Grace 0: the old token dies at once (any later use is a reuse).
        let until = if grace == 0 { i64::MIN } else { now + grace };
        if let Some(r) = st.refresh_tokens.get_mut(token) {
            r.invalid_after = Some(until);
        }
    }
    let username = rec.username.clone();
    let grant = Grant {
        scope: rec.scope.clone(),
        nonce: None,
    };
    let family = Family::Existing {
        origin_jti: rec.origin_jti,
        rotate: rotating,
    };
    issue_tokens_for(st, c, &username, rec.auth_time, family, &grant)
}

fn get_tokens_from_refresh_token(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let c = client(st, req_str(req, "ClientId")?)?;
    check_client_secret(&c, opt_str(req, "ClientSecret"))?;
    let token = req_str(req, "RefreshToken")?.to_owned();
    let result = refresh(st, &c, &token, true, opt_str(req, "DeviceKey"))?;
    Ok(json!({ "AuthenticationResult": result }))
}

/// `InitiateAuth` `REFRESH_TOKEN_AUTH` / `REFRESH_TOKEN`: no rotation (a client with
/// rotation must use `GetTokensFromRefreshToken`), and with a client secret a
/// `SECRET_HASH` over the username or the `sub`.
pub(crate) fn refresh_token_auth(
    st: &mut State,
    c: &AppClient,
    params: &StrMap,
) -> Result<Value, ApiError> {
    let token = params
        .get("REFRESH_TOKEN")
        .ok_or_else(|| ApiError::invalid_parameter("Missing required parameter REFRESH_TOKEN"))?;
    if c.rotation_grace.is_some() {
        return Err(ApiError::not_authorized(
            "Refresh token rotation is enabled for this client: use GetTokensFromRefreshToken.",
        ));
    }
    if c.secret.is_some() {
        // Cognito computes this SECRET_HASH over the username or the sub.
        let (rec_user, sub) = match st.refresh_tokens.get(token) {
            Some(rec) => (
                rec.username.clone(),
                user(st, &rec.pool_id, &rec.username)
                    .map(|u| u.sub.clone())
                    .unwrap_or_default(),
            ),
            None => (String::new(), String::new()),
        };
        let given = params.get("USERNAME").map(String::as_str).unwrap_or("");
        check_secret_hash(
            c,
            &[&rec_user, &sub, given],
            params.get("SECRET_HASH").map(String::as_str),
        )?;
    }
    let device_key = params.get("DEVICE_KEY").map(String::as_str);
    let result = refresh(st, c, token, false, device_key)?;
    Ok(json!({ "ChallengeParameters": {}, "AuthenticationResult": result }))
}
