//! Amplify's device APIs: `remember_device` (`UpdateDeviceStatus` remembered),
//! `forget_device` (`ForgetDevice`, of this device or another) and `fetch_devices`
//! (`ListDevices`, every page), plus the types they and sign-in return.
//!
//! The device itself is confirmed at sign-in (`sign_in/device_confirm.rs`) and kept by
//! `device_store.rs`; the plugin's methods are in `plugin/devices.rs`.

use std::collections::BTreeMap;

use auth_core::error::AuthError;
use serde::Deserialize;
use serde_json::json;

use crate::orchestrator::Orchestrator;

/// What happened to the device at the end of a sign-in on a pool that tracks
/// devices ([`SignInResult::device`](crate::SignInResult::device)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviceOutcome {
    /// The new device was confirmed and the pool remembers it: later sign-ins
    /// prove it with `DEVICE_SRP_AUTH`, and it may replace MFA.
    Remembered {
        /// The device key.
        device_key: String,
    },
    /// The new device was confirmed, and the pool remembers devices only when the
    /// user says so: ask, then call
    /// [`remember_device`](crate::CognitoAuthPlugin::remember_device).
    CanBeRemembered {
        /// The device key.
        device_key: String,
    },
    /// The sign-in went through the device already remembered on this machine.
    Known {
        /// The device key.
        device_key: String,
    },
    /// `ConfirmDevice` failed, so the user is signed in without a device, as in
    /// Amplify. The next sign-in offers a new one.
    NotConfirmed {
        /// Why, without secrets (the error's message).
        reason: String,
    },
}

/// A device of the signed-in user, as `fetch_devices` lists it (Amplify's
/// `AuthDevice`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthDevice {
    /// The device key (Amplify's `id`).
    pub id: String,
    /// The `device_name` attribute: the name given at confirmation.
    pub name: Option<String>,
    /// Every device attribute, for example `dev:device_remembered_status`.
    pub attributes: BTreeMap<String, String>,
    /// When the device was first seen, in unix seconds.
    pub create_date: Option<i64>,
    /// When the device last changed, in unix seconds.
    pub last_modified_date: Option<i64>,
    /// When the device last signed in, in unix seconds.
    pub last_authenticated_date: Option<i64>,
}

impl AuthDevice {
    /// Whether Cognito remembers the device (`dev:device_remembered_status`).
    pub fn is_remembered(&self) -> bool {
        self.attributes
            .get("dev:device_remembered_status")
            .is_some_and(|s| s == "remembered")
    }
}

/// Whether `e` says the stored device is unknown to Cognito: a
/// `ResourceNotFoundException`, or a `NotAuthorizedException` that names the device.
/// The caller drops the device once and retries without it.
pub(crate) fn is_device_rejection(e: &AuthError) -> bool {
    match e {
        AuthError::Service { code, .. } => code == "ResourceNotFoundException",
        AuthError::NotAuthorized { message } => message.to_ascii_lowercase().contains("device"),
        _ => false,
    }
}

/// The host name, the default `DeviceName` of a confirmed device: `HOSTNAME` or
/// `COMPUTERNAME` when set, else the kernel's host name, else `amplify-auth-rs`.
pub(crate) fn default_device_name() -> String {
    let from_env = ["HOSTNAME", "COMPUTERNAME"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|s| !s.trim().is_empty());
    let from_file = || {
        ["/proc/sys/kernel/hostname", "/etc/hostname"]
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .map(|s| s.trim().to_owned())
            .find(|s| !s.is_empty())
    };
    from_env
        .map(|s| s.trim().to_owned())
        .or_else(from_file)
        .map(|s| s.chars().take(256).collect())
        .unwrap_or_else(|| "amplify-auth-rs".to_owned())
}

/// `ListDevices` returns at most this many per page (Cognito's maximum).
const PAGE: u32 = 60;

