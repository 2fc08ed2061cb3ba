//! The device operations: `ConfirmDevice`, `ListDevices`, `GetDevice`,
//! `UpdateDeviceStatus`, `ForgetDevice` (with the user's access token) and their admin
//! forms `AdminListDevices`, `AdminGetDevice`, `AdminUpdateDeviceStatus`,
//! `AdminForgetDevice` (pool and username).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use num_bigint::BigUint;
use serde_json::{Value, json};

use super::{
    DeviceVerifier, confirmed_device_of, device_json, device_not_found, device_of, forget, list_of,
    pool_config,
};
use crate::error::ApiError;
use crate::srp;
use crate::state::State;
use crate::user_pool::lookup::{pool, user};
use crate::user_pool::tokens::access_user_of;
use crate::wire::{Operation, opt_str, req_str};

/// The operations of this module.
pub(crate) const OPERATIONS: &[Operation] = &[
    Operation::new("ConfirmDevice", confirm_device),
    Operation::new("ListDevices", |st, req| {
        let (pool_id, username) = signed_in_user(st, req)?;
        list_devices(st, req, &pool_id, &username)
    }),
    Operation::new("GetDevice", |st, req| {
        let (pool_id, username) = signed_in_user(st, req)?;
        get_device(st, req, &pool_id, &username)
    }),
    Operation::new("UpdateDeviceStatus", |st, req| {
        let (pool_id, username) = signed_in_user(st, req)?;
        update_device_status(st, req, &pool_id, &username)
    }),
    Operation::new("ForgetDevice", |st, req| {
        let (pool_id, username) = signed_in_user(st, req)?;
        forget_device(st, req, &pool_id, &username)
    }),
    Operation::new("AdminListDevices", |st, req| {
        let (pool_id, username) = admin_user(st, req)?;
        list_devices(st, req, &pool_id, &username)
    }),
    Operation::new("AdminGetDevice", |st, req| {
        let (pool_id, username) = admin_user(st, req)?;
        get_device(st, req, &pool_id, &username)
    }),
    Operation::new("AdminUpdateDeviceStatus", |st, req| {
        let (pool_id, username) = admin_user(st, req)?;
        update_device_status(st, req, &pool_id, &username)
    }),
    Operation::new("AdminForgetDevice", |st, req| {
        let (pool_id, username) = admin_user(st, req)?;
        forget_device(st, req, &pool_id, &username)
    }),
];

/// `ListDevices` answers at most this many devices per page (Cognito's maximum).
const MAX_LIMIT: usize = 60;

/// The pool and username of the request's `AccessToken`.
fn signed_in_user(st: &State, req: &Value) -> Result<(String, String), ApiError> {
    let who = access_user_of(st, req)?;
    Ok((who.pool_id, who.username))
}

/// The `UserPoolId` and `Username` of an admin request (both must exist).
fn admin_user(st: &State, req: &Value) -> Result<(String, String), ApiError> {
    let pool_id = req_str(req, "UserPoolId")?.to_owned();
    let username = req_str(req, "Username")?.to_owned();
    pool(st, &pool_id)?;
    user(st, &pool_id, &username)?;
    Ok((pool_id, username))
}

/// A base64 member of `DeviceSecretVerifierConfig` as a number.
fn verifier_number(cfg: &Value, key: &str) -> Result<BigUint, ApiError> {
    let raw = cfg.get(key).and_then(Value::as_str).unwrap_or("");
    let bytes = B64
        .decode(raw)
        .ok()
        .filter(|b| !b.is_empty())
        .ok_or_else(|| {
            ApiError::invalid_parameter(format!(
                "DeviceSecretVerifierConfig.{key} must be non-empty base64"
            ))
        })?;
    Ok(BigUint::from_bytes_be(&bytes))
}

