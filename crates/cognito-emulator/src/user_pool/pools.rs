//! Pools and app clients: `CreateUserPool`, `DescribeUserPool`, `CreateUserPoolClient`,
//! `DescribeUserPoolClient`, with token lifetimes, rotation and revocation settings.

use serde_json::{Value, json};

use super::account::AccountSettings;
use super::devices;
use super::lookup::{client, pool};
use super::pool_auth::PoolAuth;
use crate::error::ApiError;
use crate::state::{ALNUM, AppClient, LOWER_ALNUM, State, UserPool, random_chars};
use crate::wire::{Operation, opt_str, req_str};

/// The operations of this module.
pub(crate) const OPERATIONS: &[Operation] = &[
    Operation::new("CreateUserPool", create_user_pool),
    Operation::new("DescribeUserPool", describe_user_pool),
    Operation::new("CreateUserPoolClient", create_user_pool_client),
    Operation::new("DescribeUserPoolClient", describe_user_pool_client),
];

/// `CreateUserPool`: a pool id `<region>_<9 alnum>`.
pub(crate) fn create_user_pool(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let name = req_str(req, "PoolName")?.to_owned();
    let settings = AccountSettings::from_request(req)?;
    let mut auth = PoolAuth::default();
    auth.apply_pool_request(req)?;
    let id = format!("{}_{}", st.config.region, random_chars(ALNUM, 9));
    let now = st.now();
    st.pools.insert(
        id.clone(),
        UserPool {
            id: id.clone(),
            name,
            created: now,
            users: Default::default(),
            settings,
            auth,
        },
    );
    devices::configure_pool(st, &id, req);
    Ok(json!({ "UserPool": pool_json(st, &id)? }))
}

fn pool_json(st: &State, id: &str) -> Result<Value, ApiError> {
    let p = pool(st, id)?;
    let mut out = json!({
        "Id": p.id,
        "Name": p.name,
        "Arn": format!("arn:aws:cognito-idp:{}:000000000000:userpool/{}", st.config.region, p.id),
        "CreationDate": p.created,
        "LastModifiedDate": p.created,
        "MfaConfiguration": p.auth.mfa_configuration(),
        "EstimatedNumberOfUsers": p.users.len(),
        "UsernameConfiguration": {"CaseSensitive": true},
    });
    if let Some(obj) = out.as_object_mut() {
        p.settings.describe(obj);
        obj.insert(
            "DeviceConfiguration".into(),
            json!(devices::pool_json(st, id)),
        );
        // `Policies` holds the account settings' `PasswordPolicy` and our `SignInPolicy`.
        let policies = obj.entry("Policies").or_insert_with(|| json!({}));
        if let (Some(all), Value::Object(sign_in)) =
            (policies.as_object_mut(), p.auth.policies_json())
        {
            all.extend(sign_in);
        }
    }
    Ok(out)
}

fn describe_user_pool(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    Ok(json!({ "UserPool": pool_json(st, req_str(req, "UserPoolId")?)? }))
}

/// A validity value converted to seconds. `TokenValidityUnits` may be "seconds" (also an
/// emulator extension: no minimums are enforced), "minutes", "hours" or "days".
fn validity_secs(value: i64, unit: &str) -> Result<i64, ApiError> {
    let mult = match unit {
        "seconds" => 1,
        "minutes" => 60,
        "hours" => 3600,
        "days" => 86_400,
        other => {
            return Err(ApiError::invalid_parameter(format!(
                "Invalid TokenValidityUnits value: {other}"
            )));
        }
    };
    if value <= 0 {
        return Err(ApiError::invalid_parameter(
            "Token validity must be positive",
        ));
    }
    Ok(value.saturating_mul(mult))
}

/// `RefreshTokenRotation: {Feature: ENABLED, RetryGracePeriodSeconds}` as a grace in
/// seconds (clamped to 0–60), `None` when rotation is off.
fn rotation_grace(req: &Value) -> Option<i64> {
    let rotation = req.get("RefreshTokenRotation")?;
    match rotation.get("Feature").and_then(Value::as_str) {
        Some("ENABLED") => Some(
            rotation
                .get("RetryGracePeriodSeconds")
                .and_then(Value::as_i64)
                .unwrap_or(0)
                .clamp(0, 60),
        ),
        _ => None,
    }
}

