//! Remembered devices: the pools' `DeviceConfiguration`, the devices Cognito tracks
//! for each user (issued as `NewDeviceMetadata`, confirmed with a verifier by
//! `ConfirmDevice`), and which refresh-token family each device's sign-in belongs to.
//!
//! The operations are in `api.rs`; the sign-in side (`DEVICE_SRP_AUTH`,
//! `DEVICE_PASSWORD_VERIFIER`, `NewDeviceMetadata` in results) is in
//! `user_pool/sign_in/device_srp.rs`.

use std::collections::HashMap;

use num_bigint::BigUint;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::state::{ALNUM, RefreshRecord, State, random_chars};
use crate::user_pool::lookup::user;

mod api;

pub(crate) use api::OPERATIONS;

/// A pool's `DeviceConfiguration`; a pool without one tracks no devices.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PoolDevices {
    /// `ChallengeRequiredOnNewDevice`: a remembered device replaces the MFA step.
    pub(crate) challenge_required_on_new_device: bool,
    /// `DeviceOnlyRememberedOnUserPrompt`: confirmed devices stay `not_remembered`
    /// until `UpdateDeviceStatus` remembers them.
    pub(crate) only_on_user_prompt: bool,
}

/// The verifier `ConfirmDevice` stored: `v = g^x mod N` and its salt.
#[derive(Clone)]
pub(crate) struct DeviceVerifier {
    pub(crate) salt: BigUint,
    pub(crate) v: BigUint,
}

impl std::fmt::Debug for DeviceVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeviceVerifier([redacted])")
    }
}

/// One device of one user.
#[derive(Debug, Clone)]
pub(crate) struct DeviceRecord {
    pub(crate) pool_id: String,
    pub(crate) username: String,
    /// The user's `sub` when the device was issued: a user deleted and created again
    /// under the same name does not inherit the devices.
    pub(crate) sub: String,
    pub(crate) group_key: String,
    /// Set by `ConfirmDevice`; until then the device cannot authenticate.
    pub(crate) verifier: Option<DeviceVerifier>,
    pub(crate) name: Option<String>,
    pub(crate) remembered: bool,
    pub(crate) created: i64,
    pub(crate) modified: i64,
    pub(crate) last_authenticated: i64,
}

/// The device side of a sign-in in progress, carried from one step to the next.
#[derive(Debug, Clone, Default)]
pub(crate) struct SignInDevice {
    /// The `DEVICE_KEY` the client presented (a confirmed device of the user).
    pub(crate) key: Option<String>,
    /// Whether `DEVICE_PASSWORD_VERIFIER` proved the device.
    pub(crate) verified: bool,
    /// Set on `REFRESH_TOKEN_AUTH`: not a sign-in, no `NewDeviceMetadata`.
    pub(crate) refresh: bool,
}

/// A device SRP exchange between `DEVICE_SRP_AUTH` and `DEVICE_PASSWORD_VERIFIER`.
#[derive(Debug)]
pub(crate) struct DeviceSrp {
    pub(crate) device_key: String,
    pub(crate) a: BigUint,
    pub(crate) eph: crate::srp::ServerEphemeral,
    pub(crate) expires_at: i64,
}

/// Everything this module keeps in [`State`].
#[derive(Debug, Default)]
pub(crate) struct Devices {
    /// Pool id → its `DeviceConfiguration`.
    pub(crate) pools: HashMap<String, PoolDevices>,
    /// Device key → device.
    pub(crate) records: HashMap<String, DeviceRecord>,
    /// Refresh-token family (`origin_jti`) → the device its sign-in was made on.
    pub(crate) bound: HashMap<String, String>,
    /// Challenge `Session` or SRP `SECRET_BLOCK` → the sign-in's device, with its expiry.
    pub(crate) pending: HashMap<String, (SignInDevice, i64)>,
    /// `SECRET_BLOCK` of a device SRP exchange → the exchange.
    pub(crate) srp: HashMap<String, DeviceSrp>,
    /// The device side of the request being handled (set and cleared by sign-in).
    pub(crate) current: Option<SignInDevice>,
}

impl Devices {
    /// Drops expired sign-in state.
    pub(crate) fn sweep(&mut self, now: i64) {
        self.pending.retain(|_, (_, exp)| *exp > now);
        self.srp.retain(|_, s| s.expires_at > now);
    }
}

/// "Device does not exist.", as Cognito answers an unknown or forgotten device key.
pub(crate) fn device_not_found() -> ApiError {
    ApiError::resource_not_found("Device does not exist.")
}

/// The pool's `DeviceConfiguration`, when it tracks devices.
pub(crate) fn pool_config(st: &State, pool_id: &str) -> Option<PoolDevices> {
    st.devices.pools.get(pool_id).copied()
}

/// Sets (or, with `None`, removes) a pool's `DeviceConfiguration` from the request's
/// `DeviceConfiguration` member (`CreateUserPool`, `UpdateUserPool`).
pub(crate) fn configure_pool(st: &mut State, pool_id: &str, req: &Value) {
    match req.get("DeviceConfiguration").filter(|v| v.is_object()) {
        Some(cfg) => {
            let flag = |k: &str| cfg.get(k).and_then(Value::as_bool).unwrap_or(false);
            st.devices.pools.insert(
                pool_id.to_owned(),
                PoolDevices {
                    challenge_required_on_new_device: flag("ChallengeRequiredOnNewDevice"),
                    only_on_user_prompt: flag("DeviceOnlyRememberedOnUserPrompt"),
                },
            );
        }
        None => {
            st.devices.pools.remove(pool_id);
        }
    }
}