/// `ConfirmDevice`: stores the device's SRP verifier and name. The device must be one
/// `NewDeviceMetadata` gave this user, and not confirmed yet.
fn confirm_device(st: &mut State, req: &Value) -> Result<Value, ApiError> {
    let (pool_id, username) = signed_in_user(st, req)?;
    let key = req_str(req, "DeviceKey")?.to_owned();
    let cfg = req
        .get("DeviceSecretVerifierConfig")
        .ok_or_else(|| ApiError::invalid_parameter("Missing DeviceSecretVerifierConfig"))?;
    let v = verifier_number(cfg, "PasswordVerifier")?;
    let salt = verifier_number(cfg, "Salt")?;
    if &v % &srp::group().n == BigUint::ZERO {
        return Err(ApiError::invalid_parameter("Invalid PasswordVerifier"));
    }
    let device = device_of(st, &pool_id, &username, &key).ok_or_else(device_not_found)?;
    if device.verifier.is_some() {
        return Err(ApiError::invalid_parameter("Device is already confirmed."));
    }
    let only_on_prompt = pool_config(st, &pool_id).is_some_and(|c| c.only_on_user_prompt);
    let now = st.now();
    let name = opt_str(req, "DeviceName").map(str::to_owned);
    if let Some(d) = st.devices.records.get_mut(&key) {
        d.verifier = Some(DeviceVerifier { salt, v });
        d.name = name;
        d.remembered = !only_on_prompt;
        d.modified = now;
    }
    Ok(json!({ "UserConfirmationNecessary": only_on_prompt }))
}

/// `ListDevices` / `AdminListDevices`: the user's confirmed devices, `Limit` (1–60,
/// default 60) per page, `PaginationToken` to continue.
fn list_devices(
    st: &mut State,
    req: &Value,
    pool_id: &str,
    username: &str,
) -> Result<Value, ApiError> {
    let limit = match req.get("Limit").and_then(Value::as_u64) {
        None => MAX_LIMIT,
        Some(n @ 1..=60) => n as usize,
        Some(_) => {
            return Err(ApiError::invalid_parameter(
                "1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value between 0 and 60",
            ));
        }
    };
    let all = list_of(st, pool_id, username);
    let start = match opt_str(req, "PaginationToken") {
        None | Some("") => 0,
        Some(token) => {
            let after = B64
                .decode(token)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| ApiError::invalid_parameter("Invalid pagination token"))?;
            all.iter()
                .position(|(k, _)| *k == after)
                .map(|i| i + 1)
                .ok_or_else(|| ApiError::invalid_parameter("Invalid pagination token"))?
        }
    };
    let page: Vec<&(String, _)> = all.iter().skip(start).take(limit).collect();
    let devices: Vec<Value> = page.iter().map(|(k, d)| device_json(k, d)).collect();
    let mut out = json!({ "Devices": devices });
    if start + page.len() < all.len()
        && let (Some((last, _)), Some(o)) = (page.last(), out.as_object_mut())
    {
        o.insert("PaginationToken".into(), json!(B64.encode(last.as_bytes())));
    }
    Ok(out)
}

/// `GetDevice` / `AdminGetDevice`.
fn get_device(
    st: &mut State,
    req: &Value,
    pool_id: &str,
    username: &str,
) -> Result<Value, ApiError> {
    let key = req_str(req, "DeviceKey")?;
    let d = confirmed_device_of(st, pool_id, username, key).ok_or_else(device_not_found)?;
    Ok(json!({ "Device": device_json(key, d) }))
}

/// `UpdateDeviceStatus` / `AdminUpdateDeviceStatus`: `remembered` or `not_remembered`.
fn update_device_status(
    st: &mut State,
    req: &Value,
    pool_id: &str,
    username: &str,
) -> Result<Value, ApiError> {
    let key = req_str(req, "DeviceKey")?.to_owned();
    let remembered = match opt_str(req, "DeviceRememberedStatus") {
        Some("remembered") => true,
        Some("not_remembered") | None => false,
        Some(other) => {
            return Err(ApiError::invalid_parameter(format!(
                "1 validation error detected: Value '{other}' at 'deviceRememberedStatus' failed to satisfy constraint: Member must satisfy enum value set: [remembered, not_remembered]"
            )));
        }
    };
    confirmed_device_of(st, pool_id, username, &key).ok_or_else(device_not_found)?;
    let now = st.now();
    if let Some(d) = st.devices.records.get_mut(&key) {
        d.remembered = remembered;
        d.modified = now;
    }
    Ok(json!({}))
}

/// `ForgetDevice` / `AdminForgetDevice`: the device is gone; refresh tokens made on it
/// refresh without a device key from now on (see [`super::check_refresh`]).
fn forget_device(
    st: &mut State,
    req: &Value,
    pool_id: &str,
    username: &str,
) -> Result<Value, ApiError> {
    let key = req_str(req, "DeviceKey")?.to_owned();
    device_of(st, pool_id, username, &key).ok_or_else(device_not_found)?;
    forget(st, &key);
    Ok(json!({}))
}
