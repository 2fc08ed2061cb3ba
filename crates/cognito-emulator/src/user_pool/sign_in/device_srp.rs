//! Devices in sign-in. A client that presents a confirmed device's `DEVICE_KEY`
//! (in `AuthParameters` or any `ChallengeResponses`) proves the device after its
//! password: `DEVICE_SRP_AUTH` (`SRP_A` in, `SRP_B`, `SALT`, `SECRET_BLOCK` out), then
//! `DEVICE_PASSWORD_VERIFIER`, checked against the verifier `ConfirmDevice` stored,
//! with the device group key in place of the pool name and the device key as the user.
//! A remembered device then skips MFA when the pool's `ChallengeRequiredOnNewDevice`
//! says so. A sign-in made without a device gets `NewDeviceMetadata` for a new one.
//!
//! The parent module calls [`begin_initiate`] / [`begin_respond`] before a request and
//! [`finish`] after it, so the device travels with the challenge `Session`s without the
//! other challenges knowing about it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};

use super::challenge::{self, Answer, Challenge, Responder};
use super::mfa;
use crate::error::ApiError;
use crate::srp::{self, ClaimCheck};
use crate::state::{AppClient, SESSION_TTL_SECS, State};
use crate::user_pool::devices::{
    DeviceSrp, SignInDevice, confirmed_device_of, device_not_found, issue_device, pool_config,
};
use crate::user_pool::lookup::incorrect_password;
use crate::user_pool::tokens::signed_in;
use crate::wire::{StrMap, opt_str, str_map};

/// `DEVICE_SRP_AUTH`: `SRP_A` and `DEVICE_KEY` in.
pub(crate) const DEVICE_SRP_AUTH: Challenge = Challenge {
    name: "DEVICE_SRP_AUTH",
    respond: Responder::Session(respond_srp_auth),
};

/// `DEVICE_PASSWORD_VERIFIER`: the device's `PASSWORD_CLAIM_SIGNATURE`.
pub(crate) const DEVICE_PASSWORD_VERIFIER: Challenge = Challenge {
    name: "DEVICE_PASSWORD_VERIFIER",
    respond: Responder::Session(respond_password_verifier),
};

/// The presented `DEVICE_KEY`, checked: `None` on a pool that tracks no devices (the
/// key is ignored), else a confirmed device of the user or "Device does not exist.".
fn checked_key(
    st: &State,
    pool_id: &str,
    username: Option<&str>,
    key: Option<&str>,
) -> Result<Option<String>, ApiError> {
    let Some(key) = key.filter(|k| !k.is_empty()) else {
        return Ok(None);
    };
    if pool_config(st, pool_id).is_none() {
        return Ok(None);
    }
    match username {
        Some(u) if confirmed_device_of(st, pool_id, u, key).is_some() => Ok(Some(key.to_owned())),
        _ => Err(device_not_found()),
    }
}

/// Before `(Admin)InitiateAuth` runs `flow`: the `DEVICE_KEY` of its `AuthParameters`.
pub(crate) fn begin_initiate(
    st: &mut State,
    c: &AppClient,
    flow: &str,
    params: &StrMap,
) -> Result<(), ApiError> {
    st.devices.current = None;
    if flow.starts_with("REFRESH_TOKEN") {
        st.devices.current = Some(SignInDevice {
            refresh: true,
            ..SignInDevice::default()
        });
        return Ok(());
    }
    let username = params.get("USERNAME").map(String::as_str);
    let key = checked_key(
        st,
        &c.pool_id,
        username,
        params.get("DEVICE_KEY").map(String::as_str),
    )?;
    st.devices.current = Some(SignInDevice {
        key,
        ..SignInDevice::default()
    });
    Ok(())
}

/// Before `(Admin)RespondToAuthChallenge`: the device carried from the previous step
/// (by `Session`, or by `PASSWORD_CLAIM_SECRET_BLOCK` after `USER_SRP_AUTH`), and a
/// `DEVICE_KEY` in the responses, which takes its place.
pub(crate) fn begin_respond(st: &mut State, c: &AppClient, req: &Value) -> Result<(), ApiError> {
    st.devices.current = None;
    let now = st.now();
    st.devices.sweep(now);
    let resp = str_map(req, "ChallengeResponses");
    let carried_by = opt_str(req, "Session")
        .or_else(|| resp.get("PASSWORD_CLAIM_SECRET_BLOCK").map(String::as_str))
        .unwrap_or("");
    let carried = st
        .devices
        .pending
        .get(carried_by)
        .map(|(d, _)| d.clone())
        .unwrap_or_default();
    let username = opt_str(req, "Session")
        .and_then(|s| st.challenges.get(s))
        .map(|s| s.username.clone())
        .or_else(|| st.srp_sessions.get(carried_by).map(|s| s.username.clone()))
        .or_else(|| resp.get("USERNAME").cloned());
    let presented = resp.get("DEVICE_KEY").map(String::as_str);
    let current = match presented {
        Some(k) if carried.key.as_deref() != Some(k) => SignInDevice {
            key: checked_key(st, &c.pool_id, username.as_deref(), Some(k))?,
            ..SignInDevice::default()
        },
        _ => carried,
    };
    st.devices.current = Some(current);
    Ok(())
}