/// At most this many pages are read, so that a server that keeps answering
/// with a `PaginationToken` cannot hold `fetch_devices` in a loop.
const MAX_PAGES: usize = 100;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListDevicesResponse {
    #[serde(default)]
    devices: Vec<WireDevice>,
    pagination_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireDevice {
    device_key: Option<String>,
    #[serde(default)]
    device_attributes: Vec<WireAttribute>,
    device_create_date: Option<f64>,
    device_last_modified_date: Option<f64>,
    device_last_authenticated_date: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireAttribute {
    name: Option<String>,
    value: Option<String>,
}

impl From<WireDevice> for AuthDevice {
    fn from(d: WireDevice) -> Self {
        let attributes: BTreeMap<String, String> = d
            .device_attributes
            .into_iter()
            .filter_map(|a| Some((a.name?, a.value?)))
            .collect();
        // Epoch seconds; Cognito sends them as JSON numbers, with fractions.
        let secs = |v: Option<f64>| v.filter(|f| f.is_finite()).map(|f| f as i64);
        Self {
            id: d.device_key.unwrap_or_default(),
            name: attributes.get("device_name").cloned(),
            attributes,
            create_date: secs(d.device_create_date),
            last_modified_date: secs(d.device_last_modified_date),
            last_authenticated_date: secs(d.device_last_authenticated_date),
        }
    }
}

/// The signed-in user's access token (refreshed first when needed) and device key.
async fn signed_in(session: &Orchestrator) -> Result<(String, Option<String>, String), AuthError> {
    let tokens = session.current_tokens(false).await?;
    Ok((
        tokens.access.as_compact_str().to_owned(),
        tokens.device_key.clone(),
        tokens.storage_username.clone(),
    ))
}

/// `remember_device`: `UpdateDeviceStatus` remembered, for this machine's device.
pub(crate) async fn remember(session: &Orchestrator) -> Result<(), AuthError> {
    let (access, device_key, _) = signed_in(session).await?;
    let device_key = device_key.ok_or(AuthError::NoDevice)?;
    let req = json!({
        "AccessToken": access,
        "DeviceKey": device_key,
        "DeviceRememberedStatus": "remembered",
    });
    let _: serde_json::Value = session.idp()?.call("UpdateDeviceStatus", &req).await?;
    tracing::debug!(device_key, "device remembered");
    Ok(())
}

/// `forget_device`: `ForgetDevice` of `device_key`, or of this machine's device. When
/// that is this machine's device it is also dropped here, also when Cognito says it
/// no longer exists (it is forgotten either way).
pub(crate) async fn forget(
    session: &Orchestrator,
    device_key: Option<&str>,
) -> Result<(), AuthError> {
    if device_key.is_some_and(|k| k.trim().is_empty()) {
        return Err(AuthError::InvalidParameter {
            name: "device_key".into(),
            message: "empty".into(),
        });
    }
    let (access, current, username) = signed_in(session).await?;
    let target = match (device_key, &current) {
        (Some(k), _) => k.to_owned(),
        (None, Some(k)) => k.clone(),
        (None, None) => return Err(AuthError::NoDevice),
    };
    let is_current = current.as_deref() == Some(target.as_str());
    let req = json!({ "AccessToken": access, "DeviceKey": target });
    let result: Result<serde_json::Value, AuthError> =
        session.idp()?.call("ForgetDevice", &req).await;
    match result {
        Ok(_) => {}
        Err(e) if is_current && is_device_rejection(&e) => {
            tracing::debug!("the device was already gone on the server");
        }
        Err(e) => return Err(e),
    }
    if is_current {
        session.drop_device(&username).await;
    }
    Ok(())
}

/// `fetch_devices`: every page of `ListDevices`.
pub(crate) async fn fetch(session: &Orchestrator) -> Result<Vec<AuthDevice>, AuthError> {
    let (access, _, _) = signed_in(session).await?;
    let idp = session.idp()?;
    let mut devices = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut req = json!({ "AccessToken": access, "Limit": PAGE });
        if let Some(t) = &token {
            req["PaginationToken"] = json!(t);
        }
        let page: ListDevicesResponse = idp.call("ListDevices", &req).await?;
        devices.extend(page.devices.into_iter().map(AuthDevice::from));
        match page.pagination_token.filter(|t| !t.is_empty()) {
            Some(next) if Some(&next) != token.as_ref() => token = Some(next),
            _ => return Ok(devices),
        }
    }
    Err(AuthError::InvalidResponse {
        operation: "ListDevices".into(),
        message: format!("still paginating after {MAX_PAGES} pages"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_device_errors_are_device_rejections() {
        let service = |code: &str| AuthError::Service {
            code: code.into(),
            message: "Device does not exist.".into(),
            status: 400,
        };
        assert!(is_device_rejection(&service("ResourceNotFoundException")));
        assert!(!is_device_rejection(&service("InternalErrorException")));
        assert!(is_device_rejection(&AuthError::NotAuthorized {
            message: "Device is not valid.".into()
        }));
        assert!(!is_device_rejection(&AuthError::NotAuthorized {
            message: "Invalid Refresh Token".into()
        }));
    }

    #[test]
    fn wire_devices_keep_their_name_attributes_and_dates() {
        let wire: WireDevice = serde_json::from_value(json!({
            "DeviceKey": "us-east-1_k",
            "DeviceAttributes": [
                {"Name": "device_name", "Value": "laptop"},
                {"Name": "dev:device_remembered_status", "Value": "remembered"},
                {"Name": "no_value"}
            ],
            "DeviceCreateDate": 1_700_000_000.5,
            "DeviceLastAuthenticatedDate": 1_700_000_100
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let d = AuthDevice::from(wire);
        assert_eq!(d.id, "us-east-1_k");
        assert_eq!(d.name.as_deref(), Some("laptop"));
        assert!(d.is_remembered());
        assert_eq!(d.attributes.len(), 2);
        assert_eq!(d.create_date, Some(1_700_000_000));
        assert_eq!(d.last_modified_date, None);
        assert_eq!(d.last_authenticated_date, Some(1_700_000_100));
    }
}
