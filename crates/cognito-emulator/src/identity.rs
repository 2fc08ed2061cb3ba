//! Identity-pool operations (`AWSCognitoIdentityService.*`): pools, identities (guest and
//! authenticated, with guest upgrade) and temporary AWS credentials.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::jwt;
use crate::state::{IdentityPool, State, UPPER_ALNUM, random_chars, random_token};
use crate::wire::{self, Operation, req_str};

/// The identity-pool operations.
const OPERATIONS: &[Operation] = &[
    Operation::new("CreateIdentityPool", create_identity_pool),
    Operation::new("DescribeIdentityPool", describe_identity_pool),
    Operation::new("GetId", get_id),
    Operation::new("GetCredentialsForIdentity", get_credentials_for_identity),
    Operation::new("GetOpenIdToken", get_open_id_token),
];

/// Run identity-pool operation `op`; `None` when the operation is unknown.
pub(crate) fn dispatch(st: &mut State, op: &str, req: &Value) -> Option<Result<Value, ApiError>> {
    let run = wire::find(&[OPERATIONS], op)?;
    Some(run(st, req))
}

pub(crate) fn create_identity_pool(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let name = req_str(req, "IdentityPoolName")?.to_owned();
    let allow = req
        .get("AllowUnauthenticatedIdentities")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let providers = req
        .get("CognitoIdentityProviders")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|p| {
                    Some((
                        p.get("ProviderName")?.as_str()?.to_owned(),
                        p.get("ClientId")?.as_str()?.to_owned(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let supported: BTreeMap<String, String> = req
        .get("SupportedLoginProviders")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    let id = format!("{}:{}", st.config.region, uuid::Uuid::new_v4());
    let p = IdentityPool {
        id: id.clone(),
        name,
        allow_unauthenticated: allow,
        cognito_providers: providers,
        supported_login_providers: supported,
    };
    let out = pool_json(&p);
    st.identity_pools.insert(id, p);
    Ok(out)
}

fn pool_json(p: &IdentityPool) -> Value {
    json!({
        "IdentityPoolId": p.id,
        "IdentityPoolName": p.name,
        "AllowUnauthenticatedIdentities": p.allow_unauthenticated,
        "AllowClassicFlow": false,
        "CognitoIdentityProviders": p.cognito_providers.iter().map(|(n, c)| json!({
            "ProviderName": n, "ClientId": c, "ServerSideTokenCheck": false,
        })).collect::<Vec<_>>(),
        "SupportedLoginProviders": p.supported_login_providers,
    })
}

fn identity_pool<'a>(st: &'a State, id: &str) -> Result<&'a IdentityPool, ApiError> {
    st.identity_pools
        .get(id)
        .ok_or_else(|| ApiError::resource_not_found(format!("IdentityPool '{id}' not found.")))
}

fn describe_identity_pool(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    Ok(pool_json(identity_pool(
        st,
        req_str(req, "IdentityPoolId")?,
    )?))
}

fn no_unauth() -> ApiError {
    ApiError::not_authorized("Unauthenticated access is not supported for this identity pool.")
}

fn logins_mismatch() -> ApiError {
    ApiError::not_authorized(
        "Logins don't match. Please include at least one valid login for this identity or identity pool.",
    )
}

/// Validate every entry of `Logins` for `pool` and return (provider, subject) pairs.
///
/// Cognito user-pool providers: the id token must carry our RS256 signature, an `iss`
/// equal to `https://<provider name>`, an `aud` among the provider's configured client ids,
/// `token_use: id` and an `exp` in the future (emulator clock). Subject: `sub`.
/// External providers (`SupportedLoginProviders`): any non-empty token is accepted; the
/// subject is its unverified `sub` claim when it looks like a JWT, else the token itself.
fn validate_logins(
    st: &State,
    pool: &IdentityPool,
    logins: &Map<String, Value>,
) -> Result<Vec<(String, String)>, ApiError> {
    let now = st.now();
    let mut out = Vec::new();
    for (provider, token) in logins {
        let token = token.as_str().unwrap_or("");
        let cognito_clients: Vec<&str> = pool
            .cognito_providers
            .iter()
            .filter(|(n, _)| n == provider)
            .map(|(_, c)| c.as_str())
            .collect();
        if !cognito_clients.is_empty() {
            let invalid =
                |why: &str| ApiError::not_authorized(format!("Invalid login token. {why}"));
            let claims = jwt::verify(token)
                .ok_or_else(|| invalid("Not a valid OpenId Connect identity token."))?;
            let iss = claims.get("iss").and_then(Value::as_str).unwrap_or("");
            let iss_bare = iss
                .strip_prefix("https://")
                .or_else(|| iss.strip_prefix("http://"))
                .unwrap_or(iss);
            if iss_bare != provider {
                return Err(invalid("Issuer doesn't match providerName"));
            }
            if claims.get("token_use").and_then(Value::as_str) != Some("id") {
                return Err(invalid("Not a valid OpenId Connect identity token."));
            }
            let aud = claims.get("aud").and_then(Value::as_str).unwrap_or("");
            if !cognito_clients.contains(&aud) {
                return Err(invalid("Incorrect token audience."));
            }
            let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
            if exp <= now {
                return Err(invalid(&format!("Token expired: {exp} >= {now}")));
            }
            let sub = claims.get("sub").and_then(Value::as_str).unwrap_or("");
            out.push((provider.clone(), sub.to_owned()));
        } else if pool.supported_login_providers.contains_key(provider) {
            if token.is_empty() {
                return Err(ApiError::not_authorized("Invalid login token."));
            }
            let subject = jwt::peek_claims(token)
                .and_then(|c| c.get("sub").and_then(Value::as_str).map(str::to_owned))
                .unwrap_or_else(|| token.to_owned());
            out.push((provider.clone(), subject));
        } else {
            return Err(ApiError::not_authorized(
                "Token is not from a supported provider of this identity pool.",
            ));
        }
    }
    Ok(out)
}

fn new_identity(st: &mut State, pool_id: &str, logins: &[(String, String)]) -> String {
    let id = format!("{}:{}", st.config.region, uuid::Uuid::new_v4());
    st.identities.insert(
        id.clone(),
        crate::state::Identity {
            pool_id: pool_id.to_owned(),
            logins: Vec::new(),
        },
    );
    link(st, &id, pool_id, logins);
    id
}

fn link(st: &mut State, identity_id: &str, pool_id: &str, logins: &[(String, String)]) {
    for (provider, subject) in logins {
        st.login_index.insert(
            (pool_id.to_owned(), provider.clone(), subject.clone()),
            identity_id.to_owned(),
        );
        if let Some(i) = st.identities.get_mut(identity_id)
            && !i.logins.iter().any(|(p, s)| p == provider && s == subject)
        {
            i.logins.push((provider.clone(), subject.clone()));
        }
    }
}

fn logins_of(req: &Value) -> Map<String, Value> {
    req.get("Logins")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

fn get_id(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let pool = identity_pool(st, req_str(req, "IdentityPoolId")?)?.clone();
    let logins = logins_of(req);
    if logins.is_empty() {
        if !pool.allow_unauthenticated {
            return Err(no_unauth());
        }
        let id = new_identity(st, &pool.id, &[]);
        return Ok(json!({ "IdentityId": id }));
    }
    let subjects = validate_logins(st, &pool, &logins)?;
    let existing: Vec<String> = subjects
        .iter()
        .filter_map(|(p, s)| {
            st.login_index
                .get(&(pool.id.clone(), p.clone(), s.clone()))
                .cloned()
        })
        .collect();
    let id = match existing.first() {
        Some(first) => {
            if existing.iter().any(|e| e != first) {
                return Err(logins_mismatch());
            }
            let first = first.clone();
            link(st, &first, &pool.id, &subjects);
            first
        }
        None => new_identity(st, &pool.id, &subjects),
    };
    Ok(json!({ "IdentityId": id }))
}

/// Shared checks of GetCredentialsForIdentity and GetOpenIdToken; links (upgrades) a
/// guest identity to the presented logins. Returns (identity id, pool id, authenticated).
fn authorize_identity(st: &mut State, req: &Value) -> Result<(String, String, bool), ApiError> {
    let identity_id = req_str(req, "IdentityId")?.to_owned();
    let identity = st.identities.get(&identity_id).cloned().ok_or_else(|| {
        ApiError::resource_not_found(format!("Identity '{identity_id}' not found."))
    })?;
    let pool = identity_pool(st, &identity.pool_id)?.clone();
    let logins = logins_of(req);
    if logins.is_empty() {
        if !identity.logins.is_empty() {
            return Err(ApiError::not_authorized(format!(
                "Access to Identity '{identity_id}' is forbidden."
            )));
        }
        if !pool.allow_unauthenticated {
            return Err(no_unauth());
        }
        return Ok((identity_id, pool.id, false));
    }
    let subjects = validate_logins(st, &pool, &logins)?;
    for (p, s) in &subjects {
        if let Some(other) = st.login_index.get(&(pool.id.clone(), p.clone(), s.clone()))
            && *other != identity_id
        {
            return Err(logins_mismatch());
        }
    }
    link(st, &identity_id, &pool.id, &subjects);
    Ok((identity_id, pool.id, true))
}

fn get_credentials_for_identity(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let (identity_id, _, _) = authorize_identity(st, req)?;
    let access_key_id = format!("ASIA{}", random_chars(UPPER_ALNUM, 16));
    let secret_key = random_chars(
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        40,
    );
    let session_token = random_token(300);
    let expiration = st.now() + st.config.credentials_ttl.as_secs() as i64;
    st.issued_keys
        .insert(access_key_id.clone(), identity_id.clone());
    Ok(json!({
        "IdentityId": identity_id,
        "Credentials": {
            "AccessKeyId": access_key_id,
            "SecretKey": secret_key,
            "SessionToken": session_token,
            "Expiration": expiration,
        },
    }))
}

fn get_open_id_token(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let (identity_id, pool_id, authenticated) = authorize_identity(st, req)?;
    let now = st.now();
    let claims = json!({
        "iss": "https://cognito-identity.amazonaws.com",
        "sub": identity_id,
        "aud": pool_id,
        "amr": [if authenticated { "authenticated" } else { "unauthenticated" }],
        "iat": now,
        "exp": now + 600,
    });
    let token = jwt::sign(&claims).map_err(ApiError::internal)?;
    Ok(json!({ "IdentityId": identity_id, "Token": token }))
}