/// The `DeviceConfiguration` member of `DescribeUserPool`, when the pool has one.
pub(crate) fn pool_json(st: &State, pool_id: &str) -> Option<Value> {
    pool_config(st, pool_id).map(|c| {
        json!({
            "ChallengeRequiredOnNewDevice": c.challenge_required_on_new_device,
            "DeviceOnlyRememberedOnUserPrompt": c.only_on_user_prompt,
        })
    })
}

/// The device `key` of `username`, confirmed or not; `None` when the key is unknown,
/// forgotten, or another user's.
pub(crate) fn device_of<'a>(
    st: &'a State,
    pool_id: &str,
    username: &str,
    key: &str,
) -> Option<&'a DeviceRecord> {
    let sub = &user(st, pool_id, username).ok()?.sub;
    st.devices
        .records
        .get(key)
        .filter(|d| d.pool_id == pool_id && d.username == username && &d.sub == sub)
}

/// [`device_of`], confirmed devices only (the ones that can authenticate).
pub(crate) fn confirmed_device_of<'a>(
    st: &'a State,
    pool_id: &str,
    username: &str,
    key: &str,
) -> Option<&'a DeviceRecord> {
    device_of(st, pool_id, username, key).filter(|d| d.verifier.is_some())
}

/// A new, unconfirmed device for `username`: its `NewDeviceMetadata`. Device keys are
/// `<region>_<uuid>` as Cognito's; group keys are `-` and 9 letters or digits.
pub(crate) fn issue_device(
    st: &mut State,
    pool_id: &str,
    username: &str,
) -> Result<Value, ApiError> {
    let sub = user(st, pool_id, username)?.sub.clone();
    let key = format!("{}_{}", st.config.region, uuid::Uuid::new_v4());
    let group_key = format!("-{}", random_chars(ALNUM, 9));
    let now = st.now();
    st.devices.records.insert(
        key.clone(),
        DeviceRecord {
            pool_id: pool_id.to_owned(),
            username: username.to_owned(),
            sub,
            group_key: group_key.clone(),
            verifier: None,
            name: None,
            remembered: false,
            created: now,
            modified: now,
            last_authenticated: now,
        },
    );
    Ok(json!({ "DeviceKey": key, "DeviceGroupKey": group_key }))
}

/// Removes a device and the bindings of the refresh-token families made on it.
pub(crate) fn forget(st: &mut State, key: &str) {
    st.devices.records.remove(key);
    st.devices.bound.retain(|_, k| k != key);
}

/// Whether a refresh of `rec` may go ahead with `device_key` (`DeviceKey` of
/// `GetTokensFromRefreshToken`, `DEVICE_KEY` of `REFRESH_TOKEN_AUTH`):
/// - a pool that tracks no devices ignores the key;
/// - a key that is not a device of the user: `ResourceNotFoundException "Device does not exist."`;
/// - a family made on a confirmed device that still exists needs that device's key:
///   without it, or with another one, `NotAuthorizedException "Invalid Refresh Token"`
///   (what Cognito answers clients that forget the key);
/// - a family whose device was forgotten, or never confirmed, refreshes without a key.
pub(crate) fn check_refresh(
    st: &State,
    rec: &RefreshRecord,
    device_key: Option<&str>,
) -> Result<(), ApiError> {
    if pool_config(st, &rec.pool_id).is_none() {
        return Ok(());
    }
    let bound = st
        .devices
        .bound
        .get(&rec.origin_jti)
        .filter(|k| confirmed_device_of(st, &rec.pool_id, &rec.username, k).is_some());
    if let Some(key) = device_key.filter(|k| !k.is_empty()) {
        if device_of(st, &rec.pool_id, &rec.username, key).is_none() {
            return Err(device_not_found());
        }
        if bound.is_some_and(|b| b != key) {
            return Err(ApiError::not_authorized("Invalid Refresh Token"));
        }
        return Ok(());
    }
    if bound.is_some() {
        return Err(ApiError::not_authorized("Invalid Refresh Token"));
    }
    Ok(())
}

/// A device as `ListDevices` and `GetDevice` answer it.
pub(crate) fn device_json(key: &str, d: &DeviceRecord) -> Value {
    let mut attrs = vec![json!({"Name": "device_status", "Value": "valid"})];
    if let Some(name) = &d.name {
        attrs.push(json!({"Name": "device_name", "Value": name}));
    }
    attrs.push(json!({
        "Name": "dev:device_remembered_status",
        "Value": if d.remembered { "remembered" } else { "not_remembered" },
    }));
    json!({
        "DeviceKey": key,
        "DeviceAttributes": attrs,
        "DeviceCreateDate": d.created,
        "DeviceLastModifiedDate": d.modified,
        "DeviceLastAuthenticatedDate": d.last_authenticated,
    })
}

/// The confirmed devices of `username`, oldest first (ties by key).
pub(crate) fn list_of(st: &State, pool_id: &str, username: &str) -> Vec<(String, DeviceRecord)> {
    let mut list: Vec<(String, DeviceRecord)> = st
        .devices
        .records
        .keys()
        .filter_map(|k| {
            confirmed_device_of(st, pool_id, username, k).map(|d| (k.clone(), d.clone()))
        })
        .collect();
    list.sort_by(|a, b| a.1.created.cmp(&b.1.created).then_with(|| a.0.cmp(&b.0)));
    list
}