/// `CreateUserPoolClient`.
pub(crate) fn create_user_pool_client(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let pool_id = req_str(req, "UserPoolId")?.to_owned();
    pool(st, &pool_id)?;
    let name = opt_str(req, "ClientName").unwrap_or("client").to_owned();
    let units = req.get("TokenValidityUnits");
    let unit = |k: &str, d: &str| {
        units
            .and_then(|u| u.get(k))
            .and_then(Value::as_str)
            .unwrap_or(d)
            .to_owned()
    };
    let units = [
        unit("AccessToken", "hours"),
        unit("IdToken", "hours"),
        unit("RefreshToken", "days"),
    ];
    let validity = |k: &str, d: i64| req.get(k).and_then(Value::as_i64).unwrap_or(d);
    let raw = [
        validity("AccessTokenValidity", 1),
        validity("IdTokenValidity", 1),
        validity("RefreshTokenValidity", 30),
    ];
    let c = AppClient {
        id: random_chars(LOWER_ALNUM, 26),
        name,
        pool_id,
        secret: req
            .get("GenerateSecret")
            .and_then(Value::as_bool)
            .unwrap_or(false)
            .then(|| random_chars(LOWER_ALNUM, 51)),
        access_ttl: validity_secs(raw[0], &units[0])?,
        id_ttl: validity_secs(raw[1], &units[1])?,
        refresh_ttl: validity_secs(raw[2], &units[2])?,
        units,
        raw_validity: raw,
        enable_token_revocation: req
            .get("EnableTokenRevocation")
            .and_then(Value::as_bool)
            .unwrap_or(true),
        rotation_grace: rotation_grace(req),
        prevent_user_existence_errors: opt_str(req, "PreventUserExistenceErrors")
            == Some("ENABLED"),
        explicit_auth_flows: req
            .get("ExplicitAuthFlows")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_else(|| {
                vec![
                    "ALLOW_USER_SRP_AUTH".to_owned(),
                    "ALLOW_REFRESH_TOKEN_AUTH".to_owned(),
                    "ALLOW_CUSTOM_AUTH".to_owned(),
                ]
            }),
        oauth: crate::hosted_ui::OAuthClient::from_request(req)?,
        created: st.now(),
        auth_session_validity_mins: match req.get("AuthSessionValidity").and_then(Value::as_i64) {
            None => 3,
            Some(m @ 3..=15) => m,
            Some(_) => {
                return Err(ApiError::invalid_parameter(
                    "AuthSessionValidity must be between 3 and 15 minutes",
                ));
            }
        },
    };
    let out = client_json(&c);
    st.clients.insert(c.id.clone(), c);
    Ok(json!({ "UserPoolClient": out }))
}

pub(crate) fn client_json(c: &AppClient) -> Value {
    let mut v = json!({
        "UserPoolId": c.pool_id,
        "ClientName": c.name,
        "ClientId": c.id,
        "CreationDate": c.created,
        "LastModifiedDate": c.created,
        "AccessTokenValidity": c.raw_validity[0],
        "IdTokenValidity": c.raw_validity[1],
        "RefreshTokenValidity": c.raw_validity[2],
        "TokenValidityUnits": {
            "AccessToken": c.units[0],
            "IdToken": c.units[1],
            "RefreshToken": c.units[2],
        },
        "ExplicitAuthFlows": c.explicit_auth_flows,
        "EnableTokenRevocation": c.enable_token_revocation,
        "PreventUserExistenceErrors": if c.prevent_user_existence_errors { "ENABLED" } else { "LEGACY" },
        "AuthSessionValidity": c.auth_session_validity_mins,
        "RefreshTokenRotation": match c.rotation_grace {
            Some(g) => json!({"Feature": "ENABLED", "RetryGracePeriodSeconds": g}),
            None => json!({"Feature": "DISABLED"}),
        },
    });
    if let (Some(secret), Some(obj)) = (&c.secret, v.as_object_mut()) {
        obj.insert("ClientSecret".into(), json!(secret));
    }
    c.oauth.write_json(&mut v);
    v
}

fn describe_user_pool_client(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let c = client(st, req_str(req, "ClientId")?)?;
    Ok(json!({ "UserPoolClient": client_json(&c) }))
}
