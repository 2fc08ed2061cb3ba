//! Issuing a sign-in's tokens (id, access, and a refresh token of a new or existing
//! family) and checking an access token presented to an operation.

use serde_json::{Map, Value, json};

use super::lookup::{ensure_enabled, user};
use crate::error::ApiError;
use crate::jwt;
use crate::state::{AppClient, RefreshRecord, State, random_token};

/// The family a new pair of tokens belongs to.
#[derive(Debug, Clone)]
pub(crate) enum Family {
    /// A fresh sign-in: a new `origin_jti` and a new refresh token.
    New,
    /// A refresh of the family `origin_jti`; `rotate` issues a new refresh token of it.
    Existing {
        /// The family's `origin_jti`.
        origin_jti: String,
        /// Issue a new refresh token of the family (rotation).
        rotate: bool,
    },
}

/// Sign a new id + access token for `username` (and a refresh token, see [`Family`]):
/// the `AuthenticationResult` object.
pub(crate) fn issue_tokens(
    st: &mut State,
    c: &AppClient,
    username: &str,
    auth_time: i64,
    family: Family,
) -> Result<Value, ApiError> {
    issue_tokens_for(st, c, username, auth_time, family, &Grant::default())
}

/// What an OAuth grant (the hosted UI) adds to a sign-in's tokens.
#[derive(Debug, Clone, Default)]
pub(crate) struct Grant {
    /// The access token's `scope` (space-separated); `None`: the API's
    /// `aws.cognito.signin.user.admin`.
    pub(crate) scope: Option<String>,
    /// The id token's `nonce`.
    pub(crate) nonce: Option<String>,
}

/// [`issue_tokens`] for an OAuth grant: its scopes and nonce.
pub(crate) fn issue_tokens_for(
    st: &mut State,
    c: &AppClient,
    username: &str,
    auth_time: i64,
    family: Family,
    grant: &Grant,
) -> Result<Value, ApiError> {
    let now = st.now();
    let iss = st.issuer(&c.pool_id);
    let u = user(st, &c.pool_id, username)?;
    let (origin_jti, new_refresh) = match family {
        Family::New => (uuid::Uuid::new_v4().to_string(), true),
        Family::Existing { origin_jti, rotate } => (origin_jti, rotate),
    };
    let event_id = uuid::Uuid::new_v4().to_string();
    let mut id = Map::new();
    id.insert("sub".into(), json!(u.sub));
    for (k, v) in &u.attributes {
        let val = match (k.as_str(), v.as_str()) {
            ("email_verified" | "phone_number_verified", "true") => json!(true),
            ("email_verified" | "phone_number_verified", "false") => json!(false),
            // Federated users: the linked identities, a JSON array in the token.
            ("identities", _) => serde_json::from_str(v).unwrap_or_else(|_| json!(v)),
            _ => json!(v),
        };
        id.insert(k.clone(), val);
    }
    id.insert("aud".into(), json!(c.id));
    id.insert("cognito:username".into(), json!(u.username));
    id.insert("token_use".into(), json!("id"));
    id.insert("auth_time".into(), json!(auth_time));
    id.insert("iat".into(), json!(now));
    id.insert("exp".into(), json!(now + c.id_ttl));
    id.insert("iss".into(), json!(iss));
    id.insert("origin_jti".into(), json!(origin_jti));
    id.insert("jti".into(), json!(uuid::Uuid::new_v4().to_string()));
    id.insert("event_id".into(), json!(event_id));
    if let Some(nonce) = &grant.nonce {
        id.insert("nonce".into(), json!(nonce));
    }
    let scope = grant
        .scope
        .clone()
        .unwrap_or_else(|| "aws.cognito.signin.user.admin".to_owned());
    let mut access = json!({
        "sub": u.sub,
        "client_id": c.id,
        "username": u.username,
        "scope": scope,
        "token_use": "access",
        "auth_time": auth_time,
        "iat": now,
        "exp": now + c.access_ttl,
        "iss": iss,
        "origin_jti": origin_jti,
        "jti": uuid::Uuid::new_v4().to_string(),
        "event_id": event_id,
    });
    super::groups::add_group_claims(st, &c.pool_id, username, &mut id, &mut access);
    let id_token = jwt::sign(&Value::Object(id)).map_err(ApiError::internal)?;
    let access_token = jwt::sign(&access).map_err(ApiError::internal)?;
    let mut out = json!({
        "AccessToken": access_token,
        "ExpiresIn": c.access_ttl,
        "TokenType": "Bearer",
        "IdToken": id_token,
    });
    if new_refresh {
        let rt = random_token(96);
        st.refresh_tokens.insert(
            rt.clone(),
            RefreshRecord {
                pool_id: c.pool_id.clone(),
                client_id: c.id.clone(),
                username: username.to_owned(),
                origin_jti,
                auth_time,
                expires_at: now + c.refresh_ttl,
                invalid_after: None,
                scope: grant.scope.clone(),
            },
        );
        if let Some(o) = out.as_object_mut() {
            o.insert("RefreshToken".into(), json!(rt));
        }
    }
    Ok(out)
}

/// A fresh sign-in's answer: `{"ChallengeParameters": {}, "AuthenticationResult": ..}`.
pub(crate) fn signed_in(st: &mut State, c: &AppClient, username: &str) -> Result<Value, ApiError> {
    let now = st.now();
    let result = issue_tokens(st, c, username, now, Family::New)?;
    Ok(json!({ "ChallengeParameters": {}, "AuthenticationResult": result }))
}

/// The signed-in user of an access token presented to an operation.
#[derive(Debug)]
pub(crate) struct AccessUser {
    /// The user's pool.
    pub(crate) pool_id: String,
    /// The user's username.
    pub(crate) username: String,
    /// The token's (verified) claims.
    pub(crate) claims: Value,
}

/// Validate an access token against signature, clock, revocation and user state.
pub(crate) fn access_user(st: &State, token: &str) -> Result<AccessUser, ApiError> {
    let claims =
        jwt::verify(token).ok_or_else(|| ApiError::not_authorized("Invalid Access Token"))?;
    if claims.get("token_use").and_then(Value::as_str) != Some("access") {
        return Err(ApiError::not_authorized("Invalid Access Token"));
    }
    let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
    if exp <= st.now() {
        return Err(ApiError::not_authorized("Access Token has expired"));
    }
    let origin = claims
        .get("origin_jti")
        .and_then(Value::as_str)
        .unwrap_or("");
    if st.revoked_origins.contains(origin) {
        return Err(ApiError::not_authorized("Access Token has been revoked"));
    }
    let iss = claims.get("iss").and_then(Value::as_str).unwrap_or("");
    let pool_id = iss.rsplit('/').next().unwrap_or("").to_owned();
    let username = claims
        .get("username")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let u = user(st, &pool_id, &username)
        .map_err(|_| ApiError::not_authorized("User does not exist."))?;
    ensure_enabled(u)?;
    Ok(AccessUser {
        pool_id,
        username,
        claims,
    })
}

/// [`access_user`] of the request's `AccessToken` member.
pub(crate) fn access_user_of(st: &State, req: &Value) -> Result<AccessUser, ApiError> {
    access_user(st, crate::wire::req_str(req, "AccessToken")?)
}