/// After a sign-in request: carries the device to the next challenge, or, when the
/// answer has tokens, binds their refresh-token family to the proven device, or gives
/// the sign-in `NewDeviceMetadata` for a new device.
pub(crate) fn finish(
    st: &mut State,
    c: &AppClient,
    out: Result<Value, ApiError>,
) -> Result<Value, ApiError> {
    let device = st.devices.current.take().unwrap_or_default();
    let mut out = out?;
    if device.refresh {
        return Ok(out);
    }
    let expires = st.now() + SESSION_TTL_SECS;
    let carrier = out
        .get("Session")
        .and_then(Value::as_str)
        .or_else(|| {
            out.pointer("/ChallengeParameters/SECRET_BLOCK")
                .and_then(Value::as_str)
        })
        .map(str::to_owned);
    if let Some(carrier) = carrier {
        st.devices.pending.insert(carrier, (device, expires));
        return Ok(out);
    }
    let Some(refresh) = out
        .pointer("/AuthenticationResult/RefreshToken")
        .and_then(Value::as_str)
    else {
        return Ok(out);
    };
    let Some(rec) = st.refresh_tokens.get(refresh).cloned() else {
        return Ok(out);
    };
    if pool_config(st, &c.pool_id).is_none() {
        return Ok(out);
    }
    let key = match (device.verified, device.key) {
        (true, Some(key)) => key,
        _ => {
            let metadata = issue_device(st, &rec.pool_id, &rec.username)?;
            let key = metadata["DeviceKey"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            if let Some(result) = out
                .get_mut("AuthenticationResult")
                .and_then(Value::as_object_mut)
            {
                result.insert("NewDeviceMetadata".into(), metadata);
            }
            key
        }
    };
    st.devices.bound.insert(rec.origin_jti, key);
    Ok(out)
}

/// After the password (and a new password, if one was required): `DEVICE_SRP_AUTH` when
/// the sign-in presented a device not yet proven, else the MFA step.
pub(crate) fn next_step(st: &mut State, c: &AppClient, username: &str) -> Result<Value, ApiError> {
    let device = st.devices.current.clone().unwrap_or_default();
    match device.key {
        Some(key) if !device.verified => {
            let params = json!({ "USERNAME": username, "DEVICE_KEY": key });
            Ok(challenge::issue(st, c, username, &DEVICE_SRP_AUTH, params))
        }
        _ => mfa::next_step(st, c, username),
    }
}

fn respond_srp_auth(st: &mut State, answer: &Answer<'_>) -> Result<Value, ApiError> {
    let key = answer.get("DEVICE_KEY").unwrap_or("");
    let pool_id = &answer.session.pool_id;
    let username = answer.username();
    if st.devices.current.as_ref().and_then(|d| d.key.as_deref()) != Some(key) {
        return Err(device_not_found());
    }
    let device = confirmed_device_of(st, pool_id, username, key).ok_or_else(device_not_found)?;
    let verifier = device.verifier.clone().ok_or_else(device_not_found)?;
    let a = srp::parse_a(answer.get("SRP_A").unwrap_or(""))
        .ok_or_else(|| ApiError::invalid_parameter("Invalid SRP_A"))?;
    let eph = srp::server_ephemeral(&verifier.v);
    let secret_block = {
        let mut block = [0u8; 64];
        rand::Rng::fill_bytes(&mut rand::rng(), &mut block);
        B64.encode(block)
    };
    let params = json!({
        "USERNAME": username,
        "DEVICE_KEY": key,
        "SALT": verifier.salt.to_str_radix(16),
        "SRP_B": eph.big_b.to_str_radix(16),
        "SECRET_BLOCK": secret_block,
    });
    st.devices.srp.insert(
        secret_block,
        DeviceSrp {
            device_key: key.to_owned(),
            a,
            eph,
            expires_at: answer.now + SESSION_TTL_SECS,
        },
    );
    Ok(challenge::issue(
        st,
        answer.client,
        username,
        &DEVICE_PASSWORD_VERIFIER,
        params,
    ))
}

fn respond_password_verifier(st: &mut State, answer: &Answer<'_>) -> Result<Value, ApiError> {
    let block_b64 = answer.get("PASSWORD_CLAIM_SECRET_BLOCK").unwrap_or("");
    let exchange = st
        .devices
        .srp
        .remove(block_b64)
        .filter(|x| x.expires_at > answer.now)
        .ok_or_else(challenge::expired_session)?;
    let key = answer.get("DEVICE_KEY").unwrap_or("");
    if key != exchange.device_key {
        return Err(device_not_found());
    }
    let (pool_id, username) = (&answer.session.pool_id, answer.username());
    let device = confirmed_device_of(st, pool_id, username, key).ok_or_else(device_not_found)?;
    let verifier = device.verifier.clone().ok_or_else(device_not_found)?;
    let group_key = device.group_key.clone();
    let block = B64
        .decode(block_b64)
        .map_err(|_| ApiError::invalid_parameter("Invalid PASSWORD_CLAIM_SECRET_BLOCK"))?;
    let expected = srp::expected_signature(ClaimCheck {
        pool_name: &group_key,
        user_id: key,
        verifier: &verifier.v,
        verifier_powers: None,
        a: &exchange.a,
        eph: &exchange.eph,
        early: None,
        secret_block: &block,
        timestamp: answer.get("TIMESTAMP").unwrap_or(""),
    })
    .ok_or_else(incorrect_password)?;
    if !srp::ct_eq(
        &expected,
        answer.get("PASSWORD_CLAIM_SIGNATURE").unwrap_or(""),
    ) {
        return Err(incorrect_password());
    }
    let remembered = {
        let d = st
            .devices
            .records
            .get_mut(key)
            .ok_or_else(device_not_found)?;
        d.last_authenticated = answer.now;
        d.remembered
    };
    st.devices.current = Some(SignInDevice {
        key: Some(key.to_owned()),
        verified: true,
        refresh: false,
    });
    let skip_mfa =
        remembered && pool_config(st, pool_id).is_some_and(|c| c.challenge_required_on_new_device);
    if skip_mfa {
        signed_in(st, answer.client, username)
    } else {
        mfa::next_step(st, answer.client, username)
    }
}
